import Foundation
import Testing
import TestSupport

/// The terminal is given back after every way the TUI can be ended from outside: SIGINT,
/// SIGTERM, SIGHUP, SIGQUIT, SIGSEGV and SIGABRT, at rest and while an answer streams — 50
/// runs in tmux. After each: the alternate screen left, the cursor shown, mouse reporting off,
/// and the tty back in cooked mode (echo, canonical input), as `stty` in the same pane reports.
@Suite("the terminal is restored after signals", .serialized)
struct TerminalRestoreTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var signal: Int32
        var name: String
        var streaming: Bool
        var testDescription: String { "\(name)\(streaming ? " while streaming" : " at rest")" }
    }

    static let signals: [(Int32, String)] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP"), (SIGQUIT, "SIGQUIT"), (SIGSEGV, "SIGSEGV"), (SIGABRT, "SIGABRT")]
    static let cases: [Case] = (0..<50).map { i in
        let (s, n) = signals[i % signals.count]
        return Case(signal: s, name: n, streaming: (i / signals.count) % 2 == 1)
    }

    @Test(arguments: cases)
    func restored(_ c: Case) async throws {
        let server = try await FakeLLMServer()
        let home = TalariaHome()
        let t = Tmux(command: "cd \(home.work) && TALARIA_HOME=\(home.home) TALARIA_LOCAL_PORTS=9 \(TalariaHome.binary) --base-url \(server.baseURL) --model fake; "
                     + "echo STATUS-$?; stty -a | tr ' ;' '\\n\\n' | grep -x -e '-echo' -e '-icanon' | tr '\\n' ' '; echo TTY-CHECKED")
        #expect(await t.waitFor("Ask anything") != nil, "\(t.screen())")
        if c.streaming {
            t.keys("tell slow=40 long=60", "Enter")
            #expect(await t.waitFor("Line 3 of") != nil, "\(t.screen())")
        }
        let pane = Tmux.run(["list-panes", "-t", t.name, "-F", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(TUITests.child(of: pane, named: "talaria"))
        kill(pid, c.signal)
        // SIGINT interrupts a streaming turn first; a second one (at rest) ends the app.
        if c.signal == SIGINT, c.streaming, await t.waitFor("TTY-CHECKED", timeout: 3) == nil { kill(pid, SIGINT) }
        let screen = await t.waitFor("TTY-CHECKED", timeout: 20)
        #expect(screen != nil, "the TUI did not end: \(t.screen())")
        let line = screen?.split(separator: "\n").first { $0.contains("TTY-CHECKED") }.map(String.init) ?? ""
        #expect(line.hasPrefix("TTY-CHECKED"), "the tty was left raw: \(line)")
        #expect(t.flag("alternate_on") == "0")
        #expect(t.flag("cursor_flag") == "1")
        #expect(t.flag("mouse_any_flag") == "0")
    }
}
