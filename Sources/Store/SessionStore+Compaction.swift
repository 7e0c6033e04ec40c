import AgentProtocol
import Foundation
import GRDB

/// A range of stored messages a summary stands for in the model's context.
public struct Compaction: Sendable, Hashable {
    public var firstMessageID: Int64
    public var lastMessageID: Int64
    /// The summary; `""` when another range's summary covers this one; nil when summarising failed
    /// and the range was dropped from the context.
    public var summary: String?

    public init(firstMessageID: Int64, lastMessageID: Int64, summary: String?) {
        self.firstMessageID = firstMessageID
        self.lastMessageID = lastMessageID
        self.summary = summary
    }
}

extension SessionStore {
    public func recordCompaction(_ c: Compaction, sessionID: String, now: Date = Date()) throws(StoreError) {
        try write { db in
            try db.execute(sql: "INSERT INTO compaction(session_id, first_message_id, last_message_id, summary, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [sessionID, c.firstMessageID, c.lastMessageID, c.summary, now.timeIntervalSince1970])
        }
    }

    public func compactions(sessionID: String) throws(StoreError) -> [Compaction] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM compaction WHERE session_id = ? ORDER BY id", arguments: [sessionID]).map {
                Compaction(firstMessageID: $0["first_message_id"], lastMessageID: $0["last_message_id"], summary: $0["summary"])
            }
        }
    }

    /// The model's view of a stored session: its messages with each compacted range replaced by
    /// its summary (as the assistant's own note) or, where summarising failed, left out.
    public func contextMessages(sessionID: String) throws(StoreError) -> [StoredMessage] {
        var messages = try self.messages(sessionID: sessionID).filter { $0.message.role != .system }
        for c in try compactions(sessionID: sessionID) {
            guard let start = messages.firstIndex(where: { $0.id >= c.firstMessageID && $0.id <= c.lastMessageID }) else { continue }
            messages.removeAll { $0.id >= c.firstMessageID && $0.id <= c.lastMessageID }
            if let s = c.summary, !s.isEmpty {
                messages.insert(StoredMessage(id: c.firstMessageID, sessionID: sessionID, message: .assistant(s), createdAt: Date()), at: start)
            }
        }
        return messages
    }

    public func sessionSummary(sessionID: String, query: String) throws(StoreError) -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT summary FROM session_summary WHERE session_id = ? AND query = ?", arguments: [sessionID, query])
        }
    }

    public func saveSessionSummary(_ summary: String, sessionID: String, query: String, now: Date = Date()) throws(StoreError) {
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO session_summary(session_id, query, summary, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [sessionID, query, summary, now.timeIntervalSince1970])
        }
    }
}
