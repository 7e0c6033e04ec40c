import Foundation

/// A forgiving HTML parser for reading pages: elements with attributes and text, the end tags
/// a browser would imply (an open `<p>` closed by a block, `<li>` by the next), void elements,
/// comments dropped, and what is never content — scripts, styles, SVG, templates — skipped
/// whole. Not a validator: any input gives a tree.
public indirect enum HTMLNode: Sendable, Hashable {
    case element(name: String, attributes: [String: String], children: [HTMLNode])
    case text(String)

    public var name: String? { if case .element(let n, _, _) = self { n } else { nil } }
    public var children: [HTMLNode] { if case .element(_, _, let c) = self { c } else { [] } }
    public func attribute(_ key: String) -> String? { if case .element(_, let a, _) = self { a[key] } else { nil } }
}

public enum HTMLTree {
    static let void: Set<String> = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"]
    /// Elements whose content is skipped with them (never text a reader sees).
    static let skipped: Set<String> = ["script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas"]
    /// Block elements: an open `<p>` ends where one starts.
    static let blocks: Set<String> = ["address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption", "figure",
                                      "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre",
                                      "section", "table", "ul"]

    private final class Open {
        let name: String
        let attributes: [String: String]
        var children: [HTMLNode] = []
        init(_ name: String, _ attributes: [String: String]) {
            self.name = name
            self.attributes = attributes
        }
        var node: HTMLNode { .element(name: name, attributes: attributes, children: children) }
    }

    /// The document as one root element (`#root`).
    public static func parse(_ html: String) -> HTMLNode {
        let s = Array(html.unicodeScalars)
        var stack = [Open("#root", [:])]
        var text = String.UnicodeScalarView()
        var i = 0

        func flushText() {
            guard !text.isEmpty else { return }
            stack[stack.count - 1].children.append(.text(decodeEntities(String(text))))
            text = String.UnicodeScalarView()
        }
        func close(at index: Int) {
            while stack.count > index {
                let top = stack.removeLast()
                stack[stack.count - 1].children.append(top.node)
            }
        }
        func closeIfOpen(_ names: Set<String>, stoppingAt barriers: Set<String>) {
            for k in stride(from: stack.count - 1, to: 0, by: -1) {
                if barriers.contains(stack[k].name) { return }
                if names.contains(stack[k].name) { close(at: k); return }
            }
        }
        // ASCII case-insensitive: tag names and markers are ASCII.
        func lower(_ u: Unicode.Scalar) -> UInt32 { (65...90).contains(u.value) ? u.value + 32 : u.value }
        func starts(_ literal: String, at j: Int) -> Bool {
            var k = j
            for l in literal.unicodeScalars {
                guard k < s.count, lower(s[k]) == lower(l) else { return false }
                k += 1
            }
            return true
        }

        while i < s.count {
            let c = s[i]
            guard c == "<", i + 1 < s.count else { text.append(c); i += 1; continue }
            let next = s[i + 1]
            if starts("<!--", at: i) {
                flushText()
                var j = i + 4
                while j < s.count, !starts("-->", at: j) { j += 1 }
                i = min(s.count, j + 3)
                continue
            }
            if next == "!" || next == "?" {
                flushText()
                while i < s.count, s[i] != ">" { i += 1 }
                i += 1
                continue
            }
            let closing = next == "/"
            let nameStart = closing ? i + 2 : i + 1
            guard nameStart < s.count, s[nameStart].properties.isAlphabetic else { text.append(c); i += 1; continue }
            flushText()
            // The tag: its name, then attributes up to the `>` that is not inside quotes.
            var j = nameStart
            while j < s.count, !s[j].properties.isWhitespace, s[j] != ">", s[j] != "/" { j += 1 }
            let name = String(String.UnicodeScalarView(s[nameStart..<j])).lowercased()
            var attributes: [String: String] = [:]
            var selfClosing = false
            while j < s.count, s[j] != ">" {
                if s[j].properties.isWhitespace { j += 1; continue }
                if s[j] == "/" { selfClosing = true; j += 1; continue }
                var k = j
                while k < s.count, !s[k].properties.isWhitespace, s[k] != "=", s[k] != ">", s[k] != "/" || (k + 1 < s.count && s[k + 1] != ">") { k += 1 }
                let key = String(String.UnicodeScalarView(s[j..<k])).lowercased()
                j = k
                while j < s.count, s[j].properties.isWhitespace { j += 1 }
                var value = ""
                if j < s.count, s[j] == "=" {
                    j += 1
                    while j < s.count, s[j].properties.isWhitespace { j += 1 }
                    if j < s.count, s[j] == "\"" || s[j] == "'" {
                        let quote = s[j]
                        var e = j + 1
                        while e < s.count, s[e] != quote { e += 1 }
                        value = String(String.UnicodeScalarView(s[(j + 1)..<min(e, s.count)]))
                        j = min(s.count, e + 1)
                    } else {
                        var e = j
                        while e < s.count, !s[e].properties.isWhitespace, s[e] != ">" { e += 1 }
                        value = String(String.UnicodeScalarView(s[j..<e]))
                        j = e
                    }
                }
                if !key.isEmpty, attributes[key] == nil { attributes[key] = decodeEntities(value) }
                if k == j, value.isEmpty, key.isEmpty { j += 1 }
            }
            i = min(s.count, j + 1)
            if closing {
                if name == "p", !stack.contains(where: { $0.name == "p" }) { continue }
                if let k = stack.lastIndex(where: { $0.name == name }), k > 0 { close(at: k) }
                continue
            }
            if skipped.contains(name) {
                // Skip to its end tag (scripts hold `<` freely; an SVG may nest its own tags).
                guard !selfClosing else { continue }
                var e = i
                while e < s.count, !starts("</" + name, at: e) { e += 1 }
                while e < s.count, s[e] != ">" { e += 1 }
                i = min(s.count, e + 1)
                continue
            }
            // The end tags a browser implies.
            switch name {
            case "li": closeIfOpen(["li"], stoppingAt: ["ul", "ol", "menu"])
            case "dt", "dd": closeIfOpen(["dt", "dd"], stoppingAt: ["dl"])
            case "tr": closeIfOpen(["tr"], stoppingAt: ["table", "thead", "tbody", "tfoot"])
            case "td", "th": closeIfOpen(["td", "th"], stoppingAt: ["tr", "table"])
            case "thead", "tbody", "tfoot": closeIfOpen(["thead", "tbody", "tfoot", "tr"], stoppingAt: ["table"])
            case "option": closeIfOpen(["option"], stoppingAt: ["select"])
            default: break
            }
            if blocks.contains(name) || name == "li" { closeIfOpen(["p"], stoppingAt: ["button", "td", "th", "li", "blockquote"]) }
            if void.contains(name) || selfClosing {
                stack[stack.count - 1].children.append(.element(name: name, attributes: attributes, children: []))
                continue
            }
            if name == "textarea" || name == "title" {
                // Raw text up to the end tag.
                var e = i
                while e < s.count, !starts("</" + name, at: e) { e += 1 }
                let raw = String(String.UnicodeScalarView(s[i..<e]))
                stack[stack.count - 1].children.append(.element(name: name, attributes: attributes, children: [.text(decodeEntities(raw))]))
                while e < s.count, s[e] != ">" { e += 1 }
                i = min(s.count, e + 1)
                continue
            }
            stack.append(Open(name, attributes))
            // Deep nesting is flattened rather than followed without bound.
            if stack.count > 400 { close(at: stack.count - 1) }
        }
        flushText()
        close(at: 1)
        return stack[0].node
    }

    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{00A0}", "mdash": "—", "ndash": "–", "hellip": "…",
        "copy": "©", "reg": "®", "trade": "™", "laquo": "«", "raquo": "»", "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”",
        "bull": "•", "middot": "·", "times": "×", "divide": "÷", "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "deg": "°",
        "plusmn": "±", "para": "¶", "sect": "§", "larr": "←", "rarr": "→", "uarr": "↑", "darr": "↓", "hearts": "♥", "check": "✓",
        "shy": "", "zwj": "\u{200D}", "zwnj": "\u{200C}", "ensp": " ", "emsp": " ", "thinsp": " ", "iexcl": "¡", "iquest": "¿",
        "auml": "ä", "ouml": "ö", "uuml": "ü", "Auml": "Ä", "Ouml": "Ö", "Uuml": "Ü", "szlig": "ß", "eacute": "é", "egrave": "è",
        "aacute": "á", "agrave": "à", "oacute": "ó", "iacute": "í", "uacute": "ú", "ntilde": "ñ", "ccedil": "ç",
    ]

    /// `&amp;`, `&#39;`, `&#x27;` and the common named references; anything else stays as written.
    public static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            guard let semi = after.prefix(12).firstIndex(of: ";") else { out += "&"; rest = after; continue }
            let ref = after[..<semi]
            var replacement: String?
            if ref.hasPrefix("#x") || ref.hasPrefix("#X") {
                replacement = UInt32(ref.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            } else if ref.hasPrefix("#") {
                replacement = UInt32(ref.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            } else {
                replacement = named[String(ref)]
            }
            if let replacement {
                out += replacement
                rest = after[after.index(after: semi)...]
            } else {
                out += "&"
                rest = after
            }
        }
        return out + rest
    }
}
