import AgentProtocol
@testable import AppFeature
import Foundation
import Testing
import TUIKit

/// `/undo`, `/redo`, `/retry`, `/branch`, editing an earlier message, and the rewind picker.
@Suite("Rewind, undo, retry, branch")
struct RewindTests {
    static func conversation() -> AppState {
        var s = state([.user("add a README"), .assistant(AssistantItem(id: "a1", text: "Added README.md.")),
                       .user("fix the failing test in Tests/ParserTests.swift"), .assistant(AssistantItem(id: "a2", text: "Fixed it."))])
        s.sessionID = "20261203-130000-abcdef"
        return s
    }

    static let points = [
        RewindPoint(fromEnd: 0, text: "fix the failing test in Tests/ParserTests.swift", checkpoint: "1eceb60f64", filesChanged: 2),
        RewindPoint(fromEnd: 1, text: "add a README", checkpoint: "34ca6a180c", filesChanged: 1),
        RewindPoint(fromEnd: 2, text: "hello", checkpoint: nil),
    ]

    static let diff = """
        diff --git a/Sources/Parser.swift b/Sources/Parser.swift
        --- a/Sources/Parser.swift
        +++ b/Sources/Parser.swift
        @@ -1,3 +1,3 @@
         func parse() {
        -    return fixed
        +    return broken
         }
        """

    @Test("/undo and /redo are ops when idle and refused while busy; a restore says what it put back")
    func undoRedo() {
        var s = Self.conversation()
        #expect(runSlash("/undo", &s) == [.submit(.undoFiles)])
        #expect(runSlash("/redo", &s) == [.submit(.redoFiles)])
        s.isBusy = true
        #expect(runSlash("/undo", &s).isEmpty)
        s.isBusy = false
        _ = reduce(into: &s, .agent(EventEnvelope(submissionID: 2, seq: 9, event: .filesRestored(FilesRestored(
            action: .undo, checkpointID: "1eceb60f64", restored: ["a.txt"], recreated: [], removed: ["b.txt"],
            message: "undid turn 2's file changes: restored a.txt; removed b.txt")))))
        guard case .notice(let n) = s.entries.last?.item else { Issue.record("no notice"); return }
        #expect(n.text == "undid turn 2's file changes: restored a.txt; removed b.txt — /redo takes it back")
        _ = reduce(into: &s, .agent(EventEnvelope(submissionID: 2, seq: 10, event: .checkpoint(CheckpointTaken(id: "aa", turnID: "turn-3", messageID: 5)))))
        #expect(s.checkpoints.map(\.id) == ["aa"])
        #expect(s.entries.count == 5, "a checkpoint added a line to the transcript")
    }

    @Test("/retry sends the last message again in a branch cut before it; /branch copies the whole session")
    func retryAndBranch() {
        var s = Self.conversation()
        #expect(runSlash("/retry", &s) == [.session(.branch(BranchRequest(userMessageFromEnd: 0, keepsMessage: false,
                                                                           submit: "fix the failing test in Tests/ParserTests.swift")))])
        #expect(runSlash("/branch", &s) == [.session(.branch(BranchRequest()))])
        // The branch opens, then its first turn goes as if typed.
        let effects = reduce(into: &s, .send("fix the failing test in Tests/ParserTests.swift"))
        #expect(effects == [.submit(.userTurn(UserTurn(text: "fix the failing test in Tests/ParserTests.swift")))])
        guard case .user(let shown) = s.entries.last?.item else { Issue.record("the resent message is not shown"); return }
        #expect(shown == "fix the failing test in Tests/ParserTests.swift")
    }

    @Test("Alt-↑ to an earlier message, e: its text in the editor; Enter continues from there in a branch; Esc cancels the edit")
    func editEarlier() {
        var s = Self.conversation()
        _ = perform(.selectPrevious, &s)
        _ = perform(.selectPrevious, &s)
        _ = perform(.selectPrevious, &s)
        _ = perform(.selectPrevious, &s)
        guard case .user("add a README")? = s.entries.first(where: { $0.id == s.selectedEntry })?.item else { Issue.record("not on the first message"); return }
        _ = perform(.editMessage, in: .transcript, &s)
        #expect(s.input.text == "add a README" && s.editingMessage == 1 && s.focus == .input)
        s.input = InputBuffer(text: "add a README with install steps")
        #expect(perform(.submit, &s) == [.session(.branch(BranchRequest(userMessageFromEnd: 1, keepsMessage: false, submit: "add a README with install steps")))])
        #expect(s.editingMessage == nil)
        // Esc drops an edit in progress.
        s.selectedEntry = s.entries.first?.id
        _ = perform(.editMessage, in: .transcript, &s)
        _ = perform(.interrupt, &s)
        #expect(s.editingMessage == nil && s.input.text.isEmpty)
        // Only the user's own messages are edited.
        s.selectedEntry = s.entries.last?.id
        #expect(perform(.editMessage, in: .transcript, &s).isEmpty && s.editingMessage == nil)
    }

    @Test("Esc Esc opens the picker; the selected message's diff loads; f files, c conversation (the text back in the editor), b both")
    func picker() {
        var s = Self.conversation()
        s.now = 10
        #expect(perform(.interrupt, &s).isEmpty)
        s.now = 10.4
        #expect(perform(.interrupt, &s) == [.io(.loadRewind(sessionID: "20261203-130000-abcdef", seq: 1))])
        guard case .rewind? = s.overlay else { Issue.record("no picker"); return }
        #expect(reduce(into: &s, .rewindLoaded(seq: 1, Self.points)) == [.io(.checkpointDiff(id: "1eceb60f64", seq: 1))])
        _ = reduce(into: &s, .rewindDiff(seq: 1, id: "1eceb60f64", text: Self.diff))
        #expect(reduce(into: &s, .keyPressed(KeyEvent(.down))) == [.io(.checkpointDiff(id: "34ca6a180c", seq: 1))])
        _ = reduce(into: &s, .keyPressed(KeyEvent(.down)))
        #expect(reduce(into: &s, .keyPressed(KeyEvent(.character("f")))).isEmpty, "a turn without a checkpoint restored files")
        _ = reduce(into: &s, .keyPressed(KeyEvent(.up)))
        #expect(reduce(into: &s, .keyPressed(KeyEvent(.character("b")))) == [
            .submit(.restoreCheckpoint(id: "34ca6a180c")),
            .session(.branch(BranchRequest(userMessageFromEnd: 1, keepsMessage: false))),
        ])
        #expect(s.overlay == nil && s.input.text == "add a README")
        _ = runSlash("/rewind", &s)
        _ = reduce(into: &s, .rewindLoaded(seq: 2, Self.points))
        #expect(reduce(into: &s, .keyPressed(KeyEvent(.character("f")))) == [.submit(.restoreCheckpoint(id: "1eceb60f64"))])
    }

    @Test("the rewind picker", arguments: sizes + [(60, 8)])
    func snapshot(size: (Int, Int)) {
        var s = Self.conversation()
        _ = runSlash("/rewind", &s)
        _ = reduce(into: &s, .rewindLoaded(seq: 1, Self.points))
        _ = reduce(into: &s, .rewindDiff(seq: 1, id: "1eceb60f64", text: Self.diff))
        assertSnapshot(screen(s, size), named: "rewind")
    }
}

@Suite("The session browser's tree")
struct SessionTreeTests {
    @Test("a branch is listed under its session, and a branch of it one step further in")
    func depth() {
        var s = state([])
        _ = runSlash("/sessions", &s)
        func hit(_ id: String, _ title: String, parent: String? = nil, depth: Int = 0) -> SessionHit {
            var h = SessionHit(sessionID: id, title: title, date: 1_000, summary: "4 messages")
            h.parentID = parent
            h.depth = depth
            return h
        }
        guard case .search(let search)? = s.overlay else { Issue.record("no browser"); return }
        _ = reduce(into: &s, .searchResults(seq: search.seq, hits: [hit("a", "fix the lexer"), hit("b", "fix the lexer (fork)", parent: "a", depth: 1),
                                                                    hit("c", "fix the lexer (fork 2)", parent: "b", depth: 2)], error: nil))
        let text = screen(s, (100, 24)).lines().joined(separator: "\n")
        #expect(text.contains("│ ↳ fix the lexer (fork) ") && text.contains("│   ↳ fix the lexer (fork 2)"), "\(text)")
    }
}
