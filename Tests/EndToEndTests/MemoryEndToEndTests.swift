import Foundation
import TestSupport
import Testing

@Suite("Memory end to end", .serialized)
struct MemoryEndToEndTests {
    let server: FakeLLMServer
    init() async throws { server = try await FakeLLMServer(nCtx: 8192) }

    @Test("the agent saves a preference in one run; the next run's prompt holds it; memory list/search/export/import/remove work from a shell")
    func acrossRuns() async throws {
        let home = TalariaHome()
        let save = try await home.run(["-p", "remember rounds=1 tool=memory args={\"action\":\"add\",\"target\":\"user\",\"content\":\"prefers%20tabs\"}",
                                       "--base-url", server.baseURL, "--model", "fake-model"])
        #expect(save.status == 0, "\(save.stderr)")
        let list = try await home.run(["memory", "list"])
        #expect(list.stdout.contains("\tuser\tactive\t") && list.stdout.contains("prefers tabs"), "\(list.stdout)")
        #expect(list.stderr.contains("user: 12/1375 characters in the prompt"))
        // The next session's system prompt carries it (the fake server echoes what it saw with echo=system).
        let next = try await home.run(["-p", "what do you know echo=system", "--base-url", server.baseURL, "--model", "fake-model"])
        #expect(next.stdout.contains("About the user [12/1375 chars]:") && next.stdout.contains("§ prefers tabs"), "\(next.stdout)")

        let add = try await home.run(["memory", "add", "notes", "the", "repo", "uses", "pnpm"])
        #expect(add.status == 0 && add.stdout.contains("saved to notes"))
        let secret = try await home.run(["memory", "add", "notes", "token", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"])
        #expect(secret.status == 1 && secret.stderr.contains("looks like a secret"))
        let id = String(add.stdout.prefix { $0 != "\t" })
        #expect(try await home.run(["memory", "remove", id]).status == 0)
        let found = try await home.run(["memory", "search", "pnpm"])
        #expect(found.stdout.contains("\tnotes\tremoved\t"), "removed entries stay searchable: \(found.stdout)")
        let out = home.dir.path + "/export"
        #expect(try await home.run(["memory", "export", out]).status == 0)
        let md = try String(contentsOfFile: out + "/user.md", encoding: .utf8)
        #expect(md.contains("- prefers tabs  <!-- id "))

        let other = TalariaHome()
        let imported = try await other.run(["memory", "import", out + "/user.md", "--target", "user"])
        #expect(imported.stdout.hasSuffix(": 1 added, 0 archived (over the prompt limit, still searchable), 0 already known, 0 refused\n"), "\(imported.stdout)")
        #expect(try await other.run(["memory", "list", "--target", "user"]).stdout.contains("prefers tabs"))
    }

    @Test("talaria import hermes brings memories, skills and config keys over and says what it skipped")
    func hermes() async throws {
        let home = TalariaHome()
        let hermes = home.dir.path + "/hermes"
        let fm = FileManager.default
        try fm.createDirectory(atPath: hermes + "/memories", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: hermes + "/skills/devops/deploy-app", withIntermediateDirectories: true)
        try "User runs Arch Linux\n§\nThe staging host is stage-1\n§\nOPENAI key sk-proj-abcdefghijklmnopqrstuvwxyz123".write(toFile: hermes + "/memories/MEMORY.md", atomically: true, encoding: .utf8)
        try "Prefers British spelling".write(toFile: hermes + "/memories/USER.md", atomically: true, encoding: .utf8)
        try "---\nname: deploy-app\ndescription: Deploy the app to staging.\n---\n1. make deploy\n".write(toFile: hermes + "/skills/devops/deploy-app/SKILL.md", atomically: true, encoding: .utf8)
        try """
            model:
              default: anthropic/claude-sonnet-4
              provider: openrouter
              base_url: https://openrouter.ai/api/v1
            terminal:
              backend: docker
            memory:
              memory_char_limit: 3000
              user_char_limit: 1500
            display:
              compact: true
            """.write(toFile: hermes + "/config.yaml", atomically: true, encoding: .utf8)
        let r = try await home.run(["import", "hermes", hermes])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("memories/MEMORY.md → notes: 2 added, 0 archived (over the prompt limit, still searchable), 0 already known, 1 refused"), "\(r.stdout)")
        #expect(r.stdout.contains("memories/USER.md → user: 1 added"))
        #expect(r.stdout.contains("skills → \(home.home)/skills: 1 copied: deploy-app"))
        #expect(r.stdout.contains("config: model: anthropic/claude-sonnet-4 (from model.default)"))
        #expect(r.stdout.contains("config: no equivalent for display"))
        let config = try String(contentsOfFile: home.home + "/config.yaml", encoding: .utf8)
        #expect(config.contains("model: anthropic/claude-sonnet-4") && config.contains("base_url: https://openrouter.ai/api/v1")
                && config.contains("backend: docker") && config.contains("memory:\n  notes_limit: 3000\n  user_limit: 1500"), "\(config)")
        #expect(fm.fileExists(atPath: home.home + "/skills/deploy-app/SKILL.md"))
        // A second import finds everything already there.
        let again = try await home.run(["import", "hermes", hermes])
        #expect(again.stdout.contains("0 added, 0 archived (over the prompt limit, still searchable), 2 already known"))
        #expect(again.stdout.contains("skipped: deploy-app (exists)") && again.stdout.contains("kept your model"))
        let missing = try await home.run(["import", "hermes", home.dir.path + "/nowhere"])
        #expect(missing.status == 2 && missing.stderr.contains("no Hermes home at"))
    }
}
