import AgentProtocol
import Config
import CurlTransport
import Doctor
import Foundation
import Store
import Testing
import TestSupport

/// `talaria doctor`, backup and restore on real files: a sound home passes; each kind of damage is
/// named with what to do; repair and restore bring things back, and a bad backup changes nothing.
@Suite("doctor, backup and restore", .serialized)
struct DoctorTests {
    final class Home: @unchecked Sendable {
        let dir = TempDir("doctor")
        var paths: TalariaPaths { TalariaPaths(environment: ["TALARIA_HOME": dir.path + "/home"]) }

        init() throws {
            try FileManager.default.createDirectory(atPath: dir.path + "/home", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try "model: m\nbase_url: http://127.0.0.1:9/v1\n".write(toFile: paths.configFile, atomically: true, encoding: .utf8)
        }

        /// A database with `count` messages, all indexed.
        @discardableResult
        func store(messages count: Int) async throws -> SessionStore {
            let store = try SessionStore(path: paths.database)
            let sid = try store.createSession(model: "m", baseURL: "u", cwd: "/w", source: "cli")
            for i in 0..<count { try store.appendMessage(.user("message number \(i) about zebras"), sessionID: sid) }
            _ = try await Indexer(store: store).catchUp()
            return store
        }

        func doctor(repair: Bool = false) -> [DoctorCheck] {
            Doctor(paths: paths, environment: ["PATH": "/usr/bin:/bin"], executable: "/usr/local/bin/talaria", cwd: dir.path,
                   userHome: dir.path, transport: CurlTransport()).run(repair: repair)
        }
    }

    static func problems(_ checks: [DoctorCheck]) -> [DoctorCheck] { checks.filter { $0.status == .problem } }

    @Test("a sound installation has no problems, and says what it found")
    func sound() async throws {
        let h = try Home()
        try await h.store(messages: 20)
        let checks = h.doctor()
        #expect(Self.problems(checks).isEmpty, "\(Self.problems(checks))")
        #expect(checks.contains { $0.area == "database" && $0.detail.contains("integrity ok") && $0.detail.contains("20 messages") })
        #expect(checks.contains { $0.area == "search index" && $0.detail.contains("20 messages indexed") })
        #expect(checks.contains { $0.area == "schema" && $0.detail.hasPrefix("current") })
    }

    @Test("a readable secret, a broken config, a missing MCP command and an unset gateway token are each a problem with a fix")
    func problemsNamed() async throws {
        let h = try Home()
        FileManager.default.createFile(atPath: SecretsFile.path(h.paths), contents: Data("KEY=x\n".utf8), attributes: [.posixPermissions: 0o644])
        var checks = h.doctor()
        let secret = try #require(Self.problems(checks).first { $0.area == "secrets" })
        #expect(secret.fix == "chmod 600 \(SecretsFile.path(h.paths))")
        try "model: [unclosed\n".write(toFile: h.paths.configFile, atomically: true, encoding: .utf8)
        checks = h.doctor()
        #expect(Self.problems(checks).contains { $0.area == "config" && $0.detail.contains("config.yaml") })
        try """
            model: m
            mcp_servers:
              tools:
                command: no-such-mcp-server-binary
            gateways:
              telegram:
                token_env: NOT_SET_ANYWHERE
            """.write(toFile: h.paths.configFile, atomically: true, encoding: .utf8)
        checks = h.doctor()
        #expect(Self.problems(checks).contains { $0.area == "mcp tools" && $0.detail.contains("not on PATH") })
        #expect(Self.problems(checks).contains { $0.area == "gateway telegram" && $0.detail.contains("NOT_SET_ANYWHERE") })
    }

    @Test("a corrupted database is named as damaged, with what to do")
    func corrupted() async throws {
        let h = try Home()
        let store = try await h.store(messages: 400)
        try store.checkpoint()
        // Overwrite pages in the middle of the file (the header stays, so it still opens).
        let handle = try #require(FileHandle(forUpdatingAtPath: h.paths.database))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        handle.write(Data(repeating: 0xA5, count: 16_384))
        try handle.close()
        let checks = h.doctor()
        let db = try #require(Self.problems(checks).first { $0.area == "database" }, "\(checks)")
        #expect(db.detail.contains("damaged") || db.detail.contains("malformed") || db.detail.contains("cannot read"), "\(db)")
        #expect(db.fix?.contains("talaria restore") == true)
    }

    @Test("backup is a consistent copy taken while the store is open; restore brings it back; a damaged backup changes nothing")
    func backupRestore() async throws {
        let h = try Home()
        let store = try await h.store(messages: 30)
        let file = h.dir.path + "/copy.db"
        try store.backup(to: file)
        #expect((try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) == 0o600)
        let copied = try SessionStore.inspect(path: file)
        #expect(copied.isSound && copied.messages == 30 && copied.indexAgrees)
        // More is written after the backup; restoring goes back to the 30.
        let sid = try #require(try store.sessions().first?.id)
        for i in 0..<10 { try store.appendMessage(.user("later \(i)"), sessionID: sid) }
        #expect(try store.messages(sessionID: sid).count == 40)
        try store.restore(from: file)
        #expect(try store.messages(sessionID: sid).count == 30)
        // A damaged "backup" is refused and the database is as it was.
        let bad = h.dir.path + "/bad.db"
        try Data("SQLite format 3\0".utf8 + Data(repeating: 7, count: 8192)).write(to: URL(fileURLWithPath: bad))
        #expect(throws: StoreError.self) { try store.restore(from: bad) }
        #expect(try store.messages(sessionID: sid).count == 30)
        #expect(SessionStore.backupName(in: "/b", "state", at: Date(timeIntervalSince1970: 0)).hasPrefix("/b/state-19700101-"))
    }
}
