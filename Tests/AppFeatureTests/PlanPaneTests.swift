import AgentProtocol
@testable import AppFeature
import Testing
import TUIKit

/// The plan pane above the editor: the model's `todo` steps while any is open; Alt-P folds it.
@Suite("The plan pane")
struct PlanPaneTests {
    static let steps = [PlanItem("read the parser and its tests", .done), PlanItem("fix the off-by-one in Lexer.next()", .inProgress),
                        PlanItem("add a test for an empty input"), PlanItem("run the whole suite"), PlanItem("drop the old workaround", .cancelled)]

    static func planning() -> AppState {
        var s = state([.user("fix the lexer"), .assistant(AssistantItem(id: "a1", text: "On it."))], busy: true)
        _ = reduce(into: &s, .agent(EventEnvelope(submissionID: 1, seq: 1, event: .plan(Self.steps))))
        return s
    }

    @Test("the plan event fills the pane; Alt-P folds it to the current step; a finished plan leaves the screen; another session starts without it")
    func reducer() {
        var s = Self.planning()
        #expect(s.plan == Self.steps)
        var text = screen(s, (100, 24)).lines().joined(separator: "\n")
        #expect(text.contains("─ plan 1/5 done") && text.contains(" ✓ read the parser and its tests\n ▶ fix the off-by-one in Lexer.next()\n ○ add a test"), "\(text)")
        _ = reduce(into: &s, .keyPressed(KeyEvent(.character("p"), .alt)))
        text = screen(s, (100, 24)).lines().joined(separator: "\n")
        #expect(!s.planExpanded && text.contains("─ plan 1/5 · ▶ fix the off-by-one in Lexer.next()") && !text.contains("○ add a test"), "\(text)")
        let finished = Self.steps.map { PlanItem($0.content, $0.status == .cancelled ? .cancelled : .done) }
        _ = reduce(into: &s, .agent(EventEnvelope(submissionID: 1, seq: 2, event: .plan(finished))))
        #expect(!screen(s, (100, 24)).lines().joined(separator: "\n").contains("plan 5/5"), "a finished plan stayed on screen")
        _ = reduce(into: &s, .agent(EventEnvelope(submissionID: 1, seq: 3, event: .sessionConfigured(SessionConfigured(sessionID: "other", model: "m", baseURL: "b", contextWindow: nil, tools: [])))))
        #expect(s.plan.isEmpty)
    }

    @Test("the plan pane", arguments: sizes + [(60, 8)])
    func snapshot(size: (Int, Int)) {
        assertSnapshot(screen(Self.planning(), size), named: "plan")
    }
}
