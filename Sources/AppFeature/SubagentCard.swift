import AgentProtocol
import Foundation
import TUIKit

// A subagent's card, nested under its `delegate_task` card: a header line (its goal, how long it
// has run, what it does or how it ended), then — while it runs, or when opened — its own tool
// calls with the ends of their output, and what it is saying.

/// The lines of one child. `open` is the parent card expanded (every child open); `selected`
/// marks the child Esc cancels and Enter opens; `now` times a running child.
func subagentLines(_ c: SubagentItem, open: Bool, selected: Bool, now: Double?, width: Int, theme: Theme) -> [StyledLine] {
    let (mark, markStyle): (String, Style) = switch c.status {
    case nil: ("◌", theme.tool)
    case "done"?: ("✓", theme.success)
    case "cancelled"?: ("■", theme.dim)
    default: ("✗", theme.error)
    }
    var header = selected ? StyledLine("  ▶ ", theme.accent) : StyledLine("  ├ ", theme.border)
    header.append(mark + " ", markStyle)
    header.append("[\(c.index)] ", theme.dim)
    let elapsed: String? = if let ms = c.elapsedMs { formatElapsed(Double(ms) / 1000) }
        else if let start = c.startedAt, let now { formatElapsed(max(0, now - start)) } else { nil }
    let state = c.status.map { s in " · " + s + (elapsed.map { " · " + $0 } ?? "") }
        ?? ((elapsed.map { " · " + $0 } ?? "") + (c.activity.isEmpty ? " · starting" : " · " + c.activity))
    let room = max(1, width - header.width - min(DisplayWidth.of(state), width / 2) - 1)
    header.append(clip(c.goal, room), selected ? theme.accent.merged(Style(attributes: .bold)) : theme.text)
    header.append(clip(state, max(1, width - header.width - 1)), theme.dim)
    var out = [header]

    let expanded = open || c.isExpanded
    // A running child shows its latest calls and words; a finished one folds to its line.
    guard expanded || c.isRunning else { return out }
    let bar = Span("  │   ", theme.border)
    let shown = expanded ? Array(c.tools.suffix(20)) : Array(c.tools.suffix(2))
    let hidden = c.droppedTools + c.tools.count - shown.count
    if hidden > 0 { out.append(StyledLine([bar, Span("… \(hidden) earlier call\(hidden == 1 ? "" : "s")", theme.dim)])) }
    for tool in shown {
        let (icon, style): (String, Style) = switch tool.status {
        case nil: ("●", theme.tool)
        case .succeeded?: ("✓", theme.success)
        case .failed?, .timedOut?: ("✗", theme.error)
        case .denied?: ("⊘", theme.warning)
        case .cancelled?: ("■", theme.dim)
        }
        var line = StyledLine([bar, Span(icon + " ", style)])
        let took = tool.elapsedMs.map { " · " + formatElapsed(Double($0) / 1000) } ?? ""
        line.append(clip(tool.summary, max(1, width - line.width - DisplayWidth.of(took) - 1)), theme.text)
        line.append(took, theme.dim)
        out.append(line)
        if expanded, !tool.tail.isEmpty {
            for l in tool.tail.split(separator: "\n") {
                out.append(StyledLine([bar, Span("  │ ", theme.border), Span(clip(String(l), max(1, width - 12)), theme.dim)]))
            }
        }
    }
    let said = c.said.trimmingCharacters(in: .whitespacesAndNewlines)
    if !said.isEmpty {
        let wrapped = Wrap.styled([Span(said, theme.text)], width: max(1, width - 8))
        let lines = expanded ? Array(wrapped.suffix(8)) : Array(wrapped.suffix(1))
        for (i, l) in lines.enumerated() {
            var line = l.prefixed(Span(i == 0 ? "» " : "  ", theme.accent)).prefixed(bar)
            if c.isRunning, i == lines.count - 1 { line.append(" ▌", theme.accent) }
            out.append(line)
        }
    }
    if expanded, c.isRunning || !c.tools.isEmpty {
        out.append(StyledLine([bar, Span((c.isRunning ? "Esc on it cancels it · " : "") + "/agents opens its session", theme.dim)]))
    }
    return out
}
