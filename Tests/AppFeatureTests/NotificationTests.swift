import AgentProtocol
@testable import AppFeature
import Testing
import TUIKit

@Suite("Notifications when the terminal is not focused")
struct NotificationTests {
    static func running(_ now: Double, notify: TerminalNotification? = .osc9) -> AppState {
        var s = state([.user("run the slow suite")])
        s.notification = notify
        s.notifyAfter = 10
        s.now = now
        _ = reduce(into: &s, .agent(EventEnvelope(submissionID: 1, seq: 1, event: .turnStarted(turnID: "t"))))
        return s
    }

    static func done(_ s: inout AppState, at now: Double) -> [AppEffect] {
        s.now = now
        return reduce(into: &s, .agent(EventEnvelope(submissionID: 1, seq: 2, event: .turnCompleted(
            TurnCompleted(turnID: "t", finalText: "All 412 tests passed.\nDetails follow.", iterations: 3, usage: Usage())))))
    }

    @Test("a long turn that ends while the window is unfocused notifies, with the answer's first line; focused, short, or off: nothing")
    func turnEnd() {
        var s = Self.running(100)
        _ = reduce(into: &s, .focusChanged(false))
        #expect(Self.done(&s, at: 130) == [.terminal(.notify(.osc9, "Talaria finished (30s): All 412 tests passed."))])
        var short = Self.running(100)
        _ = reduce(into: &short, .focusChanged(false))
        #expect(Self.done(&short, at: 103).isEmpty, "a short turn notified")
        var focused = Self.running(100)
        _ = reduce(into: &focused, .focusChanged(false))
        _ = reduce(into: &focused, .focusChanged(true))
        #expect(Self.done(&focused, at: 130).isEmpty, "a focused window was notified")
        var off = Self.running(100, notify: nil)
        _ = reduce(into: &off, .focusChanged(false))
        #expect(Self.done(&off, at: 130).isEmpty)
    }

    @Test("an approval waiting while the window is unfocused notifies at once")
    func approval() {
        var s = Self.running(100, notify: .bell)
        _ = reduce(into: &s, .focusChanged(false))
        let effects = reduce(into: &s, .agent(EventEnvelope(submissionID: 1, seq: 2, event: .approvalRequested(
            ApprovalRequest(callID: "c", tool: "terminal", command: "rm -rf build", reason: "deletes files")))))
        #expect(effects == [.terminal(.notify(.bell, "Talaria needs your approval: terminal rm -rf build"))])
    }

    @Test("focus reports decode; each kind of notification is its escape sequence, control characters dropped")
    func sequences() {
        var d = InputDecoder()
        #expect(d.feed(Array("\u{1B}[O\u{1B}[I".utf8)) == [.focus(false), .focus(true)])
        #expect(TerminalNotification.bell.sequence("x") == "\u{07}")
        #expect(TerminalNotification.osc9.sequence("done\u{07}\u{1B}]x") == "\u{1B}]9;done]x\u{07}")
        #expect(TerminalNotification.osc777.sequence("done") == "\u{1B}]777;notify;Talaria;done\u{07}")
    }
}
