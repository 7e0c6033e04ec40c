/// Canonical key names, as keymaps spell them: `ctrl-r`, `alt-enter`, `shift-enter`, `pageup`,
/// `f1`, `esc`, `?`. Modifiers come first, in the order ctrl, alt, shift; `space` and `minus`
/// name those characters. Parsing and printing round-trip.
extension KeyEvent {
    static let names: [(String, Key)] = [
        ("enter", .enter), ("tab", .tab), ("backtab", .backTab), ("backspace", .backspace),
        ("delete", .delete), ("insert", .insert), ("esc", .escape), ("up", .up), ("down", .down),
        ("left", .left), ("right", .right), ("home", .home), ("end", .end), ("pageup", .pageUp),
        ("pagedown", .pageDown), ("space", .character(" ")), ("minus", .character("-")),
    ]

    /// Parses a key name; `nil` if it is not one.
    public init?(name: String) {
        if name.count == 1, let c = name.first, !c.isWhitespace {
            self.init(.character(c))
            return
        }
        var parts = name.split(separator: "-", omittingEmptySubsequences: false).map { $0.lowercased() }
        guard let last = parts.popLast(), !last.isEmpty else { return nil }
        var mods: Modifiers = []
        for p in parts {
            switch p {
            case "ctrl", "c": mods.insert(.control)
            case "alt", "meta", "m": mods.insert(.alt)
            case "shift", "s": mods.insert(.shift)
            default: return nil
            }
        }
        if let k = Self.names.first(where: { $0.0 == last })?.1 {
            self.init(k, mods)
        } else if last.count == 1, let c = last.first, !c.isWhitespace {
            self.init(.character(mods.contains(.control) ? Character(c.lowercased()) : c), mods)
        } else if last.hasPrefix("f"), let n = Int(last.dropFirst()), (1...24).contains(n) {
            self.init(.function(n), mods)
        } else {
            return nil
        }
    }

    /// The canonical name (what help screens show).
    public var name: String {
        var s = ""
        if modifiers.contains(.control) { s += "ctrl-" }
        if modifiers.contains(.alt) { s += "alt-" }
        if modifiers.contains(.shift) { s += "shift-" }
        if let n = Self.names.first(where: { $0.1 == key })?.0 { return s + n }
        switch key {
        case .character(let c): return s + String(c)
        case .function(let n): return s + "f\(n)"
        default: return s + "?"
        }
    }
}
