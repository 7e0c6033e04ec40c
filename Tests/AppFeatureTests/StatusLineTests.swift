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
