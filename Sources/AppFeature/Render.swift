import AgentProtocol
import Foundation
import TUIKit

/// What a frame found out while drawing, fed back to the runtime.
public struct RenderInfo: Sendable, Hashable {
    /// `scrollBack` clamped to what the transcript holds (the runtime writes it back).
    public var scrollBack = 0
    /// The transcript entry drawn on each screen row (mouse clicks).
    public var entryAtRow: [Int?] = []

    public init(scrollBack: Int = 0, entryAtRow: [Int?] = []) {
        self.scrollBack = scrollBack
        self.entryAtRow = entryAtRow
    }
}

/// Draws the whole screen for `state`. Pure: the same state and size give the same cells
/// (`layout` only memoises entry layouts).
///
/// Bottom up: the status row, the editor (1 to a third of the screen, wrapped), its border,
/// the live terminal pane while a tool runs, and the transcript in the rest, following the
/// newest line unless scrolled back. Popups, the approval dialog, toasts and the search and
/// help overlays are drawn over that.
@discardableResult
public func render(_ state: AppState, into buffer: inout ScreenBuffer, layout cache: TranscriptLayout? = nil) -> RenderInfo {
    let cols = buffer.cols, rows = buffer.rows
    var info = RenderInfo(scrollBack: state.scrollBack, entryAtRow: Array(repeating: nil, count: rows))
    guard cols > 0, rows > 0 else { return info }
    let theme = state.theme
    let cache = cache ?? TranscriptLayout()
    buffer.fill(x: 0, y: 0, width: cols, height: rows)

    drawStatus(state, into: &buffer, y: rows - 1)
    let editorTop = drawEditor(state, into: &buffer, bottom: rows - 2)
    let borderY = editorTop - 1
    if borderY >= 0 { drawEditorBorder(state, into: &buffer, y: borderY) }

    let questionTop = borderY >= 0 ? drawQuestionPane(state, into: &buffer, bottom: borderY) : borderY
    let planTop = questionTop >= 0 ? drawPlanPane(state, into: &buffer, bottom: questionTop) : questionTop
    var transcriptBottom = planTop // exclusive
    var paneShown = false
    if let tool = state.runningTool, planTop >= 4 {
        let lines = vtLines(tool.screen)
        let available = planTop
        let height = state.terminalZoomed ? available : min(max(3, available / 3), 12, lines.count + 1)
        if height >= 2 {
            paneShown = true
            let top = planTop - height
            var title = StyledLine("─ ", theme.border)
            title.append(tool.name + ": " + clip(summary(tool.arguments), max(1, cols - DisplayWidth.of(tool.name) - 20)), theme.tool)
            title.append(" " + String(repeating: "─", count: max(0, cols)), theme.border)
            buffer.put(title, x: 0, y: top, maxX: cols)
            let elapsed = tool.startedAt.map { " " + formatElapsed(max(0, state.now - $0)) + " ·" } ?? ""
            let hint = elapsed + (state.terminalZoomed ? " Alt-Z shrink " : " Alt-Z zoom ")
            if cols > 40 { buffer.put(hint, x: cols - DisplayWidth.of(hint) - 1, y: top, style: theme.dim) }
            for (i, line) in lines.suffix(height - 1).enumerated() {
                buffer.put(clipLine(line, cols), x: 0, y: top + 1 + i, maxX: cols)
            }
            transcriptBottom = top
        }
    }

    if transcriptBottom > 0 {
        info.scrollBack = drawTranscript(state, into: &buffer, height: transcriptBottom, cache: cache, paneShown: paneShown,
                                         rows: &info.entryAtRow)
    }
    if let c = state.completion, !c.items.isEmpty, borderY > 0 { drawCompletion(c, theme: theme, into: &buffer, bottom: borderY) }
    if let a = state.pendingApproval { drawApproval(a, theme: theme, into: &buffer, height: max(1, borderY)) }
    // Over the editor a dialog or a view that takes no text: no caret (the search field sets its own).
    if state.pendingApproval != nil || state.overlay != nil { buffer.cursor = nil }
    switch state.overlay {
    case .search(let s)?: drawSearch(s, state: state, into: &buffer)
    case .help(let scroll)?: drawHelp(state, scroll: scroll, into: &buffer)
    case .skills(let b)?: drawSkills(b, state: state, into: &buffer)
    case .mcp(let v)?: drawMCP(v, state: state, into: &buffer)
    case .memory(let b)?: drawMemory(b, state: state, into: &buffer)
    case .rewind(let r)?: drawRewind(r, state: state, into: &buffer)
    case .processes(let p)?: drawProcesses(p, state: state, into: &buffer)
    case nil: break
    }
    drawToasts(state, into: &buffer)
    cache.prune(entries: state.entries)
    return info
}

// MARK: - Transcript

private func drawTranscript(_ state: AppState, into buffer: inout ScreenBuffer, height: Int, cache: TranscriptLayout,
                            paneShown: Bool, rows: inout [Int?]) -> Int {
    let width = buffer.cols
    let theme = state.theme
    // Walk back from the newest entry, laying out only what can be seen.
    var blocks: [(id: Int, lines: [StyledLine])] = []
    var total = 0
    var needed = state.scrollBack + height
    var selectedBottom: Int? // lines from the bottom to the selected entry's last line
    for entry in state.entries.reversed() {
        let lines = cache.lines(for: entry, width: width, theme: theme, paneShown: paneShown,
                                selectedChild: entry.id == state.selectedEntry ? state.selectedChild : nil, now: state.now)
        let gap = blocks.isEmpty ? 0 : 1
        if entry.id == state.selectedEntry {
            selectedBottom = total + gap
            needed = max(needed, total + gap + min(lines.count, height))
        }
        blocks.append((entry.id, lines))
        total += lines.count + gap
        if total >= needed, state.selectedEntry == nil || selectedBottom != nil { break }
    }
    let complete = blocks.count == state.entries.count
    var scrollBack = state.scrollBack
    if let sb = selectedBottom, let sel = blocks.first(where: { $0.id == state.selectedEntry }) {
        // Keep the selected entry in view: its top if it is taller than the screen.
        let top = sb + sel.lines.count
        if scrollBack > sb { scrollBack = sb }
        if top - scrollBack > height { scrollBack = max(sb, top - height) }
    }
    if complete { scrollBack = max(0, min(scrollBack, total - height)) }
    if let f = state.firstRun {
        drawFirstRun(f, state: state, into: &buffer, height: height)
        return 0
    }
    if state.entries.isEmpty {
        drawWelcome(state, into: &buffer, height: height)
        return 0
    }
    // Lines from the bottom: skip `scrollBack`, draw `height`.
    var y = height - 1
    var skip = scrollBack
    for (n, block) in blocks.enumerated() {
        let selected = block.id == state.selectedEntry
        for line in block.lines.reversed() {
            if skip > 0 { skip -= 1; continue }
            guard y >= 0 else { break }
            if selected {
                buffer.put("▌", x: 0, y: y, style: theme.accent)
                buffer.put(clipLine(line, width - 1), x: 1, y: y, maxX: width)
            } else {
                buffer.put(line, x: 0, y: y, maxX: width)
            }
            rows[y] = block.id
            y -= 1
        }
        if n + 1 < blocks.count { if skip > 0 { skip -= 1 } else { y -= 1 } }
        if y < 0 { break }
    }
    if scrollBack > 0 {
        let label = " ↓ \(scrollBack) lines below · End/PgDn "
        buffer.put(label, x: max(0, width - DisplayWidth.of(label)), y: height - 1, style: theme.status)
    }
    return scrollBack
}

private func drawWelcome(_ state: AppState, into buffer: inout ScreenBuffer, height: Int) {
    let theme = state.theme
    let lines: [(String, Style)] = [
        ("Talaria", theme.accent),
        ("", theme.text),
        ("Ask for anything; the agent works in \(shortPath(state.cwd)).", theme.text),
        ("Enter sends · Shift+Enter newline · Esc interrupts", theme.dim),
        ("Ctrl-R sessions · / commands · @ files · F1 help", theme.dim),
    ]
    let top = max(0, (height - lines.count) / 2)
    for (i, (text, style)) in lines.enumerated() where top + i < height {
        let t = clip(text, buffer.cols)
        buffer.put(t, x: max(0, (buffer.cols - DisplayWidth.of(t)) / 2), y: top + i, style: style)
    }
}

/// `path` in at most `max` columns: `~` for the home, then only its last components behind `…/`.
func folderLabel(_ path: String, max: Int) -> String {
    let short = shortPath(path)
    guard DisplayWidth.of(short) > max else { return short }
    var parts = short.split(separator: "/").map(String.init)
    var label = parts.popLast() ?? short
    while let next = parts.popLast(), DisplayWidth.of(next + "/" + label) + 2 <= max { label = next + "/" + label }
    return "…/" + (DisplayWidth.of(label) + 2 > max ? clip(label, max - 2) : label)
}

func shortPath(_ path: String) -> String {
    let home = UserHome.path
    if home != "/", path == home || path.hasPrefix(home + "/") { return "~" + path.dropFirst(home.count) }
    return path.isEmpty ? "this directory" : path
}

// MARK: - Editor and status

/// Draws the editor above `bottom` (inclusive); returns its top row.
private func drawEditor(_ state: AppState, into buffer: inout ScreenBuffer, bottom: Int) -> Int {
    let theme = state.theme
    let width = max(1, buffer.cols - 2)
    // Character wrapping keeps the cursor mapping exact.
    var lines: [[Character]] = [[]]
    var cursorAt = (line: 0, col: 0)
    var col = 0
    for (i, c) in state.input.text.enumerated() {
        if i == state.input.cursor { cursorAt = (lines.count - 1, col) }
        if c == "\n" { lines.append([]); col = 0; continue }
        let w = max(1, DisplayWidth.of(c))
        if col + w > width { lines.append([]); col = 0 }
        lines[lines.count - 1].append(c)
        col += w
    }
    if state.input.cursor >= state.input.text.count {
        if col >= width { lines.append([]); col = 0 }
        cursorAt = (lines.count - 1, col)
    }
    let maxRows = max(1, min(lines.count, max(1, (buffer.rows - 2) / 3)))
    let first = max(0, min(cursorAt.line - maxRows + 1, lines.count - maxRows))
    let top = bottom - maxRows + 1
    let focused = state.focus == .input && state.overlay == nil && state.pendingApproval == nil && state.viewing == nil
    for r in 0..<maxRows {
        let y = top + r
        guard y >= 0 else { continue }
        let n = first + r
        buffer.put(n == 0 ? (state.isBusy ? "… " : "› ") : "  ", x: 0, y: y, style: theme.accent)
        var x = 2
        for c in lines[n] { x = buffer.put(String(c), x: x, y: y, style: theme.text) }
        if focused, n == cursorAt.line {
            let cx = 2 + cursorAt.col
            if cx < buffer.cols, y < buffer.rows { buffer.cursor = CursorPosition(x: cx, y: y) }
            if cx < buffer.cols {
                var cell = buffer[cx, y]
                if cell.isContinuation { cell = Cell(" ") }
                cell.style = theme.text.merged(Style(attributes: .reverse))
                buffer[cx, y] = cell
            }
        }
    }
    if state.input.text.isEmpty, top >= 0 {
        let hint: String
        if state.viewing != nil {
            hint = "read-only · r resume · q back"
        } else if let f = state.firstRun {
            hint = f.step != .working ? "choose a model above first · F1 help"
                : state.queued.isEmpty ? "your first request: sent when the model is ready" : "\(state.queued.count) queued until the model is ready"
        } else if state.pendingQuestion != nil {
            hint = "your answer: a choice's number or your own words · Enter sends · Esc skips"
        } else if state.isBusy {
            hint = state.queued.isEmpty ? "working… type to queue · Esc interrupts" : "\(state.queued.count) queued · Esc interrupts"
        } else if state.focus == .transcript {
            hint = "transcript: ↑↓ select · Enter expand · y copy · i edit"
        } else {
            hint = "Ask anything · / commands · @ files · Ctrl-R sessions · F1 help"
        }
        buffer.put(clip(hint, buffer.cols - 4), x: 3, y: top, style: theme.dim)
    }
    return max(0, top)
}

private func drawEditorBorder(_ state: AppState, into buffer: inout ScreenBuffer, y: Int) {
    let theme = state.theme
    buffer.put(String(repeating: "─", count: buffer.cols), x: 0, y: y, style: theme.border)
    if let v = state.viewing {
        let label = " viewing \(clip(v.title, max(1, buffer.cols - 30))) (read-only) "
        buffer.put(label, x: 2, y: y, style: theme.warning)
    } else if !state.queued.isEmpty {
        buffer.put(" queued: \(clip(state.queued.joined(separator: " · "), max(1, buffer.cols - 14))) ", x: 2, y: y, style: theme.dim)
    }
}

private let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

private func drawStatus(_ state: AppState, into buffer: inout ScreenBuffer, y: Int) {
    let theme = state.theme
    buffer.put(String(repeating: " ", count: buffer.cols), x: 0, y: y, style: theme.status)
    var left: [String] = []
    if state.yolo { left.append("YOLO") }
    if state.isBusy {
        let frame = spinner[Int(state.now * 10) % spinner.count]
        let elapsed = state.turnStartedAt.map { " " + formatElapsed(max(0, state.now - $0)) } ?? ""
        left.append("\(frame) \(state.isInterrupting ? "interrupting" : "working")\(elapsed)")
        let children = state.runningSubagents.count
        if children > 0 { left.append("\(children) subagent\(children == 1 ? "" : "s")") }
    }
    if let goal = goalStatus(state) { left.append(goal) }
    let procs = state.processes.filter(\.isRunning).count
    if procs > 0 { left.append("\(procs) proc\(procs == 1 ? "" : "s") (/ps)") }
    left.append(state.model.isEmpty ? "talaria" : state.model)
    // Where commands run, and in which folder (its last parts when long).
    left.append(state.backend + (state.backendFailed ? " ✗" : ""))
    let folderAt = left.count
    if !state.cwd.isEmpty { left.append(folderLabel(state.cwd, max: max(8, buffer.cols / 5))) }
    if let mcp = mcpSummary(state.mcpServers) { left.append(mcp) }
    if let window = state.contextWindow, window > 0 {
        left.append("ctx \(state.lastPromptTokens * 100 / window)% of \(window >= 1000 ? "\(window / 1000)k" : "\(window)")")
    }
    left.append("↑\(compact(state.usage.promptTokens)) ↓\(compact(state.usage.completionTokens))")
    var right: [String] = []
    if !state.mouseCapture { right.append("mouse off") }
    if state.keymap.name != "default" { right.append(state.keymap.name) }
    right.append("F1 help")
    let r = right.joined(separator: " · ") + " "
    // Too long: the folder shrinks to its last part, then the token counts go, then the folder.
    func line() -> String { " " + left.joined(separator: " · ") }
    let room = buffer.cols - DisplayWidth.of(r) - 1
    if DisplayWidth.of(line()) > room, !state.cwd.isEmpty {
        left[folderAt] = folderLabel(state.cwd, max: 12)
        if DisplayWidth.of(line()) > room { left.removeLast() }
        if DisplayWidth.of(line()) > room { left.remove(at: folderAt) }
    }
    let l = line()
    buffer.put(clip(l, max(1, room)), x: 0, y: y, style: theme.status)
    // Approvals are off: say so where the eye goes first, in the error colour.
    if state.yolo, buffer.cols > 6 { buffer.put("YOLO", x: 1, y: y, style: theme.status.merged(theme.error)) }
    if DisplayWidth.of(l) + DisplayWidth.of(r) < buffer.cols {
        buffer.put(r, x: buffer.cols - DisplayWidth.of(r), y: y, style: theme.status)
    }
}

func compact(_ n: Int) -> String {
    n >= 10_000 ? "\(n / 1000)k" : n >= 1000 ? "\(n / 100 / 10).\(n / 100 % 10)k" : "\(n)"
}

// MARK: - Popups

func drawBox(_ buffer: inout ScreenBuffer, x: Int, y: Int, width: Int, height: Int, style: Style, title: String = "") {
    guard width >= 2, height >= 2 else { return }
    buffer.fill(x: x, y: y, width: width, height: height)
    buffer.put("┌" + String(repeating: "─", count: width - 2) + "┐", x: x, y: y, style: style)
    for r in 1..<(height - 1) {
        buffer.put("│", x: x, y: y + r, style: style)
        buffer.put("│", x: x + width - 1, y: y + r, style: style)
    }
    buffer.put("└" + String(repeating: "─", count: width - 2) + "┘", x: x, y: y + height - 1, style: style)
    if !title.isEmpty { buffer.put(" " + clip(title, width - 6) + " ", x: x + 2, y: y, style: style) }
}

private func drawCompletion(_ c: Completion, theme: Theme, into buffer: inout ScreenBuffer, bottom: Int) {
    let shown = min(c.items.count, 8, bottom - 1)
    guard shown > 0 else { return }
    let first = max(0, min(c.selected - shown + 1, c.items.count - shown))
    let textWidth = c.items.map { DisplayWidth.of($0.text) }.max() ?? 0
    let detailWidth = c.items.map { DisplayWidth.of($0.detail) }.max() ?? 0
    let width = min(buffer.cols, max(20, textWidth + 4 + (detailWidth > 0 ? detailWidth + 2 : 0)))
    let top = bottom - shown - 2
    guard top >= 0 else { return }
    drawBox(&buffer, x: 0, y: top, width: width, height: shown + 2, style: theme.border,
        title: c.items.count > shown ? "\(c.selected + 1)/\(c.items.count)" : "")
    for i in 0..<shown {
        let item = c.items[first + i]
        let y = top + 1 + i
        let selected = first + i == c.selected
        let style = selected ? theme.selection : theme.text
        buffer.put(String(repeating: " ", count: width - 2), x: 1, y: y, style: style)
        let x = buffer.put(clip(item.text, width - 4), x: 2, y: y, style: selected ? style : theme.accent, maxX: width - 1)
        if !item.detail.isEmpty, x + 3 < width - 1 {
            buffer.put(clip(item.detail, width - x - 4), x: max(x + 2, textWidth + 4), y: y, style: selected ? style : theme.dim, maxX: width - 1)
        }
    }
}

private func drawApproval(_ a: ApprovalRequest, theme: Theme, into buffer: inout ScreenBuffer, height: Int) {
    let width = min(buffer.cols, 72)
    let inner = max(1, width - 4)
    var lines: [(String, Style)] = []
    for l in Wrap.lines(a.command, width: inner).prefix(6) { lines.append((l, theme.text.merged(Style(attributes: .bold)))) }
    lines.append(("", theme.text))
    for l in Wrap.lines(a.reason, width: inner).prefix(2) { lines.append((l, theme.warning)) }
    lines.append(("", theme.text))
    for l in Wrap.lines("[y] once   [s] this session   [a] always   [n] deny", width: inner) { lines.append((l, theme.accent)) }
    let h = min(height, lines.count + 2)
    let x = (buffer.cols - width) / 2
    let y = max(0, (height - h) / 2)
    drawBox(&buffer, x: x, y: y, width: width, height: h, style: theme.warning, title: "⚠ \(a.tool) wants to run")
    for (i, (text, style)) in lines.prefix(max(0, h - 2)).enumerated() {
        buffer.put(text, x: x + 2, y: y + 1 + i, style: style, maxX: x + width - 1)
    }
}

private func drawToasts(_ state: AppState, into buffer: inout ScreenBuffer) {
    let theme = state.theme
    for (i, t) in state.toasts.suffix(3).enumerated() where i < buffer.rows {
        let style = t.kind == .error ? theme.error : t.kind == .warning ? theme.warning : theme.accent
        let text = " " + clip((t.kind == .info ? "· " : "⚠ ") + t.text, max(1, buffer.cols - 4)) + " "
        let w = DisplayWidth.of(text)
        buffer.put(text, x: max(0, buffer.cols - w - 1), y: i, style: style.merged(Style(attributes: .reverse)))
    }
}
