import AgentProtocol
import Foundation
import Testing
import GRDB
@testable import Store

/// Substrings in scripts written without spaces: Chinese, Japanese, Korean particles, Thai.
@Suite("Search in unsegmented scripts")
struct UnsegmentedSearchTests {
    static let texts = [
        "zh": "数据库连接超时，请检查网络",
        "ja": "データベースの接続がタイムアウトしました",
        "ko": "데이터베이스에서 연결 시간이 초과되었습니다",
        "th": "การเชื่อมต่อฐานข้อมูลหมดเวลา",
        "mixed": "调用API请求超时 after 30 s",
        "en": "the database connection timed out",
    ]

    func store() async throws -> (SessionStore, [String: String]) {
        let store = try SessionStore(inMemory: ())
        var ids: [String: String] = [:]
        for (key, text) in Self.texts.sorted(by: { $0.key < $1.key }) {
            let sid = try store.createSession(model: "m", baseURL: "u", cwd: "/w", source: "cli")
            try store.appendMessage(.user(text), sessionID: sid)
            ids[sid] = key
        }
        _ = try await Indexer(store: store).catchUp()
        return (store, ids)
    }

    @Test("a word inside a run is found, whatever its length; a substring that is not there is not", arguments: [
        ("超时", ["mixed", "zh"]), ("连接超时", ["zh"]), ("超", ["mixed", "zh"]), ("数据库连接超时", ["zh"]), ("请求超时", ["mixed"]),
        ("接続", ["ja"]), ("タイムアウト", ["ja"]), ("데이터베이스", ["ko"]), ("초과", ["ko"]), ("เชื่อมต่อ", ["th"]),
        ("API 超时", ["mixed"]), ("超时 timed", []), ("时超", []), ("database", ["en"]),
    ])
    func substrings(_ query: String, _ expected: [String]) async throws {
        let (store, ids) = try await store()
        let found = try store.search(query).compactMap { ids[$0.sessionID] }.sorted()
        #expect(found == expected, "\(query): \(found)")
    }

    @Test("the snippet marks the word that holds the match; sessions group the same way")
    func snippetsAndSessions() async throws {
        let (store, ids) = try await store()
        let hit = try #require(try store.search("连接超时").first)
        #expect(hit.snippet.contains(SearchHit.highlightStart + "数据库连接超时" + SearchHit.highlightEnd), "\(hit.snippet)")
        #expect(try store.searchSessions("超时").compactMap { ids[$0.sessionID] }.sorted() == ["mixed", "zh"])
    }

    @Test("only messages holding such text enter the pair index, as pairs and the run's last character")
    func pairIndex() async throws {
        #expect(Unsegmented.indexText("plain english") == nil)
        #expect(Unsegmented.indexText("数据库 ok 超时") == "数据 据库 库 . 超时 时")
        #expect(Unsegmented.query(["连接超时", "ok"]) == "\"连接 接超 超时\"")
        #expect(Unsegmented.query(["超"]) == "\"超\"*")
        let (store, _) = try await store()
        let rows = try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message_pairs") ?? 0 }
        #expect(rows == 5, "the English message entered the pair index")
    }
}
