import Foundation
import TestSupport
import Testing

/// `/goal` in the real interface: turns until a command exits 0, shown on the status line.
@Suite("Goals end to end", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct GoalEndToEndTests {
    @Test("/goal --check runs a turn, hears why it is not met, runs another, and ends when the command exits 0")
    func goalUntilCheckPasses() async throws {
        let home = TalariaHome()
        // The second turn is told the goal is not met yet; only that turn creates the file.
        let script = """
            {"not met yet": [{"tool": "write_file", "args": {"path": "done.txt", "content": "done"}}, {"final": "made it"}],
             "GOALWORD": [{"tool": "terminal", "args": {"command": "sleep 5; echo thinking"}}, {"final": "first try"}]}
            """
        let fake = try await BenchFakeLLM(script: script)
        let t = Tmux(command: "cd \(home.work) && TALARIA_HOME=\(home.home) TALARIA_LOCAL_PORTS=9 \(TalariaHome.binary) --base-url \(fake.baseURL) --model fake-model --yes",
                     cols: 120, rows: 40)
        #expect(await t.waitFor("Ask anything") != nil, "\(t.screen())")
        t.keys("-l", #"/goal --check "test -f done.txt" --turns 5 GOALWORD make done.txt"#)
        t.keys("Enter")
        #expect(await t.waitFor("goal 1/5") != nil, "the status line does not show the goal: \(t.screen())")
        #expect(await t.waitFor("goal: not met yet: `test -f done.txt` exited 1", timeout: 30) != nil, "\(t.screen())")
        #expect(await t.waitFor("goal met: `test -f done.txt` exited 0 (turn 2/5", timeout: 20) != nil, "\(t.screen())")
        #expect(FileManager.default.fileExists(atPath: home.work + "/done.txt"))
        #expect(!t.screen().contains("goal 2/5 ·"), "the status line still shows a met goal: \(t.screen())")
    }
}
