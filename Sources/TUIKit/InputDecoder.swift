/// Turns the bytes a terminal sends into keys, pastes and mouse events. Pure and incremental.
///
/// Understands what terminals send in practice: UTF-8 text, C0 control keys, `ESC`-prefixed
/// Alt combinations, CSI and SS3 cursor and function keys with xterm modifiers, the kitty
/// keyboard protocol (`CSI code;mods u`) and xterm's modifyOtherKeys (`CSI 27;mods;code ~`) —
/// the only ways a terminal can tell Shift+Enter from Enter —, bracketed paste (one event
/// however large, never interpreted as keys), and SGR mouse reports. Input may be split
/// anywhere. A lone `ESC` is ambiguous until more bytes arrive or a short time passes: the
/// caller calls ``flush()`` when ``isWaiting`` stays true for its escape delay.
public struct InputDecoder: Sendable {
    private var pending: [UInt8] = []
    private var paste: [UInt8]?

    /// The longest paste kept in memory (larger pastes are cut, never split into keys).
    public static let maxPaste = 8 << 20

    public init() {}

    /// True when bytes are held back because they may start a longer sequence.
    public var isWaiting: Bool { !pending.isEmpty && paste == nil }

    /// Decodes as much of the input so far as is unambiguous.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [TerminalInput] {
        pending.append(contentsOf: bytes)
        return decode(final: false)
    }

    /// Decodes what is held back as if no more bytes will follow (after the escape delay).
    public mutating func flush() -> [TerminalInput] { decode(final: true) }

    private mutating func decode(final: Bool) -> [TerminalInput] {
        var out: [TerminalInput] = []
        var i = 0
        while i < pending.count {
            if paste != nil {
                let j = consumePaste(from: i, into: &out)
                if j == i { break } // a possible terminator, split: wait for the rest
                i = j
                continue
            }
            guard let (event, length) = next(at: i, final: final) else { break }
            i += length
            if let event {
                if case .key(let k) = event, k.key == .pasteStart { paste = []; continue }
                out.append(event)
            }
        }
        pending.removeFirst(i)
        return out
    }

    /// Bracketed paste: everything up to `ESC[201~` is text.
    private mutating func consumePaste(from start: Int, into out: inout [TerminalInput]) -> Int {
        let end: [UInt8] = [0x1B, 0x5B, 0x32, 0x30, 0x31, 0x7E]
        var i = start
        while i < pending.count {
            if pending[i] == 0x1B {
                let available = min(end.count, pending.count - i)
                if Array(pending[i..<(i + available)]) == Array(end.prefix(available)) {
                    if available < end.count { return i } // maybe the terminator, split: wait
                    var bytes = paste ?? []
                    paste = nil
                    if bytes.count > Self.maxPaste { bytes.removeSubrange(Self.maxPaste...) }
                    // Terminals send line ends as CR; the editor wants LF.
                    var normalized: [UInt8] = []
                    normalized.reserveCapacity(bytes.count)
                    for (n, c) in bytes.enumerated() where !(c == 0x0D && n + 1 < bytes.count && bytes[n + 1] == 0x0A) {
                        normalized.append(c == 0x0D ? 0x0A : c)
                    }
                    out.append(.paste(String(decoding: normalized, as: UTF8.self)))
                    return i + end.count
                }
            }
            if (paste?.count ?? 0) <= Self.maxPaste { paste?.append(pending[i]) }
            i += 1
        }
        return i
    }

    /// The event at `i` and its length in bytes, `nil` if more bytes are needed; a `nil`
    /// event with a length skips bytes that mean nothing.
    private func next(at i: Int, final: Bool) -> (TerminalInput?, Int)? {
        let b = pending[i]
        switch b {
        case 0x1B:
            return escape(at: i, final: final)
        case 0x0D: return (.key(KeyEvent(.enter)), 1)
        case 0x09: return (.key(KeyEvent(.tab)), 1)
        case 0x7F, 0x08: return (.key(KeyEvent(.backspace)), 1)
        case 0x00: return (.key(KeyEvent(.character(" "), .control)), 1)
        case 0x01...0x1A: return (.key(KeyEvent(.character(Character(Unicode.Scalar(b + 0x60))), .control)), 1)
        case 0x1C...0x1F: return (.key(KeyEvent(.character(Character(Unicode.Scalar(b + 0x40))), .control)), 1)
        case 0x20..<0x7F: return (.key(KeyEvent(.character(Character(Unicode.Scalar(b))))), 1)
        default:
            guard let (scalar, length) = utf8Scalar(at: i, final: final) else { return nil }
            return (scalar.map { .key(KeyEvent(.character(Character($0)))) }, length)
        }
    }

    private func utf8Scalar(at i: Int, final: Bool) -> (Unicode.Scalar?, Int)? {
        let b = pending[i]
        let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
        if need == 1 { return (nil, 1) } // a stray continuation byte
        if pending.count - i < need { return final ? (nil, pending.count - i) : nil }
        let bytes = pending[i..<(i + need)]
        guard bytes.dropFirst().allSatisfy({ $0 & 0xC0 == 0x80 }) else { return (nil, 1) }
        let s = String(decoding: bytes, as: UTF8.self).unicodeScalars.first
        return (s == "\u{FFFD}" ? nil : s, need)
    }

    private func escape(at i: Int, final: Bool) -> (TerminalInput?, Int)? {
        guard i + 1 < pending.count else { return final ? (.key(KeyEvent(.escape)), 1) : nil }
        let b = pending[i + 1]
        switch b {
        case 0x5B: // CSI
            var j = i + 2
            while j < pending.count, !(0x40...0x7E).contains(pending[j]) {
                if j - i > 64 { return (nil, j - i) } // runaway: drop it
                j += 1
            }
            guard j < pending.count else { return final ? (.key(KeyEvent(.escape)), 1) : nil }
            // `ESC [ <` mouse reports end in M or m; other bytes in between are parameters.
            let params = String(decoding: pending[(i + 2)..<j], as: UTF8.self)
            return (csi(params, final: pending[j]), j - i + 1)
        case 0x4F: // SS3
            guard i + 2 < pending.count else { return final ? (.key(KeyEvent(.character("O"), .alt)), 2) : nil }
            return (ss3(pending[i + 2]).map { .key($0) }, 3)
        case 0x1B:
            return (.key(KeyEvent(.escape)), 1)
        default:
            guard let (event, length) = next(at: i + 1, final: final) else { return nil }
            guard case .key(var k)? = event else { return (event, length + 1) }
            k.modifiers.insert(.alt)
            return (.key(k), length + 1)
        }
    }

    private func ss3(_ b: UInt8) -> KeyEvent? {
        switch b {
        case 0x41: KeyEvent(.up)
        case 0x42: KeyEvent(.down)
        case 0x43: KeyEvent(.right)
        case 0x44: KeyEvent(.left)
        case 0x48: KeyEvent(.home)
        case 0x46: KeyEvent(.end)
        case 0x50...0x53: KeyEvent(.function(Int(b) - 0x4F))
        case 0x4D: KeyEvent(.enter)
        default: nil
        }
    }

    private func csi(_ params: String, final: UInt8) -> TerminalInput? {
        if params.hasPrefix("<"), final == 0x4D || final == 0x6D { return mouse(params.dropFirst(), pressed: final == 0x4D) }
        if params.hasPrefix("?") || params.hasPrefix(">") { return nil } // replies to queries
        let fields = params.split(separator: ";", omittingEmptySubsequences: false).map { f in
            Int(f.split(separator: ":").first ?? "") // kitty adds `:alternates`
        }
        func field(_ n: Int) -> Int? { n < fields.count ? fields[n] : nil }
        let mods = Self.modifiers(field(1) ?? 1)
        let key: KeyEvent.Key?
        switch final {
        case 0x41: key = .up
        case 0x42: key = .down
        case 0x43: key = .right
        case 0x44: key = .left
        case 0x48: key = .home
        case 0x46: key = .end
        case 0x5A: return .key(KeyEvent(.backTab, mods.union(.shift)))
        case 0x50...0x53: key = .function(Int(final) - 0x4F)
        case 0x49: return .focus(true)
        case 0x4F: return .focus(false)
        case 0x75: // kitty: CSI code ; mods u
            guard let code = field(0) else { return nil }
            return Self.codepoint(code).map { .key(KeyEvent($0.key, $0.modifiers.union(mods))) }
        case 0x7E:
            switch field(0) {
            case 200: return .key(KeyEvent(.pasteStart))
            case 201: return nil
            case 27: // modifyOtherKeys: CSI 27 ; mods ; code ~
                guard let code = field(2) else { return nil }
                return Self.codepoint(code).map { .key(KeyEvent($0.key, $0.modifiers.union(Self.modifiers(field(1) ?? 1)))) }
            case 1, 7: key = .home
            case 4, 8: key = .end
            case 2: key = .insert
            case 3: key = .delete
            case 5: key = .pageUp
            case 6: key = .pageDown
            case let n? where (11...15).contains(n): key = .function(n - 10)
            case let n? where (17...21).contains(n): key = .function(n - 11)
            case let n? where (23...24).contains(n): key = .function(n - 12)
            default: return nil
            }
        default: return nil
        }
        return key.map { .key(KeyEvent($0, mods)) }
    }

    /// xterm's modifier parameter: 1 + (shift 1 | alt 2 | ctrl 4).
    static func modifiers(_ p: Int) -> KeyEvent.Modifiers {
        let bits = max(0, p - 1)
        var m: KeyEvent.Modifiers = []
        if bits & 1 != 0 { m.insert(.shift) }
        if bits & 2 != 0 { m.insert(.alt) }
        if bits & 4 != 0 { m.insert(.control) }
        return m
    }

    /// A key named by its Unicode code point (kitty, modifyOtherKeys).
    static func codepoint(_ code: Int) -> KeyEvent? {
        switch code {
        case 13: return KeyEvent(.enter)
        case 9: return KeyEvent(.tab)
        case 127, 8: return KeyEvent(.backspace)
        case 27: return KeyEvent(.escape)
        default:
            guard let s = Unicode.Scalar(UInt32(clamping: code)), code >= 32 else { return nil }
            return KeyEvent(.character(Character(s)))
        }
    }

    private func mouse(_ params: Substring, pressed: Bool) -> TerminalInput? {
        let f = params.split(separator: ";").compactMap { Int($0) }
        guard f.count == 3 else { return nil }
        let b = f[0]
        var mods: KeyEvent.Modifiers = []
        if b & 4 != 0 { mods.insert(.shift) }
        if b & 8 != 0 { mods.insert(.alt) }
        if b & 16 != 0 { mods.insert(.control) }
        let kind: MouseEvent.Kind
        if b & 64 != 0 {
            kind = b & 1 == 0 ? .wheelUp : .wheelDown
        } else if b & 32 != 0 {
            kind = .drag
        } else {
            kind = pressed ? .press(b & 3) : .release
        }
        return .mouse(MouseEvent(kind: kind, x: f[1] - 1, y: f[2] - 1, modifiers: mods))
    }
}

/// A mouse report (cells, zero-based).
public struct MouseEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Button 0 left, 1 middle, 2 right.
        case press(Int)
        case release, drag, wheelUp, wheelDown
    }

    public var kind: Kind
    public var x: Int
    public var y: Int
    public var modifiers: KeyEvent.Modifiers

    public init(kind: Kind, x: Int, y: Int, modifiers: KeyEvent.Modifiers = []) {
        self.kind = kind
        self.x = x
        self.y = y
        self.modifiers = modifiers
    }
}
