import AgentProtocol
import Foundation
import TUIKit

/// The slash commands: what the completion popup offers and what `/help` lists.
public enum SlashCommand: String, Sendable, CaseIterable {
    case new, resume, sessions, goal, undo, redo, rewind, retry, branch, skills, mcp, memory, agents, ps, background, backend, compress, title, model, theme, keymap,
         context, clear, copy, mouse, help, quit

    public var summary: String {
        switch self {
        case .new: "start a new conversation"
        case .resume: "continue a stored session (id, or pick one)"
        case .sessions: "search every stored session"
        case .goal: "work toward a goal across turns (--check CMD); /goal stop"
        case .undo: "put back the files the last turn changed (and say which)"
        case .redo: "take back the last /undo"
        case .rewind: "back to a message of yours: conversation, files or both"
        case .retry: "run your last message again (in a branch)"
        case .branch: "continue in a copy of this session (the original is kept)"
        case .skills: "browse, edit and curate skills"
        case .mcp: "MCP servers: state, tools, restart"
        case .memory: "what Talaria remembers: notes, profile, derived facts"
        case .agents: "subagents and background tasks: list; open N, cancel N"
        case .ps: "background processes the model started: live output, k kills"
        case .background: "run a prompt in a session of its own while you keep talking"
        case .backend: "show or switch where commands run"
        case .compress: "compress older turns out of the context now"
        case .title: "name this session"
        case .model: "show or switch the model"
        case .theme: "switch the colour theme"
        case .keymap: "switch the key bindings"
        case .context: "the project's instruction files (AGENTS.md …) and their share of the context"
        case .clear: "clear the screen (the conversation continues)"
        case .copy: "copy the last answer (OSC 52)"
        case .mouse: "turn mouse capture on or off"
        case .help: "keys and commands"
        case .quit: "leave Talaria"
        }
    }
}

func runSlash(_ text: String, _ state: inout AppState) -> [AppEffect] {
    let parts = text.dropFirst().split(separator: " ", maxSplits: 1)
    let name = parts.first.map(String.init) ?? ""
    let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
    let aliases: [String: SlashCommand] = ["exit": .quit, "q": .quit, "reset": .new, "search": .sessions, "?": .help]
    guard let command = SlashCommand(rawValue: name) ?? aliases[name] else {
        toast(&state, .error, "unknown command /\(name) — /help lists them")
        return []
    }
    func idle() -> Bool {
        if state.isBusy { toast(&state, .warning, "busy — press Esc to interrupt first") }
        return !state.isBusy
    }
    switch command {
    case .new:
        guard idle() else { return [] }
        state.entries = []
        state.viewing = nil
        state.stash = []
        state.usage = Usage()
        state.lastPromptTokens = 0
        return [.newSession]
    case .resume where !argument.isEmpty:
        guard idle() else { return [] }
        return [.resumeSession(argument)]
    case .goal:
        return goalCommand(argument, &state)
    case .undo, .redo:
        guard idle() else { return [] }
        return [.submit(command == .undo ? .undoFiles : .redoFiles)]
    case .rewind:
        return openRewind(&state)
    case .retry:
        guard idle() else { return [] }
        guard let last = state.entries.last(where: { if case .user = $0.item { true } else { false } }), case .user(let text) = last.item else {
            toast(&state, .info, "nothing to retry yet")
            return []
        }
        toast(&state, .info, "retrying in a branch (the old answer stays in the original session)")
        return [.session(.branch(BranchRequest(userMessageFromEnd: 0, keepsMessage: false, submit: text)))]
    case .branch:
        guard idle() else { return [] }
        return [.session(.branch(BranchRequest()))]
    case .resume, .sessions:
        state.overlay = .search(SearchState(query: argument))
        state.completion = nil
        return runSearch(&state)
    case .skills:
        return openSkills(&state)
    case .mcp:
        return openMCP(&state)
    case .memory:
        return openMemory(&state)
    case .ps:
        return openProcesses(&state)
    case .backend:
        guard !argument.isEmpty else {
            let kinds = BackendKind.allCases.map { "  \($0.rawValue) — \($0.summary)" }.joined(separator: "\n")
            append(&state, .notice(Notice(.info, "commands and file tools run on \(state.backend). /backend NAME switches (settings from config.yaml):\n\(kinds)")))
            return []
        }
        guard let kind = BackendKind(rawValue: argument == "singularity" ? "apptainer" : argument) else {
            toast(&state, .error, "no backend \"\(argument)\" (have: \(BackendKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            return []
        }
        guard idle() else { return [] }
        toast(&state, .info, "switching to \(kind.rawValue)…")
        return [.setBackend(kind)]
    case .compress:
        guard idle() else { return [] }
        toast(&state, .info, "compressing…")
        return [.submit(.compress)]
    case .title:
        guard !argument.isEmpty else { toast(&state, .warning, "usage: /title NAME"); return [] }
        toast(&state, .info, "titled \(argument)")
        return [.io(.updateSession(id: state.sessionID, title: argument, tags: nil, archived: nil))]
    case .model:
        guard !argument.isEmpty else {
            append(&state, .notice(Notice(.info, "model: \(state.model) — /model NAME switches (the conversation continues)")))
            return []
        }
        guard idle() else { return [] }
        return [.setModel(argument)]
    case .theme:
        guard let theme = state.themes[argument] else {
            let names = state.themes.keys.sorted().joined(separator: ", ")
            toast(&state, argument.isEmpty ? .info : .error, argument.isEmpty ? "themes: \(names)" : "no theme \"\(argument)\" (have: \(names))")
            return []
        }
        state.theme = theme
        toast(&state, .info, "theme \(argument) — set `theme: \(argument)` in config.yaml to keep it")
    case .keymap:
        guard let keymap = state.keymaps[argument] else {
            let names = state.keymaps.keys.sorted().joined(separator: ", ")
            toast(&state, argument.isEmpty ? .info : .error, argument.isEmpty ? "keymaps: \(names)" : "no keymap \"\(argument)\" (have: \(names))")
            return []
        }
        state.keymap = keymap
        state.focus = .input
        toast(&state, .info, "keymap \(argument) — set `keymap: \(argument)` in config.yaml to keep it")
    case .context:
        return [.io(.loadContext)]
    case .clear:
        state.entries = []
        state.scrollBack = 0
        state.selectedEntry = nil
    case .copy:
        return perform(.copyLast, &state)
    case .agents:
        return agents(argument, &state)
    case .background:
        guard !argument.isEmpty else { toast(&state, .error, "say /background PROMPT"); return [] }
        append(&state, .notice(Notice(.info, "in the background: \(argument) — /agents lists it; you will be told when it ends")))
        return [.session(.background(argument))]
    case .mouse:
        return perform(.toggleMouse, &state)
    case .help:
        state.overlay = .help(scroll: 0)
    case .quit:
        return [.quit]
    }
    return []
}

// MARK: - Completion popup

/// Recomputes the popup after an edit: slash commands (and theme/keymap names) or `@paths`.
func updateCompletion(_ state: inout AppState) -> [AppEffect] {
    let chars = state.input.chars
    let cursor = state.input.cursor
    let text = String(chars[..<cursor])
    if text.hasPrefix("/"), !text.contains("\n") {
        if !text.contains(" ") {
            let prefix = text.dropFirst()
            let items = SlashCommand.allCases.filter { $0.rawValue.hasPrefix(prefix) }
                .map { CompletionItem("/" + $0.rawValue, $0.summary) }
            state.completion = items.isEmpty || (items.count == 1 && items[0].text == text) ? nil
                : Completion(kind: .command, start: 0, items: items)
            return []
        }
        let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        let names: [String]
        switch parts[0] {
        case "/theme": names = state.themes.keys.sorted()
        case "/keymap": names = state.keymaps.keys.sorted()
        case "/backend": names = BackendKind.allCases.map(\.rawValue)
        default: state.completion = nil; return []
        }
        let arg = parts.count > 1 ? String(parts[1]) : ""
        let items = names.filter { $0.hasPrefix(arg) && $0 != arg }.map { CompletionItem($0) }
        state.completion = items.isEmpty ? nil : Completion(kind: .argument, start: parts[0].count + 1, items: items)
        return []
    }
    // `@path` under the cursor.
    var start = cursor
    while start > 0, !chars[start - 1].isWhitespace { start -= 1 }
    if start < cursor, chars[start] == "@", start == 0 || chars[start - 1].isWhitespace {
        state.requestSeq += 1
        let prefix = String(chars[(start + 1)..<cursor])
        var c = state.completion?.kind == .path ? state.completion! : Completion(kind: .path, start: start + 1, items: [])
        c.start = start + 1
        c.seq = state.requestSeq
        state.completion = c
        return [.io(.completePaths(prefix: prefix, seq: c.seq))]
    }
    state.completion = nil
    return []
}

/// Keys the popup takes before the keymap: move, accept, dismiss. `nil`: not for the popup.
func completionKey(_ state: inout AppState, _ key: KeyEvent) -> [AppEffect]? {
    guard var c = state.completion, !c.items.isEmpty, key.modifiers.isEmpty else { return nil }
    switch key.key {
    case .up:
        c.selected = (c.selected - 1 + c.items.count) % c.items.count
        state.completion = c
        return []
    case .down:
        c.selected = (c.selected + 1) % c.items.count
        state.completion = c
        return []
    case .escape:
        state.completion = nil
        return []
    case .tab, .enter:
        let item = c.items[c.selected].text
        let chars = state.input.chars
        let cursor = state.input.cursor
        var end = cursor
        while end < chars.count, !chars[end].isWhitespace { end += 1 }
        _ = state.input.delete(c.start..<end)
        state.input.cursor = c.start
        let isDirectory = item.hasSuffix("/")
        state.input.insert(item + (isDirectory ? "" : " "))
        state.completion = nil
        // Enter on a command runs it when it needs no argument; a directory keeps completing.
        if key.key == .enter, c.kind != .path {
            let takesArgument: Set<String> = ["/resume", "/title", "/model", "/theme", "/keymap", "/sessions", "/backend"]
            if c.kind == .argument || !takesArgument.contains(item) {
                return perform(.submit, &state)
            }
        }
        return updateCompletion(&state)
    default:
        return nil
    }
}

/// `/agents`: the session's subagents, numbered as listed; `open N` shows one's session (Esc
/// comes back), `cancel N` stops a running one alone.
func agents(_ argument: String, _ state: inout AppState) -> [AppEffect] {
    // Subagents first, then background tasks, numbered in one list.
    let all: [(sessionID: String, label: String, status: String?, elapsedMs: Int?)] =
        state.subagents.map { ($0.sessionID, "subagent: " + $0.goal, $0.status, $0.elapsedMs) }
        + state.backgroundTasks.map { ($0.sessionID, "background: " + $0.prompt, $0.status, $0.elapsedMs) }
    let words = argument.split(separator: " ")
    guard let verb = words.first else {
        guard !all.isEmpty else {
            append(&state, .notice(Notice(.info, "no subagents or background tasks yet (delegate_task starts subagents; /background PROMPT a task)")))
            return []
        }
        let lines = all.enumerated().map { n, c in
            "\(n + 1). \(c.status ?? "running")\(c.elapsedMs.map { " " + formatElapsed(Double($0) / 1000) } ?? "") — \(c.label.prefix(90)) · \(c.sessionID)"
        }
        append(&state, .notice(Notice(.info, "agents (/agents open N · /agents cancel N):\n" + lines.joined(separator: "\n"))))
        return []
    }
    guard words.count == 2, let n = Int(words[1]), all.indices.contains(n - 1) else {
        toast(&state, .error, all.isEmpty ? "no agents yet" : "say /agents \(verb) N, N from 1 to \(all.count)")
        return []
    }
    let chosen = all[n - 1]
    switch verb {
    case "open": return [chosen.status == nil ? .session(.watchSession(chosen.sessionID)) : .io(.openSession(chosen.sessionID, messageID: nil))]
    case "cancel":
        guard chosen.status == nil else { toast(&state, .info, "\(n) already ended (\(chosen.status ?? ""))"); return [] }
        toast(&state, .info, "cancelling \(n)")
        return [.session(.cancelSession(chosen.sessionID))]
    default:
        toast(&state, .error, "/agents knows open N and cancel N")
        return []
    }
}
