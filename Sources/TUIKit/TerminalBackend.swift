/// Input as the backend decodes it.
public enum TerminalInput: Sendable, Hashable {
    case key(KeyEvent)
    case resize
}

/// A terminal the runtime draws on: curses in the app, a virtual one in tests.
public protocol TerminalBackend: AnyObject {
    var cols: Int { get }
    var rows: Int { get }
    /// The descriptors to `poll(2)` for input (the terminal, and e.g. a resize self-pipe).
    var inputFDs: [Int32] { get }
    /// Writes changed cells (not yet visible).
    func apply(_ changes: [CellChange])
    /// Makes everything applied visible.
    func flush()
    /// Decodes all input available now, without blocking.
    func readInput() -> [TerminalInput]
    /// Puts the terminal back as it was.
    func restore()
}
