/// A small terminal emulator for a tool's live output: bytes in, styled lines out.
///
/// Handles what command output uses: text (wide graphemes included), LF, CR (so progress bars
/// redraw in place; a bare LF also returns to column 0, since pipe output has no CR), BS, TAB, SGR colours (16, 256, truecolour) and attributes, cursor moves
/// (CUU/CUD/CUF/CUB/CHA/CUP), erase in line and display. OSC, DCS and unknown sequences are
/// consumed and ignored. Input may be split anywhere, including inside an escape sequence.
/// Scrollback is capped at `maxLines` so a chatty tool cannot exhaust memory.
public struct VTScreen: Sendable, Hashable {
    public let columns: Int
    public let maxLines: Int
    /// The lines, oldest first; each holds at most `columns` cells.
    public private(set) var lines: [[Cell]] = [[]]
    /// Lines dropped from the top because of `maxLines`.
    public private(set) var droppedLines = 0
    private var row = 0
    private var col = 0
    private var style = Style.plain
    private var state = State.ground
    private var params = ""

    private enum State: Sendable, Hashable { case ground, escape, csi, osc, oscEscape, skipOne }

    public init(columns: Int = 120, maxLines: Int = 10_000) {
        self.columns = max(1, columns)
        self.maxLines = max(1, maxLines)
    }

    /// Consumes decoded output text.
    public mutating func feed(_ text: String) {
        for ch in text {
            if ch.unicodeScalars.count == 1 || ch == "\r\n" {
                for scalar in ch.unicodeScalars { feedScalar(scalar, ch) }
            } else if state == .ground {
                printGrapheme(ch)
            }
        }
    }

    private mutating func feedScalar(_ s: Unicode.Scalar, _ ch: Character) {
        switch state {
        case .ground:
            switch s.value {
            case 0x1B: state = .escape
            case 0x0A: lineFeed(); col = 0 // pipes send bare LF; treat it as a newline
            case 0x0D: col = 0
            case 0x08: col = max(0, col - 1)
            case 0x09: col = min(columns - 1, (col / 8 + 1) * 8)
            case 0x00..<0x20, 0x7F: break
            default: printGrapheme(ch.unicodeScalars.count == 1 ? ch : Character(s))
            }
        case .escape:
            switch s {
            case "[": state = .csi; params = ""
            case "]", "P", "_", "^": state = .osc
            case "(", ")", "*", "+", "#": state = .skipOne
            default: state = .ground
            }
        case .skipOne:
            state = .ground
        case .csi:
            if (0x40...0x7E).contains(s.value) {
                csi(final: s)
                state = .ground
            } else if params.count < 64 {
                params.unicodeScalars.append(s)
            }
        case .osc:
            if s.value == 0x07 { state = .ground } else if s.value == 0x1B { state = .oscEscape }
        case .oscEscape:
            state = s == "\\" ? .ground : .osc
        }
    }

    private mutating func printGrapheme(_ ch: Character) {
        let w = DisplayWidth.of(ch)
        guard w > 0 else { return }
        if col + w > columns { lineFeed(); col = 0 }
        ensureWidth(col + w)
        if lines[row][col].isContinuation, col > 0 { lines[row][col - 1] = Cell(" ", style: lines[row][col - 1].style) }
        lines[row][col] = Cell(String(ch), style: style)
        if w == 2 { lines[row][col + 1] = Cell("", style: style) }
        col += w
    }

    private mutating func ensureWidth(_ n: Int) {
        while lines[row].count < n { lines[row].append(.blank) }
    }

    private mutating func lineFeed() {
        row += 1
        if row == lines.count { lines.append([]) }
        if lines.count > maxLines {
            let drop = lines.count - maxLines
            lines.removeFirst(drop)
            droppedLines += drop
            row -= drop
        }
    }

    private mutating func csi(final: Unicode.Scalar) {
        let private_ = params.hasPrefix("?") || params.hasPrefix(">")
        let nums = params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0.filter(\.isNumber)) }
        func n(_ i: Int, _ def: Int) -> Int { i < nums.count ? (nums[i] ?? def) : def }
        switch final {
        case "m": if !private_ { sgr(nums.map { $0 ?? 0 }) }
        case "A": row = max(0, row - max(1, n(0, 1)))
        case "B": for _ in 0..<min(max(1, n(0, 1)), maxLines) { lineFeed() } // a huge count must not spin
        case "C": col = min(columns - 1, col + max(1, n(0, 1)))
        case "D": col = max(0, col - max(1, n(0, 1)))
        case "G": col = min(columns - 1, max(0, n(0, 1) - 1))
        case "H", "f":
            // Relative to the visible window: the last screenful of lines.
            let top = max(0, lines.count - 24)
            row = min(top + max(0, n(0, 1) - 1), lines.count - 1)
            col = min(columns - 1, max(0, n(1, 1) - 1))
        case "K":
            switch n(0, 0) {
            case 0: if col < lines[row].count { lines[row].removeSubrange(col...) }
            case 1:
                // The cursor may sit just past the last column (a pending wrap): clamp.
                let last = min(col, columns - 1)
                ensureWidth(last + 1)
                for i in 0...last { lines[row][i] = .blank }
            default: lines[row] = []
            }
        case "J":
            switch n(0, 0) {
            case 0:
                if col < lines[row].count { lines[row].removeSubrange(col...) }
                if row + 1 < lines.count { lines.removeSubrange((row + 1)...) }
            case 2, 3:
                lines = [[]]; row = 0; col = 0
            default: break
            }
        default: break
        }
    }

    private mutating func sgr(_ codes: [Int]) {
        var codes = codes.isEmpty ? [0] : codes
        var i = 0
        func color(_ at: inout Int) -> Color? {
            guard at + 1 < codes.count else { return nil }
            if codes[at + 1] == 5, at + 2 < codes.count { at += 2; return .indexed(UInt8(clamping: codes[at])) }
            if codes[at + 1] == 2, at + 4 < codes.count {
                at += 4
                return .rgb(UInt8(clamping: codes[at - 2]), UInt8(clamping: codes[at - 1]), UInt8(clamping: codes[at]))
            }
            return nil
        }
        while i < codes.count {
            let c = codes[i]
            switch c {
            case 0: style = .plain
            case 1: style.attributes.insert(.bold)
            case 2: style.attributes.insert(.dim)
            case 3: style.attributes.insert(.italic)
            case 4: style.attributes.insert(.underline)
            case 7: style.attributes.insert(.reverse)
            case 9: style.attributes.insert(.strikethrough)
            case 22: style.attributes.subtract([.bold, .dim])
            case 23: style.attributes.remove(.italic)
            case 24: style.attributes.remove(.underline)
            case 27: style.attributes.remove(.reverse)
            case 29: style.attributes.remove(.strikethrough)
            case 30...37: style.foreground = .indexed(UInt8(c - 30))
            case 38: if let col = color(&i) { style.foreground = col }
            case 39: style.foreground = .default
            case 40...47: style.background = .indexed(UInt8(c - 40))
            case 48: if let col = color(&i) { style.background = col }
            case 49: style.background = .default
            case 90...97: style.foreground = .indexed(UInt8(c - 90 + 8))
            case 100...107: style.background = .indexed(UInt8(c - 100 + 8))
            default: break
            }
            i += 1
        }
        codes = []
    }

    /// The text of each line (continuations omitted, trailing blanks trimmed).
    public var text: [String] {
        lines.map { line in
            var s = ""
            for c in line where !c.isContinuation { s += c.symbol }
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
    }
}
