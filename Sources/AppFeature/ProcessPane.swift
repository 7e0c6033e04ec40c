import AgentProtocol
import Foundation
import TUIKit

// The process pane (`/ps`): the session's background processes (the `process` tool), the
// selected one's live output below them; `k` kills it.

/// A background process as the interface shows it.
public struct ProcessItem: Sendable, Hashable {
    public var id: Int
    public var command: String
    public var state: ProcessState
    public var exitCode: Int32?
    public var startedAt: Date
    public var endedAt: Date?
    public var screen = VTScreen(columns: 160, maxLines: 500)

    public var isRunning: Bool { state == .running }
}

public struct ProcessViewState: Sendable, Hashable {
    public var selected = 0
    public init(selected: Int = 0) { self.selected = selected }
}

// MARK: - Reducer

func processUpdated(_ state: inout AppState, _ u: ProcessUpdate) {
    let i: Int
    if let found = state.processes.firstIndex(where: { $0.id == u.id }) { i = found } else {
        state.processes.append(ProcessItem(id: u.id, command: u.command, state: .running, startedAt: u.startedAt))
        i = state.processes.count - 1
    }
    if let text = u.output { state.processes[i].screen.feed(text) }
    guard u.state != state.processes[i].state else { return }
    state.processes[i].state = u.state
    state.processes[i].exitCode = u.exitCode
    state.processes[i].endedAt = Date(timeIntervalSince1970: state.now)
    let what = u.state == .killed ? "was killed" : "exited with code \(u.exitCode.map(String.init) ?? "?")"
    toast(&state, u.state == .exited && u.exitCode == 0 ? .info : .warning, "process \(u.id) \(what): \(u.command.prefix(50))")
}

func openProcesses(_ state: inout AppState) -> [AppEffect] {
    guard !state.processes.isEmpty else {
        toast(&state, .info, "no background processes (the model starts them with its process tool)")
        return []
    }
    // The newest running one first in view.
    state.overlay = .processes(ProcessViewState(selected: state.processes.lastIndex { $0.isRunning } ?? state.processes.count - 1))
    state.completion = nil
    return []
}

/// Keys in the pane: ↑↓ select, k kills, Esc or q closes.
func processesKey(_ state: inout AppState, _ key: KeyEvent) -> [AppEffect] {
    guard case .processes(var v)? = state.overlay else { return [] }
    switch key.key {
    case .up, .down:
        v.selected = max(0, min(state.processes.count - 1, v.selected + (key.key == .down ? 1 : -1)))
        state.overlay = .processes(v)
    case .character("k") where key.modifiers.isEmpty:
        guard state.processes.indices.contains(v.selected) else { return [] }
        let p = state.processes[v.selected]
        guard p.isRunning else { toast(&state, .info, "process \(p.id) has already ended"); return [] }
        toast(&state, .info, "killing process \(p.id)")
        return [.submit(.killProcess(id: p.id))]
    case .escape, .character("q"):
        state.overlay = nil
    default:
        if key.key == .character("c"), key.modifiers == .control { state.overlay = nil }
    }
    return []
}

// MARK: - Rendering

func drawProcesses(_ v: ProcessViewState, state: AppState, into buffer: inout ScreenBuffer) {
    let theme = state.theme
    let width = buffer.cols, height = buffer.rows - 1
    guard width >= 10, height >= 5 else { return }
    let all = state.processes
    let running = all.filter(\.isRunning).count
    drawBox(&buffer, x: 0, y: 0, width: width, height: height, style: theme.accent, title: "Processes · \(running) running of \(all.count)")
    buffer.put(clip("↑↓ select · k kill · Esc close", width - 4), x: 2, y: height - 2, style: theme.dim)
    let top = 1, bottom = height - 3
    guard bottom >= top else { return }
    let listHeight = min(all.count, max(1, (bottom - top + 1) / 3))
    let first = max(0, min(v.selected - listHeight + 1, all.count - listHeight))
    for (i, p) in all.dropFirst(first).prefix(listHeight).enumerated() {
        let y = top + i
        let selected = first + i == v.selected
        let style = selected ? theme.selection : theme.text
        if selected { buffer.put(String(repeating: " ", count: width - 4), x: 2, y: y, style: style) }
        let (mark, markStyle): (String, Style) = switch p.state {
        case .running: ("●", theme.success)
        case .exited: p.exitCode == 0 ? ("✓", theme.dim) : ("✗", theme.error)
        case .killed: ("✗", theme.dim)
        }
        buffer.put(mark, x: 2, y: y, style: selected ? style : markStyle)
        let end = p.endedAt?.timeIntervalSince1970 ?? state.now
        let status = switch p.state {
        case .running: "running " + formatElapsed(max(0, end - p.startedAt.timeIntervalSince1970))
        case .exited: "exit \(p.exitCode.map(String.init) ?? "?") after " + formatElapsed(max(0, end - p.startedAt.timeIntervalSince1970))
        case .killed: "killed"
        }
        let head = "\(p.id)  \(status)  "
        buffer.put(head, x: 4, y: y, style: selected ? style : theme.dim)
        buffer.put(clip(p.command, max(1, width - 8 - DisplayWidth.of(head))), x: 4 + DisplayWidth.of(head), y: y, style: style)
    }
    // The selected process's output, newest lines.
    let outTop = top + listHeight + 1
    guard outTop < bottom, all.indices.contains(v.selected) else { return }
    let p = all[v.selected]
    let label = "─ output of \(p.id) "
    buffer.put(label + String(repeating: "─", count: max(0, width - 2 - DisplayWidth.of(label))), x: 1, y: outTop, style: theme.border, maxX: width - 1)
    let lines = vtLines(p.screen)
    let room = bottom - outTop
    if lines.isEmpty { buffer.put("(no output yet)", x: 2, y: outTop + 1, style: theme.dim) }
    for (i, line) in lines.suffix(room).enumerated() {
        buffer.put(clipLine(line, width - 4), x: 2, y: outTop + 1 + i, maxX: width - 2)
    }
}
