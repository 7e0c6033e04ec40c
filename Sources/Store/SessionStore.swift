import AgentProtocol
import Foundation
import Synchronization
import GRDB

/// A stored session's summary row.
public struct SessionInfo: Sendable, Hashable, Codable {
    public var id: String
    public var title: String?
    public var model: String
    public var cwd: String
    public var source: String
    public var createdAt: Date
    public var updatedAt: Date
    public var messageCount: Int
    public var archived: Bool
    public var tags: [String]
    /// The session this one was forked from (or a subagent's parent).
    public var parentID: String?

    enum CodingKeys: String, CodingKey {
        case id, title, model, cwd, source, createdAt, updatedAt, messageCount, archived, tags
        case parentID = "parentId"
    }

    public init(id: String, title: String?, model: String, cwd: String, source: String, createdAt: Date, updatedAt: Date, messageCount: Int,
                archived: Bool = false, tags: [String] = [], parentID: String? = nil) {
        self.parentID = parentID
        self.archived = archived
        self.tags = tags
        self.id = id
        self.title = title
        self.model = model
        self.cwd = cwd
        self.source = source
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.messageCount = messageCount
    }
}

/// A stored message with its row id and time.
public struct StoredMessage: Sendable, Hashable, Codable {
    public var id: Int64
    public var sessionID: String
    public var message: ChatMessage
    public var createdAt: Date
}

/// One tool run as recorded for the store (full output, not the capped preview).
public struct ToolRunRecord: Sendable, Hashable {
    public var callID: String
    public var name: String
    public var arguments: String
    public var status: String
    public var exitCode: Int32?
    public var output: String
    public var startedAt: Date
    public var elapsedMs: Int

    public init(callID: String, name: String, arguments: String, status: String, exitCode: Int32?, output: String, startedAt: Date, elapsedMs: Int) {
        self.callID = callID
        self.name = name
        self.arguments = arguments
        self.status = status
        self.exitCode = exitCode
        self.output = output
        self.startedAt = startedAt
        self.elapsedMs = elapsedMs
    }
}

/// Sessions, messages and tool runs in SQLite, through one GRDB writer.
///
/// Every write is its own short transaction, committed before the call returns: a
/// message the UI shows as done is on disk in the WAL, and `kill -9` loses nothing
/// committed. Reads use the pool's readers and never wait for the writer.
public final class SessionStore: Sendable {
    let writer: any DatabaseWriter
    /// The database file (nil in memory): a failed write names it and says how full its disk is.
    let file: String?
    /// When each session's `updated_at` was last written by ``appendMessage``: the agent's own
    /// messages move it at most every ``touchInterval`` seconds (two fewer pages per commit on
    /// the tool loop's path); a user's message always does.
    private let touched = Mutex<[String: TimeInterval]>([:])
    static let touchInterval: TimeInterval = 2

    /// Moves the WAL's pages into the database file and empties the WAL (what the file's size
    /// then says is the database's size).
    public func checkpoint() throws {
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// Opens (creating if needed) the database at `path`: WAL, `synchronous=NORMAL`, mode 0600.
    public init(path: String) throws(StoreError) {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            let oldMask = umask(0o077)
            defer { umask(oldMask) }
            writer = try DatabasePool(path: path, configuration: Self.configuration())
            file = path
            try Schema.migrator().migrate(writer)
        } catch {
            let w = StoreError.wrap(error)
            throw StoreError(.cannotOpen, "cannot open \(path): \(w.message)", sqliteCode: w.sqliteCode).on(folder: dir)
        }
    }

    /// An in-memory database with the same schema (tests, benchmarks).
    public init(inMemory: Void = ()) throws(StoreError) {
        do {
            writer = try DatabaseQueue(configuration: Self.configuration())
            file = nil
            try Schema.migrator().migrate(writer)
        } catch { throw StoreError.wrap(error) }
    }

    static func configuration() -> Configuration {
        var c = Configuration()
        c.foreignKeysEnabled = true
        c.busyMode = .timeout(5)
        c.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Reads through mmap instead of pread: search over a large index reads many
            // pages, and copying each one through a syscall tripled query time at 1M messages.
            // Mapped pages are clean and file-backed; the kernel reclaims them freely.
            try db.execute(sql: "PRAGMA mmap_size = 268435456")
        }
        return c
    }

    // MARK: - Writes

    /// Creates a session and returns its id (a sortable, time-prefixed string).
    public func createSession(model: String, baseURL: String, cwd: String, source: String, parentID: String? = nil,
                              id: String? = nil, now: Date = Date()) throws(StoreError) -> String {
        let sid = id ?? Self.makeSessionID(now: now)
        try write { db in
            try db.execute(sql: """
                INSERT INTO session(id, model, base_url, cwd, source, parent_id, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [sid, model, baseURL, cwd, source, parentID, now.timeIntervalSince1970, now.timeIntervalSince1970])
        }
        return sid
    }

    /// Commits one message; the first user message also titles the session.
    @discardableResult
    /// Commits one message.
    public func appendMessage(_ message: ChatMessage, sessionID: String, usage: Usage? = nil, now: Date = Date()) throws(StoreError) -> Int64 {
        try appendMessages([(message, usage, nil)], sessionID: sessionID, now: now)[0]
    }

    /// Commits messages of one session in one transaction, in order; a tool result's
    /// ``ToolRunRecord`` with it. Returns their row ids.
    public func appendMessages(_ items: [(message: ChatMessage, usage: Usage?, toolRun: ToolRunRecord?)], sessionID: String,
                               now: Date = Date()) throws(StoreError) -> [Int64] {
        try write { db in
            var rows: [Int64] = []
            var title: String?
            for item in items {
                if let run = item.toolRun { try Self.insert(run, sessionID: sessionID, db: db) }
                try Self.insert(item.message, sessionID: sessionID, usage: item.usage, now: now, db: db)
                rows.append(db.lastInsertedRowID)
                if item.message.role == .user, title == nil { title = Self.title(from: item.message.content) }
            }
            let t = now.timeIntervalSince1970
            if let title {
                try db.cachedStatement(sql: "UPDATE session SET updated_at = ?, title = COALESCE(title, ?) WHERE id = ?")
                    .execute(arguments: [t, title, sessionID])
            } else if touched.withLock({ abs(t - ($0[sessionID] ?? 0)) >= Self.touchInterval }) {
                try db.cachedStatement(sql: "UPDATE session SET updated_at = ? WHERE id = ?").execute(arguments: [t, sessionID])
            } else {
                return rows
            }
            touched.withLock { $0[sessionID] = t }
            return rows
        }
    }

    /// Appends many messages in one transaction (imports, benchmarks).
    public func appendMessages(_ messages: [(sessionID: String, message: ChatMessage, createdAt: Date)]) throws(StoreError) {
        try write { db in
            for m in messages { try Self.insert(m.message, sessionID: m.sessionID, usage: nil, now: m.createdAt, db: db) }
        }
    }

    private static func insert(_ m: ChatMessage, sessionID: String, usage: Usage?, now: Date, db: Database) throws {
        var w = JSONWriter()
        if !m.toolCalls.isEmpty { w.toolCalls(m.toolCalls) }
        let calls: String? = m.toolCalls.isEmpty ? nil : String(decoding: w.bytes, as: UTF8.self)
        let stmt = try db.cachedStatement(sql: """
            INSERT INTO message(session_id, role, content, reasoning, tool_calls, tool_call_id, name, created_at, prompt_tokens, completion_tokens, images)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let images = m.images.isEmpty ? nil : (try? JSONEncoder().encode(m.images)).map { String(decoding: $0, as: UTF8.self) }
        try stmt.execute(arguments: [sessionID, m.role.rawValue, m.content, m.reasoning?.nilIfEmpty, calls, m.toolCallID, m.name,
                                     now.timeIntervalSince1970, usage?.promptTokens, usage?.completionTokens, images])
    }

    public func recordToolRun(_ run: ToolRunRecord, sessionID: String) throws(StoreError) {
        try write { db in try Self.insert(run, sessionID: sessionID, db: db) }
    }

    private static func insert(_ run: ToolRunRecord, sessionID: String, db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO tool_run(call_id, session_id, name, arguments, status, exit_code, output, started_at, elapsed_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [run.callID, sessionID, run.name, run.arguments, run.status, run.exitCode.map { Int($0) },
                             run.output, run.startedAt.timeIntervalSince1970, run.elapsedMs])
    }

    public func setTitle(_ title: String, sessionID: String) throws(StoreError) {
        try write { db in try db.execute(sql: "UPDATE session SET title = ? WHERE id = ?", arguments: [title, sessionID]) }
    }

    /// Records a skill's use or change (for usage counts, last use and curation).
    public func recordSkillEvent(skill: String, kind: String, outcome: String?, sessionID: String?, now: Date = Date()) throws(StoreError) {
        try write { db in
            try db.execute(sql: "INSERT INTO skill_event(session_id, skill, kind, outcome, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [sessionID, skill, kind, outcome, now.timeIntervalSince1970])
        }
    }

    /// Per skill: how often it was used (read by the agent) and when last.
    public func skillUsage() throws(StoreError) -> [String: (uses: Int, lastUsed: Date)] {
        try read { db in
            var out: [String: (uses: Int, lastUsed: Date)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT skill, COUNT(*) AS n, MAX(created_at) AS last FROM skill_event WHERE kind = 'use' GROUP BY skill") {
                out[row["skill"]] = (row["n"], Date(timeIntervalSince1970: row["last"]))
            }
            return out
        }
    }

    /// Tags are words (no spaces); stored space-separated.
    public func setTags(_ tags: [String], sessionID: String) throws(StoreError) {
        let clean = tags.map { $0.filter { !$0.isWhitespace } }.filter { !$0.isEmpty }
        try write { db in try db.execute(sql: "UPDATE session SET tags = ? WHERE id = ?", arguments: [clean.joined(separator: " "), sessionID]) }
    }

    /// Archived sessions leave the lists and search results unless asked for.
    public func setArchived(_ archived: Bool, sessionID: String) throws(StoreError) {
        try write { db in try db.execute(sql: "UPDATE session SET archived = ? WHERE id = ?", arguments: [archived ? 1 : 0, sessionID]) }
    }

    // MARK: - Reads

    public func sessions(limit: Int = 50, includeArchived: Bool = false) throws(StoreError) -> [SessionInfo] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.*, (SELECT COUNT(*) FROM message m WHERE m.session_id = s.id) AS n
                FROM session s WHERE archived = 0 OR ? ORDER BY updated_at DESC LIMIT ?
                """, arguments: [includeArchived, limit]).map(Self.sessionInfo)
        }
    }

    /// The user's most recent prompts across sessions, oldest first, repeats removed: the
    /// editor's history survives restarts, as a shell's does.
    public func recentPrompts(limit: Int = 500) throws(StoreError) -> [String] {
        let texts = try read { db in
            try String.fetchAll(db, sql: "SELECT content FROM message WHERE role = 'user' ORDER BY id DESC LIMIT ?", arguments: [limit * 2])
        }
        var seen: Set<String> = []
        var out: [String] = []
        for t in texts where t.utf8.count <= 4096 && seen.insert(t).inserted {
            out.append(t)
            if out.count == limit { break }
        }
        return out.reversed()
    }

    /// The session whose id is `id` or, when unambiguous, starts with it.
    public func session(id: String) throws(StoreError) -> SessionInfo {
        let rows = try read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.*, (SELECT COUNT(*) FROM message m WHERE m.session_id = s.id) AS n
                FROM session s WHERE id = ? OR id LIKE ? ESCAPE '\\' ORDER BY id = ? DESC LIMIT 2
                """, arguments: [id, Self.likePrefix(id), id])
        }
        guard let first = rows.first else { throw StoreError(.notFound, "no session \(id)") }
        if rows.count > 1, first["id"] as String != id { throw StoreError(.notFound, "session id \(id) is ambiguous; give more characters") }
        return Self.sessionInfo(first)
    }

    /// The session's messages in order; `after`: only those stored after that message id.
    public func messages(sessionID: String, after: Int64 = 0) throws(StoreError) -> [StoredMessage] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM message WHERE session_id = ? AND id > ? ORDER BY id", arguments: [sessionID, after]).map { row in
                let calls: [ToolCall] = (row["tool_calls"] as String?).map(Self.decodeToolCalls) ?? []
                let images = (row["images"] as String?).flatMap { try? JSONDecoder().decode([ImageRef].self, from: Data($0.utf8)) } ?? []
                let m = ChatMessage(role: Role(rawValue: row["role"]) ?? .user, content: row["content"], reasoning: row["reasoning"],
                                    toolCalls: calls, toolCallID: row["tool_call_id"], name: row["name"], images: images)
                return StoredMessage(id: row["id"], sessionID: row["session_id"], message: m,
                                     createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
        }
    }

    public func toolRun(callID: String, sessionID: String) throws(StoreError) -> ToolRunRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tool_run WHERE session_id = ? AND call_id = ?", arguments: [sessionID, callID]).map { r in
                ToolRunRecord(callID: r["call_id"], name: r["name"], arguments: r["arguments"], status: r["status"],
                              exitCode: (r["exit_code"] as Int?).map(Int32.init), output: r["output"],
                              startedAt: Date(timeIntervalSince1970: r["started_at"]), elapsedMs: r["elapsed_ms"])
            }
        }
    }

    public func messageCount() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message") ?? 0 }
    }

    /// Runs `PRAGMA integrity_check`; returns "ok" for a sound database.
    public func integrityCheck() throws(StoreError) -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }

    // MARK: - Helpers

    /// Reads tool calls stored in the wire form (`{"id","type","function":{"name","arguments"}}`).
    static func decodeToolCalls(_ text: String) -> [ToolCall] {
        guard let list = JSONValue.parse(text)?.arrayValue else { return [] }
        return list.compactMap { v in
            guard let id = v["id"]?.stringValue, let fn = v["function"], let name = fn["name"]?.stringValue else { return nil }
            return ToolCall(id: id, name: name, arguments: fn["arguments"]?.stringValue ?? "{}")
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try writer.write(body) } catch { throw StoreError.wrap(error).on(file: file) }
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try writer.read(body) } catch { throw StoreError.wrap(error) }
    }

    static func sessionInfo(_ row: Row) -> SessionInfo {
        SessionInfo(id: row["id"], title: row["title"], model: row["model"], cwd: row["cwd"], source: row["source"],
                    createdAt: Date(timeIntervalSince1970: row["created_at"]), updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
                    messageCount: row["n"] ?? 0, archived: (row["archived"] as Int? ?? 0) != 0,
                    tags: (row["tags"] as String? ?? "").split(separator: " ").map(String.init), parentID: row["parent_id"])
    }

    static func title(from text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        let t = line.trimmingCharacters(in: .whitespaces)
        return t.count > 80 ? String(t.prefix(79)) + "…" : t
    }

    static func likePrefix(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }

    /// `YYYYMMDD-HHMMSS-xxxxxx`: sorts by time, readable, unique enough per machine.
    public static func makeSessionID(now: Date = Date()) -> String {
        var t = time_t(now.timeIntervalSince1970)
        var tm = tm()
        gmtime_r(&t, &tm)
        var buf = [CChar](repeating: 0, count: 32)
        let n = strftime(&buf, buf.count, "%Y%m%d-%H%M%S-", &tm)
        let rand = String(UInt32.random(in: 0...UInt32.max), radix: 16).leftPad(8)
        return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self) + rand.prefix(6)
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
