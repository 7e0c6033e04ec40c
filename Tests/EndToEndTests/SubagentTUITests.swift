import Foundation
import TestSupport
import Testing

/// Subagents and background tasks in the real interface (tmux), against the scripted server
/// playing the parent, its children and a background session.
@Suite("talaria tui with subagents", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct SubagentTUITests {
    @Test("a delegate_task card nests its children as they run and end; /background runs a prompt on its own and says when it ends")
    func cardsAndBackground() async throws {
        let home = TalariaHome()
        let script = """
            {"CHILD-A": [{"tool": "terminal", "args": {"command": "sleep 1; echo a"}}, {"final": "A is done"}],
             "CHILD-B": [{"tool": "terminal", "args": {"command": "sleep 1; echo b"}}, {"final": "B is done"}],
             "BGTASK": [{"tool": "terminal", "args": {"command": "sleep 1; echo bg"}}, {"final": "the background answer"}],
             "PARENT": [{"tool": "delegate_task", "args": {"tasks": [{"goal": "CHILD-A check the docs"}, {"goal": "CHILD-B check the tests"}]}}, {"final": "both helpers reported back"}]}
            """
        let fake = try await BenchFakeLLM(script: script)
        let t = Tmux(command: "cd \(home.work) && TALARIA_HOME=\(home.home) TALARIA_LOCAL_PORTS=9 \(TalariaHome.binary) --base-url \(fake.baseURL) --model fake-model",
                     cols: 120, rows: 40)
        #expect(await t.waitFor("Ask anything") != nil, "\(t.screen())")
        t.keys("-l", "PARENT: split the checks")
        t.keys("Enter")
        #expect(await t.waitFor("delegate_task 2 tasks for subagents", "[1] CHILD-A check the docs", "[2] CHILD-B check the tests") != nil, "\(t.screen())")
        #expect(await t.waitFor("✓ [1] CHILD-A check the docs · done", "✓ [2] CHILD-B check the tests · done", "both helpers reported back", timeout: 30) != nil,
                "\(t.screen())")
        t.keys("-l", "/background BGTASK tidy the changelog")
        t.keys("Enter")
        #expect(await t.waitFor("in the background: BGTASK tidy the changelog") != nil, "\(t.screen())")
        // The user keeps typing while it runs; its end is announced without touching the draft.
        t.keys("-l", "a draft I am still typing")
        #expect(await t.waitFor("background task 1 done", "the background answer", timeout: 30) != nil, "\(t.screen())")
        #expect(await t.waitFor("› a draft I am still typing") != nil || t.screen().contains("a draft I am still typing"), "the draft was lost: \(t.screen())")
        t.keys("C-u")
        t.keys("-l", "/agents")
        t.keys("Enter")
        #expect(await t.waitFor("1. done", "subagent: CHILD-A", "3. done", "background: BGTASK") != nil, "\(t.screen())")
        // The session browser nests the children under their parent, titled by their goals.
        t.keys("C-r")
        #expect(await t.waitFor("PARENT: split the checks", "↳ CHILD-A check the docs", "↳ CHILD-B check the tests") != nil, "\(t.screen())")
        t.keys("Escape")
        #expect(await t.waitWhile("↳ CHILD-A"), "the browser did not close: \(t.screen())")
        t.keys("C-c")
        #expect(await t.waitFor("EXITED-0") != nil)
    }

    @Test("/agents open N on a running subagent shows it live, to its end")
    func watchLive() async throws {
        let home = TalariaHome()
        let script = """
            {"CHILD-S": [{"tool": "terminal", "args": {"command": "sleep 2; echo slow-child-output"}}, {"final": "child finished slowly"}],
             "PARENT": [{"tool": "delegate_task", "args": {"tasks": [{"goal": "CHILD-S take your time"}]}}, {"final": "parent done"}]}
            """
        let fake = try await BenchFakeLLM(script: script)
        let t = Tmux(command: "cd \(home.work) && TALARIA_HOME=\(home.home) TALARIA_LOCAL_PORTS=9 \(TalariaHome.binary) --base-url \(fake.baseURL) --model fake-model",
                     cols: 120, rows: 40)
        #expect(await t.waitFor("Ask anything") != nil, "\(t.screen())")
        t.keys("-l", "PARENT: delegate it")
        t.keys("Enter")
        #expect(await t.waitFor("◌ [1] CHILD-S take your time ·", "● terminal sleep 2; echo slow-child-output") != nil, "\(t.screen())")
        t.keys("-l", "/agents open 1")
        t.keys("Enter")
        #expect(await t.waitFor("Goal: CHILD-S take your time", "slow-child-output", "child finished slowly", timeout: 20) != nil, "\(t.screen())")
        t.keys("Escape")
        #expect(await t.waitFor("parent done", "✓ [1] CHILD-S take your time · done", timeout: 20) != nil, "\(t.screen())")
    }

    @Test("Alt-↑ picks a running child on its card, Esc cancels it alone: its sibling finishes and the parent answers")
    func cancelOne() async throws {
        let home = TalariaHome()
        let script = """
            {"CHILD-QUICK": [{"tool": "terminal", "args": {"command": "sleep 2; echo quick"}}, {"final": "quick child done"}],
             "CHILD-SLOW": [{"tool": "terminal", "args": {"command": "sleep 60; echo never"}}, {"final": "slow child done"}],
             "PARENT": [{"tool": "delegate_task", "args": {"tasks": [{"goal": "CHILD-QUICK answer fast"}, {"goal": "CHILD-SLOW take a minute"}]}}, {"final": "parent heard back"}]}
            """
        let fake = try await BenchFakeLLM(script: script)
        let t = Tmux(command: "cd \(home.work) && TALARIA_HOME=\(home.home) TALARIA_LOCAL_PORTS=9 \(TalariaHome.binary) --base-url \(fake.baseURL) --model fake-model",
                     cols: 120, rows: 40)
        #expect(await t.waitFor("Ask anything") != nil, "\(t.screen())")
        t.keys("-l", "PARENT: two helpers")
        t.keys("Enter")
        #expect(await t.waitFor("◌ [2] CHILD-SLOW take a minute ·", "● terminal sleep 60") != nil, "\(t.screen())")
        t.keys("M-Up")
        #expect(await t.waitFor("▶ ◌ [2] CHILD-SLOW take a minute") != nil, "the child was not selected: \(t.screen())")
        t.keys("Escape")
        #expect(await t.waitFor("cancelling subagent 2") != nil, "\(t.screen())")
        #expect(await t.waitFor("[2] CHILD-SLOW take a minute · cancelled", "✓ [1] CHILD-QUICK answer fast · done", "parent heard back", timeout: 30) != nil,
                "\(t.screen())")
        #expect(!t.screen().contains("interrupted"), "the parent's turn was interrupted: \(t.screen())")
    }
}
