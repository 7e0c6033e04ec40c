import Foundation

/// Turns raw terminal output into plain text for the model and the store.
///
/// Removes CSI/OSC/other escape sequences, turns CRLF into LF, and applies bare CRs the
/// way a terminal shows them (`10%\r55%\r100%` → `100%`), so a progress bar costs one
/// line of context, not hundreds.
public enum TerminalText {
    public static func clean(_ data: Data) -> String {
        clean(String(decoding: data, as: UTF8.self))
    }

    public static func clean(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var line = ""
        var it = text.unicodeScalars.makeIterator()
        var pendingCR = false
        func flushCR() {
            if pendingCR { line = ""; pendingCR = false }
        }
        while let c = it.next() {
            switch c {
            case "\u{1B}":
                guard let n = it.next() else { break }
                if n == "[" { // CSI: parameters then a final byte 0x40–0x7E
                    while let x = it.next(), !(0x40...0x7E).contains(x.value) {}
                } else if n == "]" { // OSC: until BEL or ESC \
                    while let x = it.next() {
                        if x == "\u{07}" { break }
                        if x == "\u{1B}" { _ = it.next(); break }
                    }
                } else if n == "(" || n == ")" {
                    _ = it.next()
                }
            case "\r":
                pendingCR = true
            case "\n":
                pendingCR = false
                out += line
                out += "\n"
                line = ""
            case "\u{08}":
                if !line.isEmpty { line.removeLast() }
            case "\u{07}", "\u{00}":
                break
            default:
                flushCR()
                line.unicodeScalars.append(c)
            }
        }
        out += line
        return out
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
