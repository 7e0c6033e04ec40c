import Foundation
import TestSupport
import Testing

/// The bell when a long turn ends while the terminal is not focused (tmux keeps a window's bell flag).
@Suite("Notifications end to end", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct NotificationEndToEndTests {
    @Test("a long turn ending while focused rings nothing; after a focus-out report, the next one rings the bell")
    func bell() async throws {
        let home = TalariaHome()
        try "notify: bell\nnotify_after: 1\n".write(toFile: home.home + "/config.yaml", atomically: true, encoding: .utf8)
        let script = """
            {"FIRST": [{"tool": "terminal", "args": {"command": "sleep 2; echo one"}}, {"final": "first done"}],
             "SECOND": [{"tool": "terminal", "args": {"command": "sleep 4; echo two"}}, {"final": "second done"}]}
            """
        let fake = try await BenchFakeLLM(script: script)
        let t = Tmux(command: "cd \(home.work) && TALARIA_HOME=\(home.home) TALARIA_LOCAL_PORTS=9 \(TalariaHome.binary) --base-url \(fake.baseURL) --model fake-model --yes",
                     cols: 100, rows: 30)
        #expect(await t.waitFor("Ask anything") != nil, "\(t.screen())")
        t.keys("-l", "FIRST")
        t.keys("Enter")
        #expect(await t.waitFor("first done") != nil, "\(t.screen())")
        try await Task.sleep(for: .milliseconds(300))
        #expect(t.flag("window_bell_flag") == "0", "a focused terminal was rung")
        // A new conversation so the scripted server answers the second prompt afresh.
        t.keys("-l", "/new")
        t.keys("Enter")
        t.keys("-l", "SECOND")
        t.keys("Enter")
        #expect(await t.waitFor("● terminal sleep 4; echo two") != nil, "\(t.screen())")
        t.keys("-l", "\u{1B}[O") // what the terminal sends when its window loses focus
        #expect(await t.waitFor("second done") != nil, "\(t.screen())")
        var rung = false
        for _ in 0..<100 where !rung {
            rung = t.flag("window_bell_flag") == "1"
            if !rung { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(rung, "no bell after a long turn in an unfocused terminal")
    }
}
