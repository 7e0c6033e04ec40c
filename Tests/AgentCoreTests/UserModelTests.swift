import AgentCore
import AgentProtocol
import Foundation
import Memory
import Store
import TestSupport
import Testing

@Suite("User model")
struct UserModelTests {
    let store: SessionStore
    let model: UserModel
    init() throws {
        store = try SessionStore(inMemory: ())
        model = UserModel(book: MemoryBook(store: store, limits: .standard, environment: [:]), staleDays: 30, budget: 200)
    }

    @Test("NEW adds with confidence and source, a repeat confirms, CONTRADICT flags both; malformed lines and secrets are ignored")
    func apply() throws {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let first = model.apply("NEW 0.9 Uses vim as their editor\nnonsense line\nNEW high Writes Go\nNEW 0.7 token ghp_abcdefghijklmnopqrstuvwxyz0123456789\n",
                                sessionID: nil, now: t0)
        #expect(first.map(\.text) == ["Uses vim as their editor"])
        let vim = try #require(try store.memory(.fact).first)
        #expect(vim.confidence == 0.9 && vim.confirmedAt == t0)
        let later = t0.addingTimeInterval(10 * 86_400)
        model.apply("NEW 0.5 uses vim as their editor", sessionID: nil, now: later)
        #expect(try store.memoryEntry(id: vim.id)?.confirmedAt == later, "a repeat confirms: its age resets")
        model.apply("CONTRADICT \(vim.id) 0.8 Switched from vim to Helix", sessionID: nil, now: later)
        let facts = try store.memory(.fact)
        #expect(facts.count == 2)
        #expect(facts[0].flag == "contradicted by #\(facts[1].id): Switched from vim to Helix")
        #expect(facts[1].flag == "contradicts #\(vim.id): Uses vim as their editor")
        #expect(model.promptSection(now: later) == nil, "facts in dispute stay out of the prompt until the user decides")
        model.apply("CONFIRM 99999\nCONTRADICT 99999 0.5 x", sessionID: nil, now: later)
        #expect(try store.memory(.fact).count == 2, "unknown ids change nothing")
    }

    @Test("a fact unconfirmed for stale_days is stale and leaves the prompt; the most confident facts fill the budget")
    func stale() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try store.addMemory(.fact, "Prefers concise answers", sessionID: nil, confidence: 0.6, now: now.addingTimeInterval(-5 * 86_400))
        try store.addMemory(.fact, "Works on a Rust game engine", sessionID: nil, confidence: 0.9, now: now.addingTimeInterval(-1 * 86_400))
        let old = try store.addMemory(.fact, "Uses Windows", sessionID: nil, confidence: 1, now: now.addingTimeInterval(-31 * 86_400))
        #expect(model.isStale(old, now: now))
        let section = try #require(model.promptSection(now: now))
        #expect(section.hasSuffix("- Works on a Rust game engine\n- Prefers concise answers"), "\(section)")
        #expect(!section.contains("Windows"))
        let tight = UserModel(book: model.book, staleDays: 30, budget: 30)
        #expect(tight.promptSection(now: now)?.hasSuffix("- Works on a Rust game engine") == true)
    }

    @Test("session 1 states a preference; the background pass derives it with its source; session 2's prompt carries it")
    func acrossSessions() async throws {
        let first = try Harness([SSE.answer("ok"), SSE.answer("sure"), SSE.answer("NEW 0.9 Uses vim as their editor")], memory: true, factsEvery: 2)
        _ = await first.turn("I edit everything in vim")
        _ = await first.turn("yes, vim, always")
        // The pass runs after the turn; wait for its event.
        var derived: MemoryUpdate?
        for await env in first.agent.events {
            if case .memoryUpdate(let m) = env.event { derived = m; break }
        }
        #expect(derived?.text == "Uses vim as their editor" && derived?.target == "fact")
        // The pass is a fork of the conversation: the session's last request, then the pass's
        // instructions — so a one-slot server's cache serves it and still holds the conversation.
        let bodies = first.transport.requestBodies
        let pass = try #require(bodies.last.flatMap { $0["messages"] as? [[String: Any]] })
        let previous = try #require(bodies.dropLast().last.flatMap { $0["messages"] as? [[String: Any]] })
        #expect(pass.count == previous.count + 2, "the previous request, its answer, the instructions")
        #expect(zip(previous, pass).allSatisfy { ($0["content"] as? String) == ($1["content"] as? String) }, "the pass extends the conversation's prompt")
        #expect((pass.last?["content"] as? String)?.contains("Known facts:\n(none)") == true)
        #expect(bodies.last?["tool_choice"] as? String == "none")
        let fact = try #require(try first.store.memory(.fact).first)
        #expect(fact.sourceSessionID == (await first.agent.sessionID))

        let second = try Harness([SSE.answer("hello")], store: first.store, memory: true)
        _ = await second.turn("hi")
        let prompt = second.transport.requestBodies.first.flatMap { ($0["messages"] as? [[String: Any]])?.first?["content"] as? String } ?? ""
        #expect(prompt.contains("What earlier sessions suggest about the user") && prompt.contains("- Uses vim as their editor"), "\(prompt)")
    }
}
