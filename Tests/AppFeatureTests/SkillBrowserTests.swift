import AgentProtocol
@testable import AppFeature
import Testing
import TUIKit

let skillRows = [
    SkillRow(name: "deploy-app", description: "Deploy the app to staging, then production.", source: "project",
             directory: "/p/.agents/skills/deploy-app", file: "/p/.agents/skills/deploy-app/SKILL.md", uses: 12, lastUsed: 1_000 - 3600),
    SkillRow(name: "pdf-tools", description: "Extract text and tables from PDF files.", source: "user",
             directory: "/h/.talaria/skills/pdf-tools", file: "/h/.talaria/skills/pdf-tools/SKILL.md", uses: 3, lastUsed: 1_000 - 86_400 * 2),
    SkillRow(name: "apple-notes", description: "Read Apple Notes.", source: "external", directory: "/h/.hermes/skills/apple-notes",
             file: "/h/.hermes/skills/apple-notes/SKILL.md", problems: ["Unexpected fields in frontmatter: version. Only […] are allowed."]),
    SkillRow(name: "old-habit", description: "Something no longer used.", source: "user", directory: "/h/.talaria/skills/old-habit",
             file: "/h/.talaria/skills/old-habit/SKILL.md", disabled: true),
]

let skillText = "---\nname: deploy-app\ndescription: Deploy the app.\n---\n# Deploy\n\n1. Run `make deploy`\n2. Check **health**\n\n```sh\ncurl -f localhost/health\n```\n"

@Suite("Skill browser")
struct SkillBrowserReducerTests {
    func opened() -> (AppState, Int) {
        var s = AppState()
        guard case .loadSkills(let seq)? = key("alt-s", &s).first else { Issue.record("Alt-S does not load skills"); return (s, 0) }
        return (s, seq)
    }

    @Test("Alt-S and /skills open it and load the skills; the selection loads its text; stale answers are dropped")
    func open() {
        var (s, seq) = opened()
        #expect(reduce(into: &s, .skillsLoaded(seq: seq - 1, rows: [], warnings: [])) == [])
        let fx = reduce(into: &s, .skillsLoaded(seq: seq, rows: skillRows, warnings: ["skill \"x\" is hidden"]))
        guard case .loadSkillText(let path, let tseq)? = fx.first else { Issue.record("no text request"); return }
        #expect(path == skillRows[0].file)
        _ = reduce(into: &s, .skillTextLoaded(seq: tseq, text: skillText))
        guard case .skills(let b)? = s.overlay else { return }
        #expect(b.text == skillText && b.warnings.count == 1)
        var t = AppState()
        t.input = InputBuffer(text: "/skills")
        guard case .loadSkills? = key("enter", &t).first else { Issue.record("/skills does not open"); return }
    }

    @Test("typing filters; arrows select; Ctrl-E edits; Alt-N names and creates; Alt-D disables; Alt-A archives; another agent's skill is read-only")
    func keys() {
        var (s, seq) = opened()
        _ = reduce(into: &s, .skillsLoaded(seq: seq, rows: skillRows, warnings: []))
        type("pdf", into: &s)
        guard case .skills(let b)? = s.overlay else { return }
        #expect(b.visible.map(\.name) == ["pdf-tools"])
        #expect(key("ctrl-e", &s) == [.editFile(skillRows[1].file)])
        #expect(key("alt-d", &s) == [.setSkillDisabled(name: "pdf-tools", disabled: true)])
        #expect(key("alt-a", &s) == [.archiveSkill(directory: skillRows[1].directory)])
        for _ in 0..<3 { key("backspace", &s) }
        key("down", &s)
        key("down", &s)
        #expect(key("ctrl-e", &s) == [] && s.toasts.last?.text.contains("read-only") == true)
        key("alt-n", &s)
        type("my-new-skill", into: &s)
        #expect(key("enter", &s) == [.createSkill(name: "my-new-skill")])
        guard case .loadSkills? = reduce(into: &s, .fileEdited("/x")).first else { Issue.record("no reload after an edit"); return }
        key("esc", &s)
        #expect(s.overlay == nil)
    }
}

@Suite("Skill browser snapshots")
struct SkillBrowserSnapshotTests {
    @Test("the browser with validity, usage, a disabled skill and a rendered preview", arguments: sizes)
    func browser(size: (Int, Int)) {
        var s = state([])
        var b = SkillBrowserState()
        b.rows = skillRows
        b.text = skillText
        b.warnings = ["skill \"deploy\" in /h/.talaria/skills/deploy is hidden by the one in /p/.agents/skills/deploy"]
        s.overlay = .skills(b)
        assertSnapshot(screen(s, size), named: "skills")
    }
}
