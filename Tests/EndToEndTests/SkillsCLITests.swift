import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

@Suite("talaria skills validate")
struct SkillsCLITests {
    @Test("valid and invalid folders: reference messages with file and line, exit 1 on any invalid")
    func validate() async throws {
        let home = TalariaHome()
        let root = home.work + "/skills"
        for (dir, text) in [("good-skill", "---\nname: good-skill\ndescription: Does good things.\n---\n# Good\n"),
                            ("bad", "---\nname: bad\ndescription: d\nversion: 2\n---\n")] {
            try FileManager.default.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
            try text.write(toFile: root + "/" + dir + "/SKILL.md", atomically: true, encoding: .utf8)
        }
        let good = try await home.run(["skills", "validate", root + "/good-skill"])
        #expect(good.status == 0 && good.stdout.contains("Valid skill: \(root)/good-skill"))
        let all = try await home.run(["skills", "validate", root])
        #expect(all.status == 1)
        #expect(all.stderr.contains("Validation failed for \(root)/bad:"))
        #expect(all.stderr.contains("  - SKILL.md:4: Unexpected fields in frontmatter: version."), "\(all.stderr)")
        #expect(all.stdout.contains("Valid skill: \(root)/good-skill"))
    }
}

@Suite("skills reach the model")
struct SkillsPromptTests {
    @Test("a project skill is in the system prompt's <available_skills>, with skills_list and skill_view offered")
    func catalogInPrompt() async throws {
        let server = try FakeLLMServer()
        let home = TalariaHome()
        let dir = home.work + "/.agents/skills/release-notes"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "---\nname: release-notes\ndescription: Write release notes from the git log.\n---\n# Steps\n"
            .write(toFile: dir + "/SKILL.md", atomically: true, encoding: .utf8)
        let r = try await home.run(["-p", "write the release notes", "--base-url", server.baseURL])
        #expect(r.status == 0, "\(r.stderr)")
        let data = try Data(contentsOf: URL(string: "http://127.0.0.1:\(server.port)/requests")!)
        let bodies = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let first = try #require(bodies.first)
        let messages = first["messages"] as? [[String: Any]] ?? []
        let system = messages.first { $0["role"] as? String == "system" }?["content"] as? String ?? ""
        #expect(system.contains("<available_skills>\n<skill>\n<name>\nrelease-notes\n</name>"), "\(system)")
        #expect(system.contains("/.agents/skills/release-notes/SKILL.md"))
        let tools = (first["tools"] as? [[String: Any]] ?? []).compactMap { ($0["function"] as? [String: Any])?["name"] as? String }
        #expect(tools.contains("skills_list") && tools.contains("skill_view"))
    }
}
