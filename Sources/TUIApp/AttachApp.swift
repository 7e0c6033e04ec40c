import AgentProtocol
import AppFeature
import Config
import CurlTransport
import Foundation
import Memory
import ServeClient
import SessionHost
import Skills
import Store

/// `talaria attach [SESSION]`: the full-screen interface on a session a running `talaria serve`
/// holds. The turn goes on when the terminal closes; attaching again shows the transcript and
/// the live output; several terminals may attach to one session and any of them answers an
/// approval. (Browsers — sessions, memory, skills — read this machine's store.)
public struct AttachApp: Sendable {
    /// The session (id or unique prefix); nil: the server's most recently active one, or a new one.
    public var session: String?
    public var url: String
    public var tokenFile: String?
    public var theme: String?
    public var keymap: String?

    public init(session: String?, url: String, tokenFile: String?, theme: String? = nil, keymap: String? = nil) {
        self.session = session
        self.url = url
        self.tokenFile = tokenFile
        self.theme = theme
        self.keymap = keymap
    }

    public func run() async throws(ExitStatus) {
        guard isatty(0) == 1, isatty(1) == 1 else {
            printError("talaria attach: the interface needs a terminal")
            throw .usage
        }
        let paths = TalariaPaths()
        let tokenPath = tokenFile.map { UserHome.expand($0) } ?? paths.serveToken
        let token: String
        do { token = try ServeToken.read(tokenPath) } catch {
            printError("talaria attach: \(error.message) (is talaria serve running? --token-file names another)")
            throw .usage
        }
        guard let base = URL(string: url), base.scheme == "http" || base.scheme == "https" else {
            printError("talaria attach: '\(url)' is not an http:// address")
            throw .usage
        }
        let client = ServeClient(base: base, token: token, transport: CurlTransport())
        let cwd = FileManager.default.currentDirectoryPath
        let chosen: ServeClient.Session
        let transcript: [TranscriptItem]
        do {
            chosen = try await Self.choose(session, client: client, cwd: cwd)
            transcript = try await RemoteSession.transcript(client, chosen)
        } catch {
            printError("talaria attach: \(error.description)")
            throw .failed
        }
        let config = try FrontEnd.config(paths)
        let store = try FrontEnd.store(paths)
        var state = TUIApp(theme: theme, keymap: keymap, endpoint: EndpointOverrides()).initialState(paths: paths, config: config, model: chosen.model,
                                                                                                    cwd: chosen.cwd)
        state.backend = "server"
        state.history = (try? store.recentPrompts()) ?? []
        if !transcript.isEmpty {
            _ = reduce(into: &state, .sessionLoaded(ViewedSession(sessionID: chosen.id, title: chosen.title ?? chosen.id), transcript, resumed: true))
        }
        let remote = RemoteSession(client: client, sessionID: chosen.id, cwd: cwd)
        let indexer = Indexer(store: store)
        let environment = TUIEnvironment(catchUpIndex: { _ = try? await indexer.catchUp() }, store: store, cwd: chosen.cwd,
                                         skills: SessionBuilder.skillLibrary(paths: paths, cwd: chosen.cwd),
                                         writer: SkillWriter(root: paths.home + "/skills"), mcp: nil, staleDays: config.memory.staleDays,
                                         memoryLimits: MemoryLimits(notes: config.memory.notesLimit, user: config.memory.userLimit,
                                                                    nudgeEvery: config.memory.nudgeEvery))
        let ui = UIThread.run(state: state, environment: environment, mouse: state.mouseCapture) { remote.enqueue($0) }
        await remote.setSinks(events: { ui.post($0) }, replies: { ui.post($0) })
        ui.post([.toast(.info, "attached to \(chosen.id) at \(url); closing this terminal leaves it running")])
        await ui.finished()
        await remote.shutdown()
    }

    /// The session to show: the one named (opened on the server if only stored), else the
    /// server's busiest-then-newest open one, else a new one in this folder.
    static func choose(_ name: String?, client: ServeClient, cwd: String) async throws(ServeClient.Failure) -> ServeClient.Session {
        if let name {
            let s = try await client.session(name)
            return s.open ? s : try await client.open(resume: s.id)
        }
        let open = try await client.sessions()
        if let s = open.first(where: \.busy) ?? open.max(by: { ($0.updatedAt ?? .distantPast) < ($1.updatedAt ?? .distantPast) }) { return s }
        return try await client.open(cwd: cwd)
    }
}
