import AgentCore
import AgentProtocol
import AgentTools
import CurlTransport
import Exec
import Foundation
import LLMClient
import Store
import TestSupport
import Testing

private let peer = ProcessInfo.processInfo.environment["LLM_BASE_URL"]
private let underCI = ProcessInfo.processInfo.environment["CI"] == "true"

/// The summariser of context compression against the real llama.cpp peer (`make test` starts it).
@Suite("Compression against the real llama.cpp peer", .llmPeer, .timeLimit(.minutes(peerQueueLimitMinutes)), .enabled(if: peer != nil || underCI, "LLM peer not running: make test starts it"))
struct RealSummaryTests {
    @Test("/compress: the real model's summary (or the extract, when it is no shorter) stands in for a long middle; the first and latest messages stay; the next turn still answers")
    func realSummary() async throws {
        let base = try #require(peer, "CI=true but LLM_BASE_URL is not set: the peer did not start")
        let model = ProcessInfo.processInfo.environment["LLM_MODEL"] ?? "qwen"
        let store = try SessionStore(inMemory: ())
        let client = LLMClient(endpoint: Endpoint(baseURL: URL(string: base)!, apiKey: nil, model: model), transport: CurlTransport())
        let config = AgentConfiguration.test(model: model, baseURL: base, cwd: "/tmp", maxIterations: 2, approvalMode: .denyAll,
                                        contextWindowOverride: 4096, maxTokens: 48, temperature: 0)
        let agent = try Agent(config: config, services: AgentServices(client: client, store: store, tools: ToolRegistry([]), backend: LocalBackend()))
        var events: [AgentEvent] = []
        func turn(_ text: String) async {
            await agent.submit(.userTurn(UserTurn(text: text)))
            for await env in agent.events {
                events.append(env.event)
                if case .turnCompleted = env.event { return }
                if case .turnAborted = env.event { return }
            }
        }
        await turn("My project is called Falcon and it is written in Rust. Reply with one short sentence.")
        // A long middle, as a real session has (a pasted log): what stands in for it must be shorter.
        let log = (1...40).map { "ld: warning: libssl.so.3 needed by libfalcon_net.a(tls-\($0).o) not found (try using -rpath)" }.joined(separator: "\n")
        await turn("The Falcon build fails with a linker error about openssl:\n\(log)\nReply with one short sentence.")
        await turn("We fixed it by installing libssl-dev. Reply with one short sentence.")
        await agent.submit(.compress)
        var compression: ContextCompression?
        for await env in agent.events {
            if case .contextCompressed(let c) = env.event { compression = c; break }
            if case .warning(let w) = env.event { Issue.record("\(w)"); break }
        }
        let c = try #require(compression)
        // The model's summary when it is short enough, else the extract: either way it frees context.
        #expect(c.tokensAfter < c.tokensBefore, "\(c.message)")
        let history = await agent.messages.map(\.content)
        #expect(history.first?.hasPrefix("My project is called Falcon") == true)
        let record = try #require(history.first { $0.hasPrefix("[Summary of ") }, "\(history)")
        #expect(record.count > 120 && record.count < log.count, "\(record.count) characters stand in for a \(log.count)-character log")
        #expect(history.contains("We fixed it by installing libssl-dev. Reply with one short sentence."))
        await turn("What is my project called? One word.")
        #expect(events.contains { if case .turnCompleted(let t) = $0 { !t.finalText.isEmpty } else { false } })
    }
}
