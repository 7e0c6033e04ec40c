import Foundation

/// Turns raw terminal output into the plain text a terminal would show at the end.
///
/// A text-only twin of the live pane's `VTScreen` (same cursor semantics, no styles, no line
/// cap, no wrapping): carriage returns, backspaces and tabs move the cursor; `CSI A/B/C/D/E/F/G/H`
/// move it, `CSI K` and `CSI J` erase; colours and other sequences are dropped. So a progress
/// bar costs one line of context, and multi-line progress as docker, cargo, pnpm and pip draw it
/// (`ESC[2A` … `ESC[K`) reaches the model in its final state, not every intermediate one.
public enum TerminalText {
    public static func clean(_ data: Data) -> String {
        clean(String(decoding: data, as: UTF8.self))
    }

    public static func clean(_ text: String, screenRows: Int = 40) -> String {
        var screen = TextScreen(rows: screenRows)
        screen.feed(text)
        return screen.text
    }
}

/// The screen model behind ``TerminalText``: lines of characters and a cursor.
struct TextScreen {
    enum State { case ground, escape, csi, osc, oscEscape, skipOne }
    var lines: [[Character]] = [[]]
    var row = 0, col = 0
    var state = State.ground
    var params = ""
    let rows: Int

    init(rows: Int) { self.rows = max(1, rows) }

    var text: String {
        var out = ""
        out.reserveCapacity(lines.reduce(0) { $0 + $1.count + 1 })
        for (i, line) in lines.enumerated() {
            if i > 0 { out += "\n" }
            var l = line
            while l.last == " " { l.removeLast() }
            out += String(l)
        }
        return out
    }

    mutating func feed(_ text: String) {
        for ch in text {
            if ch == "\r\n" { carriageReturn(); lineFeed(); continue }
            guard ch.unicodeScalars.count == 1, let s = ch.unicodeScalars.first else {
                if state == .ground { put(ch) }
                continue
            }
            switch state {
            case .ground:
                switch s.value {
                case 0x1B: state = .escape
                case 0x0A: lineFeed(); col = 0
                case 0x0D: carriageReturn()
                case 0x08: col = max(0, col - 1)
                case 0x09: col = (col / 8 + 1) * 8
                case 0x00..<0x20, 0x7F: break
                default: put(ch)
                }
            case .escape:
                switch s {
                case "[": state = .csi; params = ""
                case "]", "P", "_", "^": state = .osc
                case "(", ")", "*", "+", "#": state = .skipOne
                default: state = .ground
                }
            case .skipOne: state = .ground
            case .csi:
                if (0x40...0x7E).contains(s.value) {
                    csi(s)
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
    }

    mutating func carriageReturn() { col = 0 }

    mutating func put(_ ch: Character) {
        while lines[row].count < col { lines[row].append(" ") }
        if col < lines[row].count { lines[row][col] = ch } else { lines[row].append(ch) }
        col += 1
    }

    mutating func lineFeed() {
        row += 1
        if row == lines.count { lines.append([]) }
    }

    /// The first line of the visible screen (what cursor addressing counts from).
    var top: Int { max(0, lines.count - rows) }

    mutating func csi(_ final: Unicode.Scalar) {
        let isPrivate = params.hasPrefix("?") || params.hasPrefix(">")
        guard !isPrivate else { return }
        let nums = params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0.filter(\.isNumber)) }
        func n(_ i: Int, _ def: Int) -> Int { i < nums.count ? (nums[i] ?? def) : def }
        switch final {
        case "A": row = max(top, row - max(1, n(0, 1)))
        case "B": for _ in 0..<min(max(1, n(0, 1)), 10_000) { lineFeed() }
        case "C": col += max(1, n(0, 1))
        case "D": col = max(0, col - max(1, n(0, 1)))
        case "E": for _ in 0..<min(max(1, n(0, 1)), 10_000) { lineFeed() }; col = 0
        case "F": row = max(top, row - max(1, n(0, 1))); col = 0
        case "G": col = max(0, n(0, 1) - 1)
        case "H", "f":
            let t = top
            row = t + max(0, n(0, 1) - 1)
            while row >= lines.count { lines.append([]) }
            col = max(0, n(1, 1) - 1)
        case "K":
            switch n(0, 0) {
            case 0: if col < lines[row].count { lines[row].removeSubrange(col...) }
            case 1: for i in 0..<min(col + 1, lines[row].count) { lines[row][i] = " " }
            default: lines[row] = []
            }
        case "J":
            switch n(0, 0) {
            case 0:
                if col < lines[row].count { lines[row].removeSubrange(col...) }
                if row + 1 < lines.count { lines.removeSubrange((row + 1)...) }
            case 2, 3:
                // The visible screen is cleared; what scrolled off stays (it was shown).
                let t = top
                lines.removeSubrange(t...)
                lines.append([])
                row = t
                col = 0
            default: break
            }
        default: break
        }
    }
}

/// Splits a byte stream into valid UTF-8 strings, holding back a sequence cut at a chunk edge.
public struct UTF8Chunker: Sendable {
    private var carry: [UInt8] = []
    public init() {}

    public mutating func feed(_ data: Data) -> String {
        var bytes = carry + data
        carry = []
        // Find the start of a trailing incomplete sequence (at most 3 bytes back).
        var i = bytes.count - 1
        var back = 0
        while i >= 0 && back < 4 {
            let b = bytes[i]
            if b & 0xC0 != 0x80 { // a lead byte or ASCII
                let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                if need > back + 1 { carry = Array(bytes[i...]); bytes.removeLast(bytes.count - i) }
                break
            }
            i -= 1
            back += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
