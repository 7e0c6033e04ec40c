import CNcursesw
import Foundation
import TUIKit

/// The only code that talks to ncurses: wide-character output, colour pairs, key decoding.
///
/// All calls must come from one thread (the runtime's). `restore()` is idempotent and runs
/// `endwin()`, which leaves the alternate screen and resets terminal modes.
public final class CursesBackend: TerminalBackend {
    private var pairs: [Style: Int16] = [:]
    private var nextPair: Int16 = 1
    private let useColor: Bool
    private var restored = false
    private var winch: [Int32] = [-1, -1]

    public init() {
        tl_setlocale()
        _ = pipe(&winch)
        for fd in winch { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        tl_install_winch(winch[1])
        initscr()
        raw()
        noecho()
        nonl()
        keypad(tl_stdscr(), true)
        nodelay(tl_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        useColor = has_colors() && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        if useColor {
            start_color()
            use_default_colors()
        }
    }

    deinit { restore() }

    public var cols: Int { Int(tl_cols()) }
    public var rows: Int { Int(tl_lines()) }
    public var inputFDs: [Int32] { [0, winch[0]] }

    public func apply(_ changes: [CellChange]) {
        for c in changes {
            var wide = c.cell.symbol.unicodeScalars.prefix(4).map { wchar_t(bitPattern: $0.value) }
            wide.append(0)
            _ = tl_put(Int32(c.y), Int32(c.x), wide, attributes(c.cell.style), pair(c.cell.style))
        }
    }

    public func flush() { refresh() }

    public func readInput() -> [TerminalInput] {
        var out: [TerminalInput] = []
        var buf = [UInt8](repeating: 0, count: 64)
        var resized = false
        while read(winch[0], &buf, buf.count) > 0 { resized = true }
        if resized, tl_resize_from_tty() == OK { out.append(.resize) }
        var ch: wint_t = 0
        while true {
            let r = tl_get_wch(&ch)
            if r == ERR { break }
            if r == tl_key_code_yes() {
                if Int32(ch) == tl_key_resize() { out.append(.resize); continue }
                if let k = Self.functionKey(Int32(ch)) { out.append(.key(k)) }
                continue
            }
            if ch == 27 { // Esc, or Alt+key when another key follows at once
                var next: wint_t = 0
                if tl_get_wch(&next) == OK, next != 27 {
                    var k = Self.plainKey(next)
                    k.modifiers.insert(.alt)
                    out.append(.key(k))
                } else {
                    out.append(.key(KeyEvent(.escape)))
                }
                continue
            }
            out.append(.key(Self.plainKey(ch)))
        }
        return out
    }

    public func restore() {
        guard !restored else { return }
        restored = true
        endwin()
        signal(SIGWINCH, SIG_DFL)
    }

    static func plainKey(_ ch: wint_t) -> KeyEvent {
        switch ch {
        case 13, 10: return KeyEvent(.enter)
        case 9: return KeyEvent(.tab)
        case 127, 8: return KeyEvent(.backspace)
        case 1...26: return KeyEvent(.character(Character(Unicode.Scalar(UInt8(ch) + 96))), .control)
        default: return KeyEvent(.character(Character(Unicode.Scalar(UInt32(ch)) ?? " ")))
        }
    }

    static func functionKey(_ code: Int32) -> KeyEvent? {
        switch code {
        case KEY_UP: KeyEvent(.up)
        case KEY_DOWN: KeyEvent(.down)
        case KEY_LEFT: KeyEvent(.left)
        case KEY_RIGHT: KeyEvent(.right)
        case KEY_HOME: KeyEvent(.home)
        case KEY_END: KeyEvent(.end)
        case KEY_NPAGE: KeyEvent(.pageDown)
        case KEY_PPAGE: KeyEvent(.pageUp)
        case KEY_DC: KeyEvent(.delete)
        case KEY_BACKSPACE: KeyEvent(.backspace)
        case KEY_ENTER: KeyEvent(.enter)
        case KEY_BTAB: KeyEvent(.backTab)
        default: nil
        }
    }

    private func attributes(_ s: Style) -> attr_t {
        var a: attr_t = 0
        if s.attributes.contains(.bold) { a |= tl_a_bold() }
        if s.attributes.contains(.dim) { a |= tl_a_dim() }
        if s.attributes.contains(.italic) { a |= tl_a_italic() }
        if s.attributes.contains(.underline) { a |= tl_a_underline() }
        if s.attributes.contains(.reverse) { a |= tl_a_reverse() }
        return a
    }

    /// A colour pair for the style's colours, degraded to the terminal's colour count.
    private func pair(_ s: Style) -> Int16 {
        guard useColor else { return 0 }
        let key = Style(foreground: s.foreground, background: s.background)
        if key == Style.plain { return 0 }
        if let p = pairs[key] { return p }
        guard Int32(nextPair) < tl_color_pairs() else { return 0 }
        let p = nextPair
        nextPair += 1
        init_pair(p, index(s.foreground), index(s.background))
        pairs[key] = p
        return p
    }

    private func index(_ c: Color) -> Int16 {
        let colors = Int(tl_colors())
        switch c {
        case .default: return -1
        case .indexed(let i): return Int16(Int(i) < colors ? Int(i) : Int(i) % 8)
        case .rgb(let r, let g, let b):
            guard colors >= 256 else { return Int16((r > 127 ? 1 : 0) | (g > 127 ? 2 : 0) | (b > 127 ? 4 : 0)) }
            func q(_ v: UInt8) -> Int { Int(v) * 5 / 255 }
            return Int16(16 + 36 * q(r) + 6 * q(g) + q(b))
        }
    }
}
