import AgentProtocol
import Foundation
import GRDB
@testable import Store
import Testing

@Suite("Session store")
struct StoreTests {
    func makeStore() throws -> SessionStore { try SessionStore(inMemory: ()) }

    @Test("messages round-trip with tool calls, reasoning and the first user message as title")
    func roundTrip() throws {
        let store = try makeStore()
        let sid = try store.createSession(model: "m", baseURL: "u", cwd: "/w", source: "cli")
        let call = ToolCall(id: "c1", name: "terminal", arguments: #"{"command":"ls"}"#)
        let msgs: [ChatMessage] = [
            .user("count the files\nplease"),
            .assistant("", reasoning: "think", toolCalls: [call]),
            .tool(callID: "c1", name: "terminal", content: "a\nb"),
            .assistant("2 files"),
        ]
        for m in msgs { try store.appendMessage(m, sessionID: sid) }
        #expect(try store.messages(sessionID: sid).map(\.message) == msgs)
        let info = try store.session(id: String(sid.prefix(12)))
        #expect(info.title == "count the files")
        #expect(info.messageCount == 4)
        #expect(try store.sessions().map(\.id) == [sid])
    }

    @Test("titles, tags and archiving: archived sessions leave lists and search unless asked for")
    func organise() async throws {
        let store = try makeStore()
        let a = try store.createSession(model: "m", baseURL: "u", cwd: "/w", source: "tui")
        let b = try store.createSession(model: "m", baseURL: "u", cwd: "/w", source: "tui")
        try store.appendMessage(.user("deploy the zebra service"), sessionID: a)
        try store.appendMessage(.user("zebra notes"), sessionID: b)
        _ = try await Indexer(store: store).catchUp()
        try store.setTitle("Deploy", sessionID: a)
        try store.setTags(["ops", " infra "], sessionID: a)
        try store.setArchived(true, sessionID: b)
        #expect(try store.sessions().map(\.id) == [a])
        #expect(try store.sessions(includeArchived: true).count == 2)
        let info = try store.session(id: a)
        #expect(info.title == "Deploy" && info.tags == ["ops", "infra"] && !info.archived)
        #expect(try store.search("zebra").map(\.sessionID) == [a])
        let all = try store.search("zebra", includeArchived: true)
        #expect(Set(all.map(\.sessionID)) == [a, b] && all.first { $0.sessionID == b }?.archived == true)
        #expect(all.first { $0.sessionID == a }?.tags == ["ops", "infra"])
    }

    @Test("recent prompts across sessions, oldest first, without repeats")
    func recentPrompts() throws {
        let store = try makeStore()
        let a = try store.createSession(model: "m", baseURL: "u", cwd: "/w", source: "tui")
        for t in ["one", "two", "one", "three"] { try store.appendMessage(.user(t), sessionID: a) }
        try store.appendMessage(.assistant("not a prompt"), sessionID: a)
        #expect(try store.recentPrompts() == ["two", "one", "three"])
        #expect(try store.recentPrompts(limit: 2) == ["one", "three"])
    }

    @Test("messages are searchable only after the indexer ran, which catches up on every backlog")
    func indexerCatchUp() async throws {
        let store = try makeStore()
        let sid = try store.createSession(model: "m", baseURL: "u", cwd: "/w", source: "cli")
        try store.appendMessage(.user("list the files here and count them"), sessionID: sid)
        #expect(try store.search("count files").isEmpty)
        let indexer = Indexer(store: store, batchSize: 2)
        #expect(try await indexer.backlog() == 1)
        for i in 0..<5 { try store.appendMessage(.assistant("answer number \(i) about files"), sessionID: sid) }
        #expect(try await indexer.catchUp() == 6)
        #expect(try await indexer.backlog() == 0)
        let hits = try store.search("count files")
        #expect(hits.count == 1)
        #expect(hits.first?.snippet == "list the files here and count them"
            .replacingOccurrences(of: "files", with: "\(SearchHit.highlightStart)files\(SearchHit.highlightEnd)")
            .replacingOccurrences(of: "count", with: "\(SearchHit.highlightStart)count\(SearchHit.highlightEnd)"))
        #expect(try store.search("files").count == 6)
        #expect(try await indexer.catchUp() == 0)
    }

    @Test("a batch that fails leaves the index and its high-water mark unchanged")
    func crashMidBatchIsConsistent() async throws {
        let store = try makeStore()
        let sid = try store.createSession(model: "m", baseURL: "u", cwd: "/w", source: "cli")
        try store.appendMessage(.user("alpha"), sessionID: sid)
        let indexer = Indexer(store: store)
        try await indexer.catchUp()
        try store.appendMessage(.user("beta"), sessionID: sid)
        // Simulate a crash inside the batch transaction: the same statements, then a failure.
        #expect(throws: (any Error).self) {
            try store.writer.write { db in
                try db.execute(sql: "INSERT INTO message_fts(rowid, content) SELECT id, content FROM message WHERE content = 'beta'")
                try db.execute(sql: "UPDATE index_state SET last_id = 99")
                throw DatabaseError(resultCode: .SQLITE_IOERR, message: "simulated crash")
            }
        }
        #expect(try store.search("beta").isEmpty)
        #expect(try await indexer.backlog() == 1)
        try await indexer.catchUp()
        #expect(try store.search("beta").count == 1)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test("user text never breaks the FTS query", arguments: [
        "\"foo", "AND(", "OR", "NOT x", "a*b", "col:val", "^x", "(((", "\"\"", "-x", "NEAR(a b)", "'; DROP TABLE message; --", "x\"y", "✓ 🙂", "",
    ])
    func escaping(query: String) async throws {
        let store = try makeStore()
        let sid = try store.createSession(model: "m", baseURL: "u", cwd: "/w", source: "cli")
        try store.appendMessage(.user("foo AND bar OR x y col val"), sessionID: sid)
        try await Indexer(store: store).catchUp()
        _ = try store.search(query)
        #expect(try store.messageCount() == 1)
    }

    @Test("fts queries quote every word, the last one as a prefix; diacritics fold")
    func ftsQuery() async throws {
        #expect(SessionStore.ftsQuery("count files") == "\"count\" \"files\"*")
        #expect(SessionStore.ftsQuery("\"AND(") == "\"AND\"*")
        #expect(SessionStore.ftsQuery("  ()  ") == nil)
        let store = try makeStore()
        let sid = try store.createSession(model: "m", baseURL: "u", cwd: "/w", source: "cli")
        try store.appendMessage(.assistant("Crème brûlée recipes"), sessionID: sid)
        try await Indexer(store: store).catchUp()
        #expect(try store.search("creme brul").count == 1)
    }

    @Test("an ambiguous or unknown session prefix is a clear error")
    func sessionLookup() throws {
        let store = try makeStore()
        _ = try store.createSession(model: "m", baseURL: "u", cwd: "/", source: "cli", id: "abc-1")
        _ = try store.createSession(model: "m", baseURL: "u", cwd: "/", source: "cli", id: "abc-2")
        #expect(throws: StoreError.self) { try store.session(id: "abc") }
        #expect(throws: StoreError.self) { try store.session(id: "zzz") }
        #expect(try store.session(id: "abc-2").id == "abc-2")
    }

    @Test("the on-disk database is WAL, 0600, and survives reopening")
    func onDisk() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/state.db"
        do {
            let store = try SessionStore(path: path)
            let sid = try store.createSession(model: "m", baseURL: "u", cwd: "/", source: "cli")
            try store.appendMessage(.user("persist me"), sessionID: sid)
            let mode = try store.writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
            #expect(mode == "wal")
        }
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        #expect(try SessionStore(path: path).messageCount() == 1)
    }

    @Test("more occurrences in a shorter message rank higher")
    func relevance() async throws {
        let store = try makeStore()
        let sid = try store.createSession(model: "m", baseURL: "u", cwd: "/", source: "cli")
        let now = Date()
        try store.appendMessage(.assistant("the deploy failed because deploy keys expired; redo the deploy"), sessionID: sid, now: now)
        try store.appendMessage(.assistant("a long message about many other things that mentions deploy once among " + String(repeating: "filler words ", count: 40)), sessionID: sid, now: now)
        try await Indexer(store: store).catchUp()
        let hits = try store.search("deploy", now: now)
        #expect(hits.count == 2)
        #expect(hits.first?.snippet.hasPrefix("the \(SearchHit.highlightStart)deploy") == true)
        #expect(SessionStore.relevance(of: "Crème BRÛLÉE brulee", terms: ["creme", "brul"]) > SessionStore.relevance(of: "creme only", terms: ["creme", "brul"]))
    }

    @Test("long last words match as prefixes without losing matches; punctuation splits words as the index does")
    func longPrefix() async throws {
        let store = try makeStore()
        let sid = try store.createSession(model: "m", baseURL: "u", cwd: "/", source: "cli")
        for i in 0..<60 { try store.appendMessage(.assistant("that message number \(i) says thanks"), sessionID: sid) }
        try store.appendMessage(.assistant("thanksgiving—dinner plans"), sessionID: sid)
        try await Indexer(store: store).catchUp()
        #expect(try store.search("thanksgiv").map(\.snippet) == ["\(SearchHit.highlightStart)thanksgiving\(SearchHit.highlightEnd)—dinner plans"])
        #expect(try store.search("dinner").count == 1)
        #expect(try store.search("that", limit: 100).count == 60)
        #expect(try store.search("thank", limit: 100).count == 61)
    }

    @Test("recent hits rank above equally good old ones")
    func recency() async throws {
        let store = try makeStore()
        let old = try store.createSession(model: "m", baseURL: "u", cwd: "/", source: "cli", id: "old")
        let new = try store.createSession(model: "m", baseURL: "u", cwd: "/", source: "cli", id: "new")
        let now = Date()
        try store.appendMessage(.user("deploy the service"), sessionID: old, now: now.addingTimeInterval(-200 * 86_400))
        try store.appendMessage(.user("deploy the service"), sessionID: new, now: now)
        try await Indexer(store: store).catchUp()
        #expect(try store.search("deploy", now: now).map(\.sessionID) == ["new", "old"])
    }

    @Test("grouped by session: fifty matching messages of one session are one result with its count and best three snippets")
    func grouped() async throws {
        let store = try makeStore()
        let loop = try store.createSession(model: "m", baseURL: "u", cwd: "/", source: "cli", id: "loop")
        let other = try store.createSession(model: "m", baseURL: "u", cwd: "/", source: "cli", id: "other")
        try store.appendMessage(.user("write a script that prints primes"), sessionID: loop)
        for _ in 0..<50 { try store.appendMessage(.tool(callID: "c", name: "terminal", content: "/bin/bash: line 1: primes: command not found"), sessionID: loop) }
        try store.appendMessage(.user("primes below 100, please"), sessionID: other)
        try await Indexer(store: store).catchUp()
        let groups = try store.searchSessions("primes")
        #expect(Set(groups.map(\.sessionID)) == ["loop", "other"])
        let l = try #require(groups.first { $0.sessionID == "loop" })
        #expect(l.matchCount == 51 && l.isCountComplete)
        #expect(l.hits.count == 3)
        #expect(groups.first { $0.sessionID == "other" }?.matchCount == 1)
    }

    @Test("a snippet keeps the symbols before its first word: paths keep their slashes")
    func snippetKeepsPathCharacters() async throws {
        let store = try makeStore()
        let sid = try store.createSession(model: "m", baseURL: "u", cwd: "/", source: "cli")
        try store.appendMessage(.tool(callID: "c", name: "terminal", content: "/bin/bash: line 1: primes: command not found"), sessionID: sid)
        try store.appendMessage(.assistant(String(repeating: "word ", count: 30) + "see ~/src/app/main.swift for the primes code"), sessionID: sid)
        try await Indexer(store: store).catchUp()
        let snippets = try store.search("primes").map { $0.snippet(markingWith: "[", "]") }
        #expect(snippets.contains("/bin/bash: line 1: [primes]: command not found"), "\(snippets)")
        #expect(snippets.contains { $0.hasPrefix("…word") && $0.hasSuffix("word see ~/src/app/main.swift for the [primes] code") }, "\(snippets)")
    }
}

@Suite("Fork titles")
struct ForkTitleTests {
    @Test("a fork is titled (fork); a fork of a fork (fork 2), then (fork 3); an untitled session stays untitled")
    func titles() {
        #expect(SessionStore.forkTitle("fix the lexer") == "fix the lexer (fork)")
        #expect(SessionStore.forkTitle("fix the lexer (fork)") == "fix the lexer (fork 2)")
        #expect(SessionStore.forkTitle("fix the lexer (fork 2)") == "fix the lexer (fork 3)")
        #expect(SessionStore.forkTitle("a (fork of) b") == "a (fork of) b (fork)")
        #expect(SessionStore.forkTitle(nil) == nil)
    }
}
