import AgentCore
import AgentProtocol
import Foundation
import TestSupport
import Testing

/// `/goal`: turns until a check holds, within a budget; Esc stops it.
@Suite("Goals")
struct GoalTests {
    /// Goal events until one that is not `working` (or the stream's end).
    static func goalEvents(_ agent: Agent) async -> (goals: [GoalUpdate], turns: Int) {
        var goals: [GoalUpdate] = [], turns = 0
        for await env in agent.events {
            if case .turnStarted = env.event { turns += 1 }
            if case .goal(let g) = env.event {
                goals.append(g)
                if g.state != .working { break }
            }
        }
        return (goals, turns)
    }

    @Test("with --check: a turn that leaves it unmet is followed by another told why; the command exiting 0 ends it as met")
    func commandCheck() async throws {
        let h = try Harness([SSE.answer("not yet"),
                             SSE.callTool("write_file", arguments: #"{"path":"done.txt","content":"x"}"#, id: "w1"), SSE.answer("made it")])
        await h.agent.submit(.setGoal(Goal(text: "create done.txt", check: "test -f done.txt")))
        let (goals, turns) = await Self.goalEvents(h.agent)
        #expect(goals.map(\.state) == [.working, .working, .met], "\(goals)")
        #expect(goals[1].message.hasPrefix("not met yet: `test -f done.txt` exited 1"), "\(goals[1].message)")
        #expect(goals.last?.message == "`test -f done.txt` exited 0" && goals.last?.turns == 2 && turns == 2)
        let second = messages(h.transport.requestBodies[1]).last?["content"] as? String ?? ""
        #expect(second.contains("The goal is not met yet: `test -f done.txt` exited 1") && second.contains("Keep working toward it: create done.txt"), "\(second)")
    }

    @Test("its budget of turns ends it as out of budget, saying why")
    func budget() async throws {
        let h = try Harness([SSE.answer("try one"), SSE.answer("try two"), SSE.answer("try three")])
        await h.agent.submit(.setGoal(Goal(text: "never", check: "false", maxTurns: 2)))
        let (goals, turns) = await Self.goalEvents(h.agent)
        #expect(goals.last?.state == .outOfBudget && turns == 2, "\(goals)")
        #expect(goals.last?.message.hasPrefix("not met after 2 turns, its budget: `false` exited 1") == true, "\(goals.last?.message ?? "")")
    }

    @Test("without --check the model judges it from the conversation")
    func modelCheck() async throws {
        let h = try Harness([SSE.answer("The README now has install steps."), SSE.answer("DONE - the README has install steps")])
        await h.agent.submit(.setGoal(Goal(text: "the README explains how to install")))
        let (goals, turns) = await Self.goalEvents(h.agent)
        #expect(goals.map(\.state) == [.working, .met] && turns == 1, "\(goals)")
        #expect(goals.last?.message == "the README has install steps")
    }

    @Test("Esc (interrupt) stops it; a goal cannot be set while a turn runs")
    func stop() async throws {
        let h = try Harness([SSE.callTool("terminal", arguments: #"{"command":"sleep 5"}"#, id: "t1"), SSE.answer("slept")])
        await h.agent.submit(.setGoal(Goal(text: "sleep a lot", check: "false")))
        var sawTool = false
        var goals: [GoalUpdate] = []
        for await env in h.agent.events {
            if case .toolCallBegan = env.event, !sawTool {
                sawTool = true
                await h.agent.submit(.setGoal(Goal(text: "another")))
                await h.agent.submit(.interrupt)
            }
            if case .warning(let w) = env.event { #expect(w.hasPrefix("a turn is running: set the goal after it ends")) }
            if case .goal(let g) = env.event { goals.append(g); if g.state != .working { break } }
        }
        #expect(goals.last?.state == .stopped && goals.last?.message == "stopped by the user", "\(goals)")
    }
}
