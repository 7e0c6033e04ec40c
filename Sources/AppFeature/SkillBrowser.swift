import Foundation
import Markdown
import TUIKit

/// A skill as the browser lists it.
public struct SkillRow: Sendable, Hashable {
    public var name: String
    public var description: String
    /// project, user or external.
    public var source: String
    public var directory: String
    public var file: String
    /// Strict validation's messages; empty when valid.
    public var problems: [String]
    public var uses: Int
    /// Seconds since 1970 of the last use.
    public var lastUsed: Double?
    public var disabled: Bool
    /// safe, caution or dangerous, with the scanner's reasons (`file:line rule: excerpt`).
    public var safety: String
    public var findings: [String]
    /// A dangerous skill the user allowed.
    public var allowed: Bool

    public init(name: String, description: String, source: String, directory: String, file: String, problems: [String] = [],
                uses: Int = 0, lastUsed: Double? = nil, disabled: Bool = false, safety: String = "safe", findings: [String] = [],
                allowed: Bool = false) {
        self.safety = safety
        self.findings = findings
        self.allowed = allowed
        self.name = name
        self.description = description
        self.source = source
        self.directory = directory
        self.file = file
        self.problems = problems
        self.uses = uses
        self.lastUsed = lastUsed
        self.disabled = disabled
    }
}

/// `/skills` or Alt-S: every skill with source, validity, usage and last use; type to filter.
public struct SkillBrowserState: Sendable, Hashable {
    public var filter = ""
    public var rows: [SkillRow] = []
    public var warnings: [String] = []
    public var selected = 0
    /// The selected skill's SKILL.md, rendered in the preview.
    public var text: String?
    /// Typing a name for a new skill.
    public var newName: String?
    var seq = 0

    public init() {}

    public var visible: [SkillRow] {
        guard !filter.isEmpty else { return rows }
        let words = filter.lowercased().split(separator: " ")
        return rows.filter { r in words.allSatisfy { (r.name + " " + r.description + " " + r.source).lowercased().contains($0) } }
    }

    public var selectedRow: SkillRow? {
        let v = visible
        return v.indices.contains(selected) ? v[selected] : nil
    }
}

// MARK: - Reducer

func openSkills(_ state: inout AppState) -> [AppEffect] {
    state.overlay = .skills(SkillBrowserState())
    state.completion = nil
    return reloadSkills(&state)
}

func reloadSkills(_ state: inout AppState) -> [AppEffect] {
    guard case .skills(var b)? = state.overlay else { return [] }
    state.requestSeq += 1
    b.seq = state.requestSeq
    state.overlay = .skills(b)
    return [.io(.loadSkills(seq: b.seq))]
}

private func loadSelectedText(_ state: inout AppState) -> [AppEffect] {
    guard case .skills(var b)? = state.overlay, let row = b.selectedRow else { return [] }
    state.requestSeq += 1
    b.seq = state.requestSeq
    b.text = nil
    state.overlay = .skills(b)
    return [.io(.loadSkillText(path: row.file, seq: b.seq))]
}

func skillsLoaded(_ state: inout AppState, seq: Int, rows: [SkillRow], warnings: [String]) -> [AppEffect] {
    guard case .skills(var b)? = state.overlay, b.seq == seq else { return [] }
    let keep = b.selectedRow?.name
    b.rows = rows
    b.warnings = warnings
    b.selected = keep.flatMap { n in b.visible.firstIndex { $0.name == n } } ?? min(b.selected, max(0, b.visible.count - 1))
    state.overlay = .skills(b)
    return loadSelectedText(&state)
}

func skillTextLoaded(_ state: inout AppState, seq: Int, text: String) -> [AppEffect] {
    guard case .skills(var b)? = state.overlay, b.seq == seq else { return [] }
    b.text = text
    state.overlay = .skills(b)
    return []
}

/// Keys in the browser: the keymap's `skills` context, then typing filters.
func skillsKey(_ state: inout AppState, _ key: KeyEvent) -> [AppEffect] {
    guard case .skills(var b)? = state.overlay else { return [] }
    if var name = b.newName {
        switch key.key {
        case .escape: b.newName = nil
        case .enter:
            b.newName = nil
            state.overlay = .skills(b)
            let clean = name.trimmingCharacters(in: .whitespaces)
            return clean.isEmpty ? [] : [.io(.createSkill(name: clean))]
        case .backspace: if !name.isEmpty { name.removeLast() }; b.newName = name
        case .character(let c) where key.modifiers.subtracting(.shift).isEmpty: name.append(c); b.newName = name
        default: break
        }
        state.overlay = .skills(b)
        return []
    }
    if let command = state.keymap.command(for: key, in: .skills) {
        switch command {
        case .selectPrevious, .selectNext:
            let n = b.visible.count
            guard n > 0 else { return [] }
            b.selected = max(0, min(n - 1, b.selected + (command == .selectNext ? 1 : -1)))
            state.overlay = .skills(b)
            return loadSelectedText(&state)
        case .editSkill:
            guard let row = b.selectedRow else { return [] }
            guard row.source != "external" else { toast(&state, .warning, "\(row.name) belongs to another agent: read-only"); return [] }
            return [.editFile(row.file)]
        case .newSkill:
            b.newName = ""
            state.overlay = .skills(b)
        case .disableSkill:
            guard let row = b.selectedRow else { return [] }
            toast(&state, .info, row.disabled ? "enabled \(row.name)" : "disabled \(row.name): the agent will not see it")
            return [.io(.setSkillDisabled(name: row.name, disabled: !row.disabled))]
        case .allowSkill:
            guard let row = b.selectedRow, row.safety == "dangerous" else { return [] }
            toast(&state, row.allowed ? .info : .warning, row.allowed ? "withheld \(row.name) again" : "allowed \(row.name) despite the scanner's findings")
            return [.io(.setSkillAllowed(name: row.name, allowed: !row.allowed))]
        case .archiveSkill:
            guard let row = b.selectedRow else { return [] }
            guard row.source != "external" else { toast(&state, .warning, "\(row.name) belongs to another agent: read-only"); return [] }
            toast(&state, .info, "archived \(row.name) (talaria skills restore \(row.name) brings it back)")
            return [.io(.archiveSkill(directory: row.directory))]
        case .deleteBack, .killLineStart:
            guard !b.filter.isEmpty else { return [] }
            if command == .killLineStart { b.filter = "" } else { b.filter.removeLast() }
            b.selected = 0
            state.overlay = .skills(b)
            return loadSelectedText(&state)
        case .close, .interrupt, .cancel:
            state.overlay = nil
        default:
            return perform(command, in: .skills, &state)
        }
        return []
    }
    guard case .character(let c) = key.key, key.modifiers.subtracting(.shift).isEmpty else { return [] }
    b.filter.append(c)
    b.selected = 0
    state.overlay = .skills(b)
    return loadSelectedText(&state)
}

// MARK: - Rendering

func drawSkills(_ b: SkillBrowserState, state: AppState, into buffer: inout ScreenBuffer) {
    let theme = state.theme
    let width = buffer.cols, height = buffer.rows - 1
    guard width >= 10, height >= 5 else { return }
    let rows = b.visible
    let valid = b.rows.filter { $0.problems.isEmpty }.count
    drawBox(&buffer, x: 0, y: 0, width: width, height: height, style: theme.accent,
            title: "Skills · \(b.rows.count) (\(valid) valid)\(b.filter.isEmpty ? "" : " · \(rows.count) shown")")
    var x = buffer.put(b.newName != nil ? "new skill name: " : "filter: ", x: 2, y: 1, style: theme.accent)
    x = buffer.put(clip(b.newName ?? b.filter, width - 20), x: x, y: 1, style: theme.text)
    buffer.put(" ", x: x, y: 1, style: theme.text.merged(Style(attributes: .reverse)))
    let footer = b.newName != nil ? "Enter create · Esc cancel" : "↑↓ select · type to filter · Ctrl-E edit · Alt-N new · Alt-D disable · Alt-A archive · Alt-Y allow · Esc"
    buffer.put(clip(footer, width - 4), x: 2, y: height - 2, style: theme.dim)
    let top = 3, bottom = height - 3
    guard bottom >= top else { return }
    if let w = b.warnings.first { buffer.put(clip("⚠ " + w + (b.warnings.count > 1 ? " (+\(b.warnings.count - 1))" : ""), width - 4), x: 2, y: top - 1, style: theme.warning) }
    let side = width >= 100
    let listWidth = side ? width * 2 / 5 : width - 4
    let listHeight = side ? bottom - top + 1 : max(1, (bottom - top + 1) / 2)
    if rows.isEmpty {
        buffer.put(b.rows.isEmpty ? "No skills yet. Alt-N creates one; the agent writes them too." : "Nothing matches.", x: 2, y: top, style: theme.dim)
    }
    let first = max(0, min(b.selected - listHeight + 1, rows.count - listHeight))
    for (i, row) in rows.dropFirst(first).prefix(listHeight).enumerated() {
        let y = top + i
        let selected = first + i == b.selected
        let style = selected ? theme.selection : (row.disabled ? theme.dim : theme.text)
        if selected { buffer.put(String(repeating: " ", count: listWidth), x: 2, y: y, style: style) }
        let withheld = row.safety == "dangerous" && !row.allowed
        let mark = row.disabled ? "○" : withheld ? "⊘" : row.problems.isEmpty ? "✓" : "✗"
        let markStyle = selected ? style : row.disabled ? theme.dim : withheld || !row.problems.isEmpty ? theme.error : theme.success
        buffer.put(mark, x: 2, y: y, style: markStyle)
        let risk = row.safety == "safe" ? "" : " · \(row.safety)"
        let info = "\(risk) \(row.source) · \(row.uses)× · \(row.lastUsed.map { relativeDate($0, now: state.now) } ?? "never")"
        let nameRoom = max(1, listWidth - 3 - DisplayWidth.of(info))
        buffer.put(clip(row.name, nameRoom), x: 4, y: y, style: selected ? style : theme.accent, maxX: 2 + listWidth)
        if DisplayWidth.of(info) + 6 < listWidth {
            buffer.put(info, x: 2 + listWidth - DisplayWidth.of(info), y: y, style: selected ? style : theme.dim)
        }
    }
    guard let row = b.selectedRow else { return }
    let px = side ? 3 + listWidth : 2
    let pTop = side ? top : top + listHeight + 1
    let pWidth = side ? width - listWidth - 5 : width - 4
    guard pTop <= bottom, pWidth > 4 else { return }
    if side { for y in top...bottom { buffer.put("│", x: px - 1, y: y, style: theme.border) } } else {
        buffer.put(String(repeating: "─", count: width - 2), x: 1, y: pTop - 1, style: theme.border)
    }
    var lines: [StyledLine] = [StyledLine(row.description, theme.dim)]
    for p in row.problems { lines.append(StyledLine("✗ " + p, theme.error)) }
    if row.safety != "safe" {
        let head = row.safety == "dangerous" ? (row.allowed ? "⚠ dangerous, allowed by you (Alt-Y withholds it)" : "⊘ dangerous: withheld from the agent until you allow it (Alt-Y)")
                                             : "⚠ caution"
        lines.append(StyledLine(head, row.safety == "dangerous" ? theme.error : theme.warning))
        for f in row.findings.prefix(5) { lines.append(StyledLine("  " + f, theme.warning)) }
    }
    lines.append(StyledLine(shortPath(row.file), theme.dim))
    lines.append(StyledLine())
    if let text = b.text {
        // The body, rendered; the front matter is summarised above.
        var body = text
        if body.hasPrefix("---"), let end = body.range(of: "\n---", range: body.index(body.startIndex, offsetBy: 3)..<body.endIndex) {
            body = String(body[end.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        lines += Markdown.render(body, width: pWidth, styles: theme.markdown)
    }
    var y = pTop
    for l in lines {
        for wrapped in l.spans.count == 1 && l.width > pWidth ? Wrap.styled(l.spans, width: pWidth) : [l] where y <= bottom {
            buffer.put(wrapped, x: px, y: y, maxX: px + pWidth)
            y += 1
        }
        if y > bottom { break }
    }
}
