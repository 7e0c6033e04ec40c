import AgentProtocol
import ArgumentParser
import CurlTransport
import Exec
import Foundation
import ServeClient
import Store
import Synchronization

/// `talaria bench soak`: scripted sessions for an hour (by default) in one TUI and one serve
/// process — tools, session search, compression, new sessions, an MCP server killed now and then
/// so it must be reconnected — sampling both processes' memory, descriptors and threads. Then
/// both go idle (their CPU is measured) and end; nothing they started may be left.
struct SoakBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "soak",
                                                    abstract: "An hour of scripted sessions in one TUI and one serve process: RSS, fds, threads, orphans, idle CPU.")
    @Option(help: "How long the sessions run, in minutes.") var minutes = 60.0
    @Option(help: "Seconds between turns, for each of the two front-ends.") var pace = 1.0
    @Option(help: "Seconds between readings.") var sampleSeconds = 30.0
    @Option(help: "An MCP stdio server script for python3 offering ping_tool (the tests' fake_mcp_stdio.py); killed every --mcp-kill-seconds.")
    var mcp: String?
    @Option(help: "Seconds between kills of the MCP server.") var mcpKillSeconds = 300.0

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let llm = try InstantLLMServer()
        let home = NSTemporaryDirectory() + "talaria-bench-soak-\(getpid())"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: home) }
        let binary = CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0]
            : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
        var env = ProcessInfo.processInfo.environment
        env["TALARIA_HOME"] = home
        env["NO_COLOR"] = "1"
        env["TALARIA_LOCAL_PORTS"] = "9"
        env["TERM"] = "xterm-256color"
        let lineage = "TALARIA_BENCH_SOAK=\(getpid())"
        env["TALARIA_BENCH_SOAK"] = String(getpid())
        var config = "checkpoints:\n  enabled: false\n"
        var uses = "terminal,session_search"
        let script = mcp.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 }
        if let script {
            guard FileManager.default.fileExists(atPath: script) else { throw ValidationError("no MCP server script at \(script)") }
            config += "mcp_servers:\n  soak:\n    command: python3\n    args: [\"\(script)\"]\n    trust: always\n"
            uses += ",mcp__soak__ping_tool"
        }
        try config.write(toFile: home + "/config.yaml", atomically: true, encoding: .utf8)
        let model = ["--base-url", llm.baseURL, "--model", "fake-model"]
        let prompt = "soak rounds=3 use=\(uses)"

        // serve, and a client that keeps sessions busy.
        let err = Pipe()
        let server = try CrashBench.start(binary, ["serve", "--listen", "127.0.0.1:0"] + model, env: env, cwd: home, stderr: err)
        let port = try ServeBench.port(from: err.fileHandleForReading)
        let token = try String(contentsOfFile: home + "/serve.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let client = ServeClient(base: URL(string: "http://127.0.0.1:\(port)")!, token: token, transport: CurlTransport())
        let counts = SoakCounts()
        let stop = SoakStop()
        let serveDriver = Task { try await Self.driveServe(client, prompt: prompt, home: home, pace: pace, counts: counts, stop: stop) }

        // The TUI on a terminal of its own, typed at like a user.
        let tui = try PTYProcess([binary, "tui"] + model, environment: env, cwd: home, cols: 120, rows: 40)
        guard tui.read(until: "F1 help", limit: 30) != nil else { throw ValidationError("the TUI did not start") }
        let tuiDriver = Thread { Self.driveTUI(tui, prompt: prompt, pace: pace, counts: counts, stop: stop) }
        tuiDriver.start()

        // Readings until the end; the MCP server is killed now and then.
        let start = ContinuousClock.now
        let end = start + .seconds(minutes * 60)
        var serveReadings: [(Double, ProcReading)] = [], tuiReadings: [(Double, ProcReading)] = []
        var mostProcesses = 0, mcpKills = 0
        var nextKill = start + .seconds(mcpKillSeconds)
        while ContinuousClock.now < end {
            try await Task.sleep(for: .seconds(min(sampleSeconds, max(0.1, (end - ContinuousClock.now).milliseconds / 1000))))
            let at = (ContinuousClock.now - start).milliseconds / 60_000
            serveReadings.append((at, ProcReading(server.processIdentifier)))
            tuiReadings.append((at, ProcReading(tui.pid)))
            mostProcesses = max(mostProcesses, ProcReading.processes(withEnvironment: lineage).count)
            if let script, ContinuousClock.now >= nextKill {
                for pid in Self.mcpServers(lineage, script: script) { kill(pid, SIGKILL); mcpKills += 1 }
                nextKill = ContinuousClock.now + .seconds(mcpKillSeconds)
            }
            if let last = serveReadings.last?.1, let t = tuiReadings.last?.1 {
                print(String(format: "  %5.1f min: serve %.1f MB (own %.1f) %d fds %d threads; tui %.1f MB (own %.1f) %d fds %d threads; %@",
                             at, Double(last.rss) / 1e6, Double(last.anonymous) / 1e6, last.fds, last.threads,
                             Double(t.rss) / 1e6, Double(t.anonymous) / 1e6, t.fds, t.threads, counts.summary))
            }
        }
        stop.set()
        _ = try? await serveDriver.value
        while tuiDriver.isExecuting { try await Task.sleep(for: .milliseconds(50)) }

        // Idle: nothing to do for either; their CPU over 10 s.
        try await Task.sleep(for: .seconds(5))
        _ = tui.read(quiet: 0.5, limit: 2)
        let (s0, t0) = (ProcReading(server.processIdentifier), ProcReading(tui.pid))
        try await Task.sleep(for: .seconds(10))
        let (s1, t1) = (ProcReading(server.processIdentifier), ProcReading(tui.pid))

        // Both end; nothing they started may outlive them.
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        kill(tui.pid, SIGTERM)
        _ = tui.read(quiet: 0.5, limit: 5)
        var left = ProcReading.processes(withEnvironment: lineage).filter { $0 != tui.pid && ProcReading($0).rss > 0 }
        for _ in 0..<50 where !left.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            left = ProcReading.processes(withEnvironment: lineage).filter { $0 != tui.pid && ProcReading($0).rss > 0 }
        }
        let mcpResults = try Self.mcpResults(home + "/state.db")

        print(String(format: "FIGURE soak: %.0f min of scripted sessions, a turn every %.1f s each: serve %d turns in %d sessions (%d compressions); TUI %d prompts (%d /new, %d /compress, %d searches)",
                     minutes, pace, counts.serveTurns, counts.serveSessions, counts.serveCompressions, counts.tuiPrompts, counts.tuiNew, counts.tuiCompress, counts.tuiSearches))
        if mcp != nil {
            print("FIGURE soak MCP: server killed \(mcpKills) times; \(mcpResults.answered) calls answered, \(mcpResults.failed) told it was reconnecting")
        }
        for (name, readings, idle) in [("serve", serveReadings, (s0, s1)), ("tui", tuiReadings, (t0, t1))] {
            print(Self.figure(name, readings, idle: idle))
        }
        print("FIGURE soak: processes alive at once at most \(mostProcesses) (the two, their guardians' children, tools, MCP); left after both ended: \(left.count)")
        if !left.isEmpty { throw ExitCode(1) }
    }

    /// Memory after warm-up (the first tenth, at least one reading) against its first reading
    /// there — the process's own (anonymous) memory, where a leak shows, and the whole RSS,
    /// whose file-backed rest moves with the database pages a search maps in; descriptors and
    /// threads first to last; idle CPU.
    static func figure(_ name: String, _ readings: [(Double, ProcReading)], idle: (ProcReading, ProcReading)) -> String {
        let warm = Array(readings.dropFirst(max(1, readings.count / 10)))
        guard let base = warm.first?.1, let last = warm.last?.1 else { return "FIGURE soak \(name): too short to say" }
        func range(_ value: KeyPath<ProcReading, Int>) -> String {
            let values = warm.map { Double($0.1[keyPath: value]) }
            let (first, lo, hi) = (Double(base[keyPath: value]), values.min() ?? 0, values.max() ?? 0)
            let spread = max(hi - first, first - lo) / max(1, first) * 100
            return String(format: "%.1f MB at %.0f min, %.1f MB at the end (%.1f–%.1f MB, within ±%.1f %%)",
                          first / 1e6, warm.first!.0, Double(last[keyPath: value]) / 1e6, lo / 1e6, hi / 1e6, spread)
        }
        return String(format: "FIGURE soak %@: own memory (anonymous RSS) after warm-up %@; whole RSS %@; fds %d → %d (most %d); threads %d → %d (most %d); idle CPU %.2f ms in 10 s",
                      name, range(\.anonymous), range(\.rss),
                      base.fds, last.fds, warm.map(\.1.fds).max() ?? 0, base.threads, last.threads, warm.map(\.1.threads).max() ?? 0,
                      max(0, idle.1.cpuSeconds - idle.0.cpuSeconds) * 1000)
    }

    /// Turns through serve's API: a session takes 25 turns (a compression every 10th), then is
    /// closed and a new one opened.
    static func driveServe(_ client: ServeClient, prompt: String, home: String, pace: Double, counts: SoakCounts, stop: SoakStop) async throws {
        while !stop.isSet {
            let session = try await client.open(cwd: home)
            counts.add(\.serveSessions)
            var events = client.events(session.id).makeAsyncIterator()
            for turn in 1...25 where !stop.isSet {
                _ = try await client.submit(turn % 10 == 0 ? .compress : .userTurn(UserTurn(text: prompt)), to: session.id)
                if turn % 10 == 0 { counts.add(\.serveCompressions) } else { counts.add(\.serveTurns) }
                // A compression is not waited for (a short conversation may have nothing to fold).
                while turn % 10 != 0, let e = try await events.next() {
                    if case .turnCompleted = e.event { break }
                    if case .turnAborted = e.event { break }
                }
                try await Task.sleep(for: .seconds(pace))
            }
            _ = try? await client.call("DELETE", "/sessions/\(session.id)")
        }
    }

    /// Keys as a user types them: prompts; every 25th a new conversation, a compression, a search.
    static func driveTUI(_ tui: PTYProcess, prompt: String, pace: Double, counts: SoakCounts, stop: SoakStop) {
        var i = 0
        while !stop.isSet {
            switch i % 25 {
            case 24: tui.write("/new\r"); counts.add(\.tuiNew)
            case 12: tui.write("/compress\r"); counts.add(\.tuiCompress)
            case 6:
                tui.write("\u{12}")
                _ = tui.read(quiet: 0.2, limit: 1)
                tui.write("soak")
                _ = tui.read(quiet: 0.3, limit: 2)
                tui.write("\u{1B}")
                counts.add(\.tuiSearches)
            default: tui.write(prompt + "\r"); counts.add(\.tuiPrompts)
            }
            // The terminal is read all along, as a real one is (a full PTY buffer would stall the TUI).
            _ = tui.read(quiet: pace, limit: pace)
            i += 1
        }
    }

    /// The MCP servers the front-ends started (the script's process).
    static func mcpServers(_ lineage: String, script: String) -> [Int32] {
        ProcReading.processes(withEnvironment: lineage).filter { pid in
            let cmd = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { String(decoding: $0, as: UTF8.self) } ?? ""
            return cmd.contains(script)
        }
    }

    /// MCP calls answered ("pong") and those told the server was reconnecting, from the store.
    static func mcpResults(_ db: String) throws -> (answered: Int, failed: Int) {
        let store = try SessionStore(path: db)
        var answered = 0, failed = 0
        for s in try store.sessions(limit: 1_000_000) {
            for m in try store.messages(sessionID: s.id) where m.message.role == .tool && m.message.name == "mcp__soak__ping_tool" {
                if m.message.content.contains("pong") { answered += 1 } else { failed += 1 }
            }
        }
        return (answered, failed)
    }
}

/// Tells the drivers to stop.
final class SoakStop: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

/// What the two drivers did (one updates from a task, the other from a thread).
final class SoakCounts: Sendable {
    struct Values { var serveTurns = 0, serveSessions = 0, serveCompressions = 0, tuiPrompts = 0, tuiNew = 0, tuiCompress = 0, tuiSearches = 0 }
    private let values = Mutex(Values())
    func add(_ key: WritableKeyPath<Values, Int>) { values.withLock { $0[keyPath: key] += 1 } }
    var serveTurns: Int { values.withLock { $0.serveTurns } }
    var serveSessions: Int { values.withLock { $0.serveSessions } }
    var serveCompressions: Int { values.withLock { $0.serveCompressions } }
    var tuiPrompts: Int { values.withLock { $0.tuiPrompts } }
    var tuiNew: Int { values.withLock { $0.tuiNew } }
    var tuiCompress: Int { values.withLock { $0.tuiCompress } }
    var tuiSearches: Int { values.withLock { $0.tuiSearches } }
    var summary: String { values.withLock { "serve \($0.serveTurns) turns, TUI \($0.tuiPrompts) prompts" } }
}
