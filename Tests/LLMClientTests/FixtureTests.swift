import AgentProtocol
import Foundation
@testable import LLMClient
import TestSupport
import Testing

/// Streams recorded from the llama.cpp peer (`Fixtures/sse/*.txt`), replayed through the client
/// in network-sized pieces.
@Suite("Recorded llama.cpp streams")
struct FixtureTests {
    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/sse/\(name)", withExtension: "txt"))
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// Splits the recorded text into pieces of `size` bytes, cutting lines anywhere.
    static func pieces(_ text: String, size: Int) -> [String] {
        let bytes = Array(text.utf8)
        return stride(from: 0, to: bytes.count, by: size).map { String(decoding: bytes[$0..<min($0 + size, bytes.count)], as: UTF8.self) }
    }

    @Test("a native tool-call stream merges into one call with valid JSON arguments, whatever the read size", arguments: [7, 64, 4096])
    func toolCall(size: Int) async throws {
        let raw = try Self.fixture("llama-tool-call")
        let t = ScriptedTransport([.response(status: 200, headers: [:], pieces: Self.pieces(raw, size: size))])
        let spec = ToolSpec(name: "get_weather", description: "", parameters: ["type": "object"])
        let (events, r) = try await collect(LLMClient(endpoint: endpoint, transport: t), LLMRequest(messages: [.user("x")], tools: [spec]))
        let response = try #require(r)
        #expect(response.toolCalls.count == 1)
        #expect(response.toolCalls.first?.name == "get_weather")
        #expect(response.toolCalls.first?.id == "FygCZ3KDPO5SlYJsb3q1z74TPnhGohrQ")
        let args = try #require(JSONValue.parse(response.toolCalls[0].arguments))
        #expect(args["city"]?.stringValue?.contains("Paris") == true)
        #expect(response.finishReason == .toolCalls)
        #expect(response.usage != nil)
        #expect(text(events) == "")
    }

    @Test("a text stream with a usage chunk and llama.cpp timings", arguments: [5, 4096])
    func plainText(size: Int) async throws {
        let raw = try Self.fixture("llama-text")
        let t = ScriptedTransport([.response(status: 200, headers: [:], pieces: Self.pieces(raw, size: size))])
        let (events, r) = try await collect(LLMClient(endpoint: endpoint, transport: t), LLMRequest(messages: [.user("x")]))
        let response = try #require(r)
        #expect(!response.content.isEmpty)
        #expect(text(events) == response.content)
        #expect(response.usage?.promptTokens ?? 0 > 0)
        #expect(response.usage?.cachedTokens == 18)
    }
}
