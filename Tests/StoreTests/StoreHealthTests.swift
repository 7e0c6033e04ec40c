import AgentProtocol
import Foundation
import GRDB
import Store
import Testing

/// What doctor and restore rely on, with the database edited underneath as damage would.
@Suite struct StoreHealthTests {
    static func store(_ dir: String, messages: Int) async throws -> SessionStore {
        let store = try SessionStore(path: dir + "/state.db")
        let sid = try store.createSession(model: "m", baseURL: "u", cwd: "/w", source: "cli")
        for i in 0..<messages {
            try store.appendMessage(.user("message number \(i) about zebras"), sessionID: sid)
            // A tool call alone has no text: nothing to index, and the index still agrees.
            if i % 10 == 0 { try store.appendMessage(.assistant("", toolCalls: [ToolCall(id: "c\(i)", name: "terminal", arguments: "{}")]), sessionID: sid) }
        }
        _ = try await Indexer(store: store).catchUp()
        return store
    }

    static func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "store-health-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("an index that lost entries is seen, and rebuilding brings every message back to search")
    func indexRepair() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try await Self.store(dir, messages: 50)
        #expect(try SessionStore.inspect(path: dir + "/state.db").indexAgrees)
        let raw = try DatabaseQueue(path: dir + "/state.db")
        try await raw.write { db in try db.execute(sql: "DELETE FROM message_fts_docsize WHERE id % 3 = 0") }
        try raw.close()
        let h = try SessionStore.inspect(path: dir + "/state.db")
        #expect(!h.indexAgrees && h.indexed < h.shouldBeIndexed, "\(h)")
        try store.rebuildIndex()
        #expect(try SessionStore.inspect(path: dir + "/state.db").indexAgrees)
        #expect(try store.search("zebras", limit: 100).count == 50)
    }

    @Test("a sound SQLite file that is not Talaria's, or one from a newer build, is not restored")
    func restoreRefusals() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try await Self.store(dir, messages: 5)
        let other = try DatabaseQueue(path: dir + "/other.db")
        try await other.write { db in try db.execute(sql: "CREATE TABLE t(x)") }
        try other.close()
        #expect(throws: StoreError.self) { try store.restore(from: dir + "/other.db") }
        try store.backup(to: dir + "/newer.db")
        let newer = try DatabaseQueue(path: dir + "/newer.db")
        try await newer.write { db in try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v99-future')") }
        try newer.close()
        #expect(try SessionStore.inspect(path: dir + "/newer.db").unknownMigrations == ["v99-future"])
        #expect(throws: StoreError.self) { try store.restore(from: dir + "/newer.db") }
        #expect(try store.sessions().count == 1)
    }
}

@Suite struct StorageFailureMessages {
    @Test("a file that is not a database is named, with what to do")
    func notADatabase() throws {
        let dir = try StoreHealthTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("this is not sqlite, just text that someone saved over the file".utf8).write(to: URL(fileURLWithPath: dir + "/state.db"))
        do {
            _ = try SessionStore(path: dir + "/state.db")
            Issue.record("opened a file that is not a database")
        } catch {
            #expect(error.description.contains(dir + "/state.db") && error.description.contains("talaria restore"), "\(error)")
        }
    }

    @Test("each storage failure says what to do", arguments: [(5, "another program"), (517, "another program"), (13, "disk is full"),
                                                               (8, "read-only"), (14, "not writable"), (11, "damaged"), (26, "damaged"), (10, "disk")])
    func hints(_ code: Int32, _ words: String) {
        #expect(StoreError(.sqlite, "x", sqliteCode: code).description.contains(words))
    }

    @Test("a write that finds the database locked names the file another program holds")
    func lockNamesTheFile() async throws {
        let dir = try StoreHealthTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SessionStore(path: dir + "/state.db")
        // A second connection holds the write lock while the store tries to write; the store's
        // busy wait (5 s) blocks, so it runs on a thread of its own, not on the test pool's.
        let message: String = try await withCheckedThrowingContinuation { c in
            Thread {
                c.resume(with: Result {
                    var message = ""
                    try DatabaseQueue(path: dir + "/state.db").inTransaction(.exclusive) { _ in
                        do {
                            _ = try store.createSession(model: "m", baseURL: "http://127.0.0.1:9", cwd: dir, source: "test")
                        } catch { message = "\(error)" }
                        return .rollback
                    }
                    return message
                })
            }.start()
        }
        #expect(message.contains("another program is using the database \(dir)/state.db"), "\(message)")
    }

    @Test("the disk's state turns an I/O error beside no free space into a full disk, and any failure on a read-only mount into what to do")
    func diskHints() {
        var e = StoreError(.sqlite, "x", sqliteCode: 10)
        e.disk = .init(folder: "/h", freeBytes: 4096, readOnly: false)
        #expect(e.description.contains("the disk holding /h is full (4 KB free)"))
        e.disk?.freeBytes = 1 << 30
        #expect(!e.description.contains("full"))
        e.disk?.readOnly = true
        #expect(e.description.contains("/h is on a read-only filesystem"))
    }
}
