/// A key press, decoded from the terminal by the backend.
public struct KeyEvent: Sendable, Hashable {
    public enum Key: Sendable, Hashable {
        case character(Character)
        case enter, tab, backTab, backspace, delete, escape
        case up, down, left, right, home, end, pageUp, pageDown, insert
        case function(Int)
        /// The start of a bracketed paste (consumed by ``InputDecoder``).
        case pasteStart
    }

    public struct Modifiers: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let shift = Modifiers(rawValue: 1)
        public static let alt = Modifiers(rawValue: 2)
        public static let control = Modifiers(rawValue: 4)
    }

    public var key: Key
    public var modifiers: Modifiers

    public init(_ key: Key, _ modifiers: Modifiers = []) {
        self.key = key
        self.modifiers = modifiers
    }

    /// `ctrl-c`-style shorthand for tests and keymaps.
    public static func ctrl(_ c: Character) -> KeyEvent { KeyEvent(.character(c), .control) }
}
