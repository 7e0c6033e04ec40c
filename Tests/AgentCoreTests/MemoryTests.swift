import AgentCore
import AgentProtocol
import AgentTools
import Exec
import Foundation
import Memory
import LLMClient
import Store
import TestSupport
import Testing

@Suite("Memory")
struct MemoryTests {
    let store: SessionStore
    let book: MemoryBook
    init() throws {
        store = try SessionStore(inMemory: ())
        book = MemoryBook(store: store, limits: MemoryLimits(notes: 80, user: 60, nudgeEvery: 10), environment: ["MY_API_KEY": "value-of-the-secret-key"])
    }

    func run(_ args: JSONValue) async -> ToolOutput {
        await MemoryTool(book: book).run(args, context: ToolContext(cwd: "/tmp", backend: LocalBackend(), callID: "c", sessionID: ""))
    }

    @Test("add, replace and remove by a unique part of the text; limits refuse with the entries listed; history is kept")
    func tool() async throws {
        let added = await run(["action": "add", "content": "this repo uses pnpm"])
        #expect(added.text.hasPrefix("saved to notes (19/80 chars)"))
        #expect(added.memoryUpdate?.action == "add")
        #expect(await run(["action": "add", "content": "tests run with make test"]).status == .succeeded)
        let over = await run(["action": "add", "content": .string(String(repeating: "long fact ", count: 5))])
        #expect(over.isError && over.text.contains("notes would be 98/80 characters") && over.text.contains("§ this repo uses pnpm"), "\(over.text)")
        let ambiguous = await run(["action": "replace", "old_text": "s", "content": "x"])
        #expect(ambiguous.isError && ambiguous.text.hasPrefix("2 notes entries contain \"s\""))
        let unknown = await run(["action": "remove", "old_text": "yarn"])
        #expect(unknown.isError && unknown.text.hasPrefix("no notes entry contains \"yarn\""))
        let replaced = await run(["action": "replace", "old_text": "pnpm", "content": "this repo uses pnpm 9"])
        #expect(replaced.text == "replaced in notes: this repo uses pnpm 9")
        let removed = await run(["action": "remove", "old_text": "make test"])
        #expect(removed.text.hasPrefix("removed from notes (still searchable)"))
        #expect(try store.memory(.notes).map(\.text) == ["this repo uses pnpm 9"])
        // What fell out of the prompt is still found.
        let found = await run(["action": "search", "query": "tests"])
        #expect(found.text.hasPrefix("[notes, removed] tests run with make test (today)"), "\(found.text)")
        let id = try store.memory(.notes)[0].id
        #expect(try store.memoryHistory(id: id).map(\.action) == ["add", "replace"])
        #expect(await run(["action": "add", "target": "user", "content": "prefers short answers"]).text.hasPrefix("saved to user"))
        #expect(await run(["action": "add", "target": "fact", "content": "x"]).text == "target must be notes or user, found 'fact'")
    }

    @Test("secrets are refused: key shapes, passwords, the environment's secret values", arguments: [
        "the api key is sk-proj-abcdefghijklmnopqrstuvwx",
        "password: hunter2hunter2",
        "token value-of-the-secret-key for deploys",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----",
    ])
    func secrets(text: String) async throws {
        let r = await run(["action": "add", "content": .string(text)])
        #expect(r.isError && r.text.hasPrefix("refused: the text holds what looks like a secret"))
        #expect(try store.memory().isEmpty)
    }

    @Test("undo reverses the latest change of an entry: an add is forgotten, a replace restored, a remove brought back")
    func undo() throws {
        guard case .changed(let e, _, _) = book.add(.notes, "uses zsh", sessionID: nil) else { Issue.record("not added"); return }
        _ = book.replace(.notes, oldText: "zsh", with: "uses fish", sessionID: nil)
        #expect(try book.undo(e.id) == "restored: uses zsh")
        _ = book.remove(.notes, oldText: "zsh", sessionID: nil)
        #expect(try book.undo(e.id) == "brought back: uses zsh")
        #expect(try store.memory(.notes).map(\.text) == ["uses zsh"])
        guard case .changed(let f, _, _) = book.add(.user, "likes tea", sessionID: nil) else { return }
        #expect(try book.undo(f.id) == "forgot: likes tea")
        #expect(try store.memory(.user).isEmpty)
    }

    @Test("session 1 saves a preference; session 2's prompt holds it, frozen for the session; the change reached the UI as an event")
    func acrossSessions() async throws {
        let first = try Harness([SSE.callTool("memory", arguments: #"{"action":"add","target":"user","content":"prefers tabs over spaces"}"#),
                                 SSE.answer("noted")], memory: true)
        let events = await first.turn("I always use tabs, remember that")
        #expect(events.contains { if case .memoryUpdate(let m) = $0 { m.action == "add" && m.target == "user" && m.text == "prefers tabs over spaces" } else { false } })
        let firstPrompt = first.transport.requestBodies.first.flatMap { ($0["messages"] as? [[String: Any]])?.first?["content"] as? String } ?? ""
        #expect(!firstPrompt.contains("prefers tabs"), "memory written this session is not in this session's prompt")
        let entry = try first.store.memory(.user).first
        #expect(entry?.sourceSessionID == (await first.agent.sessionID))

        let second = try Harness([SSE.callTool("memory", arguments: #"{"action":"add","content":"the build uses make"}"#), SSE.answer("ok"), SSE.answer("again")],
                                 store: first.store, memory: true)
        _ = await second.turn("hello")
        _ = await second.turn("and again")
        let prompts = second.transport.requestBodies.compactMap { ($0["messages"] as? [[String: Any]])?.first?["content"] as? String }
        #expect(prompts.count == 3)
        #expect(prompts.allSatisfy { $0.contains("About the user [24/120 chars]:\n§ prefers tabs over spaces") }, "\(prompts.first ?? "")")
        #expect(prompts.allSatisfy { !$0.contains("the build uses make") }, "the snapshot is frozen at session start")
    }

    @Test("every N user turns the agent is reminded to save what matters")
    func nudge() async throws {
        let h = try Harness([SSE.answer("1"), SSE.answer("2"), SSE.answer("3")], memory: true)
        for t in ["a", "b", "c"] { _ = await h.turn(t) }
        // On the turn's own message, where later requests send it again: the system prompt stays put.
        let sent = h.transport.requestBodies.map { (($0["messages"] as? [[String: Any]]) ?? []).compactMap { $0["content"] as? String } }
        #expect(sent.map { $0.last?.contains("Reminder: if the recent turns taught you something durable") } == [false, false, true])
        #expect(Set(sent.compactMap(\.first)).count == 1)
    }
}

@Suite("Context compression")
struct CompressionTests {
    /// ~8,000 characters (~2,000 tokens): with a 9,000-token window (threshold 4,500) the second
    /// request of the second turn is the first to pass it.
    static let big = String(repeating: "output line with some words in it, and more words\n", count: 160)

    static func callBig(_ n: Int) -> ScriptedTransport.Reply {
        SSE.callTool("terminal", arguments: #"{"command":"cat big.txt"}"#, id: "t\(n)")
    }

    func messages(_ body: [String: Any]) -> [String] {
        (body["messages"] as? [[String: Any]] ?? []).compactMap { $0["content"] as? String }
    }

    func harness(_ replies: [ScriptedTransport.Reply]) throws -> Harness {
        let h = try Harness(replies, contextWindow: 9000)
        try Self.big.write(toFile: h.dir.path + "/big.txt", atomically: true, encoding: .utf8)
        return h
    }

    @Test("past the threshold the middle is summarised: first request and latest message verbatim, the turn continues, the store keeps everything")
    func compresses() async throws {
        let h = try harness([Self.callBig(1), SSE.answer("step 1 done"),
                             Self.callBig(2), SSE.answer("SUMMARY: the big file was printed once."), SSE.answer("final answer")])
        #expect(await h.turn("FIRST REQUEST: print big.txt").contains { if case .turnCompleted = $0 { true } else { false } })
        let events = await h.turn("LATEST: print it again")
        guard let c = events.compactMap({ if case .contextCompressed(let c) = $0 { c } else { nil } }).first else {
            Issue.record("no compression: \(names(events))"); return
        }
        #expect(c.summarized && c.messages == 3 && c.tokensAfter < c.tokensBefore, "\(c)")
        #expect(c.message.hasPrefix("compressed 3 earlier messages into a summary (context "))
        let bodies = h.transport.requestBodies
        #expect(bodies.count == 5)
        // The summary request is a fork of the conversation: the server has its prompt cached
        // and reads only the instructions; the tools stay listed (the prefix) but none may be called.
        #expect(messages(bodies[3]).last?.contains("The conversation above is being compressed") == true)
        #expect(bodies[3]["tool_choice"] as? String == "none")
        #expect(Array(messages(bodies[3]).prefix(messages(bodies[2]).count)) == messages(bodies[2]), "it extends the previous request")
        let after = messages(bodies[4]).dropFirst() // after the system prompt
        #expect(after.first == "FIRST REQUEST: print big.txt")
        #expect(after.dropFirst().first?.hasPrefix("[Summary of 3 earlier messages") == true)
        #expect(after.contains { $0.contains("SUMMARY: the big file was printed once.") })
        #expect(after.dropFirst(2).first == "LATEST: print it again")
        #expect(!after.contains("step 1 done"), "the middle left the context")
        #expect(events.contains { if case .turnCompleted(let t) = $0 { t.finalText == "final answer" } else { false } })
        // Nothing left the store; a resumed session sees the summary in place of the range.
        let id = await h.agent.sessionID
        #expect(try h.store.messages(sessionID: id).contains { $0.message.content == "step 1 done" })
        let resumed = try h.store.contextMessages(sessionID: id).map(\.message.content)
        #expect(Array(resumed.prefix(3)).map { String($0.prefix(14)) } == ["FIRST REQUEST:", "[Summary of 3 ", "LATEST: print "])
    }

    @Test("when summarising fails an extract stands in and the user is told; no second compression within 3 turns, and that is said once, not every turn")
    func failsAndRefusesLoops() async throws {
        let h = try harness([Self.callBig(1), SSE.answer("step 1 done"),
                             Self.callBig(2), .response(status: 400, headers: [:], pieces: [#"{"error":{"message":"no"}}"#]), SSE.answer("carried on"),
                             Self.callBig(3), SSE.answer("third done"), Self.callBig(4), SSE.answer("fourth done")])
        _ = await h.turn("FIRST")
        let events = await h.turn("LATEST")
        guard let c = events.compactMap({ if case .contextCompressed(let c) = $0 { c } else { nil } }).first else {
            Issue.record("no compression: \(names(events))"); return
        }
        #expect(!c.summarized)
        #expect(c.message.hasPrefix("the model's summary was not available, so 3 earlier messages (1 tool results) were replaced by an extract"), "\(c.message)")
        #expect(c.message.contains("the full conversation stays in the session store"))
        #expect(c.tokensAfter < c.tokensBefore)
        let after = messages(h.transport.requestBodies[4]).dropFirst()
        #expect(after.first == "FIRST")
        let record = after.first { $0.hasPrefix("[Summary of 3 earlier messages") }
        #expect(record?.contains("Commands run:\n- `cat big.txt` → ok: output line with some words in it") == true, "\(record ?? "")")
        #expect(record?.contains("Agent notes:\n- step 1 done") == true)
        #expect(events.contains { if case .turnCompleted(let t) = $0 { t.finalText == "carried on" } else { false } })
        // The next turns pass the threshold again: refused (no loop), said once for both.
        let next = await h.turn("three") + (await h.turn("four"))
        let warnings = next.compactMap { if case .warning(let w) = $0 { w } else { nil } }
        #expect(warnings.filter { $0.contains("not compressing again so soon") }.count == 1, "\(warnings)")
        #expect(!next.contains { if case .contextCompressed = $0 { true } else { false } })
        #expect(next.contains { if case .turnCompleted(let t) = $0 { t.finalText == "fourth done" } else { false } })
    }

    @Test("a summary no shorter than what it replaces (a small model copying the transcript out) is not used: an extract stands in")
    func tooLongSummary() async throws {
        let copy = String(repeating: "[tool] output line with some words in it, and more words\n", count: 200)
        let h = try harness([Self.callBig(1), SSE.answer("step 1 done"), Self.callBig(2), SSE.answer(copy), SSE.answer("final answer")])
        _ = await h.turn("FIRST REQUEST: print big.txt")
        let events = await h.turn("LATEST: print it again")
        guard let c = events.compactMap({ if case .contextCompressed(let c) = $0 { c } else { nil } }).first else {
            Issue.record("no compression: \(names(events))"); return
        }
        #expect(!c.summarized)
        #expect(c.message.hasPrefix("the model's summary was no shorter than what it replaced, so 3 earlier messages"), "\(c.message)")
        let after = messages(h.transport.requestBodies[4])
        #expect(!after.joined(separator: "\n").contains(copy), "the copied transcript must not enter the context")
        let record = try #require(after.first { $0.hasPrefix("[Summary of 3 earlier messages") })
        #expect(record.count < copy.count / 4, "the extract is \(record.count) characters")
        #expect(c.tokensAfter < c.tokensBefore)
    }

    @Test("the agent's latest plan in the compressed middle stays verbatim where it was, live and after a resume")
    func keepsPlan() async throws {
        let plan = "Plan:\n1. read the config\n2. fix the parser\n3. run the tests"
        let h = try Harness([SSE.answer("hello"), SSE.answer(plan), SSE.answer("read it"), SSE.answer("fixed"), SSE.answer("the summary")],
                            contextWindow: 100_000)
        for t in ["one", "make a plan", "go on", "next"] { _ = await h.turn(t) }
        await h.agent.submit(.compress)
        for await env in h.agent.events {
            if case .contextCompressed(let c) = env.event {
                #expect(c.message.contains("and the agent's latest plan"), "\(c.message)")
                break
            }
            if case .warning(let w) = env.event { Issue.record("\(w)"); break }
        }
        let history = await h.agent.messages.map(\.content)
        #expect(history.count == 5 && history[0] == "one" && history[1].hasPrefix("[Summary of 4 ") && history[2] == plan
                && history[3] == "next" && history[4] == "fixed", "\(history)")
        let resumed = try h.store.contextMessages(sessionID: await h.agent.sessionID).map(\.message.content)
        #expect(resumed == history, "a resumed session sees what the live one saw")
    }

    @Test("/compress sent the moment a turn completes always runs, without waiting for another turn")
    func forcedAtTurnEnd() async throws {
        // The turn's completion reaches the UI before the agent has finished the turn: a
        // /compress sent right then once found the turn still "running" and waited, silently,
        // for a next request. Many rounds, each hitting that moment as closely as a user can.
        for round in 0..<60 {
            let h = try Harness([SSE.answer("a1"), SSE.answer("a2"), SSE.answer("a3"), SSE.answer("the summary")], contextWindow: 100_000)
            for t in ["one", "two", "three"] { _ = await h.turn(t) }
            await h.agent.submit(.compress)
            let waiter = Task {
                for await env in h.agent.events {
                    if case .contextCompressed(let c) = env.event { return Optional(c) }
                }
                return nil
            }
            let timeout = Task { try await Task.sleep(for: .seconds(10)); waiter.cancel() }
            let compressed = await waiter.value
            timeout.cancel()
            #expect(compressed?.summarized == true, "round \(round): no compression within 10 s of the turn's end")
            if compressed == nil { return }
        }
    }

    @Test("/compress forces a compression when idle")
    func forced() async throws {
        let h = try Harness([SSE.answer("a1"), SSE.answer("a2"), SSE.answer("a3"), SSE.answer("the summary")], contextWindow: 100_000)
        for t in ["one", "two", "three"] { _ = await h.turn(t) }
        await h.agent.submit(.compress)
        for await env in h.agent.events {
            if case .contextCompressed(let c) = env.event {
                #expect(c.summarized && c.messages == 3, "\(c)")
                break
            }
            if case .warning(let w) = env.event { Issue.record("\(w)"); break }
        }
        let history = await h.agent.messages.map(\.content)
        #expect(history.count == 4 && history[0] == "one" && history[1].hasPrefix("[Summary of 3 ") && history[2] == "three" && history[3] == "a3",
                "\(history)")
    }
}
