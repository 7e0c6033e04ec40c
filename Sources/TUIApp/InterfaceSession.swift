import AgentCore
import AgentProtocol
import Checkpoints
import AppFeature
import Config
import CurlTransport
import Exec
import Foundation
import LocalModel
import MCPClient
import SessionHost
import Store

/// The interface's session, replaceable: /new, /resume and /model open another one in the
/// session host, on the same store and the same backend.
///
/// Everything the interface asks of the session — ops and session changes alike — arrives on
/// one ordered queue and is handled one at a time, so a turn typed after `/new` reaches the new
/// session. A switch never waits for the old session: the new one takes over at once, the old
/// one's events stop reaching the screen, and the host closes it in the background (its turn
/// cancelled, its end-of-session pass and index catch-up allowed to finish before the program
/// exits).
actor InterfaceSession {
    private let paths: TalariaPaths
    private var config: TalariaConfig
    private let overrides: EndpointOverrides
    private let store: SessionStore
    private let transport: CurlTransport
    private let cwd: String
    private let mcp: MCPHub?
    private let yolo: Bool
    /// The sessions' host; nil until an endpoint is known (the first-run screen's choice).
    private var host: SessionHost?
    /// Hosts of an earlier endpoint, closed at the end.
    private var retiredHosts: [SessionHost] = []
    private var session: HostedSession?
    private var attachment: SessionAttachment?
    private var forwarding: Task<Void, Never>?
    /// The live view of another session (`/agents open` on a running subagent).
    private var watching: Task<Void, Never>?
    private var events: (@Sendable (EventEnvelope) -> Void)?
    private var replies: (@Sendable ([AppAction]) -> Void)?
    private var model: String
    private(set) var sessionID = ""
    /// Where commands run, shared by the sessions of this run (one container, one connection).
    private(set) var backend: any ExecutionBackend
    private let commands: AsyncStream<SessionEffect>.Continuation

    init(paths: TalariaPaths, config: TalariaConfig, endpoint: EndpointOverrides, settings: Settings?, store: SessionStore,
         transport: CurlTransport, cwd: String, mcp: MCPHub? = nil, yolo: Bool = false) {
        self.paths = paths
        self.config = config
        self.overrides = endpoint
        self.mcp = mcp
        self.yolo = yolo
        self.store = store
        self.transport = transport
        self.cwd = cwd
        model = settings?.model ?? ""
        host = settings.map { SessionHost(builder: SessionBuilder(settings: $0, store: store, transport: transport, toolSources: mcp.map { [$0] } ?? [])) }
        backend = Backends.make(config.backendSpec, workspace: cwd, stateDirectory: paths.home)
        let (stream, continuation) = AsyncStream<SessionEffect>.makeStream()
        commands = continuation
        Task { await self.consume(stream) }
    }

    private func consume(_ stream: AsyncStream<SessionEffect>) async {
        for await command in stream { await handle(command) }
    }

    /// Queues a command for the session, in order (any thread).
    nonisolated func enqueue(_ command: SessionEffect) { commands.yield(command) }

    /// Where the current session's events and the answers to session commands go.
    func setSinks(events: @escaping @Sendable (EventEnvelope) -> Void, replies: @escaping @Sendable ([AppAction]) -> Void) {
        self.events = events
        self.replies = replies
        startForwarding()
    }

    private func reply(_ actions: AppAction...) { replies?(actions) }

    private func handle(_ command: SessionEffect) async {
        switch command {
        case .op(let op):
            // `@file` mentions are attached by the host; approvals are taken from the driver.
            _ = try? await session?.submit(op, from: attachment?.id)
        case .newSession:
            do {
                try await switchTo(resume: nil)
                reply(.toast(.info, "new session"))
            } catch { reply(.toast(.error, "\(error)")) }
        case .resumeSession(let id):
            do {
                let info = try store.session(id: id)
                try await switchTo(resume: info.id)
                reply(.sessionLoaded(ViewedSession(sessionID: info.id, title: TUIEnvironment.title(info)),
                                     try StoredTranscript.items(store: store, sessionID: info.id), resumed: true))
            } catch { reply(.toast(.error, "\(error)")) }
        case .setModel(let newModel):
            do {
                try await switchTo(resume: sessionID, model: newModel)
                reply(.toast(.info, "model: \(newModel)"))
            } catch { reply(.toast(.error, "\(error)")) }
        case .setBackend(let kind):
            do { reply(.backendChanged(try await switchBackend(to: kind))) } catch {
                reply(.toast(.error, "cannot switch to \(kind.rawValue): \(error.message)"))
            }
        case .useEndpoint(let choice):
            await useEndpoint(choice)
        case .watchSession(let id):
            await watch(id)
        case .background(let prompt):
            await startBackground(prompt)
        case .cancelSession(let id):
            guard let other = await host?.session(id) else { reply(.toast(.info, "that session is no longer running")); return }
            _ = try? await other.submit(.interrupt)
        case .branch(let request):
            await branch(request)
        }
    }

    /// The workspace's checkpoints, shared with the sessions' snapshots (nil: off).
    func checkpointStore() -> CheckpointStore? { host?.builder.checkpoints?.store(for: cwd) }

    /// Continues in a new session cut from this one (the old one stays as it is, its parent).
    private func branch(_ request: BranchRequest) async {
        do {
            let messages = try store.messages(sessionID: sessionID)
            guard case .at(let through) = Self.cut(messages, request) else { reply(.toast(.error, "there is no such message of yours to branch at")); return }
            let newID = try store.fork(sessionID, through: through, source: SessionSource.tui.rawValue)
            try await switchTo(resume: newID)
            let info = try store.session(id: newID)
            var actions: [AppAction] = [.sessionLoaded(ViewedSession(sessionID: newID, title: TUIEnvironment.title(info)),
                                                       try StoredTranscript.items(store: store, sessionID: newID), resumed: true)]
            if let text = request.submit { actions.append(.send(text)) }
            replies?(actions)
        } catch { reply(.toast(.error, "cannot branch: \(error)")) }
    }

    enum Cut: Equatable {
        /// The last message the branch keeps (nil: all of them).
        case at(Int64?)
        case noSuchMessage
    }

    /// Where a branch is cut in `messages`.
    static func cut(_ messages: [StoredMessage], _ request: BranchRequest) -> Cut {
        guard let k = request.userMessageFromEnd else { return .at(nil) }
        let users = messages.filter { $0.message.role == .user }
        guard k >= 0, k < users.count else { return .noSuchMessage }
        let target = users[users.count - 1 - k]
        if request.keepsMessage { return .at(target.id) }
        return .at(messages.last { $0.id < target.id }?.id ?? 0)
    }

    /// Shows a running session (a subagent) live: what it has committed, then its events.
    private func watch(_ id: String) async {
        guard let other = await host?.session(id) else {
            // It ended meanwhile: its stored transcript is all there is.
            do {
                let info = try store.session(id: id)
                reply(.sessionLoaded(ViewedSession(sessionID: info.id, title: TUIEnvironment.title(info)),
                                     try StoredTranscript.items(store: store, sessionID: info.id), resumed: false))
            } catch { reply(.toast(.error, "\(error)")) }
            return
        }
        watching?.cancel()
        // Exact without deduplication: what was stored before the host opened it, then its
        // event log (which covers everything since), then live events.
        let attachment = await other.attach(.observer)
        let stored = ((try? store.messages(sessionID: id)) ?? []).prefix(other.priorMessages)
        let items = StoredTranscript.load(Array(stored)) { callID in (try? store.toolRun(callID: callID, sessionID: id)) ?? nil }.items
        reply(.sessionLoaded(ViewedSession(sessionID: id, title: "subagent \(id) (live)"), items, resumed: false))
        let replies = replies
        watching = Task {
            replies?(attachment.history.map { .watchedEvent(sessionID: id, $0) })
            for await e in attachment.events { replies?([.watchedEvent(sessionID: id, e)]) }
        }
    }

    /// `/background PROMPT`: a session of its own, nobody to ask (the approval policy decides),
    /// announced when it ends. It is an ordinary stored session (`/agents open` shows it).
    private func startBackground(_ prompt: String) async {
        guard let host else { reply(.toast(.error, "no model yet")); return }
        let request = SessionRequest(cwd: cwd, source: .tui, model: model, approvals: yolo ? .yes : nil, interactive: false, backend: backend)
        let session: HostedSession
        do { session = try await host.open(request) } catch { reply(.toast(.error, "\(error)")); return }
        let attachment = await session.attach(.observer)
        var task = BackgroundTask(sessionID: session.id, prompt: prompt)
        reply(.backgroundUpdate(task))
        let replies = replies
        Task {
            let start = ContinuousClock.now
            _ = try? await session.submit(.userTurn(UserTurn(text: prompt)))
            for await e in attachment.events {
                switch e.event {
                case .turnCompleted(let done):
                    task.status = done.stoppedBy == nil && !done.reachedIterationLimit ? "done" : "out of budget"
                    task.answer = done.finalText
                case .turnAborted(let aborted):
                    task.status = aborted.reason == .interrupted ? "cancelled" : "failed"
                    task.answer = aborted.message
                default: continue
                }
                break
            }
            task.status = task.status ?? "cancelled"
            let d = ContinuousClock.now - start
            task.elapsedMs = d.wholeMilliseconds
            replies?([.backgroundUpdate(task)])
            await host.retire(session.id)
        }
    }

    /// The first-run screen's choice: checked (or prepared), saved to config.yaml, then the
    /// session starts on it. Failures say why and leave the screen up.
    private func useEndpoint(_ choice: EndpointChoice) async {
        do {
            var values: [(key: String, value: String?)]
            switch choice {
            case .server(let url, let key, let model):
                reply(.setupProgress(SetupProgress(note: "checking \(url)…")))
                guard let base = URL(string: url) else { reply(.setupFailed("'\(url)' is not an address")); return }
                let lister = ModelLister(transport: transport, baseURL: base, apiKey: key.isEmpty ? nil : key)
                guard let first = await lister.firstModel() else {
                    reply(.setupFailed("no OpenAI-compatible server answered at \(url)/models\(key.isEmpty ? "" : " with that key"). Check the address (it usually ends in /v1) and the key."))
                    return
                }
                values = [("base_url", url), ("model", model.isEmpty ? first : model), ("local_model", nil)]
                if !key.isEmpty {
                    try SecretsFile.set("TALARIA_API_KEY", key, paths: paths)
                    values.append(("api_key_env", "TALARIA_API_KEY"))
                }
            case .local(let text):
                let spec = try LocalModelSpec.parse(text)
                let installer = LocalModelInstaller(dir: paths.local, transport: transport)
                let port = LocalServerDetector.freePort()
                _ = try await installer.prepare(spec, port: port) { [weak self] p in
                    Task { await self?.reply(.setupProgress(SetupProgress(note: p.note, fraction: p.fraction))) }
                }
                values = [("local_model", spec.id), ("base_url", nil), ("model", nil)]
            }
            try ConfigFile.set(values, at: paths.configFile, note: "chosen on the first-run screen")
            config = try TalariaConfig.load(path: paths.configFile)
            let resolved: Settings
            do { resolved = try await Settings.resolve(overrides, transport: transport, startLocal: false) } catch {
                reply(.setupFailed(error.message))
                return
            }
            if let host { retiredHosts.append(host) }
            host = SessionHost(builder: SessionBuilder(settings: resolved, store: store, transport: transport, toolSources: mcp.map { [$0] } ?? []))
            model = resolved.model
            try await switchTo(resume: nil)
            reply(.setupFinished(model: resolved.model, backend: backend.identity))
        } catch let e as InstallError {
            reply(.setupFailed(e.message))
        } catch let e as ConfigError {
            reply(.setupFailed("\(e)"))
        } catch {
            reply(.setupFailed("\(error)"))
        }
    }

    /// Starts the first session: new, or continuing `resume`.
    func start(resume: String?) async throws {
        try await switchTo(resume: resume)
    }

    /// Opens a session (new, or continuing `resume`; `model` over the current one) and makes it
    /// the interface's at once; the one before is closed in the background. When the new one
    /// cannot open, a different session stays as it was.
    private func switchTo(resume: String?, model newModel: String? = nil) async throws {
        guard let host else { return }
        let old = session
        forwarding?.cancel()
        forwarding = nil
        if let old, let a = attachment { await old.detach(a.id) }
        attachment = nil
        // The same session on another model: the old agent lets go of it first.
        if let old, old.id == resume { await host.retire(old.id) }
        let request = SessionRequest(cwd: cwd, source: .tui, resume: resume, model: newModel ?? model,
                                     approvals: yolo ? .yes : nil, interactive: true, backend: backend)
        let opened: HostedSession
        do { opened = try await host.open(request) } catch {
            if let old, old.id != resume { session = old; attachment = await old.attach(.driver); startForwarding() }
            throw error
        }
        if let old, old.id != opened.id { await host.retire(old.id) }
        session = opened
        attachment = await opened.attach(.driver)
        model = newModel ?? model
        sessionID = opened.id
        startForwarding()
    }

    private func startForwarding() {
        guard let attachment, let events, forwarding == nil else { return }
        // What the session said before this attachment joined and the screen cannot know
        // otherwise: its id and model, a resumed plan or goal, its processes. (Its turns are in the transcript.)
        for e in attachment.history {
            switch e.event {
            case .sessionConfigured, .plan, .goal, .process: events(e)
            default: continue
            }
        }
        // The interface shows what it typed when it sends it; the session's echo is not shown again.
        forwarding = Task { for await e in attachment.events { if case .userMessage = e.event { continue }; events(e) } }
    }

    /// Brings the search index up to the session's newest messages (before a search).
    func catchUpIndex() async { await session?.catchUpIndex() }

    /// Prepares `kind` (with its settings from config.yaml) and moves the session onto it;
    /// on failure the session stays where it was. Returns the new backend's identity.
    func switchBackend(to kind: BackendKind) async throws(ExecError) -> String {
        let new = Backends.make(config.spec(for: kind), workspace: cwd, stateDirectory: paths.home)
        try await new.prepare()
        let old = backend
        backend = new
        await session?.agent.switchBackend(to: new)
        await old.shutdown()
        return new.identity
    }

    /// Readies the configured backend in the background of the first frame; its problem, if any.
    func prepareBackend() async -> String? {
        do { try await backend.prepare() } catch { return "backend \(backend.identity): \(error.message)" }
        return nil
    }

    func shutdown() async {
        commands.finish()
        forwarding?.cancel()
        await host?.closeAll()
        for old in retiredHosts { await old.closeAll() }
        await backend.shutdown()
    }
}
