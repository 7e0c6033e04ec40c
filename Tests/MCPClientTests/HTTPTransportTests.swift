import AgentProtocol
import Foundation
import LLMClient
@testable import MCPClient
import TestSupport
import Testing

@Suite("Streamable HTTP transport, on the wire")
struct HTTPTransportWireTests {
    @Test("POSTs accept JSON and SSE; after initialize every request carries the session id and the negotiated version; SSE events are delivered in order")
    func headers() async throws {
        let initialize = #"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"s","version":"1"}}}"#
        let http = ScriptedTransport([
            .response(status: 200, headers: ["content-type": "text/event-stream", "mcp-session-id": "abc"],
                      pieces: ["event: message\ndata: \(initialize)\n\n"]),
            .response(status: 202, headers: [:], pieces: []),
            .response(status: 405, headers: [:], pieces: []), // the GET stream: this server has none
        ], fallback: .response(status: 200, headers: ["content-type": "text/event-stream"], pieces: [
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"p\",\"progress\":1}}\n\n",
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[]}}\n\n",
        ]))
        let t = HTTPTransport(url: URL(string: "http://127.0.0.1:1/mcp")!, headers: ["X-Team": "core"], http: http)
        var received = t.receive().makeAsyncIterator()
        try await t.send(Data(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#.utf8))
        #expect(try await received.next().map { String(decoding: $0, as: UTF8.self) } == initialize)
        try await t.send(Data(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8))
        #expect(await eventually(5) { http.requests.contains { $0.method == "GET" } }, "no GET stream after initialized")
        try await t.send(Data(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#.utf8))
        let first = try await received.next().flatMap { JSONValue.parse(String(decoding: $0, as: UTF8.self)) }
        let second = try await received.next().flatMap { JSONValue.parse(String(decoding: $0, as: UTF8.self)) }
        #expect(first?["method"] == "notifications/progress")
        #expect(second?["id"] == 2)
        let get = http.requests.first { $0.method == "GET" }
        #expect(get?.headers["Accept"] == "text/event-stream" && get?.headers["Mcp-Session-Id"] == "abc")
        let posts = http.requests.filter { $0.method == "POST" }
        #expect(posts.count == 3)
        #expect(posts.allSatisfy { $0.headers["Accept"] == "application/json, text/event-stream" && $0.headers["X-Team"] == "core" })
        #expect(posts[0].headers["Mcp-Session-Id"] == nil)
        #expect(posts[1].headers["Mcp-Session-Id"] == "abc" && posts[1].headers["MCP-Protocol-Version"] == "2025-06-18")
        #expect(posts[2].headers["Mcp-Session-Id"] == "abc" && posts[2].headers["MCP-Protocol-Version"] == "2025-06-18")
        await t.disconnect()
        let delete = http.requests.last { $0.method == "DELETE" }
        #expect(delete?.headers["Mcp-Session-Id"] == "abc")
    }

    @Test("an HTTP error answer is an error naming the status and the server's message")
    func httpError() async throws {
        let http = ScriptedTransport([.response(status: 400, headers: ["content-type": "application/json"],
                                                pieces: [#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Bad Request: Missing session ID"}}"#])])
        let t = HTTPTransport(url: URL(string: "http://127.0.0.1:1/mcp")!, headers: [:], http: http)
        await #expect(throws: MCPClientError(.http(status: 400), "Bad Request: Missing session ID")) {
            try await t.send(Data(#"{"jsonrpc":"2.0","id":5,"method":"tools/list"}"#.utf8))
        }
    }
}
