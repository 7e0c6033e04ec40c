import AgentProtocol
import TUIKit

/// The one place that changes ``AppState``. Pure: I/O happens in the returned effects.
public func reduce(into state: inout AppState, _ action: AppAction) -> [AppEffect] {
    switch action {
    case .pasted(let text):
        state.input.insert(text)
        return []
    case .keyPressed(let key):
        return reduceKey(into: &state, key)
    case .agent(let envelope):
        return reduceEvent(into: &state, envelope.event)
    }
}

private func reduceKey(into state: inout AppState, _ event: KeyEvent) -> [AppEffect] {
    if let request = state.pendingApproval {
        let decision: ApprovalDecision?
        switch event.key {
        case .character("y"): decision = .once
        case .character("s"): decision = .session
        case .character("a"): decision = .always
        case .character("n"), .escape: decision = .deny
        default: decision = nil
        }
        guard let decision else { return [] }
        state.pendingApproval = nil
        return [.submit(.approveTool(callID: request.callID, decision: decision))]
    }
    let ctrl = event.modifiers.contains(.control)
    switch event.key {
    case .enter where event.modifiers.contains(.shift) || event.modifiers.contains(.alt):
        state.input.insert("\n")
    case .enter:
        let text = state.input.text
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        state.input = InputBuffer()
        state.scrollBack = 0
        if state.isBusy {
            state.queued.append(text)
            return []
        }
        return send(text, into: &state)
    case .escape:
        return state.isBusy ? [.submit(.interrupt)] : []
    case .character("c") where ctrl:
        if !state.input.text.isEmpty { state.input = InputBuffer(); return [] }
        return state.isBusy ? [.submit(.interrupt)] : [.quit]
    case .character("d") where ctrl:
        return state.input.text.isEmpty && !state.isBusy ? [.quit] : []
    case .character("t") where ctrl:
        toggleLastReasoning(&state)
    case .character(let c) where !ctrl:
        state.input.insert(String(c))
    case .backspace: state.input.backspace()
    case .delete: state.input.delete()
    case .left: state.input.cursor = max(0, state.input.cursor - 1)
    case .right: state.input.cursor = min(state.input.text.count, state.input.cursor + 1)
    case .home: state.input.cursor = 0
    case .end: state.input.cursor = state.input.text.count
    case .pageUp: state.scrollBack += 10
    case .pageDown: state.scrollBack = max(0, state.scrollBack - 10)
    default: break
    }
    return []
}

private func send(_ text: String, into state: inout AppState) -> [AppEffect] {
    state.items.append(.user(text))
    state.isBusy = true
    return [.submit(.userTurn(UserTurn(text: text)))]
}

private func toggleLastReasoning(_ state: inout AppState) {
    for i in state.items.indices.reversed() {
        if case .assistant(var a) = state.items[i], !a.reasoning.isEmpty {
            a.isReasoningExpanded.toggle()
            state.items[i] = .assistant(a)
            return
        }
    }
}

private func reduceEvent(into state: inout AppState, _ event: AgentEvent) -> [AppEffect] {
    switch event {
    case .sessionConfigured(let s):
        state.model = s.model
        state.sessionID = s.sessionID
        state.contextWindow = s.contextWindow ?? state.contextWindow
    case .turnStarted:
        state.isBusy = true
    case .messageDelta(let id, let text):
        updateAssistant(&state, id) { $0.text += text }
    case .reasoningDelta(let id, let text):
        updateAssistant(&state, id) { $0.reasoning += text }
    case .messageCompleted(let m):
        if let i = assistantIndex(state, m.itemID) {
            guard case .assistant(var a) = state.items[i] else { break }
            a.isStreaming = false
            a.text = m.text
            if a.text.isEmpty && a.reasoning.isEmpty { state.items.remove(at: i) } else { state.items[i] = .assistant(a) }
        }
    case .toolCallBegan(let b):
        state.items.append(.tool(ToolItem(callID: b.callID, name: b.name, arguments: b.arguments)))
    case .toolOutputDelta(let callID, let chunk):
        updateTool(&state, callID) { t in
            t.output += chunk
            if t.output.utf8.count > ToolItem.outputCap { t.output = String(t.output.suffix(ToolItem.outputCap / 2)) }
        }
    case .toolCallEnded(let e):
        updateTool(&state, e.callID) { t in
            t.status = e.status
            t.elapsedMs = e.elapsedMs
            if t.output.isEmpty { t.output = e.output }
        }
    case .approvalRequested(let request):
        state.pendingApproval = request
    case .usage(let u):
        state.usage = u.total
        state.lastPromptTokens = u.last.promptTokens
        state.contextWindow = u.contextWindow ?? state.contextWindow
    case .retrying(let r):
        state.items.append(.notice(Notice(.warning, "\(r.reason) — retrying in \(r.delayMs / 1000) s (\(r.attempt)/\(r.maxAttempts))")))
    case .turnCompleted:
        state.isBusy = false
        if !state.queued.isEmpty { return send(state.queued.removeFirst(), into: &state) }
    case .turnAborted(let a):
        state.isBusy = false
        state.pendingApproval = nil
        if a.reason == .interrupted { state.items.append(.notice(Notice(.info, "interrupted"))) }
        // Nothing typed is lost: queued prompts go back into the editor.
        if !state.queued.isEmpty {
            state.input = InputBuffer(text: (state.queued + [state.input.text]).filter { !$0.isEmpty }.joined(separator: "\n"))
            state.queued = []
        }
    case .error(let e):
        state.items.append(.notice(Notice(.error, e.message)))
    case .warning(let w):
        state.items.append(.notice(Notice(.warning, w)))
    }
    return []
}

private func assistantIndex(_ state: AppState, _ id: String) -> Int? {
    state.items.lastIndex { if case .assistant(let a) = $0 { a.id == id } else { false } }
}

private func updateAssistant(_ state: inout AppState, _ id: String, _ body: (inout AssistantItem) -> Void) {
    if let i = assistantIndex(state, id), case .assistant(var a) = state.items[i] {
        body(&a)
        state.items[i] = .assistant(a)
    } else {
        var a = AssistantItem(id: id)
        body(&a)
        state.items.append(.assistant(a))
    }
}

private func updateTool(_ state: inout AppState, _ callID: String, _ body: (inout ToolItem) -> Void) {
    guard let i = state.items.lastIndex(where: { if case .tool(let t) = $0 { t.callID == callID } else { false } }),
          case .tool(var t) = state.items[i] else { return }
    body(&t)
    state.items[i] = .tool(t)
}
