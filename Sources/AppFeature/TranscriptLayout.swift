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
    struct Key: Hashable {
        var revision: Int; var width: Int; var theme: Theme; var paneShown: Bool
        /// The selected subagent of a delegate_task card, and the second a running one is timed at.
        var selectedChild: Int?; var second: Int?
    }
    private var cache: [Int: (Key, [StyledLine])] = [:]
    public private(set) var hits = 0
    public private(set) var misses = 0

    public init() {}

    /// The finished head of a streaming message, rendered in segments that end at blank lines
    /// outside code fences: each new segment is rendered once and appended.
    private var streamingHead: (key: HeadKey, end: Int, lines: [StyledLine])?
    struct HeadKey: Hashable { var id: Int; var width: Int; var theme: Theme }

    /// Forgets entries no longer in the transcript (after /new, /clear, viewing another
    /// session); cheap unless the cache has grown well past the transcript.
    public func prune(entries: [Entry]) {
        guard cache.count > entries.count * 2 + 64 else { return }
        let ids = Set(entries.map(\.id))
        cache = cache.filter { ids.contains($0.key) }
    }

    /// Markdown of a message still streaming: the complete blocks before the last blank line
    /// outside a code fence are rendered once and reused; only the tail is parsed each frame,
    /// so a long answer costs the same per frame at its end as at its start.
    func streamingMarkdown(id: Int, text: String, width: Int, theme: Theme) -> [StyledLine] {
        let utf8 = text.utf8
        let key = HeadKey(id: id, width: width, theme: theme)
        let cached = streamingHead.flatMap { $0.key == key && $0.end <= utf8.count ? $0 : nil }
        // The head ends at a split point, so the search for the next one starts there: a frame
        // scans what arrived since, not the whole answer again.
        let resume = cached.flatMap { $0.end > 0 ? utf8.index(utf8.startIndex, offsetBy: $0.end) : nil }
        guard let split = stableSplit(text, from: resume) else { return Markdown.render(text, width: width, styles: theme.markdown) }
        let splitOffset = utf8.distance(from: utf8.startIndex, to: split)
        var head = cached ?? (key: key, end: 0, lines: [])
        if head.end < splitOffset {
            let from = utf8.index(utf8.startIndex, offsetBy: head.end)
            let segment = Markdown.render(String(text[from..<split]), width: width, styles: theme.markdown)
            if !segment.isEmpty {
                if !head.lines.isEmpty { head.lines.append(StyledLine()) }
                head.lines += segment
            }
            head.end = splitOffset
            streamingHead = head
        }
        let tail = Markdown.render(String(text[split...]), width: width, styles: theme.markdown)
        return tail.isEmpty ? head.lines : head.lines + [StyledLine()] + tail
    }

    /// `selectedChild` is the subagent picked on this entry's card; `now` times its running
    /// subagents (such a card is laid out again once a second, no other).
    func lines(for entry: Entry, width: Int, theme: Theme, paneShown: Bool, selectedChild: Int? = nil, now: Double? = nil) -> [StyledLine] {
        let timed: Double? = if case .tool(let t) = entry.item, t.children.contains(where: \.isRunning) { now } else { nil }
        let key = Key(revision: entry.revision, width: width, theme: theme, paneShown: paneShown, selectedChild: selectedChild, second: timed.map { Int($0) })
        if let (k, lines) = cache[entry.id], k == key { hits += 1; return lines }
        misses += 1
        let lines = layout(entry.item, width: width, theme: theme, paneShown: paneShown, selectedChild: selectedChild, now: timed, streaming: { text, inner in
            self.streamingMarkdown(id: entry.id, text: text, width: inner, theme: theme)
        })
        cache[entry.id] = (key, lines)
        return lines
    }
}

/// One entry as lines (uncached).
func layout(_ item: TranscriptItem, width: Int, theme: Theme, paneShown: Bool, selectedChild: Int? = nil, now: Double? = nil,
            streaming: ((String, Int) -> [StyledLine])? = nil) -> [StyledLine] {
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
            // Long answers render in segments both while streaming and after, so the text does
            // not reflow when the stream ends and the last frame costs no full re-parse.
            let rendered = streaming?(a.text, inner) ?? Markdown.render(a.text, width: inner, styles: theme.markdown)
            var body = rendered.map { $0.prefixed(Span("  ", theme.text)) }
            if a.isStreaming, !body.isEmpty { body[body.count - 1].append(" ▌", theme.accent) }
            out += body
        } else if a.isStreaming, a.reasoning.isEmpty {
            out.append(StyledLine("  ▌", theme.accent))
        }
        return out
    case .tool(let t):
        // A command's card says how it exited, not just "ok": a pipeline can exit 0 after a
        // `command not found`, and that is marked too.
        let exit = t.exitCode.map { "exit \($0)" }
        var (icon, style, label): (String, Style, String) = switch t.status {
        case nil: ("●", theme.tool, "running")
        case .succeeded?: ("✓", theme.success, exit ?? "ok")
        case .failed?: ("✗", theme.error, exit ?? "failed")
        case .denied?: ("⊘", theme.warning, "denied")
        case .cancelled?: ("■", theme.dim, "cancelled")
        case .timedOut?: ("⏱", theme.warning, "timed out")
        }
        if t.status != nil, t.saysCommandNotFound {
            (icon, style, label) = ("⚠", theme.warning, "command not found · " + label)
        }
        var header = StyledLine(icon + " ", style)
        header.append(t.name, theme.tool.merged(Style(attributes: .bold)))
        let elapsed = t.elapsedMs.map { " · " + formatElapsed(Double($0) / 1000) } ?? ""
        let tail = " · " + label + elapsed
        let room = max(1, width - header.width - DisplayWidth.of(tail) - 1)
        header.append(" " + clip(summary(t.arguments), room), theme.text)
        header.append(tail, theme.dim)
        var out = [header]
        // A delegate_task card: a card per subagent (its progress is in them, not the output).
        for c in t.children {
            out += subagentLines(c, open: t.isExpanded, selected: c.index == selectedChild, now: now, width: width, theme: theme)
        }
        if !t.children.isEmpty, !t.isExpanded { return out }
        if t.status == nil, paneShown { return out }
        let lines = vtLines(t.screen)
        let shown = t.isExpanded ? lines : Array(lines.suffix(3))
        for l in shown { out.append(clipLine(l, max(1, width - 4)).prefixed(Span("  │ ", theme.border))) }
        if !t.isExpanded, lines.count > shown.count {
            out.append(StyledLine("  … \(lines.count - shown.count) more lines (Ctrl-O)", theme.dim))
        }
        return out
    case .proposal(let p):
        let verb = p.proposal.action == .create ? "new skill" : "change to skill"
        var out = [StyledLine([Span("✦ ", theme.accent), Span("\(verb) \(p.proposal.name)", theme.accent.merged(Style(attributes: .bold))),
                               Span(p.proposal.reason.isEmpty ? "" : " — " + p.proposal.reason, theme.dim)])]
        let shown = p.isExpanded ? p.proposal.diff : Array(p.proposal.diff.prefix(10))
        for d in shown {
            let style = d.hasPrefix("+ ") ? theme.success : d.hasPrefix("- ") ? theme.error : theme.dim
            out.append(clipLine(StyledLine(d, style), max(1, width - 4)).prefixed(Span("  │ ", theme.border)))
        }
        if shown.count < p.proposal.diff.count { out.append(StyledLine("  … \(p.proposal.diff.count - shown.count) more lines (Enter on the card)", theme.dim)) }
        let footer: (String, Style) = switch p.status {
        case .pending: ("  Alt-Y accept · Alt-E edit, then accept · Alt-X reject", theme.accent)
        case .applied: ("  ✓ \(p.message.isEmpty ? "applied" : p.message) · Alt-U undoes", theme.success)
        case .rejected: ("  ✗ rejected", theme.dim)
        case .undone: ("  ↶ \(p.message)", theme.dim)
        case .failed: ("  ✗ \(p.message)", theme.error)
        }
        out.append(StyledLine(footer.0, footer.1))
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

/// Where a streaming markdown text can be cut into a finished head and a tail: after the last
/// blank line that is outside a code fence (only for texts worth it, ≥ 2 KB). `from` is an
/// earlier answer for a prefix of this text: a split point is outside any fence and follows a
/// blank line, so the scan resumes there. Bytes, not Characters: blank lines and fences are
/// defined by spaces, tabs and backticks.
func stableSplit(_ text: String, from start: String.Index? = nil) -> String.Index? {
    let utf8 = text.utf8
    guard utf8.count > 2048 else { return nil }
    func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
    var inFence = false
    var lastBlank = start
    var previousBlank = start != nil
    var lineStart = start ?? utf8.startIndex
    while let newline = utf8[lineStart...].firstIndex(of: 0x0A) {
        let content = utf8[lineStart..<newline].drop(while: isSpace)
        if content.starts(with: [0x60, 0x60, 0x60]) { inFence.toggle() } // ```
        let blank = content.isEmpty
        if blank, !previousBlank, !inFence { lastBlank = utf8.index(after: newline) }
        previousBlank = blank
        lineStart = utf8.index(after: newline)
    }
    guard let split = lastBlank, split < utf8.endIndex, utf8.distance(from: utf8.startIndex, to: split) > 1024 else { return nil }
    return split
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
        if let tasks = obj["tasks"]?.arrayValue { return "\(tasks.count) task\(tasks.count == 1 ? "" : "s") for subagents" }
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
