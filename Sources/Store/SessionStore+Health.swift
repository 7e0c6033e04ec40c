import Foundation
import GRDB

/// What `talaria doctor` reads of a database, without changing it.
public struct StoreHealth: Sendable, Hashable {
    /// `PRAGMA integrity_check`'s first lines: `["ok"]` when sound.
    public var integrity: [String]
    /// Migrations the file has, and those this build knows.
    public var applied: [String]
    public var known: [String]
    public var sessions: Int
    public var messages: Int
    /// Messages the search index holds, and how many it should (those up to its high-water mark).
    public var indexed: Int
    public var shouldBeIndexed: Int
    /// Messages written since the index last caught up (the indexer fills them in the background).
    public var pending: Int

    public var isSound: Bool { integrity == ["ok"] }
    /// Made by a newer Talaria: migrations this build does not know.
    public var unknownMigrations: [String] { applied.filter { !known.contains($0) } }
    public var missingMigrations: [String] { known.filter { !applied.contains($0) } }
    /// The index holds every message it claims to (stale entries of deleted ones are harmless).
    public var indexAgrees: Bool { indexed >= shouldBeIndexed }
}

extension SessionStore {
    /// Reads `path` read-only: integrity, schema, the search index's agreement with the table.
    public static func inspect(path: String) throws(StoreError) -> StoreHealth {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(5)
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            return try queue.read { db in
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check(20)")
                let applied = try db.tableExists("grdb_migrations") ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") : []
                let known = Schema.migrator().migrations
                var h = StoreHealth(integrity: integrity, applied: applied, known: known, sessions: 0, messages: 0, indexed: 0, shouldBeIndexed: 0, pending: 0)
                guard try db.tableExists("message"), try db.tableExists("index_state") else { return h }
                h.sessions = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM session") ?? 0
                h.messages = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message") ?? 0
                let last = try Int64.fetchOne(db, sql: "SELECT last_id FROM index_state WHERE name = 'message_fts'") ?? 0
                // Messages without text (a tool call alone) have nothing to index.
                h.shouldBeIndexed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message WHERE id <= ? AND content <> ''", arguments: [last]) ?? 0
                h.indexed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message_fts_docsize") ?? 0
                h.pending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message WHERE id > ?", arguments: [last]) ?? 0
                return h
            }
        } catch {
            let w = StoreError.wrap(error)
            throw StoreError(.cannotOpen, "cannot read \(path): \(w.message)", sqliteCode: w.sqliteCode)
        }
    }

    /// `DIR/PREFIX-20261204-091500.db`: where `talaria backup` writes when not told.
    public static func backupName(in dir: String, _ prefix: String, at date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "\(dir)/\(prefix)-\(f.string(from: date)).db"
    }

    /// Rebuilds the search index from the messages (what `doctor --repair` does when it disagrees).
    public func rebuildIndex() throws(StoreError) {
        do {
            try writer.write { db in
                try db.execute(sql: "INSERT INTO message_fts(message_fts) VALUES ('rebuild')")
                try db.execute(sql: "UPDATE index_state SET last_id = (SELECT COALESCE(MAX(id), 0) FROM message) WHERE name = 'message_fts'")
            }
        } catch { throw StoreError.wrap(error) }
    }

    /// A consistent copy of the live database at `path` (SQLite's online backup: other
    /// processes may go on writing), mode 0600; written beside and renamed, so a failure leaves
    /// no half file.
    public func backup(to path: String) throws(StoreError) {
        let temp = path + ".partial-\(getpid())"
        do {
            let oldMask = umask(0o077)
            defer { umask(oldMask) }
            try? FileManager.default.removeItem(atPath: temp)
            let copy = try DatabaseQueue(path: temp)
            try writer.backup(to: copy)
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try copy.close()
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temp, toPath: path)
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            let w = StoreError.wrap(error)
            throw StoreError(.sqlite, "cannot back up to \(path): \(w.message)", sqliteCode: w.sqliteCode)
                .on(folder: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        }
    }

    /// Replaces this database's content with the backup at `path`, after checking it is a sound
    /// Talaria database this build can read; through the backup API, so other connections see
    /// the restored content rather than a file swapped under them.
    public func restore(from path: String) throws(StoreError) {
        let health = try Self.inspect(path: path)
        guard health.isSound else { throw StoreError(.invalidQuery, "\(path) is damaged (\(health.integrity.prefix(3).joined(separator: "; "))); nothing was changed") }
        guard health.applied.contains("v1-sessions-messages-fts") else { throw StoreError(.invalidQuery, "\(path) is not a Talaria database; nothing was changed") }
        guard health.unknownMigrations.isEmpty else {
            throw StoreError(.invalidQuery, "\(path) was written by a newer Talaria (\(health.unknownMigrations.joined(separator: ", "))); nothing was changed")
        }
        do {
            var config = Configuration()
            config.readonly = true
            let source = try DatabaseQueue(path: path, configuration: config)
            defer { try? source.close() }
            try source.backup(to: writer)
            try Schema.migrator().migrate(writer) // a backup from an older build gets this build's schema
        } catch {
            let w = StoreError.wrap(error)
            throw StoreError(.sqlite, "cannot restore from \(path): \(w.message)", sqliteCode: w.sqliteCode)
        }
    }
}
