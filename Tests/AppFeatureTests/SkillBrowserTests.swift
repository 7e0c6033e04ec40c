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
        guard case .io(.loadSkills(let seq))? = key("alt-s", &s).first else { Issue.record("Alt-S does not load skills"); return (s, 0) }
        return (s, seq)
    }

    @Test("Alt-S and /skills open it and load the skills; the selection loads its text; stale answers are dropped")
    func open() {
        var (s, seq) = opened()
        #expect(reduce(into: &s, .skillsLoaded(seq: seq - 1, rows: [], warnings: [])) == [])
        let fx = reduce(into: &s, .skillsLoaded(seq: seq, rows: skillRows, warnings: ["skill \"x\" is hidden"]))
        guard case .io(.loadSkillText(let path, let tseq))? = fx.first else { Issue.record("no text request"); return }
        #expect(path == skillRows[0].file)
        _ = reduce(into: &s, .skillTextLoaded(seq: tseq, text: skillText))
        guard case .skills(let b)? = s.overlay else { return }
        #expect(b.text == skillText && b.warnings.count == 1)
        var t = AppState()
        t.input = InputBuffer(text: "/skills")
        guard case .io(.loadSkills)? = key("enter", &t).first else { Issue.record("/skills does not open"); return }
    }

    @Test("typing filters; arrows select; Ctrl-E edits; Alt-N names and creates; Alt-D disables; Alt-A archives; another agent's skill is read-only")
    func keys() {
        var (s, seq) = opened()
        _ = reduce(into: &s, .skillsLoaded(seq: seq, rows: skillRows, warnings: []))
        type("pdf", into: &s)
        guard case .skills(let b)? = s.overlay else { return }
        #expect(b.visible.map(\.name) == ["pdf-tools"])
        #expect(key("ctrl-e", &s) == [.editFile(skillRows[1].file)])
        #expect(key("alt-d", &s) == [.io(.setSkillDisabled(name: "pdf-tools", disabled: true))])
        #expect(key("alt-a", &s) == [.io(.archiveSkill(directory: skillRows[1].directory))])
        for _ in 0..<3 { key("backspace", &s) }
        key("down", &s)
        key("down", &s)
        #expect(key("ctrl-e", &s) == [] && s.toasts.last?.text.contains("read-only") == true)
        key("alt-n", &s)
        type("my-new-skill", into: &s)
        #expect(key("enter", &s) == [.io(.createSkill(name: "my-new-skill"))])
        guard case .io(.loadSkills)? = reduce(into: &s, .fileEdited("/x")).first else { Issue.record("no reload after an edit"); return }
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

@Suite("Skill proposals in the transcript")
struct ProposalReducerTests {
    let proposal = SkillProposal(id: "p1", action: .create, name: "count-files",
                                 content: "---\nname: count-files\ndescription: Count files.\n---\n\n1. ls | wc -l\n",
                                 diff: ["+ ---", "+ name: count-files", "+ description: Count files.", "+ ---", "+ ", "+ 1. ls | wc -l"],
                                 reason: "a task that will recur")

    @Test("a proposal becomes a card; Alt-Y accepts, Alt-X rejects, Alt-E edits then accepts, Alt-U undoes an applied one")
    func keys() {
        var s = AppState()
        _ = reduce(into: &s, env(.skillProposal(proposal)))
        guard case .proposal(let card)? = s.entries.last?.item else { Issue.record("no card"); return }
        #expect(card.status == .pending)
        #expect(key("alt-y", &s) == [.submit(.decideSkillProposal(id: "p1", accept: true, content: nil))])
        #expect(key("alt-x", &s) == [.submit(.decideSkillProposal(id: "p1", accept: false, content: nil))])
        #expect(key("alt-e", &s) == [.openEditor(proposal.content)])
        #expect(reduce(into: &s, .editorFinished("edited")) == [.submit(.decideSkillProposal(id: "p1", accept: true, content: "edited"))])
        #expect(s.input.text.isEmpty, "the edited proposal does not land in the prompt")
        _ = reduce(into: &s, env(.skillChange(SkillChange(proposalID: "p1", name: "count-files", outcome: .applied, message: "created skill count-files"))))
        guard case .proposal(let applied)? = s.entries.last?.item else { return }
        #expect(applied.status == .applied)
        #expect(key("alt-y", &s) == [] && s.toasts.last?.text == "no skill proposal is waiting")
        #expect(key("alt-u", &s) == [.submit(.undoSkillChange(id: "p1"))])
    }

    @Test("the proposal card", arguments: sizes)
    func snapshot(size: (Int, Int)) {
        var s = state([.user("count the files here"), .proposal(ProposalItem(proposal: proposal))])
        s.isBusy = false
        assertSnapshot(screen(s, size), named: "proposal")
    }
}
