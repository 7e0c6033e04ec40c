import Foundation

/// A value of the front-matter YAML dialect: every scalar is a string.
public indirect enum YAMLValue: Sendable, Hashable {
    case string(String)
    case list([YAMLValue])
    /// Keys in document order.
    case map([(key: String, value: YAMLValue)])

    public static func == (a: YAMLValue, b: YAMLValue) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): x == y
        case (.list(let x), .list(let y)): x == y
        case (.map(let x), .map(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case .string(let s): h.combine(0); h.combine(s)
        case .list(let l): h.combine(1); h.combine(l)
        case .map(let m): h.combine(2); for (k, v) in m { h.combine(k); h.combine(v) }
        }
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }

    public subscript(key: String) -> YAMLValue? {
        if case .map(let m) = self { return m.first { $0.key == key }?.value }
        return nil
    }
}

/// A YAML problem with the line it is on (1-based, within the YAML text).
public struct YAMLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

/// The restricted YAML that skill front matter is read with, as the reference reads it
/// (StrictYAML): block mappings and sequences, plain, quoted and block (`|`, `>`) scalars, and
/// comments; every scalar is a string (`3`, `true`, `null` and `~` stay text). Flow collections
/// (`[a, b]`, `{a: b}`), anchors, aliases, tags and duplicate keys are refused.
public enum StrictYAML {
    public static func parse(_ text: String) throws(YAMLError) -> YAMLValue? {
        // Lines by bytes: splitting by Character (grapheme clusters) was most of the parse.
        var lines: [String] = []
        var start = text.utf8.startIndex
        for i in text.utf8.indices where text.utf8[i] == 10 {
            lines.append(String(text[start..<i]))
            start = text.utf8.index(after: i)
        }
        lines.append(String(text[start...]))
        var p = Parser(lines: lines)
        return try p.document()
    }

    struct Parser {
        var lines: [String]
        var i = 0

        static func indent(_ s: String) -> Int { s.utf8.prefix { $0 == 32 }.count }
        static func isBlank(_ s: String) -> Bool {
            let t = s.utf8.drop { $0 == 32 || $0 == 9 }
            return t.isEmpty || t.first == 35
        }

        mutating func skipBlank() { while i < lines.count, Self.isBlank(lines[i]) { i += 1 } }

        mutating func document() throws(YAMLError) -> YAMLValue? {
            skipBlank()
            guard i < lines.count else { return nil }
            let value = try block(indent: Self.indent(lines[i]))
            skipBlank()
            if i < lines.count { throw YAMLError(line: i + 1, message: "unexpected text at a lower indentation") }
            return value
        }

        /// A block node whose lines start at `indent`.
        mutating func block(indent: Int) throws(YAMLError) -> YAMLValue {
            skipBlank()
            // Only blank lines were left (an item of nothing but tabs): an empty value.
            guard i < lines.count else { return .string("") }
            let line = lines[i]
            let body = line.dropFirst(indent)
            if body == "-" || body.hasPrefix("- ") { return try sequence(indent: indent) }
            if splitKey(body) != nil { return try mapping(indent: indent) }
            return try scalar(String(body), indent: indent - 1, line: i)
        }

        mutating func sequence(indent: Int) throws(YAMLError) -> YAMLValue {
            var items: [YAMLValue] = []
            while true {
                skipBlank()
                guard i < lines.count, Self.indent(lines[i]) == indent else { break }
                let body = lines[i].dropFirst(indent)
                guard body == "-" || body.hasPrefix("- ") else { break }
                let rest = body.dropFirst(1).drop { $0 == " " }
                // As PyYAML: a tab cannot start a value.
                if rest.hasPrefix("\t") { throw YAMLError(line: i + 1, message: "a tab cannot start a value") }
                if rest.isEmpty || rest.hasPrefix("#") {
                    i += 1
                    skipBlank()
                    guard i < lines.count, Self.indent(lines[i]) > indent else { items.append(.string("")); continue }
                    items.append(try block(indent: Self.indent(lines[i])))
                } else {
                    // `- key: value` or `- - x`: the item is a block that starts after the dash.
                    let inner = indent + (body.count - rest.count)
                    lines[i] = String(repeating: " ", count: inner) + rest
                    items.append(try block(indent: inner))
                }
            }
            return .list(items)
        }

        mutating func mapping(indent: Int) throws(YAMLError) -> YAMLValue {
            var entries: [(key: String, value: YAMLValue)] = []
            while true {
                skipBlank()
                guard i < lines.count else { break }
                let n = Self.indent(lines[i])
                if n < indent { break }
                if n > indent { throw YAMLError(line: i + 1, message: "unexpected indentation") }
                let body = lines[i].dropFirst(indent)
                guard let (rawKey, rest) = splitKey(body) else {
                    throw YAMLError(line: i + 1, message: "expected a `key: value` line")
                }
                let key = try unquoteKey(rawKey, line: i)
                if entries.contains(where: { $0.key == key }) { throw YAMLError(line: i + 1, message: "duplicate key \"\(key)\"") }
                let value = rest.trimmed(" \t")
                let keyLine = i
                if value.isEmpty || value.hasPrefix("#") {
                    i += 1
                    skipBlank()
                    if i < lines.count, Self.indent(lines[i]) > indent {
                        entries.append((key, try block(indent: Self.indent(lines[i]))))
                    } else if i < lines.count, Self.indent(lines[i]) == indent,
                              lines[i].dropFirst(indent) == "-" || lines[i].dropFirst(indent).hasPrefix("- ") {
                        entries.append((key, try sequence(indent: indent)))
                    } else {
                        entries.append((key, .string("")))
                    }
                } else {
                    entries.append((key, try scalar(value, indent: indent, line: keyLine)))
                }
            }
            return .map(entries)
        }

        /// `key: rest` split at the first `: ` (or a final `:`) outside quotes.
        func splitKey(_ s: Substring) -> (Substring, Substring)? {
            var quote: Character?
            var idx = s.startIndex
            if let f = s.first, f == "\"" || f == "'" {
                quote = f
                idx = s.index(after: idx)
                while idx < s.endIndex, s[idx] != quote { idx = s.index(after: idx) }
                guard idx < s.endIndex else { return nil }
                idx = s.index(after: idx)
                quote = nil
            }
            while idx < s.endIndex {
                if s[idx] == ":" {
                    let next = s.index(after: idx)
                    if next == s.endIndex || s[next] == " " || s[next] == "\t" {
                        let key = s[..<idx]
                        if key.isEmpty || key.hasPrefix("#") || key.hasPrefix("- ") || key == "-" { return nil }
                        return (key, s[next...])
                    }
                }
                if s[idx] == " ", s.index(after: idx) < s.endIndex, s[s.index(after: idx)] == "#" { return nil }
                idx = s.index(after: idx)
            }
            return nil
        }

        func unquoteKey(_ k: Substring, line: Int) throws(YAMLError) -> String {
            let t = k.trimmed(" \t")
            if t.hasPrefix("\"") || t.hasPrefix("'") { return String(t.dropFirst().dropLast()) }
            if let f = t.first, "[{&*!".contains(f) { throw YAMLError(line: line + 1, message: "flow style, anchors, aliases and tags are not allowed") }
            return t
        }

        /// The scalar starting with `first` on line `line`; continuation lines are those indented
        /// more than `indent`. Advances past everything it used.
        mutating func scalar(_ first: String, indent: Int, line: Int) throws(YAMLError) -> YAMLValue {
            guard let c = first.first else { i = line + 1; return .string("") }
            switch c {
            case "[", "{":
                throw YAMLError(line: line + 1, message: "Found ugly disallowed JSONesque flow mapping (surround with ' and ' to make text appear literally)")
            case "&", "*":
                throw YAMLError(line: line + 1, message: "anchors and aliases are not allowed")
            case "!":
                throw YAMLError(line: line + 1, message: "tags are not allowed")
            case "|", ">":
                return .string(try blockScalar(header: first, indent: indent, line: line))
            case "\"", "'":
                return .string(try quoted(first, quote: c, indent: indent, line: line))
            default:
                return .string(plain(first, indent: indent, line: line))
            }
        }

        /// A plain scalar: trailing comments dropped, continuation lines folded with spaces.
        mutating func plain(_ first: String, indent: Int, line: Int) -> String {
            var parts = [stripComment(first)]
            i = line + 1
            var blanks = 0
            while i < lines.count {
                let l = lines[i]
                if l.trimmed(" \t").isEmpty { blanks += 1; i += 1; continue }
                guard Self.indent(l) > indent, !l.trimmed(" ").hasPrefix("#") else { break }
                let t = stripComment(l.trimmed(" \t"))
                if blanks > 0 { parts.append(String(repeating: "\n", count: blanks)); blanks = 0 } else { parts.append(" ") }
                parts.append(t)
                i += 1
            }
            // Blank lines after the scalar belong to nobody.
            let joined = parts.joined()
            return joined.utf8.contains(10) ? joined.replacingOccurrences(of: " \n", with: "\n").replacingOccurrences(of: "\n ", with: "\n") : joined
        }

        func stripComment(_ s: String) -> String {
            var out = s
            if let r = out[...].utf8Range(of: " #") { out = String(out[..<r.lowerBound]) }
            return out.trimmed(" \t")
        }

        /// `"…"` with escapes, or `'…'` with `''`; may span lines (folded).
        mutating func quoted(_ first: String, quote: Character, indent: Int, line: Int) throws(YAMLError) -> String {
            var text = String(first.dropFirst())
            var j = line
            var out = ""
            while true {
                var idx = text.startIndex
                while idx < text.endIndex {
                    let ch = text[idx]
                    if quote == "'", ch == "'" {
                        let next = text.index(after: idx)
                        if next < text.endIndex, text[next] == "'" { out.append("'"); idx = text.index(after: next); continue }
                        i = j + 1
                        try checkTrailing(text[text.index(after: idx)...], line: j)
                        return out
                    }
                    if quote == "\"", ch == "\\" {
                        let next = text.index(after: idx)
                        guard next < text.endIndex else { idx = next; continue }
                        switch text[next] {
                        case "n": out.append("\n")
                        case "t": out.append("\t")
                        case "r": out.append("\r")
                        case "0": out.append("\0")
                        case "\\": out.append("\\")
                        case "\"": out.append("\"")
                        case "/": out.append("/")
                        case " ": out.append(" ")
                        case "u", "x", "U":
                            let len = text[next] == "x" ? 2 : text[next] == "u" ? 4 : 8
                            let hexStart = text.index(after: next)
                            let hexEnd = text.index(hexStart, offsetBy: len, limitedBy: text.endIndex) ?? text.endIndex
                            if let v = UInt32(text[hexStart..<hexEnd], radix: 16), let sc = Unicode.Scalar(v) { out.unicodeScalars.append(sc) }
                            idx = hexEnd
                            continue
                        default: out.append(text[next])
                        }
                        idx = text.index(after: next)
                        continue
                    }
                    if quote == "\"", ch == "\"" {
                        i = j + 1
                        try checkTrailing(text[text.index(after: idx)...], line: j)
                        return out
                    }
                    out.append(ch)
                    idx = text.index(after: idx)
                }
                // The string goes on: fold the line break.
                j += 1
                guard j < lines.count else { throw YAMLError(line: line + 1, message: "unclosed quoted string") }
                let next = lines[j].trimmed(" \t")
                while out.hasSuffix(" ") { out.removeLast() }
                out += next.isEmpty ? "\n" : (out.hasSuffix("\n") ? "" : " ")
                text = next.isEmpty ? "" : next
            }
        }

        func checkTrailing(_ rest: Substring, line: Int) throws(YAMLError) {
            let t = rest.trimmed(" \t")
            if !t.isEmpty, !t.hasPrefix("#") { throw YAMLError(line: line + 1, message: "text after a quoted string") }
        }

        /// `|` (literal) or `>` (folded), with an optional chomping indicator (`-`, `+`) and
        /// indentation digit.
        mutating func blockScalar(header: String, indent: Int, line: Int) throws(YAMLError) -> String {
            let h = stripComment(header)
            let folded = h.first == ">"
            let chomp: Character? = h.contains("-") ? "-" : h.contains("+") ? "+" : nil
            let explicit = h.compactMap(\.wholeNumberValue).first
            i = line + 1
            var body: [String] = []
            var blockIndent: Int?
            if let explicit { blockIndent = max(0, indent) + explicit }
            while i < lines.count {
                let l = lines[i]
                if l.trimmed(" ").isEmpty { body.append(""); i += 1; continue }
                let n = Self.indent(l)
                if blockIndent == nil { blockIndent = n }
                guard n >= blockIndent!, n > indent else { break }
                body.append(String(l.dropFirst(blockIndent!)))
                i += 1
            }
            // Trailing blank lines: counted for chomping, not content.
            var trailing = 0
            while body.last == "" { body.removeLast(); trailing += 1 }
            var text: String
            if folded {
                text = ""
                for (k, l) in body.enumerated() {
                    if k == 0 { text = l; continue }
                    let prev = body[k - 1]
                    if l.isEmpty { text += "\n" } else if prev.isEmpty || l.hasPrefix(" ") || prev.hasPrefix(" ") {
                        text += (prev.isEmpty ? "" : "\n") + l
                    } else { text += " " + l }
                }
            } else {
                text = body.joined(separator: "\n")
            }
            if body.isEmpty { return chomp == "+" ? String(repeating: "\n", count: trailing) : "" }
            switch chomp {
            case "-": return text
            case "+": return text + "\n" + String(repeating: "\n", count: trailing)
            default: return text + "\n"
            }
        }
    }
}

extension String {
    func trimmed(_ set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

extension Substring {
    func trimmed(_ set: String) -> String { String(self).trimmed(set) }
}
