import AgentProtocol
import Foundation
import TUIKit

// Agent events applied to the state (the live conversation, even while a stored one is viewed).

func reduceEvent(into state: inout AppState, _ event: AgentEvent) -> [AppEffect] {
    // Events of the live session keep arriving while a stored one is viewed: apply them to the stash.
    if state.viewing != nil {
        swap(&state.entries, &state.stash)
        defer { swap(&state.entries, &state.stash) }
        return applyEvent(into: &state, event)
    }
    return applyEvent(into: &state, event)
}

func applyEvent(into state: inout AppState, _ event: AgentEvent) -> [AppEffect] {
    switch event {
    case .sessionConfigured(let s):
        state.model = s.model
        state.sessionID = s.sessionID
        state.contextWindow = s.contextWindow ?? state.contextWindow
        if s.sessionID != state.planSessionID {
            // Another session: its plan and checkpoints come with its own events.
            state.plan = []
            state.checkpoints = []
            state.goal = nil
            state.planSessionID = s.sessionID
        }
    case .userMessage(let text):
        // Typed elsewhere (another terminal on the session): this one's own never come back.
        append(&state, .user(text))
    case .turnStarted:
        state.isBusy = true
        if state.turnStartedAt == nil { state.turnStartedAt = state.now }
    case .messageDelta(let id, let text):
        updateAssistant(&state, id) { $0.text += text }
    case .reasoningDelta(let id, let text):
        updateAssistant(&state, id) { $0.reasoning += text }
    case .messageCompleted(let m):
        if let i = assistantIndex(state, m.itemID), case .assistant(var a) = state.entries[i].item {
            a.isStreaming = false
            a.text = m.text
            if a.text.isEmpty && a.reasoning.isEmpty { state.entries.remove(at: i) } else { update(&state, i, .assistant(a)) }
        }
    case .toolCallBegan(let b):
        append(&state, .tool(ToolItem(callID: b.callID, name: b.name, arguments: b.arguments, startedAt: state.now)))
    case .toolOutputDelta(let callID, let chunk):
        // A request answered elsewhere (another terminal attached to the session) is settled.
        if state.pendingApproval?.callID == callID { state.pendingApproval = nil }
        updateTool(&state, callID) { $0.screen.feed(chunk) }
    case .toolCallEnded(let e):
        if state.pendingApproval?.callID == e.callID { state.pendingApproval = nil }
        if state.pendingQuestion?.callID == e.callID { state.pendingQuestion = nil }
        updateTool(&state, e.callID) { t in
            t.status = e.status
            t.exitCode = e.exitCode
            t.elapsedMs = e.elapsedMs
            if !t.hasOutput { t.screen.feed(e.output) }
        }
    case .approvalRequested(let request):
        state.pendingApproval = request
        state.overlay = nil
        return attention(state, "Talaria needs your approval: \(request.tool) \(request.command.prefix(80))", always: true)
    case .process(let update):
        processUpdated(&state, update)
    case .clarifyRequested(let question):
        state.pendingQuestion = question
        state.overlay = nil
        state.focus = .input
        state.selectedEntry = nil
        return attention(state, "Talaria asks: \(question.question.prefix(100))", always: true)
    case .usage(let u):
        state.usage = u.total
        if u.purpose == .turn { state.lastPromptTokens = u.last.promptTokens }
        state.contextWindow = u.contextWindow ?? state.contextWindow
    case .retrying(let r):
        toast(&state, .warning, "\(r.reason) — retrying in \(max(1, r.delayMs / 1000)) s (\(r.attempt)/\(r.maxAttempts))")
    case .turnCompleted(let done):
        let ran = state.turnStartedAt.map { state.now - $0 } ?? 0
        state.isBusy = false
        state.isInterrupting = false
        state.turnStartedAt = nil
        if !state.queued.isEmpty { return send(state.queued.removeFirst(), into: &state) }
        if ran >= state.notifyAfter {
            let first = done.finalText.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            return attention(state, "Talaria finished (\(formatElapsed(ran))): \(first.prefix(100))", always: false)
        }
    case .turnAborted(let a):
        state.isBusy = false
        state.isInterrupting = false
        state.turnStartedAt = nil
        state.pendingApproval = nil
        state.pendingQuestion = nil
        if a.reason == .interrupted { append(&state, .notice(Notice(.info, "interrupted"))) }
        for i in state.entries.indices {
            if case .assistant(var item) = state.entries[i].item, item.isStreaming {
                item.isStreaming = false
                update(&state, i, .assistant(item))
            }
        }
        // Nothing typed is lost: queued prompts go back into the editor.
        if !state.queued.isEmpty {
            state.input = InputBuffer(text: (state.queued + [state.input.text]).filter { !$0.isEmpty }.joined(separator: "\n"))
            state.queued = []
        }
    case .error(let e):
        append(&state, .notice(Notice(.error, e.message)))
        toast(&state, .error, e.message)
    case .warning(let w):
        append(&state, .notice(Notice(.warning, w)))
    case .skillProposal(let p):
        append(&state, .proposal(ProposalItem(proposal: p, status: p.applied ? .applied : .pending)))
        toast(&state, .info, p.applied ? "learned skill \(p.name) (Alt-U undoes)" : "skill proposal: \(p.name) — Alt-Y accept · Alt-X reject")
    case .skillChange(let c):
        if let i = state.entries.lastIndex(where: { if case .proposal(let p) = $0.item { p.proposal.id == c.proposalID } else { false } }),
           case .proposal(var p) = state.entries[i].item {
            p.status = ProposalItem.Status(rawValue: c.outcome.rawValue) ?? .failed
            p.message = c.message
            update(&state, i, .proposal(p))
        }
        toast(&state, c.outcome == .failed ? .error : .info, c.message)
    case .memoryUpdate(let m):
        let verb = ["add": "saved to", "replace": "changed in", "remove": "removed from", "confirm": "confirmed in", "undo": "undone in"][m.action] ?? m.action
        let undoable = ["add", "replace", "remove"].contains(m.action)
        append(&state, .notice(Notice(.info, "memory \(verb) \(m.target): \(m.text)\(undoable ? " — Alt-U undoes" : "")")))
        state.lastMemoryUpdate = undoable ? MemoryUpdateMark(update: m, entryIndex: state.entries.count - 1) : nil
    case .hook(let h):
        let kind: Notice.Kind = h.outcome == .failed ? .error : h.outcome == .message ? .info : .warning
        let verb = switch h.outcome {
        case .blocked: "blocked"
        case .failed: "failed"
        case .stopped: "stopped the session"
        case .message: "says"
        }
        append(&state, .notice(Notice(kind, "hook \(h.event.rawValue) \(verb): \(h.message) — \(h.command)")))
    case .subagent(let u):
        let now = state.now
        updateTool(&state, u.callID) { t in
            let i = t.children.firstIndex { $0.index == u.index } ?? {
                t.children.append(SubagentItem(index: u.index, goal: u.goal, sessionID: u.sessionID, startedAt: now))
                t.children.sort { $0.index < $1.index }
                return t.children.firstIndex { $0.index == u.index }!
            }()
            switch u.phase {
            case .started: break
            case .working(let what):
                t.children[i].activity = what
                t.children[i].tools.append(ChildTool(summary: what))
                if t.children[i].tools.count > SubagentItem.maxTools {
                    t.children[i].tools.removeFirst()
                    t.children[i].droppedTools += 1
                }
            case .toolEnded(let status, let ms, let tail):
                if let j = t.children[i].tools.lastIndex(where: { $0.status == nil }) {
                    t.children[i].tools[j].status = status
                    t.children[i].tools[j].elapsedMs = ms
                    t.children[i].tools[j].tail = tail
                }
            case .said(let text):
                t.children[i].said = text
            case .finished(let status, let ms):
                t.children[i].status = status
                t.children[i].elapsedMs = ms
                t.children[i].activity = ""
            }
        }
    case .goal(let g):
        goalEvent(&state, g)
    case .plan(let items):
        state.plan = items
    case .checkpoint(let c):
        // Quietly: /undo and /rewind use them; the turn's own cards say what changed.
        state.checkpoints.append(c)
    case .filesRestored(let r):
        append(&state, .notice(Notice(.info, r.message + (r.action == .redo ? "" : " — /redo takes it back"))))
        toast(&state, .info, r.action == .redo ? "files redone" : "files put back")
    case .contextCompressed(let c):
        append(&state, .notice(Notice(c.summarized ? .info : .warning, c.message)))
        toast(&state, c.summarized ? .info : .warning, c.summarized ? "context compressed" : "context: older turns dropped")
    }
    return []
}

/// The proposal the proposal keys act on: the selected card, else the newest one in `statuses`.
func targetProposal(_ state: AppState, _ statuses: Set<ProposalItem.Status>) -> ProposalItem? {
    if let id = state.selectedEntry, let e = state.entries.first(where: { $0.id == id }), case .proposal(let p) = e.item, statuses.contains(p.status) { return p }
    for e in state.entries.reversed() { if case .proposal(let p) = e.item, statuses.contains(p.status) { return p } }
    return nil
}

func assistantIndex(_ state: AppState, _ id: String) -> Int? {
    state.entries.lastIndex { if case .assistant(let a) = $0.item { a.id == id } else { false } }
}

func updateAssistant(_ state: inout AppState, _ id: String, _ body: (inout AssistantItem) -> Void) {
    if let i = assistantIndex(state, id), case .assistant(var a) = state.entries[i].item {
        // Drop the entry's reference first so the text is appended in place, not copied per delta.
        state.entries[i].item = .notice(Notice(.info, ""))
        body(&a)
        update(&state, i, .assistant(a))
    } else {
        var a = AssistantItem(id: id, isReasoningExpanded: state.allThoughtsExpanded)
        body(&a)
        append(&state, .assistant(a))
    }
}

func updateTool(_ state: inout AppState, _ callID: String, _ body: (inout ToolItem) -> Void) {
    guard let i = state.entries.lastIndex(where: { if case .tool(let t) = $0.item { t.callID == callID } else { false } }),
          case .tool(var t) = state.entries[i].item else { return }
    state.entries[i].item = .notice(Notice(.info, "")) // see updateAssistant
    body(&t)
    update(&state, i, .tool(t))
}

/// A bell or a desktop notification when the user is looking elsewhere: the terminal has lost
/// focus (and, for a finished turn, it ran long enough to have been left).
func attention(_ state: AppState, _ text: String, always: Bool) -> [AppEffect] {
    guard let how = state.notification, !state.terminalFocused else { return [] }
    return [.terminal(.notify(how, text))]
}

extension AppState {
    /// config.yaml's `notify` (bell, osc9, osc777; anything else: off) and `notify_after`.
    public mutating func setNotification(_ name: String, after seconds: Int) {
        notification = TerminalNotification(rawValue: name)
        notifyAfter = Double(seconds)
    }
}
