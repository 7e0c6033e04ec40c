import AgentCore
import AgentProtocol
import Testing

@Suite("Skill review answers")
struct SkillReviewTests {
    @Test("a proposal that copies the answer template is no proposal, not a message", arguments: [
        ##"{"action":"create","name":"lowercase-hyphenated-name","description":"what it does and when to use it","body":"# Title\n\n1. step\n2. step","reason":"why"}"##,
        ##"{"action":"patch","name":"existing-skill","old":"exact text in its SKILL.md","new":"replacement","reason":"why"}"##,
        ##"{"action":"create","name":"count-files","description":"what it does and when to use it","body":"# Count\n\n1. ls","reason":"r"}"##,
    ])
    func placeholder(answer: String) throws {
        #expect(try SkillReviewPrompt.parse(answer, id: "p1", library: nil) == nil)
    }

    @Test("a real proposal is parsed and validated")
    func real() throws {
        let answer = ##"{"action":"create","name":"count-files","description":"Count files in a folder with ls and wc.","body":"# Count files\n\n1. Run `ls | wc -l`.","reason":"recurs"}"##
        let p = try #require(try SkillReviewPrompt.parse(answer, id: "p1", library: nil))
        #expect(p.name == "count-files" && p.action == .create)
        #expect(p.content.hasPrefix("---\nname: count-files\n"))
    }
}
