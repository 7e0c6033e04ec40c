@testable import ACP
import AgentProtocol
import Foundation
@testable import Store
import Testing

@Suite("ACP messages")
struct ACPTests {
    @Test("JSON-RPC lines are classified: request, notification, response, and what is neither")
    func parse() {
        guard case .request(let id, let method, _) = RPC.parse(#"{"jsonrpc":"2.0","id":7,"method":"initialize","params":{}}"#) else {
            Issue.record("not a request"); return
        }
        #expect(id.intValue == 7 && method == "initialize")
        guard case .notification(let m, let params) = RPC.parse(#"{"jsonrpc":"2.0","method":"session/cancel","params":{"sessionId":"s"}}"#) else {
            Issue.record("not a notification"); return
        }
        #expect(m == "session/cancel" && params["sessionId"]?.stringValue == "s")
        guard case .response(_, let result, nil) = RPC.parse(#"{"jsonrpc":"2.0","id":1,"result":{"outcome":{"outcome":"cancelled"}}}"#) else {
            Issue.record("not a response"); return
        }
        #expect(result?["outcome"]?["outcome"]?.stringValue == "cancelled")
        for bad in ["{not json", "[1,2]", "\"text\"", #"{"jsonrpc":"2.0","id":3}"#] {
            guard case .invalid(_, let code, _) = RPC.parse(bad) else { Issue.record("\(bad) was accepted"); continue }
            #expect(code == RPC.parseError || code == RPC.invalidRequest)
        }
    }

    @Test("events become session/update in ACP's shapes; a tool call goes pending → in_progress (once) → completed or failed")
    func updates() {
        var u = SessionUpdates()
        #expect(u.updates(for: .messageDelta(itemID: "i1", text: "hi"))
            == [["sessionUpdate": "agent_message_chunk", "messageId": "i1", "content": ["type": "text", "text": "hi"]]])
        #expect(u.updates(for: .reasoningDelta(itemID: "i1", text: "hmm")).first?["sessionUpdate"]?.stringValue == "agent_thought_chunk")
        let began = u.updates(for: .toolCallBegan(ToolCallBegan(callID: "c1", name: "read_file", arguments: #"{"path": "a.txt"}"#)))
        #expect(began.first?["title"]?.stringValue == "Read a.txt")
        #expect(began.first?["kind"]?.stringValue == "read")
        #expect(began.first?["status"]?.stringValue == "pending")
        #expect(began.first?["rawInput"]?["path"]?.stringValue == "a.txt")
        #expect(u.updates(for: .toolOutputDelta(callID: "c1", chunk: "x")).first?["status"]?.stringValue == "in_progress")
        #expect(u.updates(for: .toolOutputDelta(callID: "c1", chunk: "y")).isEmpty)
        let ended = u.updates(for: .toolCallEnded(ToolCallEnded(callID: "c1", name: "read_file", status: .failed, output: "no such file", exitCode: nil, elapsedMs: 1)))
        #expect(ended.first?["status"]?.stringValue == "failed")
        #expect(ended.first?["content"]?.arrayValue?.first?["content"]?["text"]?.stringValue == "no such file")
        #expect(u.updates(for: .turnStarted(turnID: "t")).isEmpty)
        #expect(SessionUpdates.kind(of: "terminal") == "execute" && SessionUpdates.kind(of: "patch") == "edit"
            && SessionUpdates.kind(of: "mcp__time__now") == "other")
    }

    @Test("a prompt's content blocks become the turn's text: text, embedded files, links as @mentions")
    func prompt() {
        let text = SessionUpdates.promptText([
            ["type": "text", "text": "look at"],
            ["type": "resource", "resource": ["uri": "file:///w/a.swift", "text": "let x = 1"]],
            ["type": "resource_link", "uri": "file:///w/b.txt", "name": "b.txt"],
            ["type": "image", "data": "AAAA", "mimeType": "image/png"],
        ])
        #expect(text == "look at\n<file path=\"/w/a.swift\">\nlet x = 1\n</file>\n@/w/b.txt")
    }

    @Test("an editor's MCP servers become specs; a server without what it needs is a params error")
    func mcpServers() throws {
        let specs = try ACPAgent.mcpSpecs([
            ["name": "fs", "command": "/bin/mcp-fs", "args": ["--stdio"], "env": [["name": "A", "value": "1"]]],
            ["type": "http", "name": "web", "url": "http://127.0.0.1:9/mcp", "headers": [["name": "X", "value": "y"]]],
        ])
        #expect(specs.map(\.name) == ["fs", "web"])
        if case .stdio(let command, let args, let env, _) = specs[0].transport { #expect(command == "/bin/mcp-fs" && args == ["--stdio"] && env == ["A": "1"]) }
        if case .http(let url, let headers, _) = specs[1].transport { #expect(url == "http://127.0.0.1:9/mcp" && headers == ["X": "y"]) }
        #expect(throws: RPCFailure.self) { try ACPAgent.mcpSpecs([["name": "broken"]]) }
    }

    @Test("session/load's replay: the user's words, the answers, each tool call with its result")
    func replay() {
        let now = Date()
        let messages = [
            StoredMessage(id: 1, sessionID: "s", message: .user("count files"), createdAt: now),
            StoredMessage(id: 2, sessionID: "s", message: ChatMessage(role: .assistant, content: "", toolCalls: [ToolCall(id: "c1", name: "terminal", arguments: #"{"command":"ls | wc -l"}"#)]), createdAt: now),
            StoredMessage(id: 3, sessionID: "s", message: .tool(callID: "c1", name: "terminal", content: "3"), createdAt: now),
            StoredMessage(id: 4, sessionID: "s", message: .assistant("three"), createdAt: now),
        ]
        let kinds = SessionUpdates.replay(messages).compactMap { $0["sessionUpdate"]?.stringValue }
        #expect(kinds == ["user_message_chunk", "tool_call", "tool_call_update", "agent_message_chunk"])
    }
}
