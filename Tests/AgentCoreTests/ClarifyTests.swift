import AgentCore
import AgentProtocol
import AgentTools
import Exec
import Foundation
import TestSupport
import Testing

/// `clarify`: the question reaches the front-ends, the answer reaches the model; without a
/// user the model is told to go on; an interrupt ends the wait.
@Suite("The clarify tool")
struct ClarifyTests {
    static let question = #"{"question": "Which database?", "choices": ["PostgreSQL", "SQLite"]}"#

    func toolResult(_ h: Harness) -> String? {
        messages(h.transport.requestBodies.last ?? [:]).last { $0["role"] as? String == "tool" }?["content"] as? String
    }

    @Test("with a user: a clarifyRequested event with the choices; the answer is the tool's result")
    func answered() async throws {
        let h = try Harness([SSE.callTool("clarify", arguments: Self.question, id: "q1"), SSE.answer("SQLite it is")], clarify: true, userPresent: true)
        let events = await h.turn("set up storage") { event, agent in
            if case .clarifyRequested(let q) = event {
                #expect(q == ClarifyRequest(callID: "q1", question: "Which database?", choices: ["PostgreSQL", "SQLite"]))
                await agent.submit(.answerClarify(callID: q.callID, answer: q.answer(for: "2")))
                // A second answer to the same question is dropped, not a crash.
                await agent.submit(.answerClarify(callID: q.callID, answer: "again"))
            }
        }
        #expect(events.contains { if case .clarifyRequested = $0 { true } else { false } })
        #expect(toolResult(h) == "The user answered: SQLite")
        if case .turnCompleted(let done)? = events.last { #expect(done.finalText == "SQLite it is") } else { Issue.record("\(events)") }
    }

    @Test("skipped (nil answer): the model goes on with its best judgment")
    func skipped() async throws {
        let h = try Harness([SSE.callTool("clarify", arguments: #"{"question": "Tabs or spaces?"}"#, id: "q1"), SSE.answer("spaces")],
                            clarify: true, userPresent: true)
        _ = await h.turn("format it") { event, agent in
            if case .clarifyRequested(let q) = event { await agent.submit(.answerClarify(callID: q.callID, answer: nil)) }
        }
        #expect(toolResult(h)?.contains("dismissed the question") == true, "\(toolResult(h) ?? "")")
    }

    @Test("without a user (-p, a subagent): no event, and the model is told to proceed and say what it assumed")
    func noUser() async throws {
        let h = try Harness([SSE.callTool("clarify", arguments: Self.question, id: "q1"), SSE.answer("went with SQLite")], clarify: true)
        let events = await h.turn("set up storage")
        #expect(!events.contains { if case .clarifyRequested = $0 { true } else { false } })
        #expect(toolResult(h)?.contains("No user is available") == true)
    }

    @Test("an interrupt while the question waits ends the turn as interrupted")
    func interrupted() async throws {
        let h = try Harness([SSE.callTool("clarify", arguments: Self.question, id: "q1"), SSE.answer("never")], clarify: true, userPresent: true)
        let events = await h.turn("set up storage") { event, agent in
            if case .clarifyRequested = event { await agent.submit(.interrupt) }
        }
        guard case .turnAborted(let a)? = events.last else { Issue.record("\(names(events))"); return }
        #expect(a.reason == .interrupted)
    }

    @Test("bad arguments are the model's error: no question, too many choices")
    func badArguments() async {
        let context = ToolContext(cwd: "/tmp", backend: LocalBackend(), callID: "c")
        #expect(await ClarifyTool().run(["choices": ["a"]], context: context).text.contains("missing required argument 'question'"))
        let many = JSONValue.array((1...10).map { .string("c\($0)") })
        #expect(await ClarifyTool().run(["question": "which?", "choices": many], context: context).text.contains("at most 9 choices"))
    }

    @Test("an answer typed: a choice's number picks it; other text is the answer; blank is none")
    func typedAnswers() {
        let q = ClarifyRequest(callID: "c", question: "which?", choices: ["red", "blue"])
        #expect(q.answer(for: " 2 ") == "blue")
        #expect(q.answer(for: "3") == "3")
        #expect(q.answer(for: "green, please") == "green, please")
        #expect(q.answer(for: "  ") == nil)
    }
}
