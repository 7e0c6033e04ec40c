import CCmarkGFM
import TUIKit

/// Styles for rendered markdown (a theme's markdown and code roles).
public struct MarkdownStyles: Sendable, Hashable {
    public var text = Style.plain
    public var heading = Style(foreground: .indexed(6), attributes: .bold)
    public var emphasis = Style(attributes: .italic)
    public var strong = Style(attributes: .bold)
    public var inlineCode = Style(foreground: .indexed(3))
    public var link = Style(foreground: .indexed(4), attributes: .underline)
    public var quote = Style(foreground: .indexed(8), attributes: .italic)
    public var marker = Style(foreground: .indexed(6))
    public var rule = Style(foreground: .indexed(8))
    public var codeGutter = Style(foreground: .indexed(8))
    public var code = CodeStyles()

    public init() {}
}

/// Markdown (CommonMark + GitHub tables, task lists, strikethrough, autolinks) to styled lines
/// at a width, through cmark-gfm — the one module that links it.
///
/// Headings, emphasis, inline code, links (text, then the URL dimmed unless they are the same),
/// nested and ordered lists with hanging indents, task lists, block quotes, rules, tables (column
/// widths fitted to the width, cells wrapped) and fenced code highlighted by ``Highlighter``.
/// Code is never re-flowed: long code lines are hard-wrapped at the width. Unfinished input
/// (a fence still open while streaming) renders as far as it goes.
public enum Markdown {
    public static func render(_ source: String, width: Int, styles: MarkdownStyles = MarkdownStyles()) -> [StyledLine] {
        guard width > 0 else { return [] }
        cmark_gfm_core_extensions_ensure_registered()
        guard let parser = cmark_parser_new(CMARK_OPT_DEFAULT) else { return [StyledLine(source)] }
        defer { cmark_parser_free(parser) }
        for name in ["table", "strikethrough", "tasklist", "autolink"] {
            if let ext = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, ext) }
        }
        source.utf8CString.withUnsafeBufferPointer { buf in
            cmark_parser_feed(parser, buf.baseAddress, buf.count - 1)
        }
        guard let doc = cmark_parser_finish(parser) else { return [StyledLine(source)] }
        defer { cmark_node_free(doc) }
        var r = Renderer(styles: styles)
        return r.blocks(children(doc), width: width)
    }

    static func children(_ node: OpaquePointer) -> [OpaquePointer] {
        var out: [OpaquePointer] = []
        var c = cmark_node_first_child(node)
        while let n = c { out.append(n); c = cmark_node_next(n) }
        return out
    }

    static func type(_ node: OpaquePointer) -> String { String(cString: cmark_node_get_type_string(node)) }
    static func literal(_ node: OpaquePointer) -> String { cmark_node_get_literal(node).map { String(cString: $0) } ?? "" }
}

private struct Renderer {
    let styles: MarkdownStyles
    /// The least a container leaves its text: one wide character. A quote, list or code gutter
    /// that would leave less is not drawn (deeper levels share the last one), so a model's
    /// hundred nested `>` stay inside the width.
    static let minText = 2

    /// Blocks separated by blank lines (tight list items excepted).
    mutating func blocks(_ nodes: [OpaquePointer], width: Int, tight: Bool = false) -> [StyledLine] {
        var out: [StyledLine] = []
        for (i, node) in nodes.enumerated() {
            if i > 0, !tight { out.append(StyledLine()) }
            out += block(node, width: width, tight: tight)
        }
        return out
    }

    mutating func block(_ node: OpaquePointer, width: Int, tight: Bool) -> [StyledLine] {
        switch Markdown.type(node) {
        case "paragraph":
            return Wrap.styled(inlines(node, base: styles.text), width: width)
        case "heading":
            let level = Int(cmark_node_get_heading_level(node))
            var s = styles.heading
            if level == 1 { s.attributes.insert(.underline) }
            if level >= 3 { s.attributes.remove(.underline); s.foreground = styles.text.foreground }
            return Wrap.styled(inlines(node, base: s), width: width)
        case "thematic_break":
            return [StyledLine(String(repeating: "─", count: width), styles.rule)]
        case "code_block":
            let info = cmark_node_get_fence_info(node).map { String(cString: $0) } ?? ""
            let language = String(info.split(separator: " ").first ?? "")
            var code = Markdown.literal(node)
            if code.hasSuffix("\n") { code.removeLast() }
            return codeBlock(code, language: language, width: width)
        case "html_block":
            var html = Markdown.literal(node)
            if html.hasSuffix("\n") { html.removeLast() }
            return Wrap.styled([Span(html, styles.quote)], width: width)
        case "block_quote":
            guard width - 2 >= Self.minText else { return blocks(Markdown.children(node), width: width) }
            return blocks(Markdown.children(node), width: width - 2).map { $0.prefixed(Span("▎ ", styles.quote)) }
        case "list":
            return list(node, width: width)
        case "table":
            return table(node, width: width)
        default:
            return blocks(Markdown.children(node), width: width)
        }
    }

    mutating func codeBlock(_ code: String, language: String, width: Int) -> [StyledLine] {
        let hasGutter = width - 2 >= Self.minText
        let gutter = Span(hasGutter ? "│ " : "", styles.codeGutter)
        let inner = hasGutter ? width - 2 : max(1, width)
        var out: [StyledLine] = []
        if !language.isEmpty {
            // The fence's info string is the writer's (or a model's): cut to the width, by columns.
            var label = "╭ "
            var used = 2
            for c in language {
                let w = DisplayWidth.of(c)
                if used + w > max(width, 2) { break }
                label.append(c)
                used += w
            }
            out.append(StyledLine([Span(label, styles.codeGutter)]))
        }
        for line in Highlighter.highlight(code, language: language, styles: styles.code) {
            // Code keeps its spaces: hard-wrap by width only.
            var current = StyledLine()
            var w = 0
            for span in line.spans {
                for c in span.text {
                    let cw = c == "\t" ? 4 : DisplayWidth.of(c)
                    if w + cw > inner, w > 0 { out.append(current.prefixed(gutter)); current = StyledLine(); w = 0 }
                    current.append(c == "\t" ? "    " : String(c), span.style)
                    w += cw
                }
            }
            out.append(current.prefixed(gutter))
        }
        return out
    }

    mutating func list(_ node: OpaquePointer, width: Int) -> [StyledLine] {
        let ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST
        let tight = cmark_node_get_list_tight(node) != 0
        var number = Int(cmark_node_get_list_start(node))
        let items = Markdown.children(node)
        let markerWidth = ordered ? "\(number + items.count - 1). ".count : 2
        var out: [StyledLine] = []
        for (i, item) in items.enumerated() {
            if i > 0, !tight { out.append(StyledLine()) }
            var marker = ordered ? "\(number). " : "• "
            if Markdown.type(item) == "tasklist" {
                marker = cmark_gfm_extensions_get_tasklist_item_checked(item) ? "☑ " : "☐ "
            }
            guard width - markerWidth >= Self.minText else {
                // No room to indent: the marker on a line of its own, the item below it.
                out.append(StyledLine(String(marker.prefix { $0 != " " }.prefix(width)), styles.marker))
                out += blocks(Markdown.children(item), width: width, tight: tight)
                number += 1
                continue
            }
            marker = marker.padding(toDisplayWidth: markerWidth)
            let body = blocks(Markdown.children(item), width: width - markerWidth, tight: tight)
            let indent = String(repeating: " ", count: markerWidth)
            for (j, line) in (body.isEmpty ? [StyledLine()] : body).enumerated() {
                out.append(line.prefixed(Span(j == 0 ? marker : indent, j == 0 ? styles.marker : styles.text)))
            }
            number += 1
        }
        return out
    }

    mutating func table(_ node: OpaquePointer, width: Int) -> [StyledLine] {
        let rows = Markdown.children(node).map { row in Markdown.children(row).map { inlines($0, base: styles.text) } }
        let header = Markdown.children(node).first.map { cmark_gfm_extensions_get_table_row_is_header($0) != 0 } ?? false
        let columns = rows.map(\.count).max() ?? 0
        guard columns > 0 else { return [] }
        // Too narrow for borders: one line per row, cells separated by " · ".
        if width < 4 * columns + 1 {
            return rows.flatMap { row in
                Wrap.styled(Array(row.enumerated().map { i, cell in (i > 0 ? [Span(" · ", styles.rule)] : []) + cell }.joined()), width: width)
            }
        }
        let alignments: [UInt8] = {
            guard let p = cmark_gfm_extensions_get_table_alignments(node) else { return [] }
            return (0..<Int(cmark_gfm_extensions_get_table_columns(node))).map { p[$0] }
        }()
        // Natural widths, then shrink the widest columns until the table fits (3 columns of
        // border per cell plus one).
        var widths = (0..<columns).map { c in rows.map { c < $0.count ? StyledLine($0[c]).width : 0 }.max() ?? 0 }.map { max(1, $0) }
        let budget = max(columns, width - (3 * columns + 1))
        while widths.reduce(0, +) > budget, let widest = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[widest] > 1 {
            widths[widest] -= 1
        }
        let border = styles.rule
        func rule(_ left: String, _ mid: String, _ right: String) -> StyledLine {
            StyledLine(left + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: mid) + right, border)
        }
        var out = [rule("┌", "┬", "┐")]
        for (r, row) in rows.enumerated() {
            let wrapped = (0..<columns).map { c in c < row.count ? Wrap.styled(row[c].map { span in
                var s = span
                if r == 0, header { s.style.attributes.insert(.bold) }
                return s
            }, width: widths[c]) : [StyledLine()] }
            let height = wrapped.map(\.count).max() ?? 1
            for h in 0..<height {
                var line = StyledLine("│", border)
                for c in 0..<columns {
                    let cell = h < wrapped[c].count ? wrapped[c][h] : StyledLine()
                    let pad = max(0, widths[c] - cell.width)
                    let align = c < alignments.count ? alignments[c] : 0
                    let left = align == UInt8(ascii: "r") ? pad : align == UInt8(ascii: "c") ? pad / 2 : 0
                    line.append(" " + String(repeating: " ", count: left), styles.text)
                    for span in cell.spans { line.append(span.text, span.style) }
                    line.append(String(repeating: " ", count: pad - left) + " ", styles.text)
                    line.append("│", border)
                }
                out.append(line)
            }
            if r == 0, header, rows.count > 1 { out.append(rule("├", "┼", "┤")) }
        }
        out.append(rule("└", "┴", "┘"))
        return out
    }

    /// Inline content of a block as spans.
    func inlines(_ node: OpaquePointer, base: Style) -> [Span] {
        var out: [Span] = []
        for child in Markdown.children(node) { inline(child, style: base, into: &out) }
        return out
    }

    func inline(_ node: OpaquePointer, style: Style, into out: inout [Span]) {
        switch Markdown.type(node) {
        case "text": out.append(Span(Markdown.literal(node), style))
        case "softbreak": out.append(Span(" ", style))
        case "linebreak": out.append(Span("\n", style))
        case "code": out.append(Span(Markdown.literal(node), merge(style, styles.inlineCode)))
        case "html_inline": out.append(Span(Markdown.literal(node), merge(style, styles.quote)))
        case "emph": for c in Markdown.children(node) { inline(c, style: merge(style, styles.emphasis), into: &out) }
        case "strong": for c in Markdown.children(node) { inline(c, style: merge(style, styles.strong), into: &out) }
        case "strikethrough":
            var s = style
            s.attributes.insert(.strikethrough)
            for c in Markdown.children(node) { inline(c, style: s, into: &out) }
        case "link", "image":
            let url = cmark_node_get_url(node).map { String(cString: $0) } ?? ""
            var text: [Span] = []
            for c in Markdown.children(node) { inline(c, style: merge(style, styles.link), into: &text) }
            out += text
            let shown = text.map(\.text).joined()
            if !url.isEmpty, shown != url, "mailto:" + shown != url { out.append(Span(" (\(url))", styles.quote)) }
        default:
            for c in Markdown.children(node) { inline(c, style: style, into: &out) }
        }
    }

    func merge(_ base: Style, _ over: Style) -> Style {
        var s = base
        if over.foreground != .default { s.foreground = over.foreground }
        if over.background != .default { s.background = over.background }
        s.attributes.formUnion(over.attributes)
        return s
    }
}

extension String {
    func padding(toDisplayWidth n: Int) -> String {
        self + String(repeating: " ", count: max(0, n - DisplayWidth.of(self)))
    }
}
