import AgentProtocol
import ArgumentParser
import CurlTransport
import Exec
import Foundation
import LLMClient
import ServeClient
import Store

/// `talaria bench crash`: kill -9 of `talaria -p`, `talaria serve` and the TUI (this binary) at
/// random moments of scripted turns that run tools (`sleep`, so one is often running) and stream
/// their answer, and after each: the database's integrity, the search index against its table,
/// every message the agent had shown as done still stored, no process of the killed agent left
/// (found by a variable only its environment carries), and the next start working.
struct CrashBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "crash",
                                                    abstract: "kill -9 of -p, serve and the TUI at random moments: integrity, index, shown messages kept, no orphans, next start.")
    @Option(help: "Kills in all (a third each of -p, serve and the TUI).") var runs = 100

    func run() async throws {
        // A killed server's socket must fail a write, not end this process.
        signal(SIGPIPE, SIG_IGN)
        let llm = try InstantLLMServer()
        let home = NSTemporaryDirectory() + "talaria-bench-crash-\(getpid())"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: home) }
        let binary = CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0]
            : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
        var env = ProcessInfo.processInfo.environment
        env["TALARIA_HOME"] = home
        env["NO_COLOR"] = "1"
        env["TALARIA_LOCAL_PORTS"] = "9"
        // Every process a killed agent started inherits this; none may be left after the kill.
        let lineage = "TALARIA_BENCH_CRASH=\(getpid())"
        env["TALARIA_BENCH_CRASH"] = String(getpid())
        // The TUI says a turn is done on the terminal (OSC 9) when it is not focused (every turn here takes over 1 s).
        try "notify: osc9\nnotify_after: 1\n".write(toFile: home + "/config.yaml", atomically: true, encoding: .utf8)
        let model = ["--base-url", llm.baseURL, "--model", "fake-model"]
        let db = home + "/state.db"
        let marker = "crash-marker-\(getpid())"

        var sound = 0, indexed = 0, kept = 0, shownTotal = 0, restarts = 0, orphans = 0, checked = 0, killedInTool = 0
        var problems: [String] = []
        for i in 0..<runs {
            // A turn: a `sleep 0.2` and a `nohup sleep 3 | cat` tool call, then 400 tokens streamed in 0.5 s.
            // A kill during the second leaves a process that a missing clean-up would show for seconds.
            let delay = Double.random(in: 0.05...4.2)
            let prompt = "\(marker) \(i) rounds=2 sleep=0.2 sleep2=3 stream=400 rate=800"
            var shown = 0
            if i % 3 == 0 {
                let out = Pipe()
                let p = try Self.start(binary, ["-p", prompt, "--json"] + model, env: env, cwd: home, stdout: out)
                try await Task.sleep(for: .seconds(delay))
                if Self.processes(withEnvironment: lineage) > 1 { killedInTool += 1 }
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                shown = printed.components(separatedBy: "\"messageCompleted\"").count - 1
            } else if i % 3 == 2 {
                var tuiEnv = env
                tuiEnv["TERM"] = "xterm-256color"
                let p = try PTYProcess([binary, "tui"] + model, environment: tuiEnv, cwd: home, cols: 100, rows: 30)
                guard var screen = p.read(until: "F1 help", limit: 20) else { problems.append("run \(i): the TUI did not start"); continue }
                p.write("\u{1B}[O") // focus out: the TUI reports finished turns
                p.write(prompt + "\r")
                screen += p.read(quiet: delay, limit: delay)
                if Self.processes(withEnvironment: lineage) > 1 { killedInTool += 1 }
                kill(p.pid, SIGKILL)
                screen += p.read(quiet: 0.2, limit: 2)
                shown = String(decoding: screen, as: UTF8.self).components(separatedBy: "\u{1B}]9;Talaria finished").count - 1
            } else {
                let err = Pipe()
                let p = try Self.start(binary, ["serve", "--listen", "127.0.0.1:0"] + model, env: env, cwd: home, stderr: err)
                let port = try ServeBench.port(from: err.fileHandleForReading)
                let token = try String(contentsOfFile: home + "/serve.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                let client = ServeClient(base: URL(string: "http://127.0.0.1:\(port)")!, token: token, transport: CurlTransport())
                let s = try await client.open(cwd: home)
                let counter = ShownCounter()
                let follower = Task { for try await e in client.events(s.id) { if case .messageCompleted = e.event { counter.add() } } }
                _ = try await client.submit(.userTurn(UserTurn(text: prompt)), to: s.id)
                try await Task.sleep(for: .seconds(delay))
                if Self.processes(withEnvironment: lineage) > 1 { killedInTool += 1 }
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                follower.cancel()
                shown = counter.value
            }
            shownTotal += shown
            checked += 1
            // The database as the killed process left it.
            do {
                let h = try SessionStore.inspect(path: db)
                if h.isSound { sound += 1 } else { problems.append("run \(i): integrity \(h.integrity.prefix(2))") }
                if h.indexAgrees { indexed += 1 } else { problems.append("run \(i): index holds \(h.indexed) of \(h.shouldBeIndexed)") }
            } catch { problems.append("run \(i): \(error)") }
            // What was shown as done is stored: the run's session has at least that many answers.
            do {
                let store = try SessionStore(path: db)
                let hits = try store.sessions(limit: 5).first { s in
                    (try? store.messages(sessionID: s.id))?.first { $0.message.role == .user }?.message.content.hasPrefix("\(marker) \(i) ") == true
                }
                let answers = try hits.map { try store.messages(sessionID: $0.id).filter { $0.message.role == .assistant }.count } ?? 0
                if answers >= shown { kept += 1 } else { problems.append("run \(i): \(shown) answers shown, \(answers) stored") }
            } catch { problems.append("run \(i): cannot reopen: \(error)") }
            // No process of the killed agent is left (its guardian needs a moment to see it gone).
            var left = Self.processes(withEnvironment: lineage)
            for _ in 0..<50 where left > 0 {
                try await Task.sleep(for: .milliseconds(20))
                left = Self.processes(withEnvironment: lineage)
            }
            if left > 0 { orphans += 1; problems.append("run \(i): \(left) processes left") }
            // The next start works.
            if i % 5 == 4 {
                let after = try Self.start(binary, ["-p", "after \(i)"] + model, env: env, cwd: home)
                after.waitUntilExit()
                if after.terminationStatus == 0 { restarts += 1 } else { problems.append("run \(i): the next start exited \(after.terminationStatus)") }
            }
        }
        let (ofP, ofServe) = ((checked + 2) / 3, (checked + 1) / 3)
        print("FIGURE crash: \(checked) kill -9 (\(ofP) of -p, \(ofServe) of serve, \(checked - ofP - ofServe) of the TUI), at random moments of turns with tools and a streamed answer; \(killedInTool) while a tool ran")
        print("FIGURE crash: integrity ok \(sound)/\(checked); index agrees \(indexed)/\(checked); shown answers stored \(kept)/\(checked) (\(shownTotal) shown); "
              + "runs leaving a process \(orphans); next start ok \(restarts)/\(checked / 5)")
        for p in problems.prefix(10) { print("  \(p)") }
        if !problems.isEmpty || orphans > 0 { throw ExitCode(1) }
    }

    static func start(_ binary: String, _ args: [String], env: [String: String], cwd: String, stdout: Pipe? = nil, stderr: Pipe? = nil) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.environment = env
        p.currentDirectoryURL = URL(fileURLWithPath: cwd)
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = stdout ?? FileHandle.nullDevice
        p.standardError = stderr ?? FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Processes (other than this one) whose environment holds `entry`: what an agent started
    /// with it, and everything those started.
    static func processes(withEnvironment entry: String) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let needle = Array(entry.utf8)
        return entries.filter { Int($0) != nil && Int32($0) != getpid() }.filter { pid in
            guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return raw.split(separator: 0).contains { Array($0) == needle }
        }.count
    }
}

/// Answers a stream shows as done (counted from the serve client's task).
final class ShownCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
