import AgentProtocol
@testable import AppFeature
import Foundation
import Testing
import TUIKit

/// `/ps`: the session's background processes, the selected one's live output, k kills.
@Suite("The process pane")
struct ProcessPaneTests {
    static let start = Date(timeIntervalSince1970: 1_000)

    static func running() -> AppState {
        var s = state([.user("start the dev server"), .assistant(AssistantItem(id: "a1", text: "Started it."))])
        s.now = 1_065
        for u in [ProcessUpdate(id: 1, command: "npm run dev", state: .running, startedAt: start),
                  ProcessUpdate(id: 1, command: "npm run dev", state: .running, startedAt: start, output: "\u{1B}[32mready\u{1B}[0m on http://localhost:5173\r\n"),
                  ProcessUpdate(id: 2, command: "cargo watch -x test", state: .running, startedAt: start),
                  ProcessUpdate(id: 2, command: "cargo watch -x test", state: .exited, exitCode: 101, startedAt: start)] {
            _ = reduce(into: &s, .agent(EventEnvelope(submissionID: 1, seq: 1, event: .process(u))))
        }
        return s
    }

    @Test("updates fill the list and the status line; an exit is a toast; /ps opens on the newest running one; ↑↓ select; k kills; Esc closes")
    func reducer() {
        var s = Self.running()
        #expect(s.processes.map(\.state) == [.running, .exited] && s.processes[1].exitCode == 101)
        #expect(s.toasts.last?.text.contains("process 2 exited with code 101") == true)
        #expect(screen(s, (100, 24)).lines().last?.contains("1 proc (/ps)") == true)
        s.input = InputBuffer(text: "/ps")
        _ = reduce(into: &s, .keyPressed(KeyEvent(.enter)))
        #expect(s.overlay == .processes(ProcessViewState(selected: 0)))
        let text = screen(s, (100, 24)).lines().joined(separator: "\n")
        #expect(text.contains("Processes · 1 running of 2") && text.contains("1  running 1m5s  npm run dev") && text.contains("ready on http://localhost:5173"), "\(text)")
        #expect(reduce(into: &s, .keyPressed(KeyEvent(.character("k")))) == [.submit(.killProcess(id: 1))])
        _ = reduce(into: &s, .keyPressed(KeyEvent(.down)))
        #expect(reduce(into: &s, .keyPressed(KeyEvent(.character("k")))) == [])
        #expect(s.toasts.last?.text == "process 2 has already ended")
        _ = reduce(into: &s, .keyPressed(KeyEvent(.escape)))
        #expect(s.overlay == nil)
    }

    @Test("the process pane", arguments: sizes + [(60, 8)])
    func snapshot(size: (Int, Int)) {
        var s = Self.running()
        s.toasts = []
        s.overlay = .processes(ProcessViewState())
        assertSnapshot(screen(s, size), named: "processes")
    }
}
