import Foundation

/// A page as readable markdown: headings, paragraphs, lists, links, code, quotes and tables
/// kept; navigation, headers and footers of the site, forms and hidden parts dropped. The
/// page's `<main>` (or its first `<article>`) when it has one, else its body.
public struct HTMLMarkdown: Sendable {
    public var title: String?
    public var markdown: String

    /// Elements dropped with their content (the site around the page, not the page).
    static let chrome: Set<String> = ["nav", "aside", "footer", "form", "button", "select", "input", "textarea", "dialog", "menu", "head"]

    public init(html: String, base: URL?) {
        let root = HTMLTree.parse(html)
        title = Self.first("title", in: root, skippingChrome: false).map { Self.collapse(Self.plainText($0)) }.flatMap { $0.isEmpty ? nil : $0 }
        let content = Self.first("main", in: root) ?? Self.first("article", in: root) ?? Self.first("body", in: root) ?? root
        var r = Renderer(base: base)
        markdown = r.blocks(content.children).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func first(_ name: String, in node: HTMLNode, skippingChrome: Bool = true) -> HTMLNode? {
        for child in node.children {
            if child.name == name { return child }
            if skippingChrome, chrome.contains(child.name ?? "") { continue }
            if let found = first(name, in: child, skippingChrome: skippingChrome) { return found }
        }
        return nil
    }

    static func plainText(_ node: HTMLNode) -> String {
        switch node {
        case .text(let t): t
        case .element(_, _, let children): children.map(plainText).joined()
        }
    }

    /// Runs of whitespace as one space (no-break spaces too), trimmed.
    static func collapse(_ text: String) -> String {
        var out = ""
        var space = false
        for c in text {
            if c.isWhitespace { space = true; continue }
            if space, !out.isEmpty { out.append(" ") }
            space = false
            out.append(c)
        }
        return out
    }

    static func isHidden(_ node: HTMLNode) -> Bool {
        guard case .element(let name, let a, _) = node else { return false }
        if chrome.contains(name) || a["hidden"] != nil || a["aria-hidden"] == "true" { return true }
        if let role = a["role"], ["navigation", "banner", "contentinfo", "search", "complementary", "dialog"].contains(role) { return true }
        if let style = a["style"]?.replacingOccurrences(of: " ", with: "").lowercased(), style.contains("display:none") { return true }
        // The site's own header, not an article's.
        if name == "header", a["class"]?.contains("site") == true || a["id"]?.contains("site") == true { return true }
        return false
    }

    struct Renderer {
        let base: URL?
        var depth = 0

        /// Block content: paragraphs and blocks separated by a blank line.
        mutating func blocks(_ nodes: [HTMLNode], separator: String = "\n\n") -> String {
            depth += 1
            defer { depth -= 1 }
            guard depth < 60 else { return HTMLMarkdown.collapse(nodes.map(HTMLMarkdown.plainText).joined(separator: " ")) }
            var parts: [String] = []
            var run: [HTMLNode] = []
            func flush(_ r: inout Renderer) {
                let text = r.paragraph(run)
                if !text.isEmpty { parts.append(text) }
                run = []
            }
            for node in nodes {
                if HTMLMarkdown.isHidden(node) { continue }
                if let name = node.name, Self.blockNames.contains(name) {
                    flush(&self)
                    let b = block(node)
                    if !b.isEmpty { parts.append(b) }
                } else {
                    run.append(node)
                }
            }
            flush(&self)
            return parts.joined(separator: separator)
        }

        static let blockNames: Set<String> = HTMLTree.blocks.union(["li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "body", "html",
                                                                    "center", "summary", "caption"])

        mutating func block(_ node: HTMLNode) -> String {
            guard case .element(let name, let attributes, let children) = node else { return "" }
            switch name {
            case "h1", "h2", "h3", "h4", "h5", "h6":
                let text = paragraph(children).replacingOccurrences(of: "\n", with: " ")
                return text.isEmpty ? "" : String(repeating: "#", count: Int(String(name.last!)) ?? 1) + " " + text
            case "ul", "ol", "menu":
                return list(children, ordered: name == "ol", start: Int(attributes["start"] ?? "") ?? 1)
            case "pre":
                let code = children.count == 1 && children[0].name == "code" ? children[0] : node
                let language = ([code.attribute("class"), attributes["class"]].compactMap { $0 }.joined(separator: " ")
                    .split(separator: " ").first { $0.hasPrefix("language-") || $0.hasPrefix("lang-") })
                    .map { String($0.split(separator: "-", maxSplits: 1).last ?? "") } ?? ""
                var text = HTMLMarkdown.plainText(code)
                while text.hasSuffix("\n") { text.removeLast() }
                if text.hasPrefix("\n") { text.removeFirst() }
                let fence = text.contains("```") ? "````" : "```"
                return fence + language + "\n" + text + "\n" + fence
            case "blockquote":
                let inner = blocks(children)
                return inner.isEmpty ? "" : inner.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? ">" : "> " + $0 }.joined(separator: "\n")
            case "table":
                return table(node)
            case "hr":
                return "---"
            case "dl":
                var out: [String] = []
                for child in children where !HTMLMarkdown.isHidden(child) {
                    let text = paragraph(child.children)
                    guard !text.isEmpty else { continue }
                    out.append(child.name == "dt" ? "**\(text)**" : ": " + text)
                }
                return out.joined(separator: "\n")
            default:
                return blocks(children)
            }
        }

        mutating func list(_ items: [HTMLNode], ordered: Bool, start: Int) -> String {
            var out: [String] = []
            var n = start
            for item in items where !HTMLMarkdown.isHidden(item) {
                let body: String
                if item.name == "li" {
                    // A tight item: its text and the lists nested in it on consecutive lines.
                    let tight = item.children.allSatisfy { c in c.name.map { !Self.blockNames.contains($0) || ["ul", "ol", "menu"].contains($0) } ?? true }
                    body = blocks(item.children, separator: tight ? "\n" : "\n\n")
                } else if item.name == nil {
                    body = paragraph([item])
                } else {
                    body = block(item)
                }
                guard !body.isEmpty else { continue }
                let marker = ordered ? "\(n). " : "- "
                n += 1
                let indent = String(repeating: " ", count: marker.count)
                let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
                out.append(marker + lines[0] + lines.dropFirst().map { "\n" + ($0.isEmpty ? "" : indent + $0) }.joined())
            }
            return out.joined(separator: "\n")
        }

        mutating func table(_ table: HTMLNode) -> String {
            var rows: [[String]] = []
            var headerRow = false
            func collect(_ node: HTMLNode, _ r: inout Renderer) {
                for child in node.children {
                    switch child.name {
                    case "tr":
                        let cells = child.children.filter { $0.name == "td" || $0.name == "th" }
                        if rows.isEmpty, cells.contains(where: { $0.name == "th" }) { headerRow = true }
                        rows.append(cells.map { r.paragraph($0.children).replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|") })
                    case "thead", "tbody", "tfoot": collect(child, &r)
                    default: continue
                    }
                }
            }
            collect(table, &self)
            rows = rows.filter { !$0.allSatisfy(\.isEmpty) }
            guard let width = rows.map(\.count).max(), width > 0 else { return "" }
            // A one-column "table" is layout: its cells as paragraphs.
            if width == 1 { return rows.map { $0[0] }.filter { !$0.isEmpty }.joined(separator: "\n\n") }
            let padded = rows.map { $0 + Array(repeating: "", count: width - $0.count) }
            let head = headerRow ? padded[0] : Array(repeating: "", count: width)
            let body = headerRow ? Array(padded.dropFirst()) : padded
            var out = ["| " + head.joined(separator: " | ") + " |", "|" + String(repeating: " --- |", count: width)]
            out += body.map { "| " + $0.joined(separator: " | ") + " |" }
            return out.joined(separator: "\n")
        }

        /// Inline content as one paragraph (line breaks from `<br>` kept).
        mutating func paragraph(_ nodes: [HTMLNode]) -> String {
            let raw = nodes.map { inline($0) }.joined()
            return raw.split(separator: "\n", omittingEmptySubsequences: false).map { HTMLMarkdown.collapse(String($0)) }
                .joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        }

        mutating func inline(_ node: HTMLNode) -> String {
            guard case .element(let name, let a, let children) = node else {
                if case .text(let t) = node { return t.replacingOccurrences(of: "\n", with: " ") }
                return ""
            }
            if HTMLMarkdown.isHidden(node) { return "" }
            // The spaces around an element stay outside its marks: "a **b** c", "**b**, c".
            func around(_ raw: String, _ body: String) -> String {
                (raw.first?.isWhitespace == true ? " " : "") + body + (raw.last?.isWhitespace == true ? " " : "")
            }
            func wrapped(_ mark: String, _ r: inout Renderer) -> String {
                let raw = children.map { r.inline($0) }.joined()
                let inner = HTMLMarkdown.collapse(raw)
                return inner.isEmpty ? (raw.isEmpty ? "" : " ") : around(raw, mark + inner + mark)
            }
            switch name {
            case "br": return "\n"
            case "strong", "b": return wrapped("**", &self)
            case "em", "i", "cite": return wrapped("*", &self)
            case "del", "s", "strike": return wrapped("~~", &self)
            case "code", "kbd", "samp", "tt":
                let code = HTMLMarkdown.plainText(node).replacingOccurrences(of: "\n", with: " ")
                guard !code.trimmingCharacters(in: .whitespaces).isEmpty else { return "" }
                return code.contains("`") ? "``\(code)``" : "`\(code)`"
            case "a":
                let raw = children.map { inline($0) }.joined()
                let text = HTMLMarkdown.collapse(raw)
                guard let href = a["href"], !href.hasPrefix("#"), !href.lowercased().hasPrefix("javascript:"), !text.isEmpty else { return raw }
                let url = URL(string: href.trimmingCharacters(in: .whitespaces), relativeTo: base)?.absoluteString ?? href
                return around(raw, "[\(text.replacingOccurrences(of: "]", with: "\\]"))](\(url.replacingOccurrences(of: " ", with: "%20")))")
            case "img":
                guard let alt = a["alt"].map(HTMLMarkdown.collapse), !alt.isEmpty else { return "" }
                return " [image: \(alt)] "
            case "sup": return "^" + children.map { inline($0) }.joined()
            default:
                let inner = children.map { inline($0) }.joined()
                return Self.blockNames.contains(name) ? " " + inner + " " : inner
            }
        }
    }
}
