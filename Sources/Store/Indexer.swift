import Foundation
import GRDB

/// Keeps `message_fts` up to date in the background, in batches, through the store's one writer.
///
/// Appends never touch the index, so the agent's commits stay cheap. The indexer reads
/// rows past `index_state.last_id` and indexes them in transactions of `batchSize`,
/// advancing `last_id` in the same transaction: a crash mid-batch rolls both back, and
/// the next run catches up from where the index really is. Between batches it yields,
/// so a waiting agent or UI write gets the writer.
public actor Indexer {
    private let store: SessionStore
    /// The largest batch; a catch-up starts small and uses this once a backlog shows.
    public let batchSize: Int
    private var pending: Task<Void, Never>?
    private var rerun = false

    public init(store: SessionStore, batchSize: Int = 32_768) {
        self.store = store
        self.batchSize = batchSize
    }

    /// Asks for a catch-up soon; calls while one runs are coalesced into one more pass.
    public func scheduleCatchUp() {
        if pending != nil { rerun = true; return }
        pending = Task { [weak self] in
            await self?.loop()
        }
    }

    private func loop() async {
        repeat {
            rerun = false
            _ = try? await runCatchUp()
        } while rerun
        pending = nil
    }

    /// Indexes everything not yet indexed and returns how many messages it indexed.
    @discardableResult
    public func catchUp() async throws(StoreError) -> Int {
        if let pending { await pending.value }
        return try await runCatchUp()
    }

    private func runCatchUp() async throws(StoreError) -> Int {
        var total = 0
        var bigCache = false
        defer {
            // Give the memory back: an idle app keeps the default 2 MB page cache.
            if bigCache { _ = try? store.write { db in try db.execute(sql: "PRAGMA cache_size = -2000") } }
        }
        // A few new messages (the usual case) take one short transaction; a real backlog
        // (crash recovery, import) switches to large batches, which index ~30% faster.
        var size = min(1024, batchSize)
        while true {
            let n = try indexBatch(limit: size)
            total += n
            if n < size { return total }
            size = batchSize
            if !bigCache {
                // A real backlog: FTS segment merges run ~2x faster with a 64 MB cache.
                bigCache = true
                try store.write { db in try db.execute(sql: "PRAGMA cache_size = -64000") }
            }
            await Task.yield()
        }
    }

    /// Indexes up to `limit` messages in one transaction.
    func indexBatch(limit: Int) throws(StoreError) -> Int {
        try store.write { db in
            let last = try Int64.fetchOne(db, sql: "SELECT last_id FROM index_state WHERE name = 'message_fts'") ?? 0
            guard let maxID = try Int64.fetchOne(db, sql: """
                SELECT MAX(id) FROM (SELECT id FROM message WHERE id > ? ORDER BY id LIMIT ?)
                """, arguments: [last, limit]) else { return 0 }
            try db.execute(sql: """
                INSERT INTO message_fts(rowid, content)
                SELECT id, content FROM message WHERE id > ? AND id <= ? AND content <> ''
                """, arguments: [last, maxID])
            try Self.indexPairs(db, after: last, through: maxID)
            let n = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message WHERE id > ? AND id <= ?", arguments: [last, maxID]) ?? 0
            try db.execute(sql: "UPDATE index_state SET last_id = ? WHERE name = 'message_fts'", arguments: [maxID])
            return n
        }
    }

    /// The pair index for the messages in `(after, through]` that hold unsegmented text.
    static func indexPairs(_ db: Database, after: Int64, through: Int64) throws {
        let rows = try Row.fetchCursor(db, sql: "SELECT id, content FROM message WHERE id > ? AND id <= ? AND content GLOB ?",
                                       arguments: [after, through, Unsegmented.glob])
        let insert = try db.cachedStatement(sql: "INSERT INTO message_pairs(rowid, pairs) VALUES (?, ?)")
        while let row = try rows.next() {
            guard let text = Unsegmented.indexText(row["content"]) else { continue }
            try insert.execute(arguments: [row["id"] as Int64, text])
        }
    }

    /// Messages committed but not yet searchable.
    public func backlog() throws(StoreError) -> Int {
        try store.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM message WHERE id > (SELECT last_id FROM index_state WHERE name = 'message_fts')
                """) ?? 0
        }
    }
}
