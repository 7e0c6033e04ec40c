import AgentProtocol
import Foundation
import TUIKit

// The Ctrl-R overlay: queries, results, preview, and editing a session's title and tags.

/// Runs the query again; a new query starts at the top, a refresh (after an edit) keeps the place.
func runSearch(_ state: inout AppState, keepSelection: Bool = false) -> [AppEffect] {
    guard case .search(var s)? = state.overlay else { return [] }
    state.requestSeq += 1
    s.seq = state.requestSeq
    s.isLoading = true
    if !keepSelection {
        s.selected = 0
        s.preview = nil
    }
    state.overlay = .search(s)
    return [.io(.searchSessions(query: s.query, includeArchived: s.showArchived, seq: s.seq))]
}

func loadPreview(_ state: inout AppState) -> [AppEffect] {
    guard case .search(var s)? = state.overlay, let hit = s.selectedHit else { return [] }
    state.requestSeq += 1
    s.seq = state.requestSeq
    state.overlay = .search(s)
    return [.io(.loadPreview(sessionID: hit.sessionID, messageID: hit.messageID, seq: s.seq))]
}

func moveSearchSelection(_ state: inout AppState, _ delta: Int) -> [AppEffect] {
    guard case .search(var s)? = state.overlay, !s.results.isEmpty else { return [] }
    s.selected = max(0, min(s.results.count - 1, s.selected + delta))
    state.overlay = .search(s)
    return loadPreview(&state)
}

func editQuery(_ state: inout AppState, _ body: (inout String) -> Void) -> [AppEffect] {
    guard case .search(var s)? = state.overlay, !s.query.isEmpty else { return [] }
    body(&s.query)
    state.overlay = .search(s)
    return runSearch(&state)
}

func searchPromptKey(_ state: inout AppState, _ key: KeyEvent) -> [AppEffect] {
    guard case .search(var s)? = state.overlay, var prompt = s.prompt, let hit = s.selectedHit else { return [] }
    switch key.key {
    case .escape:
        s.prompt = nil
    case .enter:
        s.prompt = nil
        state.overlay = .search(s)
        let value = prompt.text.trimmingCharacters(in: .whitespaces)
        if prompt.kind == .title {
            return [.io(.updateSession(id: hit.sessionID, title: value, tags: nil, archived: nil))] + runSearch(&state, keepSelection: true)
        }
        let tags = value.split(whereSeparator: { $0 == " " || $0 == "," }).map { String($0.drop { $0 == "#" }) }.filter { !$0.isEmpty }
        return [.io(.updateSession(id: hit.sessionID, title: nil, tags: tags, archived: nil))] + runSearch(&state, keepSelection: true)
    case .backspace:
        if !prompt.text.isEmpty { prompt.text.removeLast() }
        s.prompt = prompt
    case .character(let c) where key.modifiers.subtracting(.shift).isEmpty:
        prompt.text.append(c)
        s.prompt = prompt
    case .character("u") where key.modifiers == .control:
        prompt.text = ""
        s.prompt = prompt
    default:
        break
    }
    state.overlay = .search(s)
    return []
}
