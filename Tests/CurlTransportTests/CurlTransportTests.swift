import AgentProtocol
import CurlTransport
import Foundation
import LLMClient
import Testing
import TestSupport

@Suite("libcurl transport against the fake server", .serialized)
struct CurlTransportTests {
    @Test("GET returns status, lowercased headers and body")
    func get() async throws {
        let server = try await FakeLLMServer(nCtx: 2048)
        let r = try await CurlTransport().send(HTTPRequest(url: URL(string: "http://127.0.0.1:\(server.port)/props")!))
        #expect(r.status == 200)
        #expect(r.headers["content-type"] == "application/json")
        #expect(String(decoding: r.body, as: UTF8.self).contains("2048"))
    }

    @Test("a streamed completion arrives in several body parts through the real client")
    func streaming() async throws {
        let server = try await FakeLLMServer()
        let client = LLMClient(endpoint: Endpoint(baseURL: URL(string: server.baseURL)!, apiKey: nil, model: "m"), transport: CurlTransport())
        var deltas = 0
        var final: AssistantResponse?
        for try await e in client.stream(LLMRequest(messages: [.user("hello slow=5")])) {
            if case .textDelta = e { deltas += 1 }
            if case .completed(let r) = e { final = r }
        }
        #expect(deltas > 2)
        #expect(final?.content == "Done. The answer is 42.")
    }

    @Test("connection refused is a connectionFailed error")
    func refused() async throws {
        await #expect(throws: TransportError.self) {
            _ = try await CurlTransport().send(HTTPRequest(url: URL(string: "http://127.0.0.1:9/")!, connectTimeout: 1))
        }
    }

    @Test("cancelling a request the server answers nothing to ends it within half a second")
    func cancel() async throws {
        let server = try await FakeLLMServer()
        let req = HTTPRequest(url: URL(string: "\(server.baseURL)/chat/completions")!, method: "POST",
                              headers: ["content-type": "application/json"],
                              body: Data(#"{"messages":[{"role":"user","content":"x fault=hang"}],"stream":true}"#.utf8))
        // The best of three: on a loaded two-core machine one wake-up may be scheduled late.
        var best = Duration.seconds(60)
        for _ in 0..<3 {
            let task = Task { try await CurlTransport().send(req) }
            try await Task.sleep(for: .milliseconds(300))
            let start = ContinuousClock.now
            task.cancel()
            _ = try? await task.value
            best = min(best, ContinuousClock.now - start)
            if best < .milliseconds(500) { break }
        }
        // The wake-up ends the poll at once (curl documents its progress callback, the only
        // other way to notice, as slowing to about once a second while nothing arrives).
        #expect(best < .milliseconds(500), "cancel waited \(best)")
    }
}
