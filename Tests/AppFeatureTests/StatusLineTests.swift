import AgentProtocol
@testable import AppFeature
import Testing
import TUIKit

@Suite("Status line")
struct StatusLineTests {
    @Test("--yolo shows YOLO first, in the error colour, at every size", arguments: sizes)
    func yolo(size: (Int, Int)) {
        var s = state([])
        s.yolo = true
        s.mcpServers = [MCPServerStatus(name: "time", endpoint: "t", state: .ready, tools: ["a"])]
        let b = screen(s, size)
        #expect(b.lines().last?.hasPrefix(" YOLO · ") == true)
        #expect(b[1, size.1 - 1].style != b[0, size.1 - 1].style)
        assertSnapshot(b, named: "yolo")
    }
}

@Suite("/backend")
struct BackendCommandTests {
    func run(_ text: String, _ s: inout AppState) -> [AppEffect] {
        s.input = InputBuffer(text: text)
        s.completion = nil
        return reduce(into: &s, .keyPressed(KeyEvent(.enter)))
    }

    @Test("lists the backends, switches when idle, refuses unknown names and busy turns; the result reaches the status line")
    func command() {
        var s = AppState()
        #expect(run("/backend", &s) == [])
        guard case .notice(let n)? = s.entries.last?.item else { Issue.record("no notice"); return }
        #expect(n.text.hasPrefix("commands and file tools run on local. /backend NAME switches"))
        for kind in BackendKind.allCases { #expect(n.text.contains("  \(kind.rawValue) — \(kind.summary)")) }
        #expect(run("/backend sandbox", &s) == [.setBackend(.sandbox)])
        #expect(run("/backend singularity", &s) == [.setBackend(.apptainer)])
        #expect(run("/backend vm", &s) == [] && s.toasts.last?.text == "no backend \"vm\" (have: local, sandbox, ssh, docker, apptainer, modal, daytona)")
        s.isBusy = true
        #expect(run("/backend ssh", &s) == [] && s.toasts.last?.text.contains("busy") == true)
        s.isBusy = false
        _ = reduce(into: &s, .backendChanged("ssh me@gpu-box"))
        #expect(s.backend == "ssh me@gpu-box")
        #expect(screen(s, (100, 20)).lines().last?.contains(" · ssh me@gpu-box · ") == true)
        _ = reduce(into: &s, .backendProblem("backend ssh me@gpu-box: cannot connect (Connection refused)"))
        #expect(screen(s, (100, 20)).lines().last?.contains(" · ssh me@gpu-box ✗ · ") == true)
        guard case .notice(let problem)? = s.entries.last?.item else { Issue.record("no notice"); return }
        #expect(problem.kind == .error && problem.text.hasSuffix("— /backend switches"))
        _ = reduce(into: &s, .backendChanged("sandbox"))
        #expect(!s.backendFailed)
        guard case .notice(let moved)? = s.entries.last?.item else { Issue.record("no notice"); return }
        #expect(moved.text == "commands and file tools now run on sandbox")
    }

    @Test("the backend names complete after /backend")
    func completion() {
        var s = AppState()
        type("/backend s", into: &s)
        #expect(s.completion?.items.map(\.text) == ["sandbox", "ssh"])
    }
}
