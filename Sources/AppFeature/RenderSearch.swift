import AgentProtocol
import Foundation
import TUIKit

// MARK: - Search overlay

func drawSearch(_ s: SearchState, state: AppState, into buffer: inout ScreenBuffer) {
    let theme = state.theme
    // Over everything but the status line.
    let x0 = 0, y0 = 0
    let width = buffer.cols, height = buffer.rows - 1
    guard width >= 10, height >= 5 else { return }
    let total = s.results.reduce(0) { $0 + $1.matches }
    let more = s.results.contains { !$0.matchesComplete } ? "+" : ""
    let count = s.isLoading ? "searching…"
        : s.query.isEmpty ? "\(s.results.count) recent"
        : "\(s.results.count) \(s.results.count == 1 ? "session" : "sessions") · \(total)\(more) \(total == 1 ? "match" : "matches")"
    let archived = s.showArchived ? " · with archived" : ""
    drawBox(&buffer, x: x0, y: y0, width: width, height: height, style: theme.accent, title: "Sessions · \(count)\(archived)")
    // Query (or the title/tags being edited).
    let promptLabel: String, promptText: String
    if let p = s.prompt {
        promptLabel = p.kind == .title ? "title: " : "tags: "
        promptText = p.text
    } else {
        promptLabel = "search: "
        promptText = s.query
    }
    var x = buffer.put(promptLabel, x: x0 + 2, y: y0 + 1, style: theme.accent)
    x = buffer.put(clip(promptText, width - 14), x: x, y: y0 + 1, style: theme.text)
    buffer.put(" ", x: x, y: y0 + 1, style: theme.text.merged(Style(attributes: .reverse)))
    if x < buffer.cols, y0 + 1 < buffer.rows { buffer.cursor = CursorPosition(x: x, y: y0 + 1) }
    let footer = s.prompt != nil ? "Enter save · Esc cancel"
        : "↑↓ select · Enter open · Ctrl-O resume · Alt-T title · Alt-G tags · Alt-A archive · Alt-H archived · Esc"
    buffer.put(clip(footer, width - 4), x: x0 + 2, y: y0 + height - 2, style: theme.dim)

    let bodyTop = y0 + 3, bodyBottom = y0 + height - 3 // inclusive
    guard bodyBottom >= bodyTop else { return }
    let side = width >= 100
    let listWidth = side ? width * 2 / 5 : width - 4
    let listHeight = side ? bodyBottom - bodyTop + 1 : max(1, (bodyBottom - bodyTop + 1) / (s.preview == nil || height < 16 ? 1 : 2))
    if let e = s.error { buffer.put(clip(e, width - 4), x: x0 + 2, y: bodyTop, style: theme.error) }
    if s.results.isEmpty, !s.isLoading, s.error == nil {
        buffer.put(s.query.isEmpty ? "No stored sessions yet." : "Nothing matches \"\(s.query)\".", x: x0 + 2, y: bodyTop, style: theme.dim)
    }
    // Three rows per session: its title, count and date, then its two best snippets (or, for a
    // recent session, what it is).
    let perPage = max(1, listHeight / 3)
    let first = max(0, min(s.selected - perPage + 1, s.results.count - perPage))
    for (i, hit) in s.results.dropFirst(first).prefix(perPage).enumerated() {
        let y = bodyTop + i * 3
        let selected = first + i == s.selected
        let rowStyle = selected ? theme.selection : theme.text
        if selected {
            for dy in 0..<3 where y + dy <= bodyBottom {
                buffer.put(String(repeating: " ", count: listWidth), x: x0 + 2, y: y + dy, style: rowStyle)
            }
        }
        let indent = hit.parentID == nil ? "" : String(repeating: "  ", count: max(0, hit.depth - 1)) + "↳ "
        var title = indent + hit.title + (hit.archived ? " [archived]" : "")
        if !hit.tags.isEmpty { title += " " + hit.tags.map { "#" + $0 }.joined(separator: " ") }
        var right = relativeDate(hit.date, now: state.now)
        if hit.matches > 0 { right = "\(hit.matches)\(hit.matchesComplete ? "" : "+") · " + right }
        let tx = buffer.put(clip(title, listWidth - DisplayWidth.of(right) - 2), x: x0 + 2, y: y,
                            style: selected ? rowStyle : theme.accent, maxX: x0 + 2 + listWidth)
        if tx + DisplayWidth.of(right) + 1 < x0 + 2 + listWidth {
            buffer.put(right, x: x0 + 2 + listWidth - DisplayWidth.of(right), y: y, style: selected ? rowStyle : theme.dim)
        }
        let lines = hit.snippets.isEmpty ? [HitSnippet(role: "", text: hit.summary, messageID: 0)] : Array(hit.snippets.prefix(2))
        for (j, snippet) in lines.enumerated() where y + 1 + j <= bodyBottom {
            let lead = snippet.role.isEmpty ? "" : snippet.role + ": "
            let lx = buffer.put(clip(lead, listWidth / 3), x: x0 + 4, y: y + 1 + j, style: selected ? rowStyle : theme.dim)
            drawSnippet(snippet.text, x: lx, y: y + 1 + j, width: x0 + 2 + listWidth - lx, base: selected ? rowStyle : theme.dim,
                        match: (selected ? rowStyle : theme.warning).merged(Style(attributes: .bold)), into: &buffer)
        }
    }
    // Preview of the selected session around the hit.
    guard let preview = s.preview, s.selectedHit?.sessionID == preview.sessionID else { return }
    let px = side ? x0 + 3 + listWidth : x0 + 2
    let pTop = side ? bodyTop : bodyTop + listHeight + 1
    let pWidth = side ? width - listWidth - 5 : width - 4
    guard pTop <= bodyBottom, pWidth > 4 else { return }
    if !side { buffer.put(String(repeating: "─", count: width - 2), x: x0 + 1, y: pTop - 1, style: theme.border) } else {
        for y in bodyTop...bodyBottom { buffer.put("│", x: px - 1, y: y, style: theme.border) }
    }
    var lines: [StyledLine] = []
    var hitLine = 0
    for p in preview.lines {
        let style = p.role == "user" ? theme.user : p.role == "tool" ? theme.dim : theme.text
        let mark = p.role == "user" ? "› " : p.role == "tool" ? "│ " : "  "
        if p.isHit { hitLine = lines.count }
        for (i, l) in Wrap.lines(p.text, width: max(1, pWidth - 2)).prefix(p.isHit ? 12 : 4).enumerated() {
            lines.append(StyledLine([Span(i == 0 ? mark : "  ", p.isHit ? theme.warning : theme.dim), Span(l, style)]))
        }
        lines.append(StyledLine())
    }
    let pHeight = bodyBottom - pTop + 1
    let start = max(0, min(hitLine - 2, lines.count - pHeight))
    for (i, l) in lines.dropFirst(start).prefix(pHeight).enumerated() {
        buffer.put(l, x: px, y: pTop + i, maxX: px + pWidth)
    }
}

/// Draws a snippet whose matched terms are between ``HitSnippet/matchStart`` and ``HitSnippet/matchEnd``
/// (control characters, so a snippet of Markdown with its own `**` stays as written).
func drawSnippet(_ snippet: String, x: Int, y: Int, width: Int, base: Style, match: Style, into buffer: inout ScreenBuffer) {
    let flat = snippet.replacingOccurrences(of: "\n", with: " ")
    var col = x
    var inMatch = false
    var part = ""
    func flush() {
        if !part.isEmpty { col = buffer.put(part, x: col, y: y, style: inMatch ? match : base, maxX: x + width) }
        part = ""
    }
    for c in flat {
        if String(c) == HitSnippet.matchStart { flush(); inMatch = true } else if String(c) == HitSnippet.matchEnd { flush(); inMatch = false } else { part.append(c) }
        if col >= x + width { return }
    }
    flush()
}

func relativeDate(_ date: Double, now: Double) -> String {
    let d = max(0, now - date)
    if now == 0 || date == 0 { return "" }
    if d < 60 { return "just now" }
    if d < 3600 { return "\(Int(d / 60))m ago" }
    if d < 86400 { return "\(Int(d / 3600))h ago" }
    if d < 86400 * 30 { return "\(Int(d / 86400))d ago" }
    let f = DateFormatter()
    f.dateFormat = "yyyy-MM-dd"
    f.timeZone = TimeZone(identifier: "UTC")
    return f.string(from: Date(timeIntervalSince1970: date))
}
