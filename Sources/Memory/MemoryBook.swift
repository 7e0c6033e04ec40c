import AgentProtocol
import AgentTools
import Foundation
import Store

/// Memory limits and habits (config.yaml `memory:`).
public struct MemoryLimits: Sendable, Hashable {
    public var notes: Int
    public var user: Int
    public var nudgeEvery: Int

    public init(notes: Int, user: Int, nudgeEvery: Int) {
        self.notes = notes
        self.user = user
        self.nudgeEvery = nudgeEvery
    }

    public func limit(_ target: MemoryTarget) -> Int { target == .user ? user : notes }
}

/// What the agent remembers across sessions: its notes and the user's profile, each a list of
/// short entries in the store. The prompt gets a bounded snapshot taken at session start (later
/// writes land in the store at once and in the prompt of the next session, so a session's prompt
/// prefix stays stable for the server's cache); what is removed from the snapshot stays in an
/// unbounded archive that `search` (and `talaria memory search`) still finds.
public struct MemoryBook: Sendable {
    public let store: SessionStore
    public let limits: MemoryLimits
    let redactor: SecretRedactor

    public init(store: SessionStore, limits: MemoryLimits, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.store = store
        self.limits = limits
        redactor = SecretRedactor(environment: environment)
    }

    /// The separator Hermes uses between entries (kept for import and export).
    public static let separator = "§"

    /// Characters the active entries of `target` take in the prompt.
    public func used(_ target: MemoryTarget, entries: [MemoryEntry]? = nil) throws(StoreError) -> Int {
        var e: [MemoryEntry]
        if let entries { e = entries } else { e = try store.memory(target) }
        return e.reduce(0) { $0 + $1.text.count } + max(0, e.count - 1) * 3
    }

    /// The system prompt's memory section, or nil when nothing is remembered.
    public func promptSection(now: Date = Date()) -> String? {
        guard let notes = try? store.memory(.notes), let user = try? store.memory(.user) else { return nil }
        guard !notes.isEmpty || !user.isEmpty else { return nil }
        var s = "Memory (kept across sessions; what you saved earlier with the memory tool):"
        func block(_ title: String, _ entries: [MemoryEntry], _ limit: Int) {
            guard !entries.isEmpty else { return }
            var used = 0
            var lines: [String] = []
            // Newest first when over the limit: the oldest fall out of the prompt, not out of memory.
            for e in entries.reversed() {
                let cost = e.text.count + (lines.isEmpty ? 0 : 3)
                if used + cost > limit { break }
                used += cost
                lines.insert("\(Self.separator) \(e.text)", at: 0)
            }
            s += "\n\(title) [\(used)/\(limit) chars]:\n" + lines.joined(separator: "\n")
        }
        block("Your notes", notes, limits.notes)
        block("About the user", user, limits.user)
        return s
    }

    public enum Outcome: Sendable, Hashable {
        case changed(MemoryEntry, action: String, summary: String)
        case refused(String)
        case found(String)
    }

    /// Adds `text` to `target`, refusing secrets and writes past the limit (with what to do).
    public func add(_ target: MemoryTarget, _ text: String, sessionID: String?) -> Outcome {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return .refused("content is empty") }
        if let why = secretReason(text) { return .refused(why) }
        do {
            let entries = try store.memory(target)
            if let same = entries.first(where: { $0.text.caseInsensitiveCompare(text) == .orderedSame }) {
                try store.confirmMemory(id: same.id)
                return .changed(same, action: "confirm", summary: "already remembered (confirmed): \(text)")
            }
            let used = try used(target, entries: entries)
            let after = used + (entries.isEmpty ? 0 : 3) + text.count
            guard after <= limits.limit(target) else {
                let list = entries.map { "\(Self.separator) \($0.text)" }.joined(separator: "\n")
                return .refused("\(target.rawValue) would be \(after)/\(limits.limit(target)) characters. Replace or remove an entry first (removed entries stay searchable with action=search), or shorten this one. Current entries:\n\(list)")
            }
            let entry = try store.addMemory(target, text, sessionID: sessionID)
            return .changed(entry, action: "add", summary: "saved to \(target.rawValue) (\(after)/\(limits.limit(target)) chars)")
        } catch { return .refused("cannot save: \(error)") }
    }

    /// Replaces the one entry of `target` containing `oldText`.
    public func replace(_ target: MemoryTarget, oldText: String, with text: String, sessionID: String?) -> Outcome {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return .refused("content is empty; use action=remove to forget an entry") }
        if let why = secretReason(text) { return .refused(why) }
        switch find(target, oldText) {
        case .failure(let why): return .refused(why.message)
        case .success(let entry):
            do {
                let entries = try store.memory(target)
                let after = try used(target, entries: entries) - entry.text.count + text.count
                guard after <= limits.limit(target) else {
                    return .refused("\(target.rawValue) would be \(after)/\(limits.limit(target)) characters; shorten the new text or remove another entry")
                }
                try store.replaceMemory(id: entry.id, with: text, sessionID: sessionID)
                var updated = entry
                updated.text = text
                return .changed(updated, action: "replace", summary: "replaced in \(target.rawValue): \(text)")
            } catch { return .refused("cannot save: \(error)") }
        }
    }

    /// Takes the one entry of `target` containing `oldText` out of the prompt (it stays searchable).
    public func remove(_ target: MemoryTarget, oldText: String, sessionID: String?) -> Outcome {
        switch find(target, oldText) {
        case .failure(let why): return .refused(why.message)
        case .success(let entry):
            do {
                try store.removeMemory(id: entry.id, sessionID: sessionID)
                return .changed(entry, action: "remove", summary: "removed from \(target.rawValue) (still searchable): \(entry.text)")
            } catch { return .refused("cannot save: \(error)") }
        }
    }

    /// Entries matching `query`, removed ones included, with their source and age.
    public func search(_ query: String, now: Date = Date()) -> Outcome {
        guard let hits = try? store.searchMemory(query), !hits.isEmpty else { return .found("nothing remembered matches \(query)") }
        return .found(hits.map { e in
            "[\(e.target.rawValue)\(e.isActive ? "" : ", removed")] \(e.text) (\(Self.age(e.confirmedAt, now: now)))"
        }.joined(separator: "\n"))
    }

    /// Undoes the latest change of an entry: an add is removed, a replace restored, a remove brought back.
    public func undo(_ entryID: Int64) throws(StoreError) -> String {
        guard let entry = try store.memoryEntry(id: entryID), let last = try store.memoryHistory(id: entryID).last else {
            return "nothing to undo"
        }
        switch last.action {
        case "add":
            try store.deleteMemory(id: entryID)
            return "forgot: \(entry.text)"
        case "replace", "edit":
            try store.replaceMemory(id: entryID, with: last.oldText ?? entry.text, sessionID: nil, action: "undo")
            return "restored: \(last.oldText ?? entry.text)"
        case "remove":
            try store.restoreMemory(id: entryID)
            return "brought back: \(entry.text)"
        default:
            return "nothing to undo"
        }
    }

    func find(_ target: MemoryTarget, _ oldText: String) -> Result<MemoryEntry, StringError> {
        let needle = oldText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !needle.isEmpty else { return .failure(StringError("old_text is empty: give a unique part of the entry to change")) }
        let entries = (try? store.memory(target)) ?? []
        let matches = entries.filter { $0.text.range(of: needle, options: [.caseInsensitive]) != nil }
        if matches.count == 1 { return .success(matches[0]) }
        if matches.isEmpty {
            let list = entries.isEmpty ? "(none)" : entries.map { "\(Self.separator) \($0.text)" }.joined(separator: "\n")
            return .failure(StringError("no \(target.rawValue) entry contains \"\(needle)\". Entries:\n\(list)"))
        }
        return .failure(StringError("\(matches.count) \(target.rawValue) entries contain \"\(needle)\"; give more of the text:\n" +
                                    matches.map { "\(Self.separator) \($0.text)" }.joined(separator: "\n")))
    }

    /// Why `text` must not be stored: it holds what looks like a secret.
    public func secretReason(_ text: String) -> String? {
        redactor.redact(text) == text ? nil
            : "refused: the text holds what looks like a secret (API key, token, password or private key); memory never stores secrets. Save where to find it instead (\"the API key is in $OPENAI_API_KEY\")."
    }

    public static func age(_ date: Date, now: Date) -> String {
        let days = Int(now.timeIntervalSince(date) / 86_400)
        return days < 1 ? "today" : days == 1 ? "1 day ago" : "\(days) days ago"
    }
}

public struct StringError: Error, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// `memory`: the agent keeps durable facts for later sessions.
public struct MemoryTool: Tool {
    public static let description = """
        Save durable facts to persistent memory; they are shown to you at the start of every future \
        session. target "notes": your notes about the environment, projects and conventions, tool quirks, \
        lessons learned ("this repo uses pnpm"). target "user": who the user is — preferences, style, role, \
        tools they use. Actions: add (content), replace (old_text: a unique part of the entry; content: the \
        new text), remove (old_text), search (query: also finds entries removed earlier). Keep entries short \
        and factual; save what will matter again, not what only this task needs. Never save secrets.
        """
    let book: MemoryBook

    public init(book: MemoryBook) { self.book = book }

    public var spec: ToolSpec {
        ToolSpec(name: "memory", description: Self.description, parameters: schema([
            "action": ["type": "string", "enum": ["add", "replace", "remove", "search"]],
            "target": ["type": "string", "enum": ["notes", "user"], "description": "notes (default) or user"],
            "content": ["type": "string", "description": "The entry's text (add, replace)."],
            "old_text": ["type": "string", "description": "A unique part of the entry to replace or remove."],
            "query": ["type": "string", "description": "Words to search for (search)."],
        ], required: ["action"]))
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        let action: String, target: MemoryTarget
        do {
            action = try args.string("action")
            let t = try args.optionalString("target") ?? "notes"
            guard let parsed = MemoryTarget(rawValue: t == "memory" ? "notes" : t), parsed != .fact else {
                return .error("target must be notes or user, found '\(t)'")
            }
            target = parsed
        } catch { return .error(error.message) }
        let outcome: MemoryBook.Outcome
        do {
            switch action {
            case "add": outcome = book.add(target, try args.string("content"), sessionID: context.sessionID)
            case "replace": outcome = book.replace(target, oldText: try args.string("old_text"), with: try args.string("content"), sessionID: context.sessionID)
            case "remove": outcome = book.remove(target, oldText: try args.string("old_text"), sessionID: context.sessionID)
            case "search":
                var query = try args.optionalString("query")
                if query == nil { query = try args.string("content") }
                outcome = book.search(query ?? "")
            default: return .error("action must be add, replace, remove or search, found '\(action)'")
            }
        } catch { return .error(error.message) }
        switch outcome {
        case .refused(let why): return .error(why)
        case .found(let text): return ToolOutput(text: text)
        case .changed(let entry, let action, let summary):
            // The UI shows a card for the change, with undo.
            return ToolOutput(text: summary + (action == "add" ? ". It will be in your prompt from the next session on." : ""),
                              memoryUpdate: MemoryUpdate(entryID: entry.id, target: entry.target.rawValue, action: action, text: entry.text))
        }
    }
}
