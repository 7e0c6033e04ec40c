import AgentProtocol
import ArgumentParser
import CurlTransport
import Foundation
import ServeClient
import SessionHost
import Synchronization

/// `talaria bench serve`: the real `talaria serve` (this binary) against the instant server —
/// an Op's POST to its first event, events fanned out to many subscribers, many sessions at once.
struct ServeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve",
                                                    abstract: "talaria serve: an Op to its first event (p50/p95), fan-out to 10 subscribers, 100 sessions at once (RSS).")
    @Option(help: "Prompts for the latency figure.") var runs = 100
    @Option(help: "Subscribers of one session for the fan-out figure.") var subscribers = 10
    @Option(help: "Sessions answering at once.") var sessions = 100

    func run() async throws {
        let llm = try InstantLLMServer()
        let home = NSTemporaryDirectory() + "talaria-bench-serve-\(getpid())"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let binary = CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0]
            : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = ["serve", "--listen", "127.0.0.1:0", "--base-url", llm.baseURL, "--model", "fake-model"]
        server.currentDirectoryURL = URL(fileURLWithPath: home)
        var env = ProcessInfo.processInfo.environment
        env["TALARIA_HOME"] = home
        server.environment = env
        let err = Pipe()
        server.standardError = err
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { server.terminate() }
        let port = try Self.port(from: err.fileHandleForReading)
        let token = try String(contentsOfFile: home + "/serve.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let client = ServeClient(base: URL(string: "http://127.0.0.1:\(port)")!, token: token, transport: CurlTransport())

        // 1. POST of an Op to its first event on the session's stream, beside the floor: the
        //    same authenticated round trip that starts nothing (GET of the session).
        let s = try await client.open(cwd: home)
        let watch = Watch()
        let follower = Task { for try await e in client.events(s.id) { watch.saw(e) } }
        defer { follower.cancel() }
        var latency: [Double] = [], floor: [Double] = []
        for i in 0..<(runs + 5) {
            let t0 = ContinuousClock.now
            let submission = try await client.submit(.userTurn(UserTurn(text: "hi \(i)")), to: s.id)
            let first = try await watch.first(of: submission)
            try await watch.end(of: submission)
            let t1 = ContinuousClock.now
            _ = try await client.session(s.id)
            let t2 = ContinuousClock.now
            if i >= 5 { // warm-up
                latency.append((first - t0).milliseconds)
                floor.append((t2 - t1).milliseconds)
            }
        }
        let l = Stats(latency), f = Stats(floor)
        print(String(format: "FIGURE serve op→first event: p50 %.2f ms, p95 %.2f ms over %d prompts (floor, an authenticated GET: p50 %.2f ms; ratio %.1f×)",
                     l.median, l.p95, runs, f.median, l.median / f.median))

        // 2. One streamed answer fanned out to N subscribers, beside one subscriber alone.
        func fanOut(_ n: Int) async throws -> (perSecond: Double, events: Int) {
            let session = try await client.open(cwd: home)
            let tally = Tally()
            var tasks: [Task<Void, any Error>] = []
            for _ in 0..<n {
                tasks.append(Task {
                    for try await e in client.events(session.id) {
                        tally.saw(e)
                        if case .turnCompleted = e.event { return }
                    }
                })
            }
            while tally.connected < n { try await Task.sleep(for: .milliseconds(1)) }
            try await client.submit(.userTurn(UserTurn(text: "stream=3000 rate=1000000")), to: session.id)
            for t in tasks { try await t.value }
            let (total, a, b) = tally.result
            return (Double(total) / max(1e-6, (b - a).milliseconds / 1000), total)
        }
        let one = try await fanOut(1)
        let many = try await fanOut(subscribers)
        print(String(format: "FIGURE serve fan-out: %.0f events/s delivered to %d subscribers (%.0f each; one subscriber alone: %.0f/s; ratio %.2f)",
                     many.perSecond, subscribers, many.perSecond / Double(subscribers), one.perSecond, many.perSecond / Double(subscribers) / one.perSecond))

        // 3. Many sessions answering at once; the server's memory before and after.
        let before = Self.rss(server.processIdentifier)
        let t0 = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<sessions {
                group.addTask {
                    let session = try await client.open(cwd: home)
                    let w = Watch()
                    let follow = Task { for try await e in client.events(session.id) { w.saw(e) } }
                    let sub = try await client.submit(.userTurn(UserTurn(text: "hello \(i) rounds=1")), to: session.id)
                    try await w.end(of: sub)
                    follow.cancel()
                }
            }
            try await group.waitForAll()
        }
        let elapsed = (ContinuousClock.now - t0).milliseconds
        let after = Self.rss(server.processIdentifier)
        let open = try await client.sessions().count
        print(String(format: "FIGURE serve %d sessions at once: all answered (a tool round each) in %.0f ms; %d open; server RSS %.1f MB → %.1f MB (%.0f KB per session)",
                     sessions, elapsed, open, Double(before) / 1024, Double(after) / 1024, Double(after - before) / Double(sessions)))
    }


    static func port(from handle: FileHandle) throws -> Int {
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let d = handle.availableData
            if d.isEmpty { break }
            text += String(decoding: d, as: UTF8.self)
            if let r = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression), let n = Int(text[r].split(separator: ":").last ?? "") {
                Thread { while !handle.availableData.isEmpty {} }.start()
                return n
            }
        }
        throw ValidationError("talaria serve did not start: \(text)")
    }

    /// Resident memory in KB (/proc).
    static func rss(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

/// Events delivered to the fan-out's subscribers: how many, from the first to the last.
final class Tally: Sendable {
    private let state = Mutex<(connected: Int, events: Int, first: ContinuousClock.Instant?, last: ContinuousClock.Instant?)>((0, 0, nil, nil))

    func saw(_ e: EventEnvelope) {
        let now = ContinuousClock.now
        state.withLock { s in
            // A subscriber is connected once the session's first event (its configuration) reached it.
            if case .sessionConfigured = e.event { s.connected += 1 }
            guard e.submissionID > 0 else { return }
            s.events += 1
            s.first = s.first ?? now
            s.last = now
        }
    }

    var connected: Int { state.withLock { $0.connected } }
    var result: (Int, ContinuousClock.Instant, ContinuousClock.Instant) {
        state.withLock { ($0.events, $0.first ?? .now, $0.last ?? .now) }
    }
}

/// When each submission's first event and its end arrived on a stream.
final class Watch: Sendable {
    private let state = Mutex<(first: [Int: ContinuousClock.Instant], ended: Set<Int>)>(([:], []))

    func saw(_ e: EventEnvelope) {
        let now = ContinuousClock.now
        state.withLock { s in
            if s.first[e.submissionID] == nil { s.first[e.submissionID] = now }
            switch e.event {
            case .turnCompleted, .turnAborted: s.ended.insert(e.submissionID)
            default: break
            }
        }
    }

    func first(of submission: Int) async throws -> ContinuousClock.Instant {
        while true {
            if let t = state.withLock({ $0.first[submission] }) { return t }
            try await Task.sleep(for: .microseconds(50))
        }
    }

    func end(of submission: Int) async throws {
        while !state.withLock({ $0.ended.contains(submission) }) { try await Task.sleep(for: .microseconds(200)) }
    }
}
