import AgentProtocol
import TUIKit

/// What a key can do, by the name keymaps use.
public enum Command: String, Sendable, Hashable, CaseIterable {
    // global
    case quit, cancel, interrupt = "interrupt-or-close", help, redraw
    case quitIfEmpty = "quit-if-empty"
    case searchSessions = "search-sessions"
    case toggleThoughts = "toggle-thoughts", toggleAllThoughts = "toggle-all-thoughts"
    case togglePlan = "toggle-plan"
    case toggleToolOutput = "toggle-tool-output", toggleMouse = "toggle-mouse", toggleZoom = "toggle-terminal-zoom"
    case scrollUp = "scroll-up", scrollDown = "scroll-down", pageUp = "page-up", pageDown = "page-down"
    case halfPageUp = "half-page-up", halfPageDown = "half-page-down"
    case scrollTop = "scroll-top", scrollBottom = "scroll-bottom"
    case copyLast = "copy-last", focusTranscript = "focus-transcript", focusInput = "focus-input"
    case selectPrevious = "select-previous", selectNext = "select-next"
    // input
    case submit, newline, complete, externalEditor = "external-editor"
    case cursorLeft = "cursor-left", cursorRight = "cursor-right", cursorUp = "cursor-up", cursorDown = "cursor-down"
    case wordLeft = "word-left", wordRight = "word-right", lineStart = "line-start", lineEnd = "line-end"
    case deleteBack = "delete-back", deleteForward = "delete-forward", deleteWordBack = "delete-word-back"
    case killLineEnd = "kill-line-end", killLineStart = "kill-line-start", yank
    case historyPrevious = "history-previous", historyNext = "history-next"
    // transcript (focused, or viewing a stored session)
    case toggleItem = "toggle-item", copyItem = "copy-item", resumeSession = "resume-session", back
    // search overlay
    case openSession = "open-session", titleSession = "title-session", tagSession = "tag-session"
    case archiveSession = "archive-session", showArchived = "toggle-archived", close
    // skill browser
    case openSkills = "open-skills", editSkill = "edit-skill", newSkill = "new-skill", disableSkill = "disable-skill"
    case archiveSkill = "archive-skill", allowSkill = "allow-skill"
    // MCP servers view
    case openMCP = "open-mcp", restartServer = "restart-server", toggleServer = "toggle-server"
    // memory browser
    case openMemory = "open-memory", nextColumn = "next-column", previousColumn = "previous-column"
    case filterMemory = "filter", editMemory = "edit-memory", toggleMemory = "toggle-memory", deleteMemory = "delete-memory"
    case addMemory = "add-memory"
    // skill proposals (the learning loop)
    case acceptProposal = "accept-proposal", rejectProposal = "reject-proposal", editProposal = "edit-proposal"
    case undoSkillChange = "undo-skill-change"
    // approval dialog
    case approveOnce = "approve-once", approveSession = "approve-session", approveAlways = "approve-always", deny
    // rewind picker, and editing an earlier message
    case rewindConversation = "rewind-conversation", rewindFiles = "rewind-files", rewindBoth = "rewind-both"
    case editMessage = "edit-message"
}

extension Command {
    /// What the command does, in the words help shows (keymap files use the `rawValue`).
    public var summary: String {
        switch self {
        case .quit: "quit Talaria"
        case .cancel: "cancel: close, clear the editor, interrupt, or quit"
        case .interrupt: "stop the running turn, or close what is open"
        case .help: "show this help"
        case .redraw: "redraw the screen"
        case .quitIfEmpty: "quit when the editor is empty (else delete forward)"
        case .searchSessions: "search every stored session"
        case .toggleThoughts: "show or hide the latest thought"
        case .toggleAllThoughts: "show or hide every thought"
        case .toggleToolOutput: "expand or collapse the latest tool's output"
        case .togglePlan: "show the plan's steps, or fold it to one line"
        case .toggleMouse: "turn mouse capture on or off (off: select text)"
        case .toggleZoom: "let the live terminal pane fill the screen"
        case .scrollUp: "scroll up a line"
        case .scrollDown: "scroll down a line"
        case .pageUp: "scroll up a page"
        case .pageDown: "scroll down a page"
        case .halfPageUp: "scroll up half a page"
        case .halfPageDown: "scroll down half a page"
        case .scrollTop: "go to the start of the conversation"
        case .scrollBottom: "go to the end of the conversation"
        case .copyLast: "copy the last answer"
        case .focusTranscript: "move into the conversation (select messages)"
        case .focusInput: "back to the editor"
        case .selectPrevious: "select the previous item"
        case .selectNext: "select the next item"
        case .submit: "send"
        case .newline: "new line"
        case .complete: "complete the command or @path"
        case .externalEditor: "edit the prompt in $EDITOR"
        case .cursorLeft: "cursor left"
        case .cursorRight: "cursor right"
        case .cursorUp: "line up, or the previous prompt"
        case .cursorDown: "line down, or the next prompt"
        case .wordLeft: "word left"
        case .wordRight: "word right"
        case .lineStart: "start of line"
        case .lineEnd: "end of line"
        case .deleteBack: "delete back"
        case .deleteForward: "delete forward"
        case .deleteWordBack: "delete the word before"
        case .killLineEnd: "cut to the end of the line"
        case .killLineStart: "cut to the start of the line"
        case .yank: "paste what was cut"
        case .historyPrevious: "previous prompt"
        case .historyNext: "next prompt"
        case .toggleItem: "expand or collapse the selected item"
        case .copyItem: "copy the selected item"
        case .resumeSession: "resume this session (continue it)"
        case .back: "back"
        case .openSession: "open the session (read-only); on a subagent, its session (live while it runs)"
        case .titleSession: "rename the session"
        case .tagSession: "tag the session"
        case .archiveSession: "archive or restore the session"
        case .showArchived: "show or hide archived sessions"
        case .close: "close"
        case .openSkills: "open the skill browser"
        case .editSkill: "edit the skill in $EDITOR"
        case .newSkill: "create a skill from a template"
        case .disableSkill: "turn the skill off or on"
        case .archiveSkill: "archive the skill"
        case .allowSkill: "allow a skill flagged by the safety scan"
        case .openMCP: "show MCP servers"
        case .restartServer: "restart the server"
        case .toggleServer: "turn the server off or on"
        case .openMemory: "open the memory browser"
        case .nextColumn: "next column"
        case .previousColumn: "previous column"
        case .filterMemory: "search memory"
        case .editMemory: "edit the entry in $EDITOR"
        case .toggleMemory: "take the entry out of the prompt, or back"
        case .deleteMemory: "forget the entry (press twice)"
        case .addMemory: "add an entry to this column"
        case .acceptProposal: "accept the skill the agent proposes"
        case .rejectProposal: "reject the proposed skill"
        case .editProposal: "edit the proposed skill, then accept it"
        case .undoSkillChange: "undo the last skill or memory change"
        case .approveOnce: "allow once"
        case .approveSession: "allow for this session"
        case .approveAlways: "allow always (remembered)"
        case .deny: "deny"
        case .rewindConversation: "go back to before this message (it is put in the editor; the old conversation is kept)"
        case .rewindFiles: "put the files back as they were before this message's turn"
        case .rewindBoth: "both: files and conversation"
        case .editMessage: "edit this message of yours and continue from there (a new branch)"
        }
    }
}

/// Where a key is looked up: the innermost active context first, then `global`.
public enum KeyContext: String, Sendable, Hashable, CaseIterable {
    case global, input, transcript, search, skills, mcp, memory, dialog, rewind
}

/// Key bindings per context, resolved from keymap files (`extends` applied, `unbind` applied).
public struct Keymap: Sendable, Hashable {
    public var name: String
    public var bindings: [KeyContext: [KeyEvent: Command]]

    public init(name: String, bindings: [KeyContext: [KeyEvent: Command]] = [:]) {
        self.name = name
        self.bindings = bindings
    }

    public func command(for key: KeyEvent, in context: KeyContext) -> Command? {
        if let c = bindings[context]?[key] { return c }
        // Text-producing keys typed into the query or the editor are text, not global commands.
        if context == .input || context == .search, case .character = key.key, key.modifiers.subtracting(.shift).isEmpty { return nil }
        return context == .global ? nil : bindings[.global]?[key]
    }

    /// The keys bound to `command` in `context`, by name, sorted (for help and hints).
    public func keys(for command: Command, in context: KeyContext) -> [String] {
        (bindings[context] ?? [:]).filter { $0.value == command }.map(\.key.name).sorted { ($0.count, $0) < ($1.count, $1) }
    }
}

/// A keymap file: `{"name", "extends", "bindings": {context: {action: [keys]}}, "unbind": {context: [keys]}}`.
public struct KeymapFile: Sendable, Hashable {
    public var name: String
    public var extends: String?
    public var bindings: [KeyContext: [KeyEvent: Command]]
    public var unbind: [KeyContext: [KeyEvent]]

    /// Parses a keymap; every problem is reported (unknown context, action or key name, one
    /// key bound to two actions), not just the first. `source` names the file in messages.
    public static func parse(_ text: String, source: String) -> (KeymapFile?, [String]) {
        guard let root = JSONValue.parse(text)?.objectValue else { return (nil, ["\(source): not a JSON object"]) }
        var errors: [String] = []
        let known: Set<String> = ["name", "extends", "bindings", "unbind", "description"]
        for key in root.keys where !known.contains(key) { errors.append("\(source): unknown field \"\(key)\"") }
        var file = KeymapFile(name: root["name"]?.stringValue ?? "", extends: root["extends"]?.stringValue, bindings: [:], unbind: [:])
        for (ctxName, value) in root["bindings"]?.objectValue ?? [:] {
            guard let ctx = KeyContext(rawValue: ctxName) else {
                errors.append("\(source): bindings: unknown context \"\(ctxName)\" (known: \(KeyContext.allCases.map(\.rawValue).joined(separator: ", ")))")
                continue
            }
            var map: [KeyEvent: Command] = [:]
            for (action, keys) in (value.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let command = Command(rawValue: action) else {
                    errors.append("\(source): bindings.\(ctxName): unknown action \"\(action)\"")
                    continue
                }
                let names = keys.arrayValue?.compactMap(\.stringValue) ?? keys.stringValue.map { [$0] } ?? []
                for name in names {
                    guard let key = KeyEvent(name: name) else {
                        errors.append("\(source): bindings.\(ctxName).\(action): unknown key \"\(name)\"")
                        continue
                    }
                    if let other = map[key], other != command {
                        errors.append("\(source): bindings.\(ctxName): \(key.name) is bound to both \(other.rawValue) and \(command.rawValue)")
                        continue
                    }
                    map[key] = command
                }
            }
            file.bindings[ctx] = map
        }
        for (ctxName, value) in root["unbind"]?.objectValue ?? [:] {
            guard let ctx = KeyContext(rawValue: ctxName) else {
                errors.append("\(source): unbind: unknown context \"\(ctxName)\""); continue
            }
            for name in value.arrayValue?.compactMap(\.stringValue) ?? [] {
                if let key = KeyEvent(name: name) { file.unbind[ctx, default: []].append(key) } else {
                    errors.append("\(source): unbind.\(ctxName): unknown key \"\(name)\"")
                }
            }
        }
        return (file, errors)
    }

    /// Resolves `name` among `files` (by name), following `extends`; errors for unknown or cyclic parents.
    public static func resolve(_ name: String, files: [String: KeymapFile]) -> (Keymap?, [String]) {
        var chain: [KeymapFile] = []
        var seen: Set<String> = []
        var current: String? = name
        while let n = current {
            guard !seen.contains(n) else { return (nil, ["keymap \(name): extends forms a cycle through \(n)"]) }
            guard let f = files[n] else {
                return (nil, [chain.isEmpty ? "unknown keymap \"\(n)\" (have: \(files.keys.sorted().joined(separator: ", ")))"
                                            : "keymap \(chain.last!.name): extends unknown keymap \"\(n)\""])
            }
            seen.insert(n)
            chain.append(f)
            current = f.extends
        }
        var map = Keymap(name: name)
        for f in chain.reversed() {
            for (ctx, keys) in f.unbind { for k in keys { map.bindings[ctx]?[k] = nil } }
            for (ctx, b) in f.bindings { map.bindings[ctx, default: [:]].merge(b) { _, new in new } }
        }
        return (map, [])
    }
}
