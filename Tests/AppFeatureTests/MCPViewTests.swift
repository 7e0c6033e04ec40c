import AgentProtocol
@testable import AppFeature
import Foundation
import Testing
import TUIKit

let mcpServers = [
    MCPServerStatus(name: "time", endpoint: "mcp-server-time --local-timezone UTC", state: .ready,
                    tools: ["get_current_time", "convert_time"], serverInfo: "mcp-time 2026.10.19"),
    MCPServerStatus(name: "tracker", endpoint: "https://mcp.example.com/mcp", state: .retrying(attempt: 3, at: Date(timeIntervalSince1970: 1_004)),
                    tools: ["list_issues"], lastError: "cannot reach https://mcp.example.com/mcp: connection refused"),
    MCPServerStatus(name: "git", endpoint: "mcp-server-git --repository .", state: .failed,
                    lastError: "the server exited with status 1 (stderr: not a git repository)"),
    MCPServerStatus(name: "slow", endpoint: "slow-server", state: .connecting(attempt: 0)),
    MCPServerStatus(name: "old", endpoint: "old-server", state: .disabled),
]

@Suite("MCP servers view")
struct MCPViewReducerTests {
    @Test("/mcp and F4 open it; arrows select; r restarts; d disables and enables; Esc closes")
    func keys() {
        var s = AppState()
        _ = reduce(into: &s, .mcpStatus(mcpServers))
        s.input = InputBuffer(text: "/mcp")
        key("enter", &s)
        #expect(s.overlay == .mcp(MCPViewState()))
        #expect(key("r", &s) == [.io(.restartMCPServer(name: "time"))])
        #expect(key("d", &s) == [.io(.setMCPServerEnabled(name: "time", enabled: false))])
        for _ in 0..<10 { key("down", &s) }
        #expect(s.overlay == .mcp(MCPViewState(selected: 4)))
        #expect(key("d", &s) == [.io(.setMCPServerEnabled(name: "old", enabled: true))])
        #expect(key("r", &s) == [] && s.toasts.last?.text.contains("disabled") == true)
        key("esc", &s)
        #expect(s.overlay == nil)
        key("f4", &s)
        #expect(s.overlay == .mcp(MCPViewState()))
    }

    @Test("the open view wakes once a second while a server waits to retry, and not otherwise (idle stays idle)")
    func countdown() {
        var s = AppState()
        s.now = 1_000.3
        s.mcpServers = mcpServers
        #expect(s.nextWake == nil && !s.isAnimating)
        s.overlay = .mcp(MCPViewState())
        #expect(s.nextWake == 1_001 && s.isAnimating)
        s.mcpServers = [mcpServers[0]]
        #expect(s.nextWake == nil && !s.isAnimating)
    }

    @Test("status changes update the view; a server that fails raises a toast once; the status line counts ready servers")
    func status() {
        var s = AppState()
        var first = mcpServers
        first[2].state = .connecting(attempt: 0)
        _ = reduce(into: &s, .mcpStatus(first))
        #expect(!s.toasts.contains { $0.text.contains("git failed") })
        _ = reduce(into: &s, .mcpStatus(mcpServers))
        #expect(s.toasts.filter { $0.text.contains("MCP server git failed") }.count == 1)
        _ = reduce(into: &s, .mcpStatus(mcpServers))
        #expect(s.toasts.filter { $0.text.contains("MCP server git failed") }.count == 1)
        #expect(mcpSummary(mcpServers) == "mcp 1/4 ✗")
        #expect(mcpSummary([]) == nil)
    }
}

@Suite("MCP servers view snapshots")
struct MCPViewSnapshotTests {
    @Test("states, the selected server's tools and last error", arguments: sizes)
    func view(size: (Int, Int)) {
        var s = state([])
        s.now = 1_000
        s.mcpServers = mcpServers
        s.overlay = .mcp(MCPViewState(selected: 0))
        assertSnapshot(screen(s, size), named: "mcp")
        s.overlay = .mcp(MCPViewState(selected: 2))
        assertSnapshot(screen(s, size), named: "mcp-failed")
    }

    @Test("with no servers it shows how to add one", arguments: sizes)
    func empty(size: (Int, Int)) {
        var s = state([])
        s.overlay = .mcp(MCPViewState())
        assertSnapshot(screen(s, size), named: "mcp-empty")
    }
}
