import AgentCore
import AgentProtocol
import AgentTools
import Foundation
import TestSupport
import Testing

/// The plan `todo` keeps: an event after each change, word for word through compression,
/// restored on resume.
@Suite("The plan in the turn loop")
struct PlanTests {
    static let plan = #"{"todos": [{"content": "read the config", "status": "done"}, {"content": "fix the parser", "status": "in_progress"}, {"content": "run the tests", "status": "pending"}]}"#
    static let rendered = "Plan (1/3 done):\n[x] read the config\n[>] fix the parser\n[ ] run the tests"

    @Test("a todo call is an event with the whole plan; compression keeps it verbatim; a resumed session has it back")
    func planLifecycle() async throws {
        let h = try Harness([SSE.answer("hello"), SSE.callTool("todo", arguments: Self.plan, id: "p1"), SSE.answer("planned"),
                             SSE.answer("read it"), SSE.answer("fixed"), SSE.answer("the summary")],
                            contextWindow: 100_000, plan: PlanBoard())
        _ = await h.turn("one")
        let planned = await h.turn("make a plan")
        let plans = planned.compactMap { if case .plan(let p) = $0 { p } else { nil } }
        #expect(plans == [[PlanItem("read the config", .done), PlanItem("fix the parser", .inProgress), PlanItem("run the tests")]])
        for t in ["go on", "next"] { _ = await h.turn(t) }
        await h.agent.submit(.compress)
        for await env in h.agent.events {
            if case .contextCompressed(let c) = env.event {
                #expect(c.message.contains("and the agent's latest plan"), "\(c.message)")
                break
            }
            if case .warning(let w) = env.event { Issue.record("\(w)"); break }
        }
        let history = await h.agent.messages.map(\.content)
        let summary = try #require(history.first { $0.hasPrefix("[Summary of ") }, "\(history)")
        #expect(summary.hasSuffix("The current plan (your todo list, word for word):\n" + Self.rendered), "\(summary)")
        // The call itself went with the middle: the plan is there because it was kept, not by chance.
        #expect(!(await h.agent.messages).contains { $0.toolCalls.contains { $0.name == "todo" } })

        let again = try Harness([SSE.answer("back")], store: h.store, resume: await h.agent.sessionID, plan: PlanBoard())
        var restored: [PlanItem]?
        for await env in again.agent.events {
            if case .plan(let p) = env.event { restored = p; break }
            if case .sessionConfigured = env.event { continue }
            break
        }
        #expect(restored?.rendered == Self.rendered)
    }
}
