import AgentProtocol
import Foundation
import TUIKit

/// The one place that changes ``AppState``. Pure: I/O happens in the returned effects.
public func reduce(into state: inout AppState, _ action: AppAction) -> [AppEffect] {
    switch action {
    case .keyPressed(let key):
        return reduceKey(into: &state, key)
    case .pasted(let text):
        if case .search(var s)? = state.overlay {
            if s.prompt != nil { s.prompt!.text += text.replacing("\n", with: " ") } else { s.query += text.replacing("\n", with: " ") }
            state.overlay = .search(s)
            return s.prompt == nil ? runSearch(&state) : []
        }
        guard state.pendingApproval == nil, state.viewing == nil else { return [] }
        if firstRunPaste(&state, text) { return [] }
        state.focus = .input
        state.input.insert(text)
        return updateCompletion(&state)
    case .clicked(let id):
        state.selectedEntry = id
        toggle(&state, id)
        return []
    case .wheel(let lines):
        state.scrollBack = max(0, state.scrollBack + lines)
        if lines < 0, state.scrollBack == 0 { state.selectedEntry = nil }
        return []
    case .agent(let envelope):
        return reduceEvent(into: &state, envelope.event)
    case .tick(let now):
        state.now = now
        state.toasts.removeAll { $0.expiresAt <= now }
        return []
    case .scrollClamped(let n):
        state.scrollBack = n
        return []
    case .searchResults(let seq, let hits, let error):
        guard case .search(var s)? = state.overlay, s.seq == seq else { return [] } // stale
        s.results = hits
        s.error = error
        s.isLoading = false
        s.selected = min(s.selected, max(0, hits.count - 1))
        state.overlay = .search(s)
        return loadPreview(&state)
    case .previewLoaded(let seq, let preview):
        guard case .search(var s)? = state.overlay, s.seq == seq else { return [] }
        s.preview = preview
        state.overlay = .search(s)
        return []
    case .pathCompletions(let seq, let paths):
        guard var c = state.completion, c.kind == .path, c.seq == seq else { return [] }
        c.items = paths.map { CompletionItem($0) }
        c.selected = 0
        state.completion = c.items.isEmpty ? nil : c
        return []
    case .sessionLoaded(let session, let items, let resumed, let focus):
        state.overlay = nil
        if resumed {
            state.sessionID = session.sessionID
            state.viewing = nil
            state.stash = []
            state.entries = []
            for item in items { append(&state, item) }
            append(&state, .notice(Notice(.info, "resumed \(session.title) — the conversation continues")))
            state.focus = .input
        } else {
            if state.viewing == nil { state.stash = state.entries }
            state.viewing = session
            state.entries = []
            for item in items { append(&state, item) }
            state.focus = .transcript
        }
        state.scrollBack = 0
        // Opened at a search hit: that message is selected, so it is shown and marked.
        state.selectedEntry = focus.flatMap { state.entries.indices.contains($0) && !resumed ? state.entries[$0].id : nil }
        return []
    case .editorFinished(let text):
        if let target = state.addingMemory {
            state.addingMemory = nil
            guard let text, case .memory(let b)? = state.overlay else { return [] }
            let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !t.isEmpty else { toast(&state, .info, "nothing added"); return [] }
            return [.io(.editMemory(.add(target: target, text: t), seq: b.seq))]
        }
        if let id = state.editingMemory {
            state.editingMemory = nil
            guard let text, case .memory(let b)? = state.overlay else { return [] }
            let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !t.isEmpty else { toast(&state, .warning, "empty text: nothing changed (d d forgets an entry)"); return [] }
            return [.io(.editMemory(.edit(id, t), seq: b.seq))]
        }
        if let id = state.editingProposal {
            // The edited proposal is accepted as edited; a failed editor leaves it pending.
            state.editingProposal = nil
            guard let text else { return [] }
            return [.submit(.decideSkillProposal(id: id, accept: true, content: text))]
        }
        if let text {
            var t = text
            while t.hasSuffix("\n") { t.removeLast() }
            state.input = InputBuffer(text: t)
        }
        return []
    case .toast(let kind, let text):
        toast(&state, kind, text)
        return []
    case .skillsLoaded(let seq, let rows, let warnings):
        return skillsLoaded(&state, seq: seq, rows: rows, warnings: warnings)
    case .skillTextLoaded(let seq, let text):
        return skillTextLoaded(&state, seq: seq, text: text)
    case .mcpStatus(let servers):
        mcpStatusChanged(&state, servers)
        return []
    case .fileEdited:
        if case .skills? = state.overlay { return reloadSkills(&state) }
        return []
    case .memoryLoaded(let seq, let rows):
        memoryLoaded(&state, seq: seq, rows: rows)
        return []
    case .backendProblem(let text):
        state.backendFailed = true
        append(&state, .notice(Notice(.error, text + " — /backend switches")))
        return []
    case .serversDetected, .setupProgress, .setupFailed, .setupFinished:
        return firstRunEvent(&state, action)
    case .backendChanged(let identity):
        state.backend = identity
        state.backendFailed = false
        append(&state, .notice(Notice(.info, "commands and file tools now run on \(identity)")))
        return []
    case .contextLoaded(let rows):
        append(&state, .notice(Notice(.info, contextListing(rows, window: state.contextWindow))))
        return []
    case .focusChanged(let focused):
        state.terminalFocused = focused
        return []
    case .send(let text):
        if state.isBusy { state.queued.append(text); return [] }
        return send(text, into: &state)
    case .rewindLoaded(let seq, let points):
        return rewindLoaded(&state, seq: seq, points)
    case .rewindDiff(let seq, let id, let text):
        rewindDiff(&state, seq: seq, id: id, text: text)
        return []
    case .watchedEvent(let id, let envelope):
        guard state.viewing?.sessionID == id else { return [] }
        // Only what it says and does: the status line, dialogs and usage stay the live session's.
        switch envelope.event {
        case .messageDelta, .reasoningDelta, .messageCompleted, .toolCallBegan, .toolOutputDelta, .toolCallEnded, .userMessage, .subagent,
             .warning:
            _ = applyEvent(into: &state, envelope.event)
        case .sessionConfigured, .turnStarted, .approvalRequested, .clarifyRequested, .usage, .retrying, .turnCompleted, .turnAborted, .skillProposal, .skillChange,
             .memoryUpdate, .contextCompressed, .hook, .error, .checkpoint, .filesRestored, .plan, .goal, .process:
            break
        }
        return []
    case .backgroundUpdate(let task):
        if let i = state.backgroundTasks.firstIndex(where: { $0.sessionID == task.sessionID }) { state.backgroundTasks[i] = task } else {
            state.backgroundTasks.append(task)
        }
        guard let status = task.status else { return [] }
        let n = (state.backgroundTasks.firstIndex { $0.sessionID == task.sessionID } ?? 0) + 1
        let kind: Notice.Kind = status == "done" ? .info : .warning
        append(&state, .notice(Notice(kind, "background task \(n) \(status): \(task.prompt.prefix(60)) — \(task.answer.prefix(200)) (/agents open)")))
        toast(&state, kind, "background task \(n) \(status)")
        return []
    }
}

// MARK: - Keys

func context(_ state: AppState) -> KeyContext {
    if state.pendingApproval != nil { return .dialog }
    if case .search? = state.overlay { return .search }
    if state.focus == .transcript || state.viewing != nil { return .transcript }
    return .input
}

func reduceKey(into state: inout AppState, _ key: KeyEvent) -> [AppEffect] {
    if case .help(let scroll)? = state.overlay {
        switch key.key {
        case .up: state.overlay = .help(scroll: max(0, scroll - 1))
        case .down: state.overlay = .help(scroll: scroll + 1)
        case .pageUp: state.overlay = .help(scroll: max(0, scroll - 10))
        case .pageDown: state.overlay = .help(scroll: scroll + 10)
        default: state.overlay = nil
        }
        return []
    }
    if case .search(let s)? = state.overlay, s.prompt != nil { return searchPromptKey(&state, key) }
    if state.overlay == nil, state.pendingApproval == nil, let effects = firstRunKey(&state, key) { return effects }
    if case .skills? = state.overlay, state.pendingApproval == nil { return skillsKey(&state, key) }
    if case .mcp? = state.overlay, state.pendingApproval == nil { return mcpKey(&state, key) }
    if case .memory? = state.overlay, state.pendingApproval == nil { return memoryKey(&state, key) }
    if case .rewind? = state.overlay, state.pendingApproval == nil { return rewindKey(&state, key) }
    if case .processes? = state.overlay, state.pendingApproval == nil { return processesKey(&state, key) }
    if state.completion != nil, let effects = completionKey(&state, key) { return effects }
    let ctx = context(state)
    if let command = state.keymap.command(for: key, in: ctx) {
        return perform(command, in: ctx, &state)
    }
    // Unbound keys: text goes where the user is typing.
    guard case .character(let c) = key.key, key.modifiers.subtracting(.shift).isEmpty else { return [] }
    switch ctx {
    case .input:
        if c == "?", state.input.text.isEmpty { state.overlay = .help(scroll: 0); return [] }
        state.input.insert(String(c))
        state.historyIndex = nil
        return updateCompletion(&state)
    case .search:
        guard case .search(var s)? = state.overlay else { return [] }
        s.query.append(c)
        state.overlay = .search(s)
        return runSearch(&state)
    case .transcript:
        // Typing in the transcript goes back to the editor, so no keystroke is lost.
        guard state.viewing == nil else { return [] }
        state.focus = .input
        state.selectedEntry = nil
        state.input.insert(String(c))
        return updateCompletion(&state)
    case .global, .dialog, .skills, .mcp, .memory, .rewind:
        return []
    }
}

func toast(_ state: inout AppState, _ kind: Notice.Kind, _ text: String) {
    state.toasts.append(Toast(id: state.nextToastID, kind: kind, text: text, expiresAt: state.now + (kind == .error ? 8 : 4)))
    state.nextToastID += 1
    if state.toasts.count > 3 { state.toasts.removeFirst(state.toasts.count - 3) }
}

// MARK: - Transcript mutation

func append(_ state: inout AppState, _ item: TranscriptItem) {
    state.entries.append(Entry(id: state.nextEntryID, item: item))
    state.nextEntryID += 1
}

func update(_ state: inout AppState, _ i: Int, _ item: TranscriptItem) {
    state.entries[i].item = item
    state.entries[i].revision += 1
}
