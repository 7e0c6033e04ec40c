import Foundation
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
