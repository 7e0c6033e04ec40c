import Foundation

/// Redacts text that arrives in pieces — a model's streamed answer — without letting any
/// piece of a secret through before the whole of it is known.
///
/// A delta is held back only as far as a secret could still be unfinished: the run of
/// token characters (letters, digits, `-_.+/=`) at the end, a credential's name (`Authorization:`,
/// `password=`, …) until its value has ended, a private-key block until its END line,
/// and any tail that could begin one of the environment's secret values. Everything before
/// that is redacted as one segment and released; no pattern the redactor knows can span the
/// cut, so prose streams word by word and a key split over ten deltas is never shown.
public struct StreamingRedactor: Sendable {
    private let redactor: SecretRedactor
    private var pending = ""

    /// Beyond this many held characters the text is released anyway (redacted as far as its
    /// shape allows): no credential is that long, and a runaway line cannot stall a stream or
    /// make each delta rescan an ever longer tail.
    public static let longestHold = 16_384

    /// Lower-cased names that start a credential of more than one word (the redactor's
    /// header and assignment patterns).
    static let lineOpeners = ["authorization", "password", "passwd", "api_key", "apikey", "secret_key", "client_secret", "aws_secret_access_key"]

    public init(_ redactor: SecretRedactor) {
        self.redactor = redactor
    }

    /// The part of everything fed so far that can be shown now, redacted.
    public mutating func feed(_ delta: String) -> String {
        pending += delta
        let scalars = Array(pending.unicodeScalars)
        let cut = cutPoint(scalars)
        guard cut > 0 else { return "" }
        var head = String.UnicodeScalarView(), tail = String.UnicodeScalarView()
        head.append(contentsOf: scalars[..<cut])
        tail.append(contentsOf: scalars[cut...])
        pending = String(tail)
        return redactor.redact(String(head))
    }

    /// What is still held, redacted: the stream has ended.
    public mutating func finish() -> String {
        defer { pending = "" }
        return pending.isEmpty ? "" : redactor.redact(pending)
    }

    static func isTokenScalar(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", "+", "/", "=": true
        default: false
        }
    }

    /// How many scalars from the start can be redacted and released without splitting a secret.
    func cutPoint(_ s: [Unicode.Scalar]) -> Int {
        if s.count > Self.longestHold { return s.count }
        // After the last separator: a token still being written stays.
        var cut = (s.lastIndex { !Self.isTokenScalar($0) }).map { $0 + 1 } ?? 0
        // A credential's name (`password =`, `Authorization: Bearer`) stays until its value has ended.
        let lineStart = (s.lastIndex { $0 == "\n" }).map { $0 + 1 } ?? 0
        if lineStart < cut, let opener = Self.openValue(in: s[lineStart...]) { cut = min(cut, lineStart + opener) }
        // A private key stays from its BEGIN line until its END line is written.
        if let begin = Self.lastRange(of: "-----BEGIN ", in: s, before: s.count), begin < cut {
            let end = Self.lastRange(of: "-----END ", in: s, before: s.count) ?? -1
            let endLineDone = end > begin && s[end...].contains("\n")
            if !endLineDone { cut = begin }
        }
        // An environment secret may hold any character: never cut inside one, or before the
        // start of a tail that could still become one.
        for value in redactor.secretValues {
            let v = Array(value.unicodeScalars)
            guard v.count > 1 else { continue }
            var moved = true
            while moved {
                moved = false
                // A tail that is the start of the value.
                let shortest = max(0, s.count - v.count + 1)
                if shortest < cut {
                    for start in shortest..<min(cut, s.count) where s[start...].elementsEqual(v[..<(s.count - start)]) {
                        cut = start
                        moved = true
                        break
                    }
                }
                // A whole occurrence the cut would split.
                let from = max(0, cut - v.count + 1)
                for start in from..<cut where start + v.count <= s.count && s[start..<(start + v.count)].elementsEqual(v) && start + v.count > cut {
                    cut = start
                    moved = true
                    break
                }
            }
        }
        return cut
    }

    /// After a credential's name: an optional `=`/`:`, an optional scheme, and a value not yet
    /// ended by a space or quote — all of it still open at the end of the text.
    static let openAfterName = try! NSRegularExpression(pattern: #"^\s*[=:]?\s*(bearer|basic|token)?\s*['"]?[^\s'"]*$"#,
                                                        options: [.caseInsensitive])

    /// Where, in the line, the first credential name starts whose value is still being written.
    static func openValue(in line: ArraySlice<Unicode.Scalar>) -> Int? {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: line)
        let text = String(view)
        let lower = text.lowercased()
        // Lower-casing these ASCII names keeps offsets only when the line's scalars map one to one.
        guard lower.unicodeScalars.count == line.count else { return 0 }
        let lowerScalars = Array(lower.unicodeScalars)
        var earliest: Int?
        for name in lineOpeners {
            let n = Array(name.unicodeScalars)
            var i = 0
            while i + n.count <= lowerScalars.count {
                if lowerScalars[i] == n[0], lowerScalars[i..<(i + n.count)].elementsEqual(n) {
                    var rest = String.UnicodeScalarView()
                    rest.append(contentsOf: lowerScalars[(i + n.count)...])
                    let after = String(rest)
                    if openAfterName.firstMatch(in: after, range: NSRange(after.startIndex..., in: after)) != nil {
                        earliest = min(earliest ?? i, i)
                        break
                    }
                }
                i += 1
            }
        }
        return earliest
    }

    /// Where the last occurrence of `needle` starts before `limit`, if any.
    static func lastRange(of needle: String, in s: [Unicode.Scalar], before limit: Int) -> Int? {
        let n = Array(needle.unicodeScalars)
        guard n.count <= limit else { return nil }
        var i = limit - n.count
        while i >= 0 {
            if s[i] == n[0], s[i..<(i + n.count)].elementsEqual(n) { return i }
            i -= 1
        }
        return nil
    }
}
