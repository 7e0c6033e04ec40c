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
        let server = try await FakeLLMServer()
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

@Suite("talaria skills curate and restore")
struct SkillsCurateTests {
    func write(_ dir: String, _ name: String, _ description: String, body: String = "# Steps\n1. step\n", extra: String = "", age days: Double = 0) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/SKILL.md"
        try "---\nname: \(name)\ndescription: \(description)\n\(extra)---\n\(body)".write(toFile: file, atomically: true, encoding: .utf8)
        let date = Date().addingTimeInterval(-days * 86_400)
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: file)
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: dir)
    }

    @Test("the dry run reports stale, duplicate and invalid skills; --apply archives only the user's own; restore undoes")
    func curate() async throws {
        let home = TalariaHome()
        let user = home.home + "/skills"
        let body = "# Steps\n1. Open the CSV file with pandas\n2. Group the rows by month\n3. Write a Markdown table of totals\n"
        try write(user + "/old-thing", "old-thing", "Something from long ago.", age: 200)
        try write(user + "/csv-monthly-report", "csv-monthly-report", "Summarise a CSV file into a monthly Markdown report.", body: body)
        try write(user + "/csv-report-monthly", "csv-report-monthly", "Summarise a CSV file into a monthly report in Markdown.", body: body)
        try write(user + "/messy", "messy", "Has an extra key.", extra: "version: 2\n")
        try write(home.work + "/.agents/skills/project-old", "project-old", "A project's own, old skill.", age: 400)
        let dry = try await home.run(["skills", "curate", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let lines = dry.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("would archive\tstale\told-thing\tnever used in 200 days") }, "\(dry.stdout)")
        #expect(lines.contains { $0.hasPrefix("report\tstale\tproject-old") })
        #expect(lines.contains { $0.hasPrefix("would archive\tduplicate\t") && $0.contains("near-duplicate of csv-") })
        #expect(lines.contains { $0.hasPrefix("report\tinvalid\tmessy\tUnexpected fields in frontmatter: version") })
        #expect(FileManager.default.fileExists(atPath: user + "/old-thing"), "a dry run changes nothing")
        let applied = try await home.run(["skills", "curate", "--apply"])
        #expect(applied.stdout.contains("archived\tstale\told-thing"))
        #expect(!FileManager.default.fileExists(atPath: user + "/old-thing"))
        #expect(FileManager.default.fileExists(atPath: home.work + "/.agents/skills/project-old"), "a project's skill is never archived")
        let archived = try FileManager.default.contentsOfDirectory(atPath: user + "/.archive")
        #expect(archived.contains { $0.hasPrefix("old-thing-") })
        let restored = try await home.run(["skills", "restore", "old-thing"])
        #expect(restored.status == 0 && FileManager.default.fileExists(atPath: user + "/old-thing/SKILL.md"))
        let list = try await home.run(["skills", "list"])
        #expect(list.stdout.contains("old-thing\tuser\tvalid\tsafe\t0×"))
    }
}

@Suite("the learning loop")
struct LearningLoopTests {
    func config(_ home: TalariaHome, autoAccept: Bool) throws {
        try FileManager.default.createDirectory(atPath: home.home, withIntermediateDirectories: true)
        try "skills:\n  review_after: 2\n  auto_accept: \(autoAccept)\n".write(toFile: home.home + "/config.yaml", atomically: true, encoding: .utf8)
    }

    @Test("after a long task the review creates a skill (auto-accept), and the next session offers it to the model")
    func learnsAndReuses() async throws {
        let server = try await FakeLLMServer()
        let home = TalariaHome()
        try config(home, autoAccept: true)
        let first = try await home.run(["-p", "count the files rounds=2 review=create", "--base-url", server.baseURL])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("created skill count-files"), "\(first.stderr)")
        let text = try String(contentsOfFile: home.home + "/skills/count-files/SKILL.md", encoding: .utf8)
        #expect(text.contains("created-by: \"talaria\"") && text.contains("source-session:"))
        #expect(text.contains("1. Run `ls -1 | wc -l` in the directory."))
        let second = try await home.run(["-p", "how many files are there", "--base-url", server.baseURL])
        #expect(second.status == 0)
        let data = try Data(contentsOf: URL(string: "http://127.0.0.1:\(server.port)/requests")!)
        let bodies = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let last = try #require(bodies.last { (($0["messages"] as? [[String: Any]])?.first?["content"] as? String)?.contains("You review") != true })
        let system = ((last["messages"] as? [[String: Any]])?.first?["content"] as? String) ?? ""
        #expect(system.contains("<name>\ncount-files\n</name>"), "the next session's prompt lists the learned skill")
        let list = try await home.run(["skills", "list"])
        #expect(list.stdout.contains("count-files\tuser\tvalid\tsafe"))
    }

    @Test("without auto-accept nothing is written; a short task is not reviewed; an invalid proposal is refused with the reason")
    func reviewable() async throws {
        let server = try await FakeLLMServer()
        let home = TalariaHome()
        try config(home, autoAccept: false)
        let pending = try await home.run(["-p", "count the files rounds=2 review=create", "--base-url", server.baseURL])
        #expect(pending.stderr.contains("skill proposal (create count-files)") && pending.stderr.contains("not applied"), "\(pending.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home.home + "/skills/count-files"))
        let short = try await home.run(["-p", "quick rounds=1 review=create", "--base-url", server.baseURL])
        #expect(!short.stderr.contains("skill proposal"), "one iteration is below review_after")
        let invalid = try await home.run(["-p", "count rounds=2 review=invalid", "--base-url", server.baseURL])
        #expect(invalid.stderr.contains("the proposed skill is invalid") && invalid.stderr.contains("nothing was written"), "\(invalid.stderr)")
    }
}

@Suite("one home")
struct HomeTests {
    @Test("$HOME decides where ~ is: skills in $HOME/.agents/skills and ~/.claude/skills are found, and ~ in a path is $HOME, when $HOME is not the password database's home")
    func home() async throws {
        let home = TalariaHome()
        let fakeHome = home.dir.path + "/elsewhere"
        for (root, name) in [(".agents/skills", "from-agents"), (".claude/skills", "from-claude")] {
            let dir = fakeHome + "/" + root + "/" + name
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try "---\nname: \(name)\ndescription: Found under HOME.\n---\n".write(toFile: dir + "/SKILL.md", atomically: true, encoding: .utf8)
        }
        let r = try await home.run(["skills", "list"], extraEnv: ["HOME": fakeHome])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("from-agents") && r.stdout.contains("from-claude"), "\(r.stdout)")
        // `~` in an argument: validate a skill by its ~ path.
        let v = try await home.run(["skills", "validate", "~/.agents/skills/from-agents"], extraEnv: ["HOME": fakeHome])
        #expect(v.status == 0 && v.stdout.contains("Valid skill: \(fakeHome)/.agents/skills/from-agents"), "\(v.stdout) \(v.stderr)")
    }
}
