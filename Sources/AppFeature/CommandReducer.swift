import AgentProtocol
import Foundation
import TUIKit

// The reducer's commands: what each key binding and slash command does to the state.

/// Runs one command; `ctx` is where its key was found (some commands mean more than one thing).
func perform(_ command: Command, in ctx: KeyContext = .input, _ state: inout AppState) -> [AppEffect] {
    switch command {
    // MARK: global
    case .quit:
        return [.quit]
    case .cancel:
        if state.pendingApproval != nil { return decide(&state, .deny) }
        if state.overlay != nil { state.overlay = nil; return [] }
        if state.completion != nil { state.completion = nil; return [] }
        if !state.input.text.isEmpty { state.input = InputBuffer(); return [] }
        if state.isBusy || state.goal?.state == .working { return interrupt(&state) }
        if state.viewing != nil { return closeViewer(&state) }
        return [.quit]
    case .quitIfEmpty:
        if state.input.text.isEmpty, !state.isBusy { return [.quit] }
        if ctx == .input { state.input.deleteForward() }
        return []
    case .interrupt:
        if state.overlay != nil { state.overlay = nil; return [] }
        if state.completion != nil { state.completion = nil; return [] }
        // Esc skips the model's question (it goes on with its best judgment); again, it interrupts.
        if state.pendingQuestion != nil, state.input.text.isEmpty { return answerQuestion(&state, nil) }
        // Esc on a running subagent stops that one; its siblings and the parent go on.
        if state.focus == .transcript, let child = state.selectedSubagent, child.isRunning {
            toast(&state, .info, "cancelling subagent \(child.index)")
            return [.session(.cancelSession(child.sessionID))]
        }
        if state.isBusy || state.goal?.state == .working { return interrupt(&state) }
        if state.viewing != nil { return closeViewer(&state) }
        if state.editingMessage != nil {
            state.editingMessage = nil
            state.input = InputBuffer()
            toast(&state, .info, "edit cancelled")
            return []
        }
        if state.focus == .transcript { state.focus = .input; state.selectedEntry = nil; return [] }
        // Esc Esc in an empty, idle editor: the rewind picker.
        if state.input.text.isEmpty, let last = state.lastEscape, state.now - last < 0.8 {
            state.lastEscape = nil
            return openRewind(&state)
        }
        state.lastEscape = state.now
        return []
    case .help:
        state.overlay = .help(scroll: 0)
    case .redraw:
        return [.redraw]
    case .searchSessions:
        state.overlay = .search(SearchState())
        state.completion = nil
        return runSearch(&state)
    case .toggleThoughts:
        if let id = state.selectedEntry, toggleReasoning(&state, id) { break }
        for e in state.entries.reversed() { if toggleReasoning(&state, e.id) { break } }
    case .toggleAllThoughts:
        state.allThoughtsExpanded.toggle()
        for i in state.entries.indices {
            if case .assistant(var a) = state.entries[i].item, !a.reasoning.isEmpty {
                a.isReasoningExpanded = state.allThoughtsExpanded
                update(&state, i, .assistant(a))
            }
        }
    case .toggleToolOutput:
        let target = state.selectedEntry ?? state.entries.last { if case .tool = $0.item { true } else { false } }?.id
        if let id = target, let i = state.entries.firstIndex(where: { $0.id == id }), case .tool(var t) = state.entries[i].item {
            t.isExpanded.toggle()
            update(&state, i, .tool(t))
        }
    case .togglePlan:
        state.planExpanded.toggle()
    case .toggleZoom:
        state.terminalZoomed.toggle()
    case .toggleMouse:
        state.mouseCapture.toggle()
        toast(&state, .info, state.mouseCapture ? "mouse on: wheel scrolls, click expands" : "mouse off: select and copy with the terminal")
        return [.setMouseCapture(state.mouseCapture)]
    case .scrollUp: state.scrollBack += 1
    case .scrollDown: state.scrollBack = max(0, state.scrollBack - 1)
    case .pageUp: state.scrollBack += 10; state.selectedEntry = nil
    case .pageDown: state.scrollBack = max(0, state.scrollBack - 10); state.selectedEntry = nil
    case .halfPageUp: state.scrollBack += 5; state.selectedEntry = nil
    case .halfPageDown: state.scrollBack = max(0, state.scrollBack - 5); state.selectedEntry = nil
    case .scrollTop: state.scrollBack = Int.max / 2; state.selectedEntry = nil
    case .scrollBottom: state.scrollBack = 0; state.selectedEntry = nil
    case .copyLast:
        let last = state.entries.last { if case .assistant(let a) = $0.item { !a.text.isEmpty } else { false } }
        if let last { return copy(&state, last.id) }
        toast(&state, .warning, "nothing to copy yet")
    case .focusTranscript:
        state.focus = .transcript
        state.completion = nil
        if state.selectedEntry == nil { state.selectedEntry = state.entries.last?.id }
    case .focusInput:
        if state.viewing != nil { return closeViewer(&state) }
        state.focus = .input
        state.selectedEntry = nil
    case .selectPrevious, .selectNext:
        if ctx == .search { return moveSearchSelection(&state, command == .selectNext ? 1 : -1) }
        moveSelection(&state, command == .selectNext ? 1 : -1)
    // MARK: input
    case .submit:
        return submit(&state)
    case .newline:
        state.input.insert("\n")
    case .complete:
        return updateCompletion(&state)
    case .externalEditor:
        return [.openEditor(state.input.text)]
    case .cursorLeft: state.input.cursor = max(0, state.input.cursor - 1)
    case .cursorRight: state.input.cursor = min(state.input.text.count, state.input.cursor + 1)
    case .cursorUp:
        if state.input.isOnFirstLine { return walkHistory(&state, -1) }
        state.input.moveLine(-1)
    case .cursorDown:
        if state.input.isOnLastLine { return walkHistory(&state, 1) }
        state.input.moveLine(1)
    case .historyPrevious: return walkHistory(&state, -1)
    case .historyNext: return walkHistory(&state, 1)
    case .wordLeft: state.input.cursor = state.input.wordStart()
    case .wordRight: state.input.cursor = state.input.wordEnd()
    case .lineStart: state.input.cursor = state.input.lineBounds().start
    case .lineEnd: state.input.cursor = state.input.lineBounds().end
    case .deleteBack:
        if ctx == .search { return editQuery(&state) { $0.removeLast() } }
        if state.input.cursor > 0 { _ = state.input.delete((state.input.cursor - 1)..<state.input.cursor) }
        return updateCompletion(&state)
    case .deleteForward:
        state.input.deleteForward()
        return updateCompletion(&state)
    case .deleteWordBack:
        state.killBuffer = state.input.delete(state.input.wordStart()..<state.input.cursor)
        return updateCompletion(&state)
    case .killLineEnd:
        let (_, end) = state.input.lineBounds()
        let to = end == state.input.cursor && end < state.input.text.count ? end + 1 : end
        state.killBuffer = state.input.delete(state.input.cursor..<to)
    case .killLineStart:
        if ctx == .search { return editQuery(&state) { $0 = "" } }
        state.killBuffer = state.input.delete(state.input.lineBounds().start..<state.input.cursor)
        return updateCompletion(&state)
    case .yank:
        state.input.insert(state.killBuffer)
    // MARK: transcript
    case .toggleItem:
        if state.selectedSubagent != nil { toggleSubagent(&state) } else if let id = state.selectedEntry { toggle(&state, id) }
    case .copyItem:
        if let id = state.selectedEntry ?? state.entries.last?.id { return copy(&state, id) }
    case .resumeSession:
        if ctx == .search, case .search(let s)? = state.overlay, let hit = s.selectedHit { return [.resumeSession(hit.sessionID)] }
        if let v = state.viewing { return [.resumeSession(v.sessionID)] }
    case .back:
        if state.viewing != nil { return closeViewer(&state) }
        state.focus = .input
        state.selectedEntry = nil
    // MARK: search
    case .openSession:
        if ctx == .transcript, let child = state.selectedSubagent {
            return [child.isRunning ? .session(.watchSession(child.sessionID)) : .io(.openSession(child.sessionID, messageID: nil))]
        }
        guard case .search(let s)? = state.overlay, let hit = s.selectedHit else { return [] }
        return [.io(.openSession(hit.sessionID, messageID: hit.messageID))]
    case .titleSession, .tagSession:
        guard case .search(var s)? = state.overlay, let hit = s.selectedHit else { return [] }
        s.prompt = command == .titleSession ? SearchPrompt(kind: .title, text: hit.title)
                                            : SearchPrompt(kind: .tags, text: hit.tags.joined(separator: " "))
        state.overlay = .search(s)
    case .archiveSession:
        guard case .search(let s)? = state.overlay, let hit = s.selectedHit else { return [] }
        toast(&state, .info, hit.archived ? "restored \(hit.title)" : "archived \(hit.title) (Alt-H shows archived)")
        return [.io(.updateSession(id: hit.sessionID, title: nil, tags: nil, archived: !hit.archived))] + runSearch(&state, keepSelection: true)
    case .showArchived:
        guard case .search(var s)? = state.overlay else { return [] }
        s.showArchived.toggle()
        state.overlay = .search(s)
        return runSearch(&state)
    case .close:
        state.overlay = nil
    case .openSkills:
        return openSkills(&state)
    case .openMCP:
        return openMCP(&state)
    case .openMemory:
        return openMemory(&state)
    case .nextColumn, .previousColumn, .filterMemory, .editMemory, .toggleMemory, .deleteMemory, .addMemory:
        return [] // the memory browser's own keys
    case .restartServer, .toggleServer:
        return [] // the servers view's own keys
    case .editSkill, .newSkill, .disableSkill, .archiveSkill, .allowSkill:
        return [] // the browser's own keys
    case .acceptProposal, .rejectProposal:
        guard let p = targetProposal(state, [.pending]) else { toast(&state, .info, "no skill proposal is waiting"); return [] }
        return [.submit(.decideSkillProposal(id: p.proposal.id, accept: command == .acceptProposal, content: nil))]
    case .editProposal:
        guard let p = targetProposal(state, [.pending]) else { toast(&state, .info, "no skill proposal is waiting"); return [] }
        state.editingProposal = p.proposal.id
        return [.openEditor(p.proposal.content)]
    case .undoSkillChange:
        // The newest undoable change: a memory update after the last applied skill, or that skill.
        let skill = targetProposal(state, [.applied])
        let skillEntry = skill.flatMap { p in state.entries.lastIndex { if case .proposal(let q) = $0.item { q.proposal.id == p.proposal.id } else { false } } }
        if let m = state.lastMemoryUpdate, skillEntry.map({ $0 < m.entryIndex }) ?? true {
            state.lastMemoryUpdate = nil
            return [.submit(.undoMemoryChange(entryID: m.update.entryID))]
        }
        guard let p = skill else { toast(&state, .info, "nothing to undo"); return [] }
        return [.submit(.undoSkillChange(id: p.proposal.id))]
    // MARK: dialog
    case .approveOnce: return decide(&state, .once)
    case .approveSession: return decide(&state, .session)
    case .approveAlways: return decide(&state, .always)
    case .deny: return decide(&state, .deny)
    // MARK: rewind
    case .rewindConversation, .rewindFiles, .rewindBoth:
        return [] // the picker's own keys
    case .editMessage:
        return editMessage(&state)
    }
    return []
}

/// `e` on a message of the user's: its text goes to the editor; Enter sends the edit in a
/// branch cut just before it (the conversation from there on is kept in the old session).
func editMessage(_ state: inout AppState) -> [AppEffect] {
    guard let id = state.selectedEntry, let i = state.entries.firstIndex(where: { $0.id == id }), case .user(let text) = state.entries[i].item else {
        toast(&state, .info, "select a message of yours first (Alt-↑), then e edits it")
        return []
    }
    guard state.viewing == nil else { toast(&state, .info, "this session is read-only here: r resumes it first"); return [] }
    guard !state.isBusy else { toast(&state, .warning, "busy — press Esc to interrupt first"); return [] }
    let later = state.entries[(i + 1)...].filter { if case .user = $0.item { true } else { false } }.count
    state.editingMessage = later
    state.input = InputBuffer(text: text)
    state.focus = .input
    state.selectedEntry = nil
    toast(&state, .info, "editing an earlier message: Enter continues from there in a new branch · Esc cancels")
    return []
}

extension InputBuffer {
    mutating func deleteForward() {
        if cursor < text.count { _ = delete(cursor..<(cursor + 1)) }
    }
}

/// Asks the running turn to stop; the status line says so until the agent confirms.
func interrupt(_ state: inout AppState) -> [AppEffect] {
    state.isInterrupting = true
    return [.submit(.interrupt)]
}

func decide(_ state: inout AppState, _ decision: ApprovalDecision) -> [AppEffect] {
    guard let request = state.pendingApproval else { return [] }
    state.pendingApproval = nil
    return [.submit(.approveTool(callID: request.callID, decision: decision))]
}

/// Answers the model's question (nil: skipped); the tool card shows what it was told.
func answerQuestion(_ state: inout AppState, _ answer: String?) -> [AppEffect] {
    guard let question = state.pendingQuestion else { return [] }
    state.pendingQuestion = nil
    if answer == nil { toast(&state, .info, "question skipped: the model goes on with its best judgment") }
    return [.submit(.answerClarify(callID: question.callID, answer: answer))]
}

func submit(_ state: inout AppState) -> [AppEffect] {
    let text = state.input.text
    guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
    state.input = InputBuffer()
    state.completion = nil
    state.historyIndex = nil
    if state.history.last != text { state.history.append(text) }
    if state.history.count > 1000 { state.history.removeFirst(state.history.count - 1000) }
    if text.hasPrefix("/"), !text.hasPrefix("//") { return runSlash(text, &state) }
    if let question = state.pendingQuestion { return answerQuestion(&state, question.answer(for: text)) }
    state.scrollBack = 0
    state.selectedEntry = nil
    if let k = state.editingMessage {
        // The edit replaces that message: a branch cut just before it, the edit its first turn.
        state.editingMessage = nil
        guard !state.isBusy else { state.input = InputBuffer(text: text); toast(&state, .warning, "busy — press Esc to interrupt first"); return [] }
        return [.session(.branch(BranchRequest(userMessageFromEnd: k, keepsMessage: false, submit: text)))]
    }
    if state.isBusy || state.firstRun != nil {
        state.queued.append(text)
        return []
    }
    return send(text, into: &state)
}

func send(_ text: String, into state: inout AppState) -> [AppEffect] {
    append(&state, .user(text))
    state.isBusy = true
    state.turnStartedAt = state.now
    return [.submit(.userTurn(UserTurn(text: text)))]
}

func walkHistory(_ state: inout AppState, _ delta: Int) -> [AppEffect] {
    guard !state.history.isEmpty else { return [] }
    if state.historyIndex == nil {
        guard delta < 0 else { return [] }
        state.historyDraft = state.input.text
        state.historyIndex = state.history.count
    }
    let next = state.historyIndex! + delta
    if next >= state.history.count {
        state.historyIndex = nil
        state.input = InputBuffer(text: state.historyDraft)
    } else if next >= 0 {
        state.historyIndex = next
        state.input = InputBuffer(text: state.history[next])
    }
    state.completion = nil
    return []
}

/// Steps through the transcript's entries, and through the subagents of a delegate_task card
/// as if each were an entry after its card.
func moveSelection(_ state: inout AppState, _ delta: Int) {
    guard !state.entries.isEmpty else { return }
    state.focus = .transcript
    state.completion = nil
    func children(_ i: Int) -> [Int] { if case .tool(let t) = state.entries[i].item { t.children.map(\.index) } else { [] } }
    let current = state.selectedEntry.flatMap { id in state.entries.firstIndex { $0.id == id } }
    if let current {
        let kids = children(current)
        let at = state.selectedChild.flatMap { kids.firstIndex(of: $0) }
        if delta > 0, let next = at.map({ $0 + 1 }) ?? (kids.isEmpty ? nil : 0), next < kids.count {
            state.selectedChild = kids[next]
            return
        }
        if delta < 0, let at {
            state.selectedChild = at > 0 ? kids[at - 1] : nil
            return
        }
    }
    let i = max(0, min(state.entries.count - 1, (current ?? state.entries.count) + delta))
    guard i != current else { return }
    state.selectedEntry = state.entries[i].id
    // Up onto a card with subagents lands on its last one, as down leaves it.
    if delta < 0, let last = children(i).last { state.selectedChild = last }
}

/// Opens or folds the selected subagent's card.
func toggleSubagent(_ state: inout AppState) {
    guard let n = state.selectedChild, let id = state.selectedEntry, let i = state.entries.firstIndex(where: { $0.id == id }),
          case .tool(var t) = state.entries[i].item, let k = t.children.firstIndex(where: { $0.index == n }) else { return }
    t.children[k].isExpanded.toggle()
    update(&state, i, .tool(t))
}

func toggle(_ state: inout AppState, _ id: Int) {
    guard let i = state.entries.firstIndex(where: { $0.id == id }) else { return }
    switch state.entries[i].item {
    case .assistant(var a) where !a.reasoning.isEmpty:
        a.isReasoningExpanded.toggle()
        update(&state, i, .assistant(a))
    case .tool(var t):
        t.isExpanded.toggle()
        update(&state, i, .tool(t))
    case .proposal(var p):
        p.isExpanded.toggle()
        update(&state, i, .proposal(p))
    default: break
    }
}

@discardableResult
func toggleReasoning(_ state: inout AppState, _ id: Int) -> Bool {
    guard let i = state.entries.firstIndex(where: { $0.id == id }),
          case .assistant(var a) = state.entries[i].item, !a.reasoning.isEmpty else { return false }
    a.isReasoningExpanded.toggle()
    update(&state, i, .assistant(a))
    return true
}

func copy(_ state: inout AppState, _ id: Int) -> [AppEffect] {
    guard let e = state.entries.first(where: { $0.id == id }) else { return [] }
    let text: String
    switch e.item {
    case .user(let t): text = t
    case .assistant(let a): text = a.text.isEmpty ? a.reasoning : a.text
    case .tool(let t): text = t.screen.text.joined(separator: "\n").trimmingCharacters(in: .newlines)
    case .notice(let n): text = n.text
    case .proposal(let p): text = p.proposal.content
    }
    toast(&state, .info, "copied \(text.count) characters")
    return [.copyToClipboard(text)]
}

func closeViewer(_ state: inout AppState) -> [AppEffect] {
    state.viewing = nil
    state.entries = state.stash
    state.stash = []
    state.focus = .input
    state.selectedEntry = nil
    state.scrollBack = 0
    return []
}
