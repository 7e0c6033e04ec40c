import AgentProtocol
import TUIKit

// The plan pane: the steps the model keeps with `todo`, above the editor while any is open.
// Alt-P folds it to one line.

/// Draws the pane with its last row at `bottom - 1`; returns its top row (`bottom` when hidden).
func drawPlanPane(_ state: AppState, into buffer: inout ScreenBuffer, bottom: Int) -> Int {
    let plan = state.plan
    guard plan.contains(where: { $0.status == .pending || $0.status == .inProgress }), bottom >= 3 else { return bottom }
    let theme = state.theme
    let cols = buffer.cols
    let done = plan.filter { $0.status == .done }.count
    let current = plan.firstIndex { $0.status == .inProgress } ?? plan.firstIndex { $0.status == .pending } ?? 0
    // Folded, or too little room for more: the current step on one line.
    if !state.planExpanded || bottom < 8 {
        var line = StyledLine("─ plan \(done)/\(plan.count) · ", theme.border)
        line.append(mark(plan[current].status).0 + " " + plan[current].content, theme.text)
        let hint = " Alt-P shows it "
        buffer.put(clipLine(line, max(1, cols - DisplayWidth.of(hint) - 1)), x: 0, y: bottom - 1, maxX: cols)
        if cols > 40 { buffer.put(hint, x: cols - DisplayWidth.of(hint), y: bottom - 1, style: theme.dim) }
        return bottom - 1
    }
    let rows = min(plan.count, max(1, bottom / 3 - 1), 10)
    // A window around the current step when the plan is longer than the pane.
    let first = max(0, min(current - rows / 2, plan.count - rows))
    let top = bottom - rows - 1
    var title = StyledLine("─ plan \(done)/\(plan.count) done ", theme.border)
    title.append(String(repeating: "─", count: max(0, cols)), theme.border)
    buffer.put(title, x: 0, y: top, maxX: cols)
    let hint = " Alt-P folds "
    if cols > 40 { buffer.put(hint, x: cols - DisplayWidth.of(hint) - 1, y: top, style: theme.dim) }
    for (i, item) in plan[first..<(first + rows)].enumerated() {
        let (icon, style) = mark(item.status)
        let text: Style = switch item.status {
        case .inProgress: theme.text.merged(Style(attributes: .bold))
        case .done, .cancelled: theme.dim
        case .pending: theme.text
        }
        var line = StyledLine(" " + icon + " ", style)
        line.append(item.content, text)
        buffer.put(clipLine(line, cols), x: 0, y: top + 1 + i, maxX: cols)
    }
    return top

    func mark(_ s: PlanStatus) -> (String, Style) {
        switch s {
        case .pending: ("○", theme.dim)
        case .inProgress: ("▶", theme.accent)
        case .done: ("✓", theme.success)
        case .cancelled: ("✗", theme.dim)
        }
    }
}
