import AgentProtocol
import Foundation
import Testing

@Suite("Protocol values")
struct AgentProtocolTests {
    static let events: [AgentEvent] = [
        .sessionConfigured(SessionConfigured(sessionID: "s", model: "m", baseURL: "u", contextWindow: 8192, tools: ["terminal"])),
        .turnStarted(turnID: "t1"),
        .messageDelta(itemID: "i", text: "héllo 🌍"),
        .reasoningDelta(itemID: "i", text: "hmm"),
        .messageCompleted(MessageCompleted(itemID: "i", text: "x", reasoning: nil, toolCalls: [ToolCall(id: "c", name: "n", arguments: "{}")])),
        .toolCallBegan(ToolCallBegan(callID: "c", name: "terminal", arguments: #"{"command":"ls"}"#)),
        .toolOutputDelta(callID: "c", chunk: "\u{1B}[31mred"),
        .toolCallEnded(ToolCallEnded(callID: "c", name: "terminal", status: .failed, output: "x", exitCode: 2, elapsedMs: 5)),
        .approvalRequested(ApprovalRequest(callID: "c", tool: "terminal", command: "sudo x", reason: "sudo")),
        .usage(UsageReport(last: Usage(promptTokens: 1, completionTokens: 2), total: Usage(promptTokens: 3), contextWindow: nil)),
        .retrying(Retrying(attempt: 1, maxAttempts: 3, delayMs: 1000, reason: "429")),
        .turnCompleted(TurnCompleted(turnID: "t1", finalText: "done", iterations: 2, usage: Usage(), stoppedBy: .iterationLimit)),
        .turnCompleted(TurnCompleted(turnID: "t2", finalText: "done", iterations: 2, usage: Usage(), stoppedBy: .loopGuard)),
        .turnAborted(TurnAborted(turnID: "t1", reason: .interrupted, message: "x")),
        .error(AgentErrorEvent(message: "boom", isFatal: true)),
        .warning("careful"),
    ]

    @Test("every event survives a JSON round trip inside an envelope")
    func roundTrip() throws {
        for (i, e) in Self.events.enumerated() {
            let env = EventEnvelope(submissionID: 1, seq: i, event: e)
            let back = try JSONDecoder().decode(EventEnvelope.self, from: JSONEncoder().encode(env))
            #expect(back == env)
        }
    }

    @Test("only deltas are coalescable")
    func deltas() {
        #expect(Self.events.filter(\.isDelta).count == 3)
    }

    @Test("every Op survives a JSON round trip")
    func ops() throws {
        let ops: [Op] = [.userTurn(UserTurn(text: "hi")), .interrupt, .approveTool(callID: "c", decision: .session), .shutdown]
        for op in ops { #expect(try JSONDecoder().decode(Op.self, from: JSONEncoder().encode(op)) == op) }
    }

    @Test("JSONValue parses, prints sorted and round-trips numbers without a fraction")
    func json() {
        let v = JSONValue.parse(#"{"b":[1,2.5,true,null],"a":"x"}"#)
        #expect(v == ["a": "x", "b": [1, 2.5, true, nil]])
        #expect(v?.jsonText == #"{"a":"x","b":[1,2.5,true,null]}"#)
        #expect(JSONValue.parse("{nope") == nil)
    }

    @Test("JSONWriter output parses back to the same value, with every control character escaped")
    func writer() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t cr \r nul \u{0} bell \u{7} é 🌍 </script>"
        let v: JSONValue = ["s": .string(tricky), "n": [1, -2.5, 1e300, 0.1], "b": [true, false, nil], "o": ["z": 1, "a": [:]]]
        var w = JSONWriter()
        w.value(v)
        let text = String(decoding: w.bytes, as: UTF8.self)
        #expect(JSONValue.parse(text) == v)
        #expect(text.hasPrefix(#"{"b":[true,false,null],"n":[1,-2.5,"#))
        #expect(!text.utf8.contains { $0 < 0x20 })
        var calls = JSONWriter()
        calls.toolCalls([ToolCall(id: "c\"1", name: "t", arguments: #"{"a":"\n"}"#)])
        let parsed = try #require(JSONValue.parse(String(decoding: calls.bytes, as: UTF8.self)))
        #expect(parsed == [["id": "c\"1", "type": "function", "function": ["name": "t", "arguments": #"{"a":"\n"}"#]]])
    }
}
