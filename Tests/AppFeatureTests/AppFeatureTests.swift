import AgentProtocol
@testable import AppFeature
import Testing
import TUIKit

func env(_ e: AgentEvent, seq: Int = 0) -> AppAction { .agent(EventEnvelope(submissionID: 1, seq: seq, event: e)) }
func type(_ s: String, into state: inout AppState) { for c in s { _ = reduce(into: &state, .keyPressed(KeyEvent(.character(c)))) } }

@Suite("App reducer")
struct ReducerTests {
    @Test("Enter sends the prompt, shows it and marks the app busy; an empty prompt does nothing")
    func send() {
        var s = AppState()
        #expect(reduce(into: &s, .keyPressed(KeyEvent(.enter))) == [])
        type("hi there", into: &s)
        let fx = reduce(into: &s, .keyPressed(KeyEvent(.enter)))
        var want = AppState()
        want.items = [.user("hi there")]
        want.isBusy = true
        #expect(s == want)
        #expect(fx == [.submit(.userTurn(UserTurn(text: "hi there")))])
    }

    @Test("typing while busy queues; the queue is sent when the turn completes")
    func queue() {
        var s = AppState()
        s.isBusy = true
        type("next", into: &s)
        #expect(reduce(into: &s, .keyPressed(KeyEvent(.enter))) == [])
        #expect(s.queued == ["next"])
        let fx = reduce(into: &s, env(.turnCompleted(TurnCompleted(turnID: "t", finalText: "", iterations: 1, usage: Usage()))))
        #expect(fx == [.submit(.userTurn(UserTurn(text: "next")))])
        #expect(s.queued == [] && s.isBusy && s.items == [.user("next")])
    }

    @Test("an interrupted turn gives queued prompts back to the editor")
    func abortRestoresQueue() {
        var s = AppState()
        s.isBusy = true
        s.queued = ["one", "two"]
        _ = reduce(into: &s, env(.turnAborted(TurnAborted(turnID: "t", reason: .interrupted, message: ""))))
        #expect(s.input.text == "one\ntwo")
        #expect(!s.isBusy && s.queued.isEmpty)
        #expect(s.items == [.notice(Notice(.info, "interrupted"))])
    }

    @Test("Esc interrupts a running turn; Shift+Enter inserts a newline; Ctrl-C quits when idle")
    func keys() {
        var s = AppState()
        #expect(reduce(into: &s, .keyPressed(KeyEvent(.escape))) == [])
        s.isBusy = true
        #expect(reduce(into: &s, .keyPressed(KeyEvent(.escape))) == [.submit(.interrupt)])
        type("a", into: &s)
        _ = reduce(into: &s, .keyPressed(KeyEvent(.enter, .shift)))
        type("b", into: &s)
        #expect(s.input == InputBuffer(text: "a\nb"))
        _ = reduce(into: &s, .keyPressed(.ctrl("c")))
        #expect(s.input.text.isEmpty)
        s.isBusy = false
        #expect(reduce(into: &s, .keyPressed(.ctrl("c"))) == [.quit])
    }

    @Test("deltas build one assistant item; completion freezes it; a pure tool-call message leaves no empty item")
    func streaming() {
        var s = AppState()
        _ = reduce(into: &s, env(.reasoningDelta(itemID: "i1", text: "plan")))
        _ = reduce(into: &s, env(.messageDelta(itemID: "i1", text: "Hel")))
        _ = reduce(into: &s, env(.messageDelta(itemID: "i1", text: "lo")))
        #expect(s.items == [.assistant(AssistantItem(id: "i1", text: "Hello", reasoning: "plan", isStreaming: true))])
        _ = reduce(into: &s, env(.messageCompleted(MessageCompleted(itemID: "i1", text: "Hello", reasoning: "plan", toolCalls: []))))
        #expect(s.items == [.assistant(AssistantItem(id: "i1", text: "Hello", reasoning: "plan", isStreaming: false))])
        _ = reduce(into: &s, .keyPressed(.ctrl("t")))
        #expect(s.items == [.assistant(AssistantItem(id: "i1", text: "Hello", reasoning: "plan", isStreaming: false, isReasoningExpanded: true))])
        _ = reduce(into: &s, env(.messageCompleted(MessageCompleted(itemID: "i2", text: "", reasoning: nil, toolCalls: []))))
        #expect(s.items.count == 1)
    }

    @Test("tool output streams into its card, capped; the end sets status and time")
    func tools() {
        var s = AppState()
        _ = reduce(into: &s, env(.toolCallBegan(ToolCallBegan(callID: "c", name: "terminal", arguments: #"{"command":"ls"}"#))))
        _ = reduce(into: &s, env(.toolOutputDelta(callID: "c", chunk: String(repeating: "x", count: 20_000))))
        _ = reduce(into: &s, env(.toolCallEnded(ToolCallEnded(callID: "c", name: "terminal", status: .succeeded, output: "", exitCode: 0, elapsedMs: 120))))
        guard case .tool(let t) = s.items[0] else { Issue.record("no tool card"); return }
        #expect(t.output.utf8.count <= ToolItem.outputCap)
        #expect(t.status == .succeeded && t.elapsedMs == 120)
    }

    @Test("an approval request takes the keys until answered")
    func approval() {
        var s = AppState()
        _ = reduce(into: &s, env(.approvalRequested(ApprovalRequest(callID: "c", tool: "terminal", command: "sudo x", reason: "sudo"))))
        #expect(reduce(into: &s, .keyPressed(KeyEvent(.character("q")))) == [])
        #expect(s.input.text.isEmpty)
        #expect(reduce(into: &s, .keyPressed(KeyEvent(.character("s")))) == [.submit(.approveTool(callID: "c", decision: .session))])
        #expect(s.pendingApproval == nil)
    }
}

@Suite("App rendering")
struct RenderTests {
    static var conversation: AppState {
        var s = AppState()
        s.model = "qwen2.5-coder-0.5b-instruct"
        s.contextWindow = 8192
        s.lastPromptTokens = 1024
        s.usage = Usage(promptTokens: 2048, completionTokens: 64)
        s.items = [
            .user("list the files here and count them"),
            .assistant(AssistantItem(id: "a", text: "", reasoning: "I should run ls.\nThen count.", isStreaming: false)),
            .tool(ToolItem(callID: "c", name: "terminal", arguments: #"{"command":"ls | wc -l"}"#, status: .succeeded,
                           output: "\u{1B}[32m3\u{1B}[0m\r\n", elapsedMs: 12)),
            .assistant(AssistantItem(id: "b", text: "There are **3** files: a.txt, b.txt and c.txt — 漢字 and emoji 👍 included.", isStreaming: false)),
        ]
        return s
    }

    @Test("an empty start", arguments: [(80, 24), (120, 40), (40, 15)])
    func empty(size: (Int, Int)) {
        var b = ScreenBuffer(cols: size.0, rows: size.1)
        render(AppState(), into: &b)
        assertSnapshot(b, named: "empty")
    }

    @Test("a conversation with a collapsed thought, a tool card, CJK and emoji", arguments: [(80, 24), (120, 40), (40, 15)])
    func conversation(size: (Int, Int)) {
        var b = ScreenBuffer(cols: size.0, rows: size.1)
        render(Self.conversation, into: &b)
        assertSnapshot(b, named: "conversation")
    }

    @Test("the approval prompt while a turn runs", arguments: [(80, 24), (40, 15)])
    func approval(size: (Int, Int)) {
        var s = Self.conversation
        s.isBusy = true
        s.pendingApproval = ApprovalRequest(callID: "x", tool: "terminal", command: "sudo rm -rf /var/cache/app", reason: "runs a command as root (sudo)")
        var b = ScreenBuffer(cols: size.0, rows: size.1)
        render(s, into: &b)
        assertSnapshot(b, named: "approval")
    }

    @Test("no line is wider than the screen at any size", arguments: [1, 2, 5, 20, 33, 80])
    func widths(cols: Int) {
        var b = ScreenBuffer(cols: cols, rows: 12)
        render(Self.conversation, into: &b)
        for line in b.lines() { #expect(DisplayWidth.of(line) <= cols) }
    }
}
