import AgentCore
import AgentProtocol
import AgentTools
import Exec
import Foundation
import Memory
import Store
import Testing

/// A 100,000-message store: 2,500 sessions of generated chatter, and three sessions that really
/// talk about an ingress timeout (one at length, two in passing).
final class SearchFixture: @unchecked Sendable {
    let store: SessionStore
    let planted: [String]

    /// Built once, on its own thread: 100,000 inserts must not hold a thread of the cooperative
    /// pool (two here), which would stall every other running test.
    static let shared = Task { () throws -> SearchFixture in
        try await withCheckedThrowingContinuation { c in
            let t = Thread { c.resume(with: Result { try SearchFixture() }) }
            t.stackSize = 1 << 20
            t.start()
        }
    }

    private init() throws {
        store = try SessionStore(inMemory: ())
        let words = ["build", "deploy", "cache", "test", "branch", "merge", "python", "swift", "config", "server", "client", "query",
                     "table", "index", "render", "widget", "network", "docker", "image", "volume", "shell", "script", "error", "log"]
        var rng = SystemRandomNumberGenerator()
        let base = Date().addingTimeInterval(-200 * 86_400)
        var batch: [(sessionID: String, message: ChatMessage, createdAt: Date)] = []
        for s in 0..<2_500 {
            let when = base.addingTimeInterval(Double(s) * 6_000)
            let id = try store.createSession(model: "m", baseURL: "u", cwd: "/w", source: "cli", id: "s-\(s)", now: when)
            for m in 0..<40 {
                let text = (0..<12).map { _ in words.randomElement(using: &rng)! }.joined(separator: " ")
                batch.append((id, m % 2 == 0 ? .user(text) : .assistant(text), when.addingTimeInterval(Double(m))))
            }
            if batch.count >= 20_000 { try store.appendMessages(batch); batch = [] }
        }
        try store.appendMessages(batch)
        let talks: [(String, [String])] = [
            ("ingress-deep", ["the ingress times out after 60 seconds on large uploads",
                              "raise proxy-read-timeout on the ingress annotation to 300",
                              "the ingress timeout is fixed: uploads of 2 GB pass now"]),
            ("ingress-mention", ["also check whether the ingress timeout matters here"]),
            ("ingress-old", ["an ingress with a short timeout dropped the websocket"]),
        ]
        var ids: [String] = []
        for (i, (name, lines)) in talks.enumerated() {
            let when = base.addingTimeInterval(Double(180 - i * 40) * 86_400) // the deep one is the newest
            let id = try store.createSession(model: "m", baseURL: "u", cwd: "/w", source: "cli", id: name, now: when)
            try store.setTitle(name, sessionID: id)
            try store.appendMessages(lines.enumerated().map { (id, $0.offset % 2 == 0 ? .user($0.element) : .assistant($0.element), when) })
            ids.append(id)
        }
        planted = ids
    }

    func index() async throws {
        _ = try await Indexer(store: store).catchUp()
    }
}

@Suite("session_search", .serialized)
struct SessionSearchTests {
    func fixture() async throws -> SearchFixture {
        let f = try await SearchFixture.shared.value
        try await f.index()
        return f
    }

    func run(_ tool: SessionSearchTool, _ args: JSONValue, session: String = "current") async -> ToolOutput {
        await tool.run(args, context: ToolContext(cwd: "/tmp", backend: LocalBackend(), callID: "c", sessionID: session))
    }

    @Test("over 100,000 messages the sessions that discuss the query come first, grouped, with their matching lines")
    func topHits() async throws {
        let f = try await fixture()
        #expect(try f.store.messageCount() >= 100_000)
        let out = await run(SessionSearchTool(store: f.store), ["query": "ingress timeout", "summarize": false])
        let headers = out.text.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { String($0.dropFirst(3).prefix { $0 != " " }) }
        #expect(headers == ["ingress-deep", "ingress-mention", "ingress-old"], "\(out.text)")
        #expect(out.text.contains("- user: the **ingress** **times** out") || out.text.contains("**ingress** **timeout**"), "\(out.text)")
        // This session is not "past"; nothing matching says so.
        let own = await run(SessionSearchTool(store: f.store), ["query": "ingress timeout", "sessions": 10, "summarize": false], session: "ingress-deep")
        #expect(!own.text.contains("## ingress-deep"))
        #expect(await run(SessionSearchTool(store: f.store), ["query": "zebracorn"]).text == "no past session mentions zebracorn")
    }

    @Test("each top session is summarised for the query once; the summary is cached per session and query")
    func summaries() async throws {
        let f = try await fixture()
        let calls = CallLog()
        let tool = SessionSearchTool(store: f.store) { instructions, text in
            calls.add(instructions)
            #expect(instructions.contains("what this past conversation says about: ingress timeout"))
            return text.contains("proxy-read-timeout") ? "Raised proxy-read-timeout to 300 s; 2 GB uploads pass." : "nothing relevant"
        }
        let first = await run(tool, ["query": "ingress timeout", "sessions": 1])
        #expect(first.text.contains("## ingress-deep") && first.text.contains("Raised proxy-read-timeout to 300 s"), "\(first.text)")
        let again = await run(tool, ["query": "Ingress Timeout", "sessions": 1])
        #expect(again.text.contains("Raised proxy-read-timeout"))
        #expect(calls.count == 1, "the second search used the cached summary")
    }
}

final class CallLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.withLock { items.append(s) } }
    var count: Int { lock.withLock { items.count } }
}
