import AgentProtocol
@testable import AppFeature
import Testing
import TUIKit

/// The model's question (`clarify`): a pane above the editor, answered from the editor.
@Suite("The question pane")
struct QuestionPaneTests {
    static let question = ClarifyRequest(callID: "q1", question: "Which database should the service use? It keeps a few thousand rows.",
                                         choices: ["PostgreSQL (the team runs one)", "SQLite (a file beside the binary)"])

    static func asking() -> AppState {
        var s = state([.user("add storage to the service"), .assistant(AssistantItem(id: "a1", text: "A question first."))], busy: true)
        _ = reduce(into: &s, .agent(EventEnvelope(submissionID: 1, seq: 1, event: .clarifyRequested(Self.question))))
        return s
    }

    func type(_ text: String, _ s: inout AppState) -> [AppEffect] {
        for c in text { _ = reduce(into: &s, .keyPressed(KeyEvent(.character(c)))) }
        return reduce(into: &s, .keyPressed(KeyEvent(.enter)))
    }

    @Test("the question and its numbered choices show above the editor; a number and Enter answers with that choice, not a queued prompt")
    func pickByNumber() {
        var s = Self.asking()
        let text = screen(s, (100, 24)).lines().joined(separator: "\n")
        #expect(text.contains("? Talaria asks") && text.contains(" Which database should the service use?")
                && text.contains("  1 PostgreSQL (the team runs one)\n  2 SQLite (a file beside the binary)"), "\(text)")
        #expect(text.contains("your answer: a choice's number or your own words"), "\(text)")
        let effects = type("2", &s)
        #expect(effects == [.submit(.answerClarify(callID: "q1", answer: "SQLite (a file beside the binary)"))])
        #expect(s.pendingQuestion == nil && s.queued.isEmpty && s.input.text.isEmpty)
        #expect(!screen(s, (100, 24)).lines().joined(separator: "\n").contains("Talaria asks"))
    }

    @Test("own words are the answer; Esc skips the question and a second Esc interrupts the turn")
    func ownWordsAndEsc() {
        var s = Self.asking()
        #expect(type("MySQL, we have one", &s) == [.submit(.answerClarify(callID: "q1", answer: "MySQL, we have one"))])
        s = Self.asking()
        #expect(reduce(into: &s, .keyPressed(KeyEvent(.escape))) == [.submit(.answerClarify(callID: "q1", answer: nil))])
        #expect(s.pendingQuestion == nil)
        #expect(reduce(into: &s, .keyPressed(KeyEvent(.escape))) == [.submit(.interrupt)])
    }

    @Test("the question goes when its call ends or the turn is aborted")
    func clearedByTheAgent() {
        var s = Self.asking()
        _ = reduce(into: &s, .agent(EventEnvelope(submissionID: 1, seq: 2, event: .turnAborted(TurnAborted(turnID: "t", reason: .interrupted, message: "")))))
        #expect(s.pendingQuestion == nil)
        s = Self.asking()
        _ = reduce(into: &s, .agent(EventEnvelope(submissionID: 1, seq: 2, event: .toolCallEnded(ToolCallEnded(
            callID: "q1", name: "clarify", status: .cancelled, output: "", exitCode: nil, elapsedMs: 1)))))
        #expect(s.pendingQuestion == nil)
    }

    @Test("the question pane", arguments: sizes + [(60, 8)])
    func snapshot(size: (Int, Int)) {
        assertSnapshot(screen(Self.asking(), size), named: "question")
    }
}
