import AgentProtocol
@testable import AppFeature
import Testing
import TUIKit

/// A `delegate_task` card with its subagents nested under it; `/agents` lists, opens, cancels.
@Suite("Subagents in the interface")
struct SubagentTests {
    static func ev(_ event: AgentEvent) -> AppAction { .agent(EventEnvelope(submissionID: 1, seq: 0, event: event)) }

    /// A parent turn that delegated two tasks: one done, one still running a command.
    static func delegating() -> AppState {
        var s = state([.user("split the work between two helpers")], busy: true)
        let args = #"{"tasks": [{"goal": "count the Swift files under Sources"}, {"goal": "list the failing tests"}]}"#
        _ = reduce(into: &s, ev(.toolCallBegan(ToolCallBegan(callID: "d1", name: "delegate_task", arguments: args))))
        for (i, goal) in ["count the Swift files under Sources", "list the failing tests"].enumerated() {
            _ = reduce(into: &s, ev(.subagent(SubagentUpdate(callID: "d1", index: i + 1, count: 2, sessionID: "20261203-1200\(i)0-abc", goal: goal, phase: .started))))
        }
        _ = reduce(into: &s, ev(.subagent(SubagentUpdate(callID: "d1", index: 1, count: 2, sessionID: "20261203-120000-abc", goal: "", phase: .working("terminal find Sources -name '*.swift' | wc -l")))))
        _ = reduce(into: &s, ev(.subagent(SubagentUpdate(callID: "d1", index: 1, count: 2, sessionID: "20261203-120000-abc", goal: "",
                                                          phase: .toolEnded(status: .succeeded, elapsedMs: 120, tail: "42")))))
        _ = reduce(into: &s, ev(.subagent(SubagentUpdate(callID: "d1", index: 1, count: 2, sessionID: "20261203-120000-abc", goal: "", phase: .said("There are 42 Swift files.")))))
        _ = reduce(into: &s, ev(.subagent(SubagentUpdate(callID: "d1", index: 1, count: 2, sessionID: "20261203-120000-abc", goal: "",
                                                          phase: .finished(status: "done", elapsedMs: 2_300)))))
        _ = reduce(into: &s, .tick(1_004.5))
        _ = reduce(into: &s, ev(.subagent(SubagentUpdate(callID: "d1", index: 2, count: 2, sessionID: "20261203-120010-abc", goal: "", phase: .working("terminal swift build")))))
        _ = reduce(into: &s, ev(.subagent(SubagentUpdate(callID: "d1", index: 2, count: 2, sessionID: "20261203-120010-abc", goal: "",
                                                          phase: .toolEnded(status: .failed, elapsedMs: 900, tail: "error: no such module\nbuild failed")))))
        _ = reduce(into: &s, ev(.subagent(SubagentUpdate(callID: "d1", index: 2, count: 2, sessionID: "20261203-120010-abc", goal: "", phase: .working("terminal swift test")))))
        _ = reduce(into: &s, ev(.subagent(SubagentUpdate(callID: "d1", index: 2, count: 2, sessionID: "20261203-120010-abc", goal: "", phase: .said("The build failed; running the tests")))))
        return s
    }

    @Test("the card nests a line per subagent: what it does while it runs, how it ended after; the status line counts the running ones")
    func reducer() {
        let s = Self.delegating()
        #expect(s.subagents.map(\.index) == [1, 2])
        #expect(s.subagents[0].status == "done" && s.subagents[0].elapsedMs == 2_300)
        #expect(s.subagents[1].isRunning && s.subagents[1].activity == "terminal swift test")
        #expect(s.runningSubagents.count == 1)
        let text = screen(s, (100, 24)).lines().joined(separator: "\n")
        #expect(text.contains("├ ✓ [1] count the Swift files under Sources · done · 2.3s"), "\(text)")
        #expect(text.contains("├ ◌ [2] list the failing tests · 4.5s · terminal swift test"), "\(text)")
        #expect(text.contains("1 subagent"), "\(text)")
    }

    @Test("expanded, the card opens every child's card: its calls with their output's end, and what it said")
    func expanded() {
        var s = Self.delegating()
        guard let i = s.entries.lastIndex(where: { if case .tool = $0.item { true } else { false } }), case .tool(var t) = s.entries[i].item else {
            Issue.record("no card"); return
        }
        t.isExpanded = true
        s.entries[i].item = .tool(t)
        s.entries[i].revision += 1
        let text = screen(s, (100, 30)).lines().joined(separator: "\n")
        #expect(text.contains("├ ✓ [1] count the Swift files under Sources · done · 2.3s\n  │   ✓ terminal find Sources -name '*.swift' | wc -l · 0.1s\n  │     │ 42"), "\(text)")
        #expect(text.contains("├ ◌ [2] list the failing tests · 4.5s · terminal swift test\n  │   ✗ terminal swift build · 0.9s\n  │     │ error: no such module\n  │     │ build failed\n  │   ● terminal swift test"), "\(text)")
        assertSnapshot(screen(s, (80, 24)), named: "subagents-expanded")
    }

    @Test("a delegate_task card with subagents", arguments: sizes + [(60, 8)])
    func snapshot(size: (Int, Int)) {
        assertSnapshot(screen(Self.delegating(), size), named: "subagents")
    }

    @Test("/agents lists them; open N shows one's session; cancel N stops a running one alone, and not a finished one")
    func slash() {
        var s = Self.delegating()
        s.isBusy = false
        #expect(runSlash("/agents", &s).isEmpty)
        guard case .notice(let n) = s.entries.last?.item else { Issue.record("no list"); return }
        #expect(n.text.contains("1. done 2.3s — subagent: count the Swift files") && n.text.contains("2. running — subagent: list the failing tests"), "\(n.text)")
        #expect(runSlash("/agents open 2", &s) == [.session(.watchSession("20261203-120010-abc"))])
        #expect(runSlash("/agents cancel 2", &s) == [.session(.cancelSession("20261203-120010-abc"))])
        #expect(runSlash("/agents cancel 1", &s).isEmpty, "a finished subagent was cancelled")
        #expect(runSlash("/agents cancel 9", &s).isEmpty)
    }

    @Test("a running subagent opened with /agents is watched live: its events fill the view; the live session's status stays its own")
    func watch() {
        var s = Self.delegating()
        #expect(runSlash("/agents open 2", &s) == [.session(.watchSession("20261203-120010-abc"))], "a running child opens live")
        #expect(runSlash("/agents open 1", &s) == [.io(.openSession("20261203-120000-abc", messageID: nil))], "a finished one opens stored")
        _ = reduce(into: &s, .sessionLoaded(ViewedSession(sessionID: "20261203-120010-abc", title: "subagent (live)"), [], resumed: false))
        let busy = s.isBusy
        func watched(_ e: AgentEvent, from id: String = "20261203-120010-abc") {
            _ = reduce(into: &s, .watchedEvent(sessionID: id, EventEnvelope(submissionID: 1, seq: 0, event: e)))
        }
        watched(.turnStarted(turnID: "t"))
        watched(.userMessage(text: "Goal: list the failing tests"))
        watched(.messageDelta(itemID: "i1", text: "two tests fail"))
        watched(.messageDelta(itemID: "i9", text: "from another session"), from: "someone-else")
        watched(.turnCompleted(TurnCompleted(turnID: "t", finalText: "two tests fail", iterations: 1, usage: Usage())))
        let text = screen(s, (100, 24)).lines().joined(separator: "\n")
        #expect(text.contains("Goal: list the failing tests") && text.contains("two tests fail"), "\(text)")
        #expect(!text.contains("from another session"))
        #expect(s.isBusy == busy, "the watched session's turn changed the live session's status")
    }

    @Test("/background runs a prompt on its own: listed by /agents while it runs, announced when it ends")
    func background() {
        var s = state([.user("hello")])
        #expect(runSlash("/background run the slow test suite", &s) == [.session(.background("run the slow test suite"))])
        #expect(runSlash("/background", &s).isEmpty, "an empty background prompt was sent")
        _ = reduce(into: &s, .backgroundUpdate(BackgroundTask(sessionID: "bg-1", prompt: "run the slow test suite")))
        _ = runSlash("/agents", &s)
        guard case .notice(let listed) = s.entries.last?.item else { Issue.record("no list"); return }
        #expect(listed.text.contains("1. running — background: run the slow test suite · bg-1"), "\(listed.text)")
        #expect(runSlash("/agents cancel 1", &s) == [.session(.cancelSession("bg-1"))])
        _ = reduce(into: &s, .backgroundUpdate(BackgroundTask(sessionID: "bg-1", prompt: "run the slow test suite", status: "done",
                                                              answer: "412 tests passed", elapsedMs: 61_000)))
        guard case .notice(let ended) = s.entries.last?.item else { Issue.record("no announcement"); return }
        #expect(ended.text.contains("background task 1 done: run the slow test suite — 412 tests passed"))
        #expect(s.toasts.contains { $0.text == "background task 1 done" })
        #expect(s.backgroundTasks.count == 1)
    }
}

/// Each subagent is a card of its own: picked with the transcript's selection, opened alone,
/// cancelled alone with Esc, opened full-screen with `o`.
@Suite("Subagent cards")
struct SubagentCardTests {
    static let delegating = SubagentTests.delegating

    @Test("a running child shows its latest calls and what it says, timed live; a finished one folds to its line")
    func running() {
        var s = Self.delegating()
        let text = screen(s, (100, 24)).lines().joined(separator: "\n")
        #expect(text.contains("├ ✓ [1] count the Swift files under Sources · done · 2.3s\n  ├ ◌ [2] list the failing tests · 4.5s · terminal swift test"), "\(text)")
        #expect(text.contains("  │   ✗ terminal swift build · 0.9s\n  │   ● terminal swift test\n  │   » The build failed; running the tests ▌"), "\(text)")
        #expect(!text.contains("There are 42"), "a finished child's card was open")
        _ = reduce(into: &s, .tick(1_010.5))
        #expect(screen(s, (100, 24)).lines().joined(separator: "\n").contains("[2] list the failing tests · 10s"), "the running child's time did not advance")
    }

    @Test("↓ from the card steps onto each child, then on; ↑ comes back through them; Enter opens one child's card alone")
    func selection() {
        var s = Self.delegating()
        s.focus = .transcript
        let card = s.entries.last!.id
        _ = perform(.selectPrevious, in: .transcript, &s)
        #expect(s.selectedEntry == card && s.selectedChild == 2, "↑ onto the card lands on its last child")
        _ = perform(.selectPrevious, in: .transcript, &s)
        #expect(s.selectedEntry == card && s.selectedChild == 1)
        _ = perform(.selectPrevious, in: .transcript, &s)
        #expect(s.selectedEntry == card && s.selectedChild == nil, "the card itself")
        _ = perform(.selectNext, in: .transcript, &s)
        #expect(s.selectedChild == 1)
        _ = perform(.toggleItem, in: .transcript, &s)
        let text = screen(s, (100, 30)).lines().joined(separator: "\n")
        #expect(text.contains("▶ ✓ [1] count the Swift files under Sources · done · 2.3s\n▌  │   ✓ terminal find Sources -name '*.swift' | wc -l · 0.1s\n▌  │     │ 42\n▌  │   » There are 42 Swift files.\n▌  │   /agents opens its session"), "\(text)")
        assertSnapshot(screen(s, (80, 24)), named: "subagent-card-open")
        _ = perform(.selectNext, in: .transcript, &s)
        _ = perform(.selectNext, in: .transcript, &s)
        #expect(s.selectedEntry == card && s.selectedChild == 2, "past the last entry the selection stays")
    }

    @Test("Esc on a running child cancels it alone; on a finished child or on the card Esc interrupts the turn; o opens the child")
    func cancelAndOpen() {
        var s = Self.delegating()
        s.focus = .transcript
        let card = s.entries.last!.id
        s.selectedEntry = card
        s.selectedChild = 2
        #expect(perform(.interrupt, &s) == [.session(.cancelSession("20261203-120010-abc"))])
        #expect(s.toasts.contains { $0.text == "cancelling subagent 2" })
        #expect(perform(.openSession, in: .transcript, &s) == [.session(.watchSession("20261203-120010-abc"))], "a running child opens live")
        s.selectedChild = 1
        #expect(perform(.openSession, in: .transcript, &s) == [.io(.openSession("20261203-120000-abc", messageID: nil))])
        #expect(perform(.interrupt, &s) == [.submit(.interrupt)], "Esc on a finished child stops the turn, as anywhere")
    }

    @Test("child cards", arguments: sizes + [(60, 8)])
    func snapshot(size: (Int, Int)) {
        var s = Self.delegating()
        s.focus = .transcript
        s.selectedEntry = s.entries.last!.id
        s.selectedChild = 2
        assertSnapshot(screen(s, size), named: "subagent-cards")
    }
}
