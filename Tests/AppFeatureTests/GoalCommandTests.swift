import AgentProtocol
@testable import AppFeature
import Testing
import TUIKit

@Suite("/goal in the interface")
struct GoalCommandTests {
    @Test("options, then the text; --check takes a quoted command; bad options say what is known")
    func parse() throws {
        let g = try parseGoal(#"--check "swift test --filter Lexer" --turns 5 --minutes=20 the lexer tests pass"#).get()
        #expect(g == Goal(text: "the lexer tests pass", check: "swift test --filter Lexer", maxTurns: 5, maxMinutes: 20))
        #expect(try parseGoal("ship it").get() == Goal(text: "ship it"))
        guard case .failure(let e) = parseGoal("--budget 3 ship it") else { Issue.record("accepted"); return }
        #expect(e.description == "/goal knows --check, --turns, --tokens and --minutes, not --budget")
        guard case .failure = parseGoal("--turns 0 x"), case .failure = parseGoal("--check"), case .failure = parseGoal("--turns 3") else {
            Issue.record("accepted a bad goal"); return
        }
    }

    @Test("/goal sends it; the status line counts its turns and time; each verdict is a notice; Esc stops it between turns; /goal stop")
    func lifecycle() {
        var s = state([])
        let goal = Goal(text: "the tests pass", check: "make test", maxTurns: 4)
        #expect(runSlash(#"/goal --check "make test" --turns 4 the tests pass"#, &s) == [.submit(.setGoal(goal))])
        func event(_ state: GoalUpdate.State, turns: Int, _ message: String) -> AppAction {
            .agent(EventEnvelope(submissionID: 1, seq: 1, event: .goal(GoalUpdate(goal: goal, state: state, turns: turns, tokens: 900, elapsedMs: 75_000, message: message))))
        }
        _ = reduce(into: &s, event(.working, turns: 1, "not met yet: `make test` exited 2: 3 failures — turn 2 of 4 next"))
        let text = screen(s, (100, 24)).lines().joined(separator: "\n")
        #expect(text.contains("goal: not met yet: `make test` exited 2: 3 failures — turn 2 of 4 next"), "\(text)")
        #expect(text.contains("goal 1/4 · 1m15s"), "\(text)")
        #expect(perform(.interrupt, &s) == [.submit(.interrupt)], "Esc between a goal's turns did not stop it")
        #expect(runSlash("/goal stop", &s) == [.submit(.clearGoal)])
        _ = reduce(into: &s, event(.met, turns: 2, "`make test` exited 0"))
        guard case .notice(let n) = s.entries.last?.item else { Issue.record("no notice"); return }
        #expect(n.text == "goal met: `make test` exited 0 (turn 2/4 · 1m15s)")
        #expect(!s.isInterrupting)
        #expect(!screen(s, (100, 24)).lines().joined(separator: "\n").contains("goal 2/4"), "a met goal stayed on the status line")
        #expect(runSlash("/goal stop", &s).isEmpty)
    }
}
