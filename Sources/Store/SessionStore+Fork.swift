import AgentProtocol
import Foundation
import GRDB

extension SessionStore {
    /// Copies a session into a new one (its `parent_id` the original): the messages up to and
    /// including `through` (all when nil), their tool runs, and the compactions that fall
    /// wholly inside what was copied — so the fork's model sees what the original's saw at
    /// that point. One transaction: a fork is whole or absent. Returns the new session's id.
    public func fork(_ sessionID: String, through: Int64? = nil, source: String, now: Date = Date()) throws(StoreError) -> String {
        let original = try session(id: sessionID)
        let newID = Self.makeSessionID(now: now)
        try write { db in
            try db.execute(sql: """
                INSERT INTO session(id, title, model, base_url, cwd, source, parent_id, created_at, updated_at, tags)
                SELECT ?, ?, model, base_url, cwd, ?, id, ?, ?, tags
                FROM session WHERE id = ?
                """, arguments: [newID, Self.forkTitle(original.title), source, now.timeIntervalSince1970, now.timeIntervalSince1970, original.id])
            let limit = through ?? Int64.max
            let rows = try Row.fetchAll(db, sql: "SELECT id, tool_call_id, tool_calls FROM message WHERE session_id = ? AND id <= ? ORDER BY id",
                                        arguments: [original.id, limit])
            var newIDs: [Int64: Int64] = [:]
            let copy = try db.cachedStatement(sql: """
                INSERT INTO message(session_id, role, content, reasoning, tool_calls, tool_call_id, name, created_at, prompt_tokens, completion_tokens, images)
                SELECT ?, role, content, reasoning, tool_calls, tool_call_id, name, created_at, prompt_tokens, completion_tokens, images
                FROM message WHERE id = ?
                """)
            var calls: [String] = []
            for row in rows {
                let old: Int64 = row["id"]
                try copy.execute(arguments: [newID, old])
                newIDs[old] = db.lastInsertedRowID
                if let text = row["tool_calls"] as String? { calls += Self.decodeToolCalls(text).map(\.id) }
            }
            for call in calls {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO tool_run(call_id, session_id, name, arguments, status, exit_code, output, started_at, elapsed_ms)
                    SELECT call_id, ?, name, arguments, status, exit_code, output, started_at, elapsed_ms
                    FROM tool_run WHERE session_id = ? AND call_id = ?
                    """, arguments: [newID, original.id, call])
            }
            for c in try Row.fetchAll(db, sql: "SELECT * FROM compaction WHERE session_id = ? ORDER BY id", arguments: [original.id]) {
                let first: Int64 = c["first_message_id"], last: Int64 = c["last_message_id"]
                // A range's ends need not be stored rows of this session; map it to the copied rows it covers.
                let inside = newIDs.filter { $0.key >= first && $0.key <= last }
                guard last <= limit, let lo = inside.values.min(), let hi = inside.values.max() else { continue }
                try db.execute(sql: "INSERT INTO compaction(session_id, first_message_id, last_message_id, summary, created_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [newID, lo, hi, c["summary"] as String?, c["created_at"] as Double])
            }
        }
        return newID
    }

    /// `title (fork)`, and for a fork of a fork `title (fork 2)`, `(fork 3)`…
    static func forkTitle(_ title: String?) -> String? {
        guard let title else { return nil }
        if title.hasSuffix(" (fork)") { return String(title.dropLast(7)) + " (fork 2)" }
        if let open = title.range(of: " (fork ", options: .backwards), title.hasSuffix(")"),
           let n = Int(title[open.upperBound..<title.index(before: title.endIndex)]) {
            return String(title[..<open.lowerBound]) + " (fork \(n + 1))"
        }
        return title + " (fork)"
    }
}
