import AgentProtocol
import TUIKit

// The question pane: what the model asks with `clarify`, above the editor, which answers it
// (a choice's number, or the user's own words; Esc skips).

/// Draws the pane with its last row at `bottom - 1`; returns its top row (`bottom` when hidden).
func drawQuestionPane(_ state: AppState, into buffer: inout ScreenBuffer, bottom: Int) -> Int {
    guard let q = state.pendingQuestion, bottom >= 2 else { return bottom }
    let theme = state.theme
    let cols = buffer.cols
    // The question is what matters now: the transcript keeps one row.
    let rows = min(1 + q.choices.count + 3, max(1, bottom - 2))
    // On a short screen the choices come first: as much of the question as the rest leaves.
    let wrapped = Wrap.lines(q.question, width: max(1, cols - 2))
    let questionRows = max(1, min(wrapped.count, 4, rows - q.choices.count))
    var lines: [StyledLine] = wrapped.prefix(questionRows).enumerated().map { i, text in
        let cut = i == questionRows - 1 && wrapped.count > questionRows
        return StyledLine(" " + (cut ? clip(text + " …", max(1, cols - 2)) : text), theme.text.merged(Style(attributes: .bold)))
    }
    for (i, choice) in q.choices.enumerated() {
        var line = StyledLine("  \(i + 1) ", theme.accent)
        line.append(choice, theme.text)
        lines.append(clipLine(line, cols))
    }
    let shown = min(rows, lines.count)
    let top = bottom - shown - 1
    var title = StyledLine("─ ", theme.border)
    title.append("? Talaria asks", theme.accent.merged(Style(attributes: .bold)))
    title.append(" " + String(repeating: "─", count: max(0, cols)), theme.border)
    buffer.put(title, x: 0, y: top, maxX: cols)
    let hint = q.choices.isEmpty ? " Enter answers · Esc skips " : " 1–\(q.choices.count) or your words · Esc skips "
    if cols > 50 { buffer.put(hint, x: cols - DisplayWidth.of(hint) - 1, y: top, style: theme.dim) }
    for (i, line) in lines.prefix(shown).enumerated() {
        buffer.put(clipLine(line, cols), x: 0, y: top + 1 + i, maxX: cols)
    }
    return top
}
