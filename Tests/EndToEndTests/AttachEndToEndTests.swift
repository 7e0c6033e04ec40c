import AgentProtocol
import Foundation
import TestSupport
import Testing

/// `talaria attach` in tmux against a running `talaria serve`: two terminals on one session,
/// an approval answered from either, the terminal closed mid-turn, and an attach afterwards.
@Suite("talaria attach in tmux", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct AttachEndToEndTests {
    func attach(_ home: TalariaHome, _ server: ServeProcess, _ session: String) -> Tmux {
        Tmux(command: "unset NO_COLOR; cd \(home.work) && TALARIA_HOME=\(home.home) \(TalariaHome.binary) attach \(session) --url \(server.base)",
             cols: 100, rows: 30)
    }

    @Test("two terminals on one session see the same turn; either answers the approval; closing one leaves the turn running; attaching again shows it all")
    func twoTerminals() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: #"[{"tool": "terminal", "args": {"command": "git reset --hard 2>/dev/null; sleep 2; echo second-part-done"}}, {"final": "finished the long task"}]"#)
        let server = try await ServeProcess(home: home, args: ["--base-url", fake.baseURL, "--model", "fake-model"])
        defer { server.process.terminate() }
        let id = try await server.newSession()
        let a = attach(home, server, id)
        let b = attach(home, server, id)
        #expect(await a.waitFor("attached to") != nil, "\(a.screen())")
        #expect(await b.waitFor("attached to") != nil, "\(b.screen())")
        a.keys("-l", "do the long task")
        a.keys("Enter")
        // Both are asked; the second answers.
        #expect(await a.waitFor("wants to run", "[y] once") != nil, "A was not asked: \(a.screen())")
        #expect(await b.waitFor("wants to run", "do the long task") != nil, "B was not asked or does not show the prompt: \(b.screen())")
        b.keys("y")
        #expect(await a.waitWhile("[y] once"), "A still asks after B answered: \(a.screen())")
        // A closes its terminal while the command runs; the turn goes on on the server.
        Tmux.run(["kill-session", "-t", a.name], capture: false)
        #expect(await b.waitFor("finished the long task", "second-part-done", timeout: 30) != nil, "B missed the end: \(b.screen())")
        // Attaching again: the transcript, with the prompt, the command's output and the answer.
        let c = attach(home, server, id)
        #expect(await c.waitFor("do the long task", "second-part-done", "finished the long task") != nil, "\(c.screen())")
        c.keys("C-c")
        #expect(await c.waitFor("EXITED-0") != nil, "attach did not exit cleanly: \(c.screen())")
        // The server still holds the session.
        let shown = server.object(try await server.call("GET", "/sessions/\(id)"))
        #expect(shown["open"] as? Bool == true)
    }
}

extension Tmux {
    /// Waits until the screen no longer shows `text`; false if it still does after `timeout`.
    func waitWhile(_ text: String, timeout: Double = 10) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !screen().contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
