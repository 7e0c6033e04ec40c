/// Input as the backend decodes it.
public enum TerminalInput: Sendable, Hashable {
    case key(KeyEvent)
    /// A bracketed paste: inserted as text, never run as keys.
    case paste(String)
    case mouse(MouseEvent)
    case resize
    /// SIGTERM, SIGHUP or SIGINT arrived: end cleanly.
    case terminate
    /// The terminal window gained (true) or lost focus (focus reporting, `CSI I` / `CSI O`).
    case focus(Bool)
}

/// How the terminal is asked to get the user's attention.
public enum TerminalNotification: String, Sendable, Hashable, CaseIterable {
    /// BEL: every terminal (a sound, a flash, an urgent window hint).
    case bell
    /// OSC 9: a desktop notification in iTerm2, kitty, WezTerm, foot, Windows Terminal.
    case osc9
    /// OSC 777: a desktop notification in rxvt-unicode, VTE terminals, Konsole.
    case osc777

    /// The bytes that ask for it, with `text` (control characters dropped).
    public func sequence(_ text: String) -> String {
        let clean = String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init).prefix(200))
        switch self {
        case .bell: return "\u{07}"
        case .osc9: return "\u{1B}]9;\(clean)\u{07}"
        case .osc777: return "\u{1B}]777;notify;Talaria;\(clean)\u{07}"
        }
    }
}

/// A terminal the runtime draws on: curses in the app, a virtual one in tests.
public protocol TerminalBackend: AnyObject {
    var cols: Int { get }
    var rows: Int { get }
    /// The descriptors to `poll(2)` for input (the terminal, and e.g. a resize self-pipe).
    var inputFDs: [Int32] { get }
    /// Writes changed cells (not yet visible).
    func apply(_ changes: [CellChange])
    /// Puts the terminal's cursor at `position` and shows it, or hides it (nil); seen at the
    /// next ``flush()``.
    func setCursor(_ position: CursorPosition?)
    /// Makes everything applied visible.
    func flush()
    /// Decodes all input available now, without blocking.
    func readInput() -> [TerminalInput]
    /// True while a lone Esc waits to see whether a sequence follows.
    var isWaitingForEscape: Bool { get }
    /// Decodes held-back input as complete (after the escape delay).
    func flushPendingInput() -> [TerminalInput]
    /// Mouse reporting on (wheel, clicks) or off (the terminal's own selection works).
    func setMouseCapture(_ on: Bool)
    /// Puts `text` on the system clipboard through the terminal (OSC 52).
    func copyToClipboard(_ text: String)
    /// Asks the terminal for the user's attention (a bell or a desktop notification).
    func notify(_ how: TerminalNotification, _ text: String)
    /// Gives the terminal to another program (an editor) for the duration of `body`.
    func suspend(_ body: () -> Void)
    /// Puts the terminal back as it was.
    func restore()
}

extension TerminalBackend {
    public var isWaitingForEscape: Bool { false }
    public func flushPendingInput() -> [TerminalInput] { [] }
    public func setMouseCapture(_ on: Bool) {}
    public func copyToClipboard(_ text: String) {}
    public func notify(_ how: TerminalNotification, _ text: String) {}
    public func suspend(_ body: () -> Void) { body() }
}

/// The OSC 52 sequence that sets the clipboard to `text` (base64, stdlib only).
public func osc52(_ text: String) -> String {
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    let bytes = Array(text.utf8)
    var out = "\u{1B}]52;c;"
    out.reserveCapacity(bytes.count * 4 / 3 + 12)
    var i = 0
    while i < bytes.count {
        let n = min(3, bytes.count - i)
        let b0 = UInt32(bytes[i]), b1 = n > 1 ? UInt32(bytes[i + 1]) : 0, b2 = n > 2 ? UInt32(bytes[i + 2]) : 0
        let v = b0 << 16 | b1 << 8 | b2
        out.append(table[Int(v >> 18 & 63)])
        out.append(table[Int(v >> 12 & 63)])
        out.append(n > 1 ? table[Int(v >> 6 & 63)] : "=")
        out.append(n > 2 ? table[Int(v & 63)] : "=")
        i += 3
    }
    return out + "\u{7}"
}
