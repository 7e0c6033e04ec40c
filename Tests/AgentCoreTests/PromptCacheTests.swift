import AgentCore
import AgentProtocol
import Foundation
import Skills
import Store
import Testing
import TestSupport

/// Every request of a session starts with the previous one, so the server's prompt cache
/// (llama.cpp's KV cache, a provider's prefix cache) never reads the conversation again.
@Suite("Prompt prefix across a session")
struct PromptCacheTests {
    /// Each message of a request body as canonical JSON, for exact comparison.
    static func sent(_ body: [String: Any]) throws -> [String] {
        try messages(body).map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: .sortedKeys), as: UTF8.self) }
    }

    @Test("skills chosen per request, a skill created mid-session, a server going down and a memory nudge never change what was sent")
    func stablePrefix() async throws {
        let root = TempDir("skills")
        func skill(_ name: String, _ description: String) throws {
            try FileManager.default.createDirectory(atPath: root.path + "/" + name, withIntermediateDirectories: true)
            try "---\nname: \(name)\ndescription: \(description)\n---\nSteps.\n".write(toFile: root.path + "/\(name)/SKILL.md", atomically: true, encoding: .utf8)
        }
        try skill("postgres-backup", "Back up a PostgreSQL database with pg_dump and check the archive.")
        try skill("docker-cleanup", "Remove dangling Docker images, stopped containers and unused volumes.")
        for i in 0..<10 { try skill("filler-\(i)", "Unrelated procedure number \(i) about gardening and lawns and hedges.") }
        let lib = SkillLibrary(roots: [SkillRoot(path: root.path, source: .user)])
        let source = StubToolSource()
        // 12 skills do not fit 300 tokens: the catalog is chosen for the first request.
        let h = try Harness([SSE.answer("backed up"),
                             SSE.callTool("terminal", arguments: #"{"command":"echo pruned"}"#, id: "p"), SSE.answer("cleaned"),
                             SSE.answer("reset")],
                            skills: lib, toolSources: [source], memory: true, catalogBudget: 300)
        _ = await h.turn("back up the postgres database")
        _ = await h.turn("clean the docker images")
        try skill("kafka-reset", "Reset a Kafka consumer group offset safely.") // as skill_manage would, mid-session
        await source.setNote("MCP servers not available right now:\n- git: retrying in 4 s")
        _ = await h.turn("reset the kafka consumer group") // the third turn: the memory nudge (every 3)

        let requests = try h.transport.requestBodies.map(Self.sent)
        try #require(requests.count == 4)
        for (earlier, later) in zip(requests, requests.dropFirst()) {
            // The previous request, then its answer, then what is new: never an edit before that.
            #expect(Array(later.prefix(earlier.count)) == earlier, "request \(requests.firstIndex(of: later)!) rewrote what an earlier one sent")
        }
        let contents = messages(h.transport.requestBodies[3]).map { $0["content"] as? String ?? "" }
        let system = contents[0]
        #expect(system.contains("<name>\npostgres-backup\n</name>") && !system.contains("docker-cleanup") && !system.contains("kafka-reset"))
        let users = messages(h.transport.requestBodies[3]).filter { $0["role"] as? String == "user" }.map { $0["content"] as? String ?? "" }
        try #require(users.count == 3)
        #expect(users[0] == "back up the postgres database", "the first turn's skills are in the system prompt")
        #expect(users[1].hasPrefix("clean the docker images\n\n<system-reminder>\nSkills that may fit this request"), "\(users[1])")
        #expect(users[1].contains("<name>\ndocker-cleanup\n</name>") && !users[1].contains("postgres-backup"))
        #expect(users[2].contains("<name>\nkafka-reset\n</name>"), "a skill created since the session began is offered")
        #expect(users[2].contains("- git: retrying in 4 s") && users[2].contains("Reminder: if the recent turns taught you"))
        #expect(users[2].hasSuffix("\n</system-reminder>"))
        // The store keeps the user's words only.
        let stored = try h.store.messages(sessionID: h.agent.sessionID).filter { $0.message.role == .user }.map(\.message.content)
        #expect(stored == ["back up the postgres database", "clean the docker images", "reset the kafka consumer group"])
    }
}
