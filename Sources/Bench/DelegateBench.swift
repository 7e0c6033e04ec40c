import AgentProtocol
import ArgumentParser
import Config
import CurlTransport
import Foundation
import SessionHost
import Store

/// `talaria bench delegate`: what a subagent costs over running its goal as a top-level
/// session, and many children at once (in process, against the instant server).
struct DelegateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delegate",
                                                    abstract: "Subagents: a child's overhead over a top-level run of its goal; 20 children at once (RSS).")
    @Option(help: "Runs per median.") var runs = 20
    @Option(help: "Children at once.") var children = 20

    func run() async throws {
        let llm = try InstantLLMServer()
        let home = NSTemporaryDirectory() + "talaria-bench-delegate-\(getpid())"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let paths = TalariaPaths(environment: ["TALARIA_HOME": home])
        var config = TalariaConfig()
        config.delegation.maxConcurrent = children
        config.memory.enabled = false
        let settings = Settings(paths: paths, config: config, baseURL: llm.baseURL, model: "fake-model", environment: [:])
        let host = SessionHost(builder: SessionBuilder(settings: settings, store: try SessionStore(path: paths.database), transport: CurlTransport()))
        let request = SessionRequest(cwd: home, source: .bench, approvals: .yes, interactive: false)

        /// One turn of a new session: its duration, and the delegate_task call's if there was one.
        func turn(_ prompt: String, expecting done: Int = 0) async throws -> (turn: Double, delegate: Double?) {
            let s = try await host.open(request)
            let a = await s.attach(.observer)
            let t0 = ContinuousClock.now
            try await s.submit(.userTurn(UserTurn(text: prompt)))
            var began: ContinuousClock.Instant?, delegate: Double?
            for await e in a.events {
                if case .toolCallBegan(let b) = e.event, b.name == "delegate_task" { began = .now }
                if case .toolCallEnded(let x) = e.event, x.name == "delegate_task", let began {
                    delegate = (ContinuousClock.now - began).milliseconds
                    let finished = x.output.components(separatedBy: "status: done").count - 1
                    guard finished == done else { throw ValidationError("\(finished) of \(done) children finished: \(x.output.prefix(300))") }
                }
                if case .turnCompleted = e.event { break }
                if case .turnAborted(let x) = e.event { throw ValidationError("the turn failed: \(x.message)") }
            }
            let total = (ContinuousClock.now - t0).milliseconds
            await host.close(s.id)
            return (total, delegate)
        }

        // The goal as a top-level session's turn, and the same goal as one child.
        var top: [Double] = [], child: [Double] = []
        for i in 0..<(runs + 3) {
            let a = try await turn("child 1: say hello")
            let b = try await turn("delegate=1 please", expecting: 1)
            if i >= 3 {
                top.append(a.turn)
                child.append(b.delegate ?? .nan)
            }
        }
        let t = Stats(top), c = Stats(child)
        print(String(format: "FIGURE delegate child overhead: %.2f ms (a child, the delegate_task call: median %.2f ms; its goal as a top-level turn: %.2f ms) over %d runs",
                     c.median - t.median, c.median, t.median, runs))

        let before = Self.rss()
        let many = try await turn("delegate=\(children) please", expecting: children)
        let after = Self.rss()
        print(String(format: "FIGURE delegate %d children at once: %.0f ms for the call (%.1f ms each); RSS %.1f MB → %.1f MB",
                     children, many.delegate ?? .nan, (many.delegate ?? .nan) / Double(children), Double(before) / 1024, Double(after) / 1024))
        await host.closeAll()
    }


    /// This process's resident memory in KB.
    static func rss() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
