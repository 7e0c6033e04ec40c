import AgentProtocol
import Foundation
import GRDB

/// What Talaria remembers: the agent's notes, the user's profile, facts derived about the user.
public enum MemoryTarget: String, Sendable, Hashable, Codable, CaseIterable {
    case notes, user, fact
}

/// One remembered entry, with where it came from and how fresh it is.
public struct MemoryEntry: Sendable, Hashable, Codable, Identifiable {
    public var id: Int64
    public var target: MemoryTarget
    public var text: String
    public var sourceSessionID: String?
    public var confidence: Double
    public var createdAt: Date
    public var confirmedAt: Date
    /// Set when removed from the prompt; the entry stays searchable.
    public var removedAt: Date?
    /// Why the user should look at it (it contradicts another fact).
    public var flag: String?

    public var isActive: Bool { removedAt == nil }
}

/// One change to an entry.
public struct MemoryChange: Sendable, Hashable, Codable {
    public var entryID: Int64
    public var action: String
    public var oldText: String?
    public var newText: String?
    public var sessionID: String?
    public var at: Date
}

extension SessionStore {
    /// Active entries of `target` (all targets when nil), oldest first.
    public func memory(_ target: MemoryTarget? = nil, includeRemoved: Bool = false) throws(StoreError) -> [MemoryEntry] {
        try read { db in
            var sql = "SELECT * FROM memory_entry WHERE 1"
            var args: [any DatabaseValueConvertible] = []
            if let target { sql += " AND target = ?"; args.append(target.rawValue) }
            if !includeRemoved { sql += " AND removed_at IS NULL" }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: StatementArguments(args)).map(Self.memoryEntry)
        }
    }

    public func memoryEntry(id: Int64) throws(StoreError) -> MemoryEntry? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM memory_entry WHERE id = ?", arguments: [id]).map(Self.memoryEntry) }
    }

    /// Adds an entry; returns it.
    @discardableResult
    public func addMemory(_ target: MemoryTarget, _ text: String, sessionID: String?, confidence: Double = 1,
                          now: Date = Date()) throws(StoreError) -> MemoryEntry {
        try write { db in
            try db.execute(sql: """
                INSERT INTO memory_entry(target, text, source_session_id, confidence, created_at, confirmed_at)
                VALUES (?, ?, (SELECT id FROM session WHERE id = ?), ?, ?, ?)
                """, arguments: [target.rawValue, text, sessionID, confidence, now.timeIntervalSince1970, now.timeIntervalSince1970])
            let id = db.lastInsertedRowID
            try Self.logChange(db, id, "add", old: nil, new: text, sessionID: sessionID, now: now)
            return try Row.fetchOne(db, sql: "SELECT * FROM memory_entry WHERE id = ?", arguments: [id]).map(Self.memoryEntry)!
        }
    }

    /// Replaces an entry's text (and confirms it).
    public func replaceMemory(id: Int64, with text: String, sessionID: String?, action: String = "replace", now: Date = Date()) throws(StoreError) {
        try write { db in
            let old = try String.fetchOne(db, sql: "SELECT text FROM memory_entry WHERE id = ?", arguments: [id])
            try db.execute(sql: "UPDATE memory_entry SET text = ?, confirmed_at = ?, flag = NULL WHERE id = ?",
                           arguments: [text, now.timeIntervalSince1970, id])
            try Self.logChange(db, id, action, old: old, new: text, sessionID: sessionID, now: now)
        }
    }

    /// Takes an entry out of the prompt; it stays in the archive (searchable, restorable).
    public func removeMemory(id: Int64, sessionID: String?, now: Date = Date()) throws(StoreError) {
        try write { db in
            let old = try String.fetchOne(db, sql: "SELECT text FROM memory_entry WHERE id = ?", arguments: [id])
            try db.execute(sql: "UPDATE memory_entry SET removed_at = ? WHERE id = ?", arguments: [now.timeIntervalSince1970, id])
            try Self.logChange(db, id, "remove", old: old, new: nil, sessionID: sessionID, now: now)
        }
    }

    /// Brings a removed entry back into the prompt.
    public func restoreMemory(id: Int64, now: Date = Date()) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE memory_entry SET removed_at = NULL WHERE id = ?", arguments: [id])
            try Self.logChange(db, id, "restore", old: nil, new: nil, sessionID: nil, now: now)
        }
    }

    /// Deletes an entry for good (the user's choice in the browser or CLI).
    public func deleteMemory(id: Int64) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM memory_entry WHERE id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM memory_history WHERE entry_id = ?", arguments: [id])
        }
    }

    /// Marks a fact confirmed again (its age resets), or flags it.
    public func confirmMemory(id: Int64, confidence: Double? = nil, now: Date = Date()) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE memory_entry SET confirmed_at = ?, confidence = COALESCE(?, confidence) WHERE id = ?",
                           arguments: [now.timeIntervalSince1970, confidence, id])
        }
    }

    public func flagMemory(id: Int64, _ flag: String?) throws(StoreError) {
        try write { db in try db.execute(sql: "UPDATE memory_entry SET flag = ? WHERE id = ?", arguments: [flag, id]) }
    }

    /// Entries (removed ones too) matching `query`, best first.
    public func searchMemory(_ query: String, limit: Int = 20) throws(StoreError) -> [MemoryEntry] {
        guard let match = Self.ftsQuery(query) else { return [] }
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT memory_entry.* FROM memory_fts JOIN memory_entry ON memory_entry.id = memory_fts.rowid
                WHERE memory_fts MATCH ? ORDER BY bm25(memory_fts), memory_entry.removed_at IS NOT NULL, memory_entry.id DESC LIMIT ?
                """, arguments: [match, limit]).map(Self.memoryEntry)
        }
    }

    /// An entry's changes, oldest first.
    public func memoryHistory(id: Int64) throws(StoreError) -> [MemoryChange] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM memory_history WHERE entry_id = ? ORDER BY id", arguments: [id]).map { r in
                MemoryChange(entryID: r["entry_id"], action: r["action"], oldText: r["old_text"], newText: r["new_text"],
                             sessionID: r["session_id"], at: Date(timeIntervalSince1970: r["created_at"]))
            }
        }
    }

    private static func logChange(_ db: Database, _ id: Int64, _ action: String, old: String?, new: String?, sessionID: String?, now: Date) throws {
        try db.execute(sql: "INSERT INTO memory_history(entry_id, action, old_text, new_text, session_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [id, action, old, new, sessionID, now.timeIntervalSince1970])
    }

    static func memoryEntry(_ r: Row) -> MemoryEntry {
        MemoryEntry(id: r["id"], target: MemoryTarget(rawValue: r["target"]) ?? .notes, text: r["text"],
                    sourceSessionID: r["source_session_id"], confidence: r["confidence"],
                    createdAt: Date(timeIntervalSince1970: r["created_at"]), confirmedAt: Date(timeIntervalSince1970: r["confirmed_at"]),
                    removedAt: (r["removed_at"] as Double?).map(Date.init(timeIntervalSince1970:)), flag: r["flag"])
    }
}
