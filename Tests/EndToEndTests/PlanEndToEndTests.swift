import Foundation
import TestSupport
import Testing

/// The plan from the outside: an event in `-p --json`, a live pane in the TUI.
@Suite("The plan end to end", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct PlanEndToEndTests {
    static let script = """
        [{"tool": "todo", "args": {"todos": [{"content": "look at the files", "status": "in_progress"}, {"content": "write the summary", "status": "pending"}]}},
         {"tool": "terminal", "args": {"command": "sleep 2; echo looked"}},
         {"tool": "todo", "args": {"merge": true, "todos": [{"content": "look at the files", "status": "done"}, {"content": "write the summary", "status": "in_progress"}]}},
         {"final": "summary written"}]
        """

    @Test("-p --json reports the plan as an event after each change")
    func json() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: Self.script)
        let r = try await home.run(["-p", "plan it", "--base-url", fake.baseURL, "--model", "fake-model", "--json", "--yes"])
        #expect(r.status == 0, "\(r.stderr)")
        let plans = r.stdout.split(separator: "\n").filter { $0.contains(#""plan":{"_0":["#) }
        #expect(plans.count == 2, "\(r.stdout.suffix(2000))")
        #expect(plans.last?.contains(#"{"content":"look at the files","status":"done"}"#) == true, "\(plans)")
    }

    @Test("the pane shows the steps live while the turn runs; Alt-P folds it to the current step")
    func pane() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: Self.script)
        let t = Tmux(command: "cd \(home.work) && TALARIA_HOME=\(home.home) TALARIA_LOCAL_PORTS=9 \(TalariaHome.binary) --base-url \(fake.baseURL) --model fake-model --yes",
                     cols: 100, rows: 30)
        #expect(await t.waitFor("Ask anything") != nil, "\(t.screen())")
        t.keys("-l", "plan it")
        t.keys("Enter")
        #expect(await t.waitFor("─ plan 0/2 done", "▶ look at the files", "○ write the summary") != nil, "\(t.screen())")
        t.keys("M-p")
        #expect(await t.waitFor("─ plan 0/2 · ▶ look at the files") != nil, "\(t.screen())")
        t.keys("M-p")
        #expect(await t.waitFor("summary written", "─ plan 1/2 done", "✓ look at the files", "▶ write the summary", timeout: 20) != nil, "\(t.screen())")
    }
}
