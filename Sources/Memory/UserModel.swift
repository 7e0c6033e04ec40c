import AgentProtocol
import Foundation
import Store

/// The local, inspectable user model: facts the agent derives about the user from their
/// sessions (preferences, tools, projects, style), each with a confidence, its source session
/// and when it was last confirmed. A fact seen again is confirmed (its age resets); one that
/// contradicts an earlier fact is kept and both are flagged for the user; a fact unconfirmed for
/// `staleDays` is stale and leaves the prompt. Nothing leaves the machine but the one request to
/// the configured model that derives them.
public struct UserModel: Sendable {
    public let book: MemoryBook
    public var staleDays: Int
    /// Characters of facts in the prompt.
    public var budget: Int

    public init(book: MemoryBook, staleDays: Int, budget: Int = 800) {
        self.book = book
        self.staleDays = staleDays
        self.budget = budget
    }

    public func isStale(_ e: MemoryEntry, now: Date = Date()) -> Bool { Self.isStale(e, staleDays: staleDays, now: now) }

    /// Unconfirmed for more than `staleDays`.
    public static func isStale(_ e: MemoryEntry, staleDays: Int, now: Date = Date()) -> Bool {
        now.timeIntervalSince(e.confirmedAt) > Double(staleDays) * 86_400
    }

    /// The facts the agent sees: fresh, not in dispute, most confident first, within the budget.
    public func promptSection(now: Date = Date()) -> String? {
        guard let facts = try? book.store.memory(.fact) else { return nil }
        let usable = facts.filter { !isStale($0, now: now) && $0.flag == nil }
            .sorted { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : $0.confirmedAt > $1.confirmedAt }
        var used = 0
        var lines: [String] = []
        for f in usable {
            if used + f.text.count > budget { break }
            used += f.text.count
            lines.append("- \(f.text)")
        }
        guard !lines.isEmpty else { return nil }
        return "What earlier sessions suggest about the user (derived, may be incomplete; the user's own words win):\n" + lines.joined(separator: "\n")
    }

    // MARK: - Deriving

    package static let instructions = """
        You maintain a small model of a user from their conversations with an AI agent: durable \
        facts about the user themselves — preferences, tools and languages they use, projects, role, \
        working style. Not facts about the task, the code or the world; never secrets.
        You get the facts known so far (with ids) and a new conversation. Answer with lines only, one per change:
        NEW <confidence 0.0-1.0> <fact>
        CONFIRM <id>
        CONTRADICT <id> <confidence 0.0-1.0> <the new fact that contradicts fact id>
        Answer NONE when nothing durable about the user appears. Each fact one short sentence.
        """

    /// The pass as the last message of a fork of the conversation: the model reads the
    /// conversation itself (and the server's cache serves it).
    package static func forkInstructions(known: [MemoryEntry]) -> String {
        var s = "<system-reminder>\nThis is not a message from the user, and calls for no tool. " + instructions + "\nKnown facts:\n"
        s += known.isEmpty ? "(none)" : known.map { "[\($0.id)] \($0.text)" }.joined(separator: "\n")
        s += "\nThe conversation is everything above; consider the user's own messages.\n</system-reminder>"
        return s
    }

    /// The derivation request's user message: known facts, then the user's side of the session.
    package static func request(known: [MemoryEntry], conversation: [ChatMessage]) -> String {
        var s = "Known facts:\n"
        s += known.isEmpty ? "(none)\n" : known.map { "[\($0.id)] \($0.text)" }.joined(separator: "\n") + "\n"
        s += "\nConversation (the user's messages, and the agent's answers shortened):\n"
        for m in conversation where m.role == .user || (m.role == .assistant && !m.content.isEmpty) {
            let body = m.role == .user ? String(m.content.prefix(2000)) : String(m.content.prefix(300))
            s += "[\(m.role.rawValue)] \(body)\n"
        }
        return s
    }

    /// Applies the model's answer; malformed lines are ignored, secrets refused. Returns the changes.
    @discardableResult
    public func apply(_ answer: String, sessionID: String?, now: Date = Date()) -> [MemoryUpdate] {
        var updates: [MemoryUpdate] = []
        let known = Dictionary(uniqueKeysWithValues: ((try? book.store.memory(.fact)) ?? []).map { ($0.id, $0) })
        for change in MemoryText.factChanges(in: answer) {
            switch change {
            case .new(let c, let text):
                if let same = known.values.first(where: { $0.text.caseInsensitiveCompare(text) == .orderedSame }) {
                    try? book.store.confirmMemory(id: same.id, confidence: max(same.confidence, c), now: now)
                    updates.append(MemoryUpdate(entryID: same.id, target: "fact", action: "confirm", text: same.text))
                    continue
                }
                guard book.secretReason(text) == nil,
                      let e = try? book.store.addMemory(.fact, text, sessionID: sessionID, confidence: c, now: now) else { continue }
                updates.append(MemoryUpdate(entryID: e.id, target: "fact", action: "add", text: text))
            case .confirm(let id):
                guard let f = known[id] else { continue }
                try? book.store.confirmMemory(id: id, confidence: min(1, f.confidence + 0.1), now: now)
                updates.append(MemoryUpdate(entryID: id, target: "fact", action: "confirm", text: f.text))
            case .contradict(let id, let c, let text):
                guard let old = known[id], book.secretReason(text) == nil,
                      let e = try? book.store.addMemory(.fact, text, sessionID: sessionID, confidence: c, now: now) else { continue }
                try? book.store.flagMemory(id: e.id, "contradicts #\(id): \(old.text)")
                try? book.store.flagMemory(id: id, "contradicted by #\(e.id): \(text)")
                updates.append(MemoryUpdate(entryID: e.id, target: "fact", action: "add", text: text + " (contradicts an earlier fact: check /memory)"))
            }
        }
        return updates
    }
}
