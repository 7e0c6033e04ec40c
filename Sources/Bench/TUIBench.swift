import AgentProtocol
import ArgumentParser
import Exec
import Foundation
import Store
import Synchronization

/// `talaria bench tui`: the TUI measured as a user's terminal sees it — the real binary on a
/// pseudo-terminal, bytes counted as they arrive, CPU and wake-ups read from /proc.
struct TUIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tui", abstract: "First frame, keystroke cost, streaming, idle wake-ups, RSS.")
    @Option(help: "Messages in the long transcript.") var messages = 10_000
    @Option(help: "Runs for the first-frame median.") var runs = 7

    func run() async throws {
        let server = try InstantLLMServer()
        let home = NSTemporaryDirectory() + "talaria-bench-tui-\(getpid())"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let binary = CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0]
            : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
        func launch(_ extra: [String] = []) throws -> PTYProcess {
            var env = ProcessInfo.processInfo.environment
            env["TALARIA_HOME"] = home
            env["TALARIA_LOCAL_PORTS"] = "9"
            env["TERM"] = "xterm-256color"
            return try PTYProcess([binary, "tui", "--base-url", server.baseURL] + extra, environment: env, cwd: home, cols: 120, rows: 40)
        }

        // First frame: spawn to the status line on the terminal.
        var firsts: [Double] = []
        for _ in 0..<runs {
            let t0 = Date()
            let p = try launch()
            guard p.read(until: "F1 help", limit: 10) != nil else { throw ValidationError("no first frame") }
            firsts.append(Date().timeIntervalSince(t0) * 1000)
        }
        print(String(format: "FIGURE tui first frame: median %.1f ms (min %.1f) over %d runs", Stats(firsts).median, Stats(firsts).min, runs))

        // A newcomer's first run: a fresh home, nothing configured, no server to find. The
        // interface is usable on its first-run screen at once (it used to build llama.cpp and
        // download a model first, ~10.5 minutes on two cores).
        var fresh: [Double] = []
        for i in 0..<runs {
            let empty = home + "/fresh-\(i)"
            try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
            var env = ProcessInfo.processInfo.environment
            env["TALARIA_HOME"] = empty
            env["TALARIA_LOCAL_PORTS"] = "9"
            env["TERM"] = "xterm-256color"
            env.removeValue(forKey: "OPENAI_BASE_URL")
            let t0 = Date()
            let p = try PTYProcess([binary, "tui"], environment: env, cwd: empty, cols: 120, rows: 40)
            guard p.read(until: "Another server", limit: 10) != nil else { throw ValidationError("no first-run screen") }
            fresh.append(Date().timeIntervalSince(t0) * 1000)
        }
        print(String(format: "FIGURE tui first run: a fresh home with nothing configured is usable (its first-run screen) after %.1f ms median (min %.1f) over %d runs",
                     Stats(fresh).median, Stats(fresh).min, runs))

        // Idle: no wake-ups, no CPU.
        let idle = try launch()
        _ = idle.read(until: "F1 help", limit: 10)
        _ = idle.read(quiet: 0.5, limit: 2)
        let (cs0, cpu0) = (idle.contextSwitches, idle.cpuSeconds)
        try await Task.sleep(for: .seconds(10))
        // The UI thread is the app's; the rest is the Swift runtime's thread pool (libdispatch's
        // work-queue monitor ticks once a second on Linux whatever the app does).
        print(String(format: "FIGURE tui idle: UI thread %d wake-ups, whole process %d, %.2f ms CPU in 10 s; RSS %.1f MB",
                     idle.wakeups(since: cs0, thread: "talaria.ui"), idle.wakeups(since: cs0),
                     max(0, idle.cpuSeconds - cpu0) * 1000, Double(idle.rss) / 1e6))
        let (emptyCPU, emptyBytes) = keystrokes(idle, count: 100)
        print(String(format: "FIGURE tui keystroke (empty transcript): %.3f ms CPU, %.0f bytes written per key", emptyCPU, emptyBytes))

        // A long transcript: the cost of a keystroke must not grow with it.
        let sessionID = try seed(home: home, messages: messages)
        let long = try launch(["--resume", sessionID])
        _ = long.read(until: "F1 help", limit: 60)
        _ = long.read(quiet: 0.5, limit: 5)
        let (cpu, bytes) = keystrokes(long, count: 200)
        print(String(format: "FIGURE tui keystroke (%d-message transcript): %.3f ms CPU, %.0f bytes written per key; RSS %.1f MB",
                     messages, cpu, bytes, Double(long.rss) / 1e6))

        // Streaming at 2,000 tokens/s: how far behind the last token the screen is.
        let tokens = 6_000, rate = 2_000.0
        let stream = try launch()
        _ = stream.read(until: "F1 help", limit: 10)
        let c0 = stream.cpuSeconds
        let t0 = ContinuousClock.now
        stream.write("stream=\(tokens) rate=\(Int(rate))\r")
        guard let out = stream.read(until: "END-OF-STREAM", limit: 60) else { throw ValidationError("the stream never finished on screen") }
        let seen = ContinuousClock.now
        let times = InstantLLMServer.streamTimes.withLock { $0 }
        guard let first = times.first, let last = times.last else { throw ValidationError("the server never streamed") }
        let lag = (seen - last).milliseconds, elapsed = (seen - t0).milliseconds / 1000
        print(String(format: "FIGURE tui streaming %.0f tok/s: last token on screen %.1f ms after the server sent it (%.1f frames at 60 Hz); Enter to first token sent %.1f ms; CPU %.0f%% of a core; %.1f KB/s to the terminal",
                     rate, lag, lag / (1000.0 / 60), (first - t0).milliseconds, (stream.cpuSeconds - c0) / elapsed * 100, Double(out.count) / elapsed / 1024))
    }

    /// Types `count` characters at a fast typist's pace; CPU and bytes per key.
    func keystrokes(_ p: PTYProcess, count: Int) -> (Double, Double) {
        let cpu0 = p.cpuSeconds
        var bytes = 0
        for i in 0..<count {
            p.write(i % 40 == 39 ? "\u{15}" : String(UnicodeScalar(UInt8(97 + i % 26)))) // Ctrl-U now and then
            bytes += p.read(quiet: 0.01, limit: 0.5).count
        }
        return ((p.cpuSeconds - cpu0) * 1000 / Double(count), Double(bytes) / Double(count))
    }

    /// A stored session of `messages` messages (markdown answers, some code) to resume.
    func seed(home: String, messages: Int) throws -> String {
        let store = try SessionStore(path: home + "/state.db")
        let id = try store.createSession(model: "fake-model", baseURL: "", cwd: home, source: "bench", id: SessionStore.makeSessionID())
        var batch: [(sessionID: String, message: ChatMessage, createdAt: Date)] = []
        for i in 0..<messages {
            let m = i % 2 == 0 ? ChatMessage(role: .user, content: "question \(i): how do I fix the build?")
                : ChatMessage(role: .assistant, content: "Answer \(i): run **make** and check `Package.swift`.\n\n```swift\nlet x = \(i)\n```\n\n- one\n- two")
            batch.append((id, m, Date()))
            if batch.count == 1000 { try store.appendMessages(batch); batch = [] }
        }
        if !batch.isEmpty { try store.appendMessages(batch) }
        return id
    }
}
