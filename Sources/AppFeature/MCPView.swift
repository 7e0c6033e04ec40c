import AgentProtocol
import Foundation
import TUIKit

/// `/mcp` or F4: every configured MCP server with its state, tools and last error.
public struct MCPViewState: Sendable, Hashable {
    public var selected = 0
    public init(selected: Int = 0) { self.selected = selected }
}

// MARK: - Reducer

func openMCP(_ state: inout AppState) -> [AppEffect] {
    state.overlay = .mcp(MCPViewState())
    state.completion = nil
    return []
}

func mcpStatusChanged(_ state: inout AppState, _ servers: [MCPServerStatus]) {
    // A server that just failed is worth a toast: its tools are gone for the agent too.
    for s in servers where s.state == .failed {
        if let old = state.mcpServers.first(where: { $0.name == s.name }), old.state != .failed {
            toast(&state, .error, "MCP server \(s.name) failed: \(s.lastError ?? "no reason given") — /mcp to restart")
        }
    }
    state.mcpServers = servers
    if case .mcp(var v)? = state.overlay {
        v.selected = min(v.selected, max(0, servers.count - 1))
        state.overlay = .mcp(v)
    }
}

/// Keys in the servers view: the keymap's `mcp` context.
func mcpKey(_ state: inout AppState, _ key: KeyEvent) -> [AppEffect] {
    guard case .mcp(var v)? = state.overlay else { return [] }
    guard let command = state.keymap.command(for: key, in: .mcp) else { return [] }
    let servers = state.mcpServers
    let current = servers.indices.contains(v.selected) ? servers[v.selected] : nil
    switch command {
    case .selectPrevious, .selectNext:
        guard !servers.isEmpty else { return [] }
        v.selected = max(0, min(servers.count - 1, v.selected + (command == .selectNext ? 1 : -1)))
        state.overlay = .mcp(v)
    case .restartServer:
        guard let s = current else { return [] }
        guard s.state != .disabled else { toast(&state, .warning, "\(s.name) is disabled — enable it first"); return [] }
        toast(&state, .info, "restarting \(s.name)")
        return [.io(.restartMCPServer(name: s.name))]
    case .toggleServer:
        guard let s = current else { return [] }
        let enable = s.state == .disabled
        toast(&state, .info, enable ? "enabled \(s.name) for this run" : "disabled \(s.name) for this run: its tools are withdrawn")
        return [.io(.setMCPServerEnabled(name: s.name, enabled: enable))]
    case .close, .interrupt, .cancel:
        state.overlay = nil
    default:
        return perform(command, in: .mcp, &state)
    }
    return []
}

// MARK: - Rendering

/// The status line's MCP part: `mcp 2/3` (ready of enabled), nil without servers.
func mcpSummary(_ servers: [MCPServerStatus]) -> String? {
    let enabled = servers.filter { $0.state != .disabled }
    guard !enabled.isEmpty else { return nil }
    let ready = enabled.filter { $0.state == .ready }.count
    let failed = enabled.contains { $0.state == .failed }
    return "mcp \(ready)/\(enabled.count)\(failed ? " ✗" : "")"
}

func drawMCP(_ v: MCPViewState, state: AppState, into buffer: inout ScreenBuffer) {
    let theme = state.theme
    let width = buffer.cols, height = buffer.rows - 1
    guard width >= 10, height >= 5 else { return }
    let servers = state.mcpServers
    let ready = servers.filter { $0.state == .ready }.count
    drawBox(&buffer, x: 0, y: 0, width: width, height: height, style: theme.accent,
            title: "MCP servers · \(servers.count) (\(ready) ready)")
    let footer = "↑↓ select · r restart · d disable/enable · Esc close"
    buffer.put(clip(footer, width - 4), x: 2, y: height - 2, style: theme.dim)
    let top = 1, bottom = height - 3
    guard bottom >= top else { return }
    if servers.isEmpty {
        var y = top
        for line in ["No MCP servers configured. Add them to ~/.talaria/config.yaml:", "",
                     "mcp_servers:", "  time:", "    command: mcp-server-time", "    args: [--local-timezone, UTC]",
                     "  tracker:", "    url: https://mcp.example.com/mcp", "    bearer_token_env: TRACKER_TOKEN"] where y <= bottom {
            buffer.put(clip(line, width - 4), x: 2, y: y, style: line.hasPrefix(" ") || line.hasSuffix(":") && !line.contains(" ") ? theme.accent : theme.dim)
            y += 1
        }
        return
    }
    let listHeight = min(servers.count, max(1, (bottom - top + 1) / 2))
    let nameWidth = min(max(4, width / 4), servers.map { DisplayWidth.of($0.name) }.max() ?? 4)
    let first = max(0, min(v.selected - listHeight + 1, servers.count - listHeight))
    for (i, s) in servers.dropFirst(first).prefix(listHeight).enumerated() {
        let y = top + i
        let selected = first + i == v.selected
        let style = selected ? theme.selection : theme.text
        if selected { buffer.put(String(repeating: " ", count: width - 4), x: 2, y: y, style: style) }
        let (mark, markStyle): (String, Style) = switch s.state {
        case .ready: ("●", theme.success)
        case .connecting, .retrying: ("◌", theme.warning)
        case .failed: ("✗", theme.error)
        case .disabled: ("○", theme.dim)
        }
        buffer.put(mark, x: 2, y: y, style: selected ? style : markStyle)
        buffer.put(clip(s.name, nameWidth), x: 4, y: y, style: selected ? style : theme.accent)
        let x = 4 + nameWidth
        let summary = s.summary(now: Date(timeIntervalSince1970: state.now))
        buffer.put(clip(summary, max(1, width - x - 4)), x: x + 2, y: y, style: selected ? style : (s.state == .failed ? theme.error : theme.dim))
    }
    guard servers.indices.contains(v.selected) else { return }
    let s = servers[v.selected]
    var y = top + listHeight
    buffer.put(String(repeating: "─", count: width - 2), x: 1, y: y, style: theme.border)
    y += 1
    var lines: [(String, Style)] = [(s.endpoint, theme.dim)]
    if let info = s.serverInfo { lines.append(("server: \(info)", theme.dim)) }
    if let e = s.lastError { lines.append(("last error: \(e)", s.state == .ready ? theme.warning : theme.error)) }
    if !s.tools.isEmpty {
        lines.append(("tools (the agent calls them as mcp__\(s.name)__NAME):", theme.text))
        let per = max(1, (width - 6) / max(1, (s.tools.map { DisplayWidth.of($0) }.max() ?? 1) + 2))
        var row: [String] = []
        for t in s.tools {
            row.append(t)
            if row.count == per { lines.append(("  " + row.joined(separator: "  "), theme.accent)); row = [] }
        }
        if !row.isEmpty { lines.append(("  " + row.joined(separator: "  "), theme.accent)) }
    }
    for (text, style) in lines {
        for line in Wrap.lines(text, width: width - 4) where y <= bottom {
            buffer.put(line, x: 2, y: y, style: style)
            y += 1
        }
    }
}
