import AgentProtocol
import Foundation
import TUIKit

/// `/rewind` (or Esc Esc): the user's messages of this session, newest first, each with the
/// checkpoint its turn took; the selected one's diff shows what restoring it changes. Go back
/// in the conversation (the message returns to the editor; the old conversation is kept as a
/// session of its own), put the files back, or both.
public struct RewindState: Sendable, Hashable {
    public var points: [RewindPoint] = []
    public var selected = 0
    public var loaded = false
    public var seq = 0
    /// The selected point's checkpoint diff, once loaded (by checkpoint id).
    public var diff: (id: String, text: String)? {
        get { diffID.map { ($0, diffText) } }
        set { diffID = newValue?.id; diffText = newValue?.text ?? "" }
    }
    var diffID: String?
    var diffText = ""

    public init(points: [RewindPoint] = [], selected: Int = 0, loaded: Bool = false, seq: Int = 0) {
        self.points = points
        self.selected = selected
        self.loaded = loaded
        self.seq = seq
    }

    var current: RewindPoint? { points.indices.contains(selected) ? points[selected] : nil }
}

/// One message of the user's, and what its turn's checkpoint holds.
public struct RewindPoint: Sendable, Hashable {
    /// Counted from the conversation's end (0: the latest message of the user's).
    public var fromEnd: Int
    public var text: String
    public var createdAt: Date?
    /// The checkpoint taken before the turn's first file change; nil: the turn changed none.
    public var checkpoint: String?
    /// Files that changed after it (what restoring it puts back).
    public var filesChanged: Int?

    public init(fromEnd: Int, text: String, createdAt: Date? = nil, checkpoint: String? = nil, filesChanged: Int? = nil) {
        self.fromEnd = fromEnd
        self.text = text
        self.createdAt = createdAt
        self.checkpoint = checkpoint
        self.filesChanged = filesChanged
    }
}

// MARK: - Reducer

func openRewind(_ state: inout AppState) -> [AppEffect] {
    guard !state.isBusy else { toast(&state, .warning, "busy — press Esc to interrupt first"); return [] }
    state.rewindSeq += 1
    let seq = state.rewindSeq
    state.overlay = .rewind(RewindState(seq: seq))
    state.completion = nil
    return [.io(.loadRewind(sessionID: state.sessionID, seq: seq))]
}

extension AppState {
    var rewind: RewindState? { if case .rewind(let r)? = overlay { r } else { nil } }
}

func rewindLoaded(_ state: inout AppState, seq: Int, _ points: [RewindPoint]) -> [AppEffect] {
    guard var r = state.rewind, r.seq == seq else { return [] }
    r.points = points
    r.loaded = true
    r.selected = 0
    state.overlay = .rewind(r)
    return previewDiff(&state)
}

func rewindDiff(_ state: inout AppState, seq: Int, id: String, text: String) {
    guard var r = state.rewind, r.seq == seq, r.current?.checkpoint == id else { return }
    r.diff = (id, text)
    state.overlay = .rewind(r)
}

/// Asks for the selected point's diff unless it is shown already.
private func previewDiff(_ state: inout AppState) -> [AppEffect] {
    guard let r = state.rewind, let id = r.current?.checkpoint, r.diffID != id else { return [] }
    return [.io(.checkpointDiff(id: id, seq: r.seq))]
}

/// Keys in the picker: the keymap's `rewind` context.
func rewindKey(_ state: inout AppState, _ key: KeyEvent) -> [AppEffect] {
    guard var r = state.rewind, let command = state.keymap.command(for: key, in: .rewind) else { return [] }
    switch command {
    case .selectPrevious, .selectNext:
        guard !r.points.isEmpty else { return [] }
        r.selected = max(0, min(r.points.count - 1, r.selected + (command == .selectNext ? 1 : -1)))
        state.overlay = .rewind(r)
        return previewDiff(&state)
    case .rewindConversation, .rewindFiles, .rewindBoth:
        guard let point = r.current else { return [] }
        var effects: [AppEffect] = []
        if command != .rewindConversation {
            guard let id = point.checkpoint else {
                toast(&state, .warning, "that turn changed no files: there is nothing to put back")
                return []
            }
            effects.append(.submit(.restoreCheckpoint(id: id)))
        }
        if command != .rewindFiles {
            // The conversation goes back to before the message; the message waits in the editor.
            effects.append(.session(.branch(BranchRequest(userMessageFromEnd: point.fromEnd, keepsMessage: false))))
            state.input = InputBuffer(text: point.text)
            state.editingMessage = nil
            toast(&state, .info, "back to before that message (the old conversation is kept): edit it and press Enter")
        }
        state.overlay = nil
        state.focus = .input
        return effects
    case .close, .interrupt, .cancel:
        state.overlay = nil
    default:
        return perform(command, in: .rewind, &state)
    }
    return []
}

// MARK: - Rendering

func drawRewind(_ r: RewindState, state: AppState, into buffer: inout ScreenBuffer) {
    let theme = state.theme
    let width = buffer.cols, height = buffer.rows - 1
    guard width >= 12, height >= 5 else { return }
    drawBox(&buffer, x: 0, y: 0, width: width, height: height, style: theme.accent, title: "Rewind · your messages, newest first")
    let footer = "↑↓ select · Enter/c conversation · f files · b both · Esc close"
    buffer.put(clip(footer, width - 4), x: 2, y: height - 2, style: theme.dim)
    let top = 1, bottom = height - 3
    guard bottom >= top else { return }
    guard r.loaded else { buffer.put("loading…", x: 2, y: top, style: theme.dim); return }
    guard !r.points.isEmpty else {
        buffer.put(clip("Nothing to rewind to yet: this session has no message of yours.", width - 4), x: 2, y: top, style: theme.dim)
        return
    }
    // The list takes up to half the box; the preview the rest.
    let listHeight = min(r.points.count, max(1, (bottom - top + 1) / 2))
    let first = max(0, min(r.selected - listHeight + 1, r.points.count - listHeight))
    let tailWidth = min(34, width * 2 / 5)
    for (i, p) in r.points.dropFirst(first).prefix(listHeight).enumerated() {
        let y = top + i
        let selected = first + i == r.selected
        let style = selected ? theme.selection : theme.text
        if selected { buffer.put(String(repeating: " ", count: width - 4), x: 2, y: y, style: style) }
        let text = p.text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        buffer.put(clip("› " + text, max(1, width - 6 - tailWidth)), x: 2, y: y, style: style)
        let tail = p.checkpoint.map { id in "checkpoint \(id.prefix(7))" + (p.filesChanged.map { " · \($0) file\($0 == 1 ? "" : "s")" } ?? "") } ?? "no file changes"
        let clipped = clip(tail, tailWidth)
        buffer.put(clipped, x: max(2, width - 2 - DisplayWidth.of(clipped)), y: y, style: selected ? style : (p.checkpoint == nil ? theme.dim : theme.accent))
    }
    var y = top + listHeight
    guard y <= bottom else { return }
    buffer.put(String(repeating: "─", count: width - 2), x: 1, y: y, style: theme.border)
    y += 1
    guard let point = r.current else { return }
    let lines: [(String, Style)]
    if point.checkpoint == nil {
        lines = [("That turn changed no files. Enter takes the conversation back to before the message.", theme.dim)]
    } else if let diff = r.diff, diff.id == point.checkpoint {
        let text = diff.text.isEmpty ? ["The files already match this checkpoint."] : diff.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines = [("What restoring it does to the files (- now, + then):", theme.text)] + text.map { line in
            (line, line.hasPrefix("+") ? theme.success : line.hasPrefix("-") ? theme.error : line.hasPrefix("@@") || line.hasPrefix("diff ") ? theme.accent : theme.dim)
        }
    } else {
        lines = [("loading the diff…", theme.dim)]
    }
    for (text, style) in lines where y <= bottom {
        buffer.put(clip(text, width - 4), x: 2, y: y, style: style)
        y += 1
    }
}
