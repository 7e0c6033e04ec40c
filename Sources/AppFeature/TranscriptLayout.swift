import AgentProtocol
import Foundation
import Markdown
import TUIKit

/// Wrapped, styled lines per transcript entry, cached by (entry, revision, width, theme).
///
/// Finished entries never change revision, so each is laid out once per width; only the
/// streaming entry is laid out again, once per frame. With ``lines(for:width:theme:)`` the
/// renderer walks entries from the newest back and stops when the screen is full, so a frame
/// costs the visible entries, not the whole conversation.
public final class TranscriptLayout: @unchecked Sendable {
    struct Key: Hashable { var revision: Int; var width: Int; var theme: Theme; var paneShown: Bool }
    private var cache: [Int: (Key, [StyledLine])] = [:]
    public private(set) var hits = 0
    public private(set) var misses = 0

    public init() {}

    /// Forgets entries no longer in the transcript (after /new, /clear, viewing another session).
    public func prune(keeping ids: Set<Int>) {
        if cache.count > ids.count * 2 + 64 { cache = cache.filter { ids.contains($0.key) } }
    }

    func lines(for entry: Entry, width: Int, theme: Theme, paneShown: Bool) -> [StyledLine] {
        let key = Key(revision: entry.revision, width: width, theme: theme, paneShown: paneShown)
        if let (k, lines) = cache[entry.id], k == key { hits += 1; return lines }
        misses += 1
        let lines = layout(entry.item, width: width, theme: theme, paneShown: paneShown)
        cache[entry.id] = (key, lines)
        return lines
    }
}

/// One entry as lines (uncached).
func layout(_ item: TranscriptItem, width: Int, theme: Theme, paneShown: Bool) -> [StyledLine] {
    let inner = max(1, width - 2)
    switch item {
    case .user(let text):
        return Wrap.styled([Span(text, theme.user)], width: inner).enumerated().map { i, l in
            l.prefixed(Span(i == 0 ? "› " : "  ", theme.accent))
        }
    case .assistant(let a):
        var out: [StyledLine] = []
        if !a.reasoning.isEmpty {
            let n = a.reasoning.split(separator: "\n", omittingEmptySubsequences: true).count
            if a.isReasoningExpanded {
                out.append(StyledLine("▾ thinking", theme.reasoning))
                out += Wrap.styled([Span(a.reasoning.trimmingCharacters(in: .whitespacesAndNewlines), theme.reasoning)], width: max(1, inner - 2))
                    .map { $0.prefixed(Span("  │ ", theme.border)) }
            } else {
                let first = a.reasoning.split(separator: "\n").first.map(String.init) ?? ""
                let label = a.isStreaming && a.text.isEmpty ? "▸ thinking… " : "▸ thought for \(n) line\(n == 1 ? "" : "s") · "
                var line = StyledLine(label, theme.reasoning)
                let room = max(0, width - DisplayWidth.of(label) - 1)
                line.append(clip(first.trimmingCharacters(in: .whitespaces), room), theme.dim)
                out.append(line)
            }
        }
        if !a.text.isEmpty {
            var body = Markdown.render(a.text, width: inner, styles: theme.markdown).map { $0.prefixed(Span("  ", theme.text)) }
            if a.isStreaming, !body.isEmpty { body[body.count - 1].append(" ▌", theme.accent) }
            out += body
        } else if a.isStreaming, a.reasoning.isEmpty {
            out.append(StyledLine("  ▌", theme.accent))
        }
        return out
    case .tool(let t):
        let (icon, style, label): (String, Style, String) = switch t.status {
        case nil: ("●", theme.tool, "running")
        case .succeeded?: ("✓", theme.success, "ok")
        case .failed?: ("✗", theme.error, "failed")
        case .denied?: ("⊘", theme.warning, "denied")
        case .cancelled?: ("■", theme.dim, "cancelled")
        case .timedOut?: ("⏱", theme.warning, "timed out")
        }
        var header = StyledLine(icon + " ", style)
        header.append(t.name, theme.tool.merged(Style(attributes: .bold)))
        let elapsed = t.elapsedMs.map { " · " + formatElapsed(Double($0) / 1000) } ?? ""
        let tail = " · " + label + elapsed
        let room = max(1, width - header.width - DisplayWidth.of(tail) - 1)
        header.append(" " + clip(summary(t.arguments), room), theme.text)
        header.append(tail, theme.dim)
        var out = [header]
        if t.status == nil, paneShown { return out }
        let lines = vtLines(t.screen)
        let shown = t.isExpanded ? lines : Array(lines.suffix(3))
        for l in shown { out.append(clipLine(l, max(1, width - 4)).prefixed(Span("  │ ", theme.border))) }
        if !t.isExpanded, lines.count > shown.count {
            out.append(StyledLine("  … \(lines.count - shown.count) more lines (Ctrl-O)", theme.dim))
        }
        return out
    case .notice(let n):
        let (mark, style) = switch n.kind {
        case .info: ("· ", theme.dim)
        case .warning: ("⚠ ", theme.warning)
        case .error: ("✗ ", theme.error)
        }
        return Wrap.styled([Span(n.text, style)], width: inner).enumerated().map { i, l in l.prefixed(Span(i == 0 ? mark : "  ", style)) }
    }
}

/// A terminal screen's lines as styled lines, trailing blank lines dropped.
func vtLines(_ screen: VTScreen) -> [StyledLine] {
    var out = screen.lines.map { cells -> StyledLine in
        var line = StyledLine()
        for c in cells where !c.isContinuation { line.append(c.symbol, c.style) }
        while let last = line.spans.last, last.text.allSatisfy({ $0 == " " }), last.style.background == .default {
            line.spans.removeLast()
        }
        return line
    }
    while out.last?.spans.isEmpty == true { out.removeLast() }
    return out
}

func clipLine(_ line: StyledLine, _ width: Int) -> StyledLine {
    guard line.width > width else { return line }
    var out = StyledLine()
    var w = 0
    for span in line.spans {
        for c in span.text {
            let cw = DisplayWidth.of(c)
            if w + cw > width - 1 { out.append("…", span.style); return out }
            out.append(String(c), span.style)
            w += cw
        }
    }
    return out
}

func clip(_ text: String, _ width: Int) -> String {
    guard width > 0 else { return "" }
    guard DisplayWidth.of(text) > width else { return text }
    var out = ""
    var w = 0
    for c in text {
        let cw = DisplayWidth.of(c)
        if w + cw > width - 1 { break }
        out.append(c)
        w += cw
    }
    return out + "…"
}

func formatElapsed(_ seconds: Double) -> String {
    if seconds < 10 { return "\((seconds * 10).rounded() / 10)s" }
    if seconds < 60 { return "\(Int(seconds))s" }
    return "\(Int(seconds) / 60)m\(Int(seconds) % 60)s"
}

/// `{"command":"ls -la"}` → `ls -la`; other arguments compacted to one line.
func summary(_ arguments: String) -> String {
    if let obj = JSONValue.parse(arguments)?.objectValue {
        if obj.count == 1, let s = obj.values.first?.stringValue { return s.replacingOccurrences(of: "\n", with: " ") }
        if let c = obj["command"]?.stringValue ?? obj["path"]?.stringValue { return c.replacingOccurrences(of: "\n", with: " ") }
    }
    return arguments.replacingOccurrences(of: "\n", with: " ")
}

extension Style {
    func merged(_ over: Style) -> Style {
        var s = self
        if over.foreground != .default { s.foreground = over.foreground }
        if over.background != .default { s.background = over.background }
        s.attributes.formUnion(over.attributes)
        return s
    }
}
