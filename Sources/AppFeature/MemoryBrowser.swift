import AgentProtocol
import Foundation
import TUIKit

/// One remembered entry as the browser shows it.
public struct MemoryRow: Sendable, Hashable {
    public var id: Int64
    /// notes | user | fact
    public var target: String
    public var text: String
    /// The session it came from (title or id), or nil.
    public var source: String?
    /// "today", "3 days ago" (since last confirmed).
    public var age: String
    public var removed: Bool
    public var stale: Bool
    /// Why the user should look (a contradiction).
    public var flag: String?
    public var confidence: Double

    public init(id: Int64, target: String, text: String, source: String?, age: String, removed: Bool = false, stale: Bool = false,
                flag: String? = nil, confidence: Double = 1) {
        self.id = id
        self.target = target
        self.text = text
        self.source = source
        self.age = age
        self.removed = removed
        self.stale = stale
        self.flag = flag
        self.confidence = confidence
    }
}

/// What the user did to an entry in the browser.
public enum MemoryEdit: Sendable, Hashable {
    case remove(Int64), restore(Int64), delete(Int64), edit(Int64, String)
    /// A new entry the user wrote, in `target` (notes, user or fact).
    case add(target: String, text: String)
}

/// `/memory` or F5: agent notes, user profile and derived facts side by side, searchable,
/// editable and deletable; stale and contradicting facts marked.
public struct MemoryBrowserState: Sendable, Hashable {
    public static let columns = ["notes", "user", "fact"]
    public static let titles = ["Agent notes", "User profile", "Derived facts"]
    public var rows: [MemoryRow] = []
    public var column = 0
    public var selected = [0, 0, 0]
    public var query = ""
    public var filtering = false
    public var seq = 0
    /// An entry waiting for a second `d` to be deleted for good.
    public var confirmDelete: Int64?
    public var loaded = false

    public init() {}

    func rows(in column: Int) -> [MemoryRow] { rows.filter { $0.target == Self.columns[column] } }

    var current: MemoryRow? {
        let r = rows(in: column)
        return r.indices.contains(selected[column]) ? r[selected[column]] : nil
    }
}

// MARK: - Reducer

func openMemory(_ state: inout AppState) -> [AppEffect] {
    var b = MemoryBrowserState()
    b.seq = state.nextSeq()
    state.overlay = .memory(b)
    state.completion = nil
    return [.io(.loadMemory(query: "", seq: b.seq))]
}

func memoryLoaded(_ state: inout AppState, seq: Int, rows: [MemoryRow]) {
    guard case .memory(var b)? = state.overlay, b.seq == seq else { return }
    b.rows = rows
    b.loaded = true
    for c in 0..<3 { b.selected[c] = min(b.selected[c], max(0, b.rows(in: c).count - 1)) }
    state.overlay = .memory(b)
}

func memoryKey(_ state: inout AppState, _ key: KeyEvent) -> [AppEffect] {
    guard case .memory(var b)? = state.overlay else { return [] }
    if b.filtering {
        switch key.key {
        case .character(let c) where key.modifiers.subtracting(.shift).isEmpty:
            b.query.append(c)
        case .backspace:
            if !b.query.isEmpty { b.query.removeLast() }
        case .enter, .escape:
            b.filtering = false
            if key.key == .escape { b.query = "" }
        default:
            return []
        }
        b.seq = state.nextSeq()
        state.overlay = .memory(b)
        return [.io(.loadMemory(query: b.query, seq: b.seq))]
    }
    guard let command = state.keymap.command(for: key, in: .memory) else { return [] }
    let pendingDelete = b.confirmDelete
    b.confirmDelete = nil
    switch command {
    case .selectPrevious, .selectNext:
        let n = b.rows(in: b.column).count
        guard n > 0 else { break }
        b.selected[b.column] = max(0, min(n - 1, b.selected[b.column] + (command == .selectNext ? 1 : -1)))
    case .nextColumn, .previousColumn:
        b.column = (b.column + (command == .nextColumn ? 1 : 2)) % 3
    case .filterMemory:
        b.filtering = true
    case .editMemory:
        guard let row = b.current else { break }
        state.editingMemory = row.id
        state.overlay = .memory(b)
        return [.openEditor(row.text)]
    case .addMemory:
        state.addingMemory = MemoryBrowserState.columns[b.column]
        state.overlay = .memory(b)
        return [.openEditor("")]
    case .toggleMemory:
        guard let row = b.current else { break }
        toast(&state, .info, row.removed ? "back in the prompt: \(row.text)" : "out of the prompt (still searchable): \(row.text)")
        state.overlay = .memory(b)
        return [.io(.editMemory(row.removed ? .restore(row.id) : .remove(row.id), seq: b.seq))]
    case .deleteMemory:
        guard let row = b.current else { break }
        if pendingDelete == row.id {
            toast(&state, .info, "forgotten: \(row.text)")
            state.overlay = .memory(b)
            return [.io(.editMemory(.delete(row.id), seq: b.seq))]
        }
        b.confirmDelete = row.id
        toast(&state, .warning, "press d again to forget it for good (r only takes it out of the prompt)")
    case .close, .interrupt, .cancel:
        state.overlay = nil
        return []
    default:
        return perform(command, in: .memory, &state)
    }
    state.overlay = .memory(b)
    return []
}

// MARK: - Rendering

func drawMemory(_ b: MemoryBrowserState, state: AppState, into buffer: inout ScreenBuffer) {
    let theme = state.theme
    let width = buffer.cols, height = buffer.rows - 1
    guard width >= 12, height >= 6 else { return }
    let total = b.rows.filter { !$0.removed }.count
    drawBox(&buffer, x: 0, y: 0, width: width, height: height, style: theme.accent,
            title: "Memory · \(total) remembered" + (b.query.isEmpty ? "" : " · matching \"\(b.query)\""))
    let footer = b.filtering ? "type to search · Enter keep · Esc clear"
        : "Tab column · ↑↓ select · / search · a add · e edit · r out of/into prompt · d d forget · Esc close"
    buffer.put(clip(footer, width - 4), x: 2, y: height - 2, style: b.filtering ? theme.accent : theme.dim)
    let top = 1, bottom = height - 3
    guard bottom > top else { return }
    if b.loaded && b.rows.isEmpty {
        let lines = b.query.isEmpty
            ? ["Nothing remembered yet.", "", "The agent saves notes and your preferences with its memory tool,",
               "and derives facts about you in the background. `talaria memory add user TEXT` adds one yourself;",
               "`talaria import hermes` brings a Hermes memory over."]
            : ["Nothing remembered matches \"\(b.query)\"."]
        for (i, l) in lines.enumerated() where top + i <= bottom { buffer.put(clip(l, width - 4), x: 2, y: top + i, style: theme.dim) }
        return
    }
    // Side by side when there is room for three readable columns; else the current one.
    let side = width >= 90
    let columns = side ? [0, 1, 2] : [b.column]
    let colWidth = side ? (width - 2) / 3 : width - 2
    for (slot, c) in columns.enumerated() {
        let x = 1 + slot * colWidth
        let w = colWidth - (side && slot < 2 ? 1 : 0)
        let rows = b.rows(in: c)
        let active = c == b.column
        let title = "\(MemoryBrowserState.titles[c]) (\(rows.filter { !$0.removed }.count))" + (side ? "" : "  ← Tab →")
        buffer.put(clip(" " + title, w), x: x, y: top, style: active ? theme.accent : theme.dim)
        if side && slot < 2 {
            for y in top...bottom { buffer.put("│", x: x + w, y: y, style: theme.border) }
        }
        var y = top + 1
        let sel = b.selected[c]
        // Keep the selection in view: start so that it fits.
        var start = 0
        while start < sel, rowsHeight(rows, from: start, through: sel, width: w - 3) > bottom - y + 1 { start += 1 }
        for (i, row) in rows.enumerated().dropFirst(start) where y <= bottom {
            let selected = active && i == sel
            let marks = row.flag != nil ? "⚑ " : ""
            let meta = [row.removed ? "out of the prompt" : nil, row.stale ? "stale" : nil, row.source.map { "from \($0)" }, row.age,
                        row.target == "fact" ? String(format: "%.0f%%", row.confidence * 100) : nil]
                .compactMap { $0 }.joined(separator: " · ")
            let style = selected ? theme.selection : (row.removed || row.stale ? theme.dim : theme.text)
            let lines = Wrap.lines(marks + row.text, width: max(4, w - 3))
            for (j, line) in lines.enumerated() where y <= bottom {
                if selected { buffer.put(String(repeating: " ", count: max(0, w - 1)), x: x + 1, y: y, style: style) }
                buffer.put(j == 0 ? "•" : " ", x: x + 1, y: y, style: row.flag != nil ? theme.warning : style)
                buffer.put(line, x: x + 3, y: y, style: row.flag != nil && !selected ? theme.warning : style)
                y += 1
            }
            if y <= bottom {
                buffer.put(clip(meta, max(1, w - 3)), x: x + 3, y: y, style: selected ? style : theme.dim)
                y += 1
            }
            if selected, let flag = row.flag, y <= bottom {
                for line in Wrap.lines("⚑ " + flag, width: max(4, w - 3)) where y <= bottom {
                    buffer.put(line, x: x + 3, y: y, style: theme.warning)
                    y += 1
                }
            }
        }
    }
}

/// Screen lines rows `from...through` take in a column of `width`.
private func rowsHeight(_ rows: [MemoryRow], from: Int, through: Int, width: Int) -> Int {
    guard from <= through, through < rows.count else { return 0 }
    return rows[from...through].reduce(0) { $0 + Wrap.lines($1.text + "      ", width: max(4, width)).count + 1 }
}

extension AppState {
    /// The next request sequence number (late answers to older requests are dropped).
    mutating func nextSeq() -> Int {
        requestSeq += 1
        return requestSeq
    }
}
