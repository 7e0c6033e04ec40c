import Foundation
import TestSupport
import Testing

/// Background processes from the outside: the model starts them, `/ps` shows them live, `k`
/// kills one, and quitting ends the rest (checked in /proc).
@Suite("Background processes end to end", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct ProcessEndToEndTests {
    static func alive(_ marker: String) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).contains { pid in
            guard Int(pid) != nil, let cmd = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: cmd, as: UTF8.self).contains(marker)
        }
    }

    static func eventually(_ check: () -> Bool) async -> Bool {
        for _ in 0..<100 {
            if check() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return check()
    }

    @Test("in the TUI: two processes started by the model; /ps follows one's output; k kills it; quitting kills the other")
    func tui() async throws {
        let (one, two) = ("talaria-e2e-\(UUID().uuidString.prefix(8))", "talaria-e2e-\(UUID().uuidString.prefix(8))")
        let script = """
            [{"calls": [{"tool": "process", "args": {"action": "start", "command": "echo serving-\(one); sleep 300; : \(one)"}},
                        {"tool": "process", "args": {"action": "start", "command": "sleep 300; : \(two)"}}]},
             {"final": "both started"}]
            """
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: script)
        let t = Tmux(command: "cd \(home.work) && TALARIA_HOME=\(home.home) TALARIA_LOCAL_PORTS=9 \(TalariaHome.binary) --base-url \(fake.baseURL) --model fake-model --yes",
                     cols: 100, rows: 30)
        #expect(await t.waitFor("Ask anything") != nil, "\(t.screen())")
        t.keys("-l", "start the servers")
        t.keys("Enter")
        #expect(await t.waitFor("both started", "2 procs (/ps)") != nil, "\(t.screen())")
        #expect(await Self.eventually { Self.alive(one) && Self.alive(two) })
        t.keys("-l", "/ps")
        t.keys("Enter")
        #expect(await t.waitFor("Processes · 2 running of 2", "output of 2") != nil, "\(t.screen())")
        t.keys("Up")
        #expect(await t.waitFor("output of 1", "serving-\(one)") != nil, "\(t.screen())")
        t.keys("k")
        #expect(await t.waitFor("Processes · 1 running of 2") != nil, "\(t.screen())")
        #expect(await Self.eventually { !Self.alive(one) }, "k did not kill process 1")
        #expect(Self.alive(two), "k killed the other one too")
        t.keys("Escape")
        #expect(await t.waitWhile("Processes ·"), "the pane did not close: \(t.screen())")
        t.keys("C-c")
        #expect(await t.waitFor("EXITED-0") != nil, "\(t.screen())")
        #expect(await Self.eventually { !Self.alive(two) }, "a process outlived its session")
    }
}
