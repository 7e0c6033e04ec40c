import CNcursesw
import CTermModes
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
    private var quit: [Int32] = [-1, -1]
    private var decoder = InputDecoder()
    private var mouse: Bool
    private var readBuffer = [UInt8](repeating: 0, count: 65_536)

    /// Takes over the terminal: alternate screen, raw input, our modes. `mouse` starts
    /// mouse reporting on.
    public init(mouse: Bool = true) {
        self.mouse = mouse
        tl_setlocale()
        tl_install_fatal_restore()
        _ = pipe(&winch)
        for fd in winch { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        tl_install_winch(winch[1])
        _ = pipe(&quit)
        for fd in quit { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        tl_install_quit_signals(quit[1])
        initscr()
        raw()
        noecho()
        nonl()
        // Input is read from fd 0 and decoded by TUIKit's InputDecoder, not by curses.
        keypad(tl_stdscr(), false)
        typeahead(-1)
        curs_set(0)
        useColor = has_colors() && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        if useColor {
            start_color()
            use_default_colors()
        }
        refresh()
        tl_modes_on(mouse ? 1 : 0)
    }

    deinit { restore() }

    public var cols: Int { Int(tl_cols()) }
    public var rows: Int { Int(tl_lines()) }
    public var inputFDs: [Int32] { [0, winch[0], quit[0]] }

    public func apply(_ changes: [CellChange]) {
        for c in changes {
            var wide = c.cell.symbol.unicodeScalars.prefix(4).map { wchar_t(bitPattern: $0.value) }
            wide.append(0)
            _ = tl_put(Int32(c.y), Int32(c.x), wide, attributes(c.cell.style), pair(c.cell.style))
        }
    }

    public func setCursor(_ position: CursorPosition?) {
        guard let position else { curs_set(0); return }
        _ = tl_move(Int32(position.y), Int32(position.x))
        curs_set(1)
    }

    public func flush() { refresh() }

    public func readInput() -> [TerminalInput] {
        var out: [TerminalInput] = []
        var resized = false
        while read(winch[0], &readBuffer, 64) > 0 { resized = true }
        var terminate = false
        while read(quit[0], &readBuffer, 64) > 0 { terminate = true }
        if terminate { return [.terminate] }
        if resized, tl_resize_from_tty() == OK { out.append(.resize) }
        // Only what is there now: poll said fd 0 is readable, or nothing is read at all.
        var p = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        if poll(&p, 1, 0) > 0, p.revents & Int16(POLLIN) != 0 {
            let n = read(0, &readBuffer, readBuffer.count)
            if n > 0 { out += decoder.feed(readBuffer[0..<n]) }
        }
        return out
    }

    public var isWaitingForEscape: Bool { decoder.isWaiting }
    public func flushPendingInput() -> [TerminalInput] { decoder.flush() }

    public func setMouseCapture(_ on: Bool) {
        mouse = on
        tl_mouse(on ? 1 : 0)
    }

    public func copyToClipboard(_ text: String) {
        osc52(text).withCString { tl_write($0) }
    }

    public func notify(_ how: TerminalNotification, _ text: String) {
        how.sequence(text).withCString { tl_write($0) }
    }

    public func suspend(_ body: () -> Void) {
        tl_modes_off()
        def_prog_mode()
        endwin()
        body()
        reset_prog_mode()
        tl_modes_on(mouse ? 1 : 0)
        clearok(tl_stdscr(), true)
        refresh()
    }

    public func restore() {
        guard !restored else { return }
        restored = true
        tl_modes_off()
        endwin()
        for sig in [SIGWINCH, SIGTERM, SIGHUP, SIGINT] { signal(sig, SIG_DFL) }
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
