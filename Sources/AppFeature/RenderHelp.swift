import AgentProtocol
import Foundation
import TUIKit

// MARK: - Help

/// The live key bindings (from the active keymap) and the slash commands.
/// `width`: the columns available; keys wrap within their column so every description starts
/// in the same place.
func helpLines(_ state: AppState, width: Int = 100) -> [(String, Style)] {
    let theme = state.theme
    var out: [(String, Style)] = [("Keys (keymap: \(state.keymap.name))", theme.accent)]
    let titles: [KeyContext: String] = [.global: "Everywhere", .input: "Editor", .transcript: "Transcript (Alt-↑ or Esc in vim)",
                                        .search: "Session search (Ctrl-R)", .skills: "Skill browser (Alt-S, /skills)", .mcp: "MCP servers (F4, /mcp)", .memory: "Memory (F5, /memory)", .dialog: "Approval dialog"]
    // Keys take at most a third of the line (and 22 columns); the description the rest.
    let keyColumn = max(8, min(22, width / 3))
    func row(_ keys: String, _ text: String) {
        var lines: [String] = []
        var current = ""
        for key in keys.components(separatedBy: ", ") {
            let next = current.isEmpty ? key : current + ", " + key
            if DisplayWidth.of(next) > keyColumn, !current.isEmpty {
                lines.append(current + ",")
                current = key
            } else {
                current = next
            }
        }
        lines.append(current)
        for (i, k) in lines.enumerated() {
            let pad = String(repeating: " ", count: max(1, keyColumn - DisplayWidth.of(k) + 1))
            out.append(("  " + k + (i == 0 ? pad + text : ""), theme.text))
        }
    }
    for ctx in KeyContext.allCases {
        let map = state.keymap.bindings[ctx] ?? [:]
        guard !map.isEmpty else { continue }
        out.append(("", theme.text))
        out.append((titles[ctx] ?? ctx.rawValue, theme.accent))
        var byCommand: [Command: [String]] = [:]
        for (k, c) in map { byCommand[c, default: []].append(k.name) }
        // In the order the commands are declared: related ones stay together.
        for c in Command.allCases {
            guard let keys = byCommand[c] else { continue }
            row(keys.sorted { ($0.count, $0) < ($1.count, $1) }.joined(separator: ", "), c.summary)
        }
    }
    out.append(("", theme.text))
    out.append(("Commands", theme.accent))
    for c in SlashCommand.allCases { row("/" + c.rawValue, c.summary) }
    out.append(("", theme.text))
    out.append(("@path in a prompt attaches that file. With the mouse on, Shift+drag selects text in most terminals.", theme.dim))
    out.append(("Your own keymaps (~/.talaria/keymaps/*.json) name these commands as keymaps/default.json does.", theme.dim))
    return out
}

func drawHelp(_ state: AppState, scroll: Int, into buffer: inout ScreenBuffer) {
    let theme = state.theme
    let inset = 0
    let width = buffer.cols, height = buffer.rows - 1
    guard width >= 10, height >= 4 else { return }
    drawBox(&buffer, x: inset, y: inset, width: width, height: height, style: theme.accent, title: "Help · ↑↓ scroll · any key closes")
    let lines = helpLines(state, width: width - 4)
    let visible = height - 2
    let start = max(0, min(scroll, lines.count - visible))
    for (i, (text, style)) in lines.dropFirst(start).prefix(visible).enumerated() {
        buffer.put(clip(text, width - 4), x: inset + 2, y: inset + 1 + i, style: style)
    }
}
