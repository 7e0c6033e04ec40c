import AgentProtocol
import Foundation
import TUIKit

/// Draws the whole screen for `state`: transcript, input box, status line. Pure.
///
/// Layout, bottom up: one status row, the input (1–5 rows, wrapped), a border row; the
/// transcript fills the rest, following the newest line unless scrolled back.
public func render(_ state: AppState, into buffer: inout ScreenBuffer, theme: Theme = .dark) {
    let cols = buffer.cols, rows = buffer.rows
    guard cols > 0, rows > 0 else { return }
    buffer.fill(x: 0, y: 0, width: cols, height: rows)

    let status = statusLine(state, width: cols)
    buffer.put(String(repeating: " ", count: cols), x: 0, y: rows - 1, style: theme.status)
    buffer.put(status, x: 0, y: rows - 1, style: theme.status)

    let prompt = state.pendingApproval == nil ? "› " : "? "
    let inputLines = Wrap.lines(state.input.text.isEmpty ? "" : state.input.text, width: max(1, cols - 2))
    let shown = Array(inputLines.suffix(min(5, max(1, rows - 3))))
    let inputTop = rows - 1 - max(1, shown.count)
    if rows >= 3 {
        buffer.put(String(repeating: "─", count: cols), x: 0, y: inputTop - 1, style: theme.border)
    }
    for (i, line) in (shown.isEmpty ? [""] : shown).enumerated() where inputTop + i >= 0 {
        buffer.put(i == 0 ? prompt : "  ", x: 0, y: inputTop + i, style: theme.accent)
        buffer.put(line, x: 2, y: inputTop + i, style: theme.text)
    }
    if state.input.text.isEmpty, shown.count <= 1, inputTop >= 0 {
        let hint = state.isBusy ? "working… (Esc interrupts, Enter queues)" : "Ask anything · Shift+Enter newline · Ctrl-T thoughts · Ctrl-C quit"
        buffer.put(hint, x: 2, y: inputTop, style: theme.dim)
    }

    let height = max(0, inputTop - 1)
    guard height > 0 else { return }
    var lines = transcriptLines(state, width: cols, theme: theme)
    if let a = state.pendingApproval {
        lines.append(("", theme.text))
        for l in Wrap.lines("⚠ \(a.tool) wants to run: \(a.command)", width: cols) { lines.append((l, theme.warning)) }
        for l in Wrap.lines("  \(a.reason) — [y] once  [s] session  [a] always  [n] deny", width: cols) { lines.append((l, theme.warning)) }
    }
    let end = max(0, lines.count - state.scrollBack)
    let start = max(0, end - height)
    for (i, line) in lines[start..<end].enumerated() {
        buffer.put(line.0, x: 0, y: i + (height - (end - start)), style: line.1)
    }
}

/// The transcript as wrapped, styled lines (the virtualisation and per-cell caching of the
/// full TUI build on this shape).
func transcriptLines(_ state: AppState, width: Int, theme: Theme) -> [(String, Style)] {
    var out: [(String, Style)] = []
    func add(_ text: String, _ style: Style, indent: String = "", first: String? = nil) {
        let body = Wrap.lines(text, width: max(1, width - DisplayWidth.of(indent)))
        for (i, l) in body.enumerated() { out.append(((i == 0 ? (first ?? indent) : indent) + l, style)) }
    }
    for (n, item) in state.items.enumerated() {
        if n > 0 { out.append(("", theme.text)) }
        switch item {
        case .user(let text):
            add(text, theme.user, indent: "  ", first: "› ")
        case .assistant(let a):
            if !a.reasoning.isEmpty {
                if a.isReasoningExpanded {
                    add(a.reasoning, theme.reasoning, indent: "  ", first: "▾ ")
                } else {
                    let n = a.reasoning.split(separator: "\n").count
                    out.append(("▸ thought for \(n) line\(n == 1 ? "" : "s") (Ctrl-T to expand)", theme.reasoning))
                }
            }
            if !a.text.isEmpty { add(a.text + (a.isStreaming ? " ▌" : ""), theme.text) }
        case .tool(let t):
            let status: String
            switch t.status {
            case nil: status = "running"
            case .succeeded?: status = "ok"
            case let s?: status = s.rawValue
            }
            let elapsed = t.elapsedMs.map { String(format: " %.1fs", Double($0) / 1000) } ?? ""
            let args = summary(t.arguments)
            add("\(t.name) \(args)  [\(status)\(elapsed)]", t.status == nil || t.status == .succeeded ? theme.tool : theme.error, indent: "  ", first: "▸ ")
            var vt = VTScreen(columns: max(1, width - 4), maxLines: 200)
            vt.feed(t.output)
            for l in vt.text.filter({ !$0.isEmpty }).suffix(5) { out.append(("  │ " + l, theme.dim)) }
        case .notice(let notice):
            let style = notice.kind == .error ? theme.error : notice.kind == .warning ? theme.warning : theme.dim
            add(notice.text, style, indent: "  ", first: notice.kind == .info ? "· " : "⚠ ")
        }
    }
    return out
}

/// `{"command":"ls -la"}` → `ls -la`; other arguments compacted to one line.
func summary(_ arguments: String) -> String {
    if let v = JSONValue.parse(arguments), let obj = v.objectValue {
        if obj.count == 1, let s = obj.values.first?.stringValue { return s.replacingOccurrences(of: "\n", with: " ") }
        if let c = obj["command"]?.stringValue ?? obj["path"]?.stringValue { return c }
    }
    return arguments.replacingOccurrences(of: "\n", with: " ")
}

func statusLine(_ state: AppState, width: Int) -> String {
    var parts: [String] = [state.model.isEmpty ? "talaria" : state.model]
    if let window = state.contextWindow, window > 0 {
        parts.append("ctx \(state.lastPromptTokens * 100 / window)% of \(window / 1000)k")
    }
    parts.append("↑\(state.usage.promptTokens) ↓\(state.usage.completionTokens)")
    if state.isBusy { parts.append("● working") }
    if !state.queued.isEmpty { parts.append("\(state.queued.count) queued") }
    return " " + parts.joined(separator: " · ")
}
