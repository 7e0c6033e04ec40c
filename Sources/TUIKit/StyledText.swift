/// A run of text in one style.
public struct Span: Sendable, Hashable {
    public var text: String
    public var style: Style

    public init(_ text: String, _ style: Style = .plain) {
        self.text = text
        self.style = style
    }
}

/// One screen line of styled runs.
public struct StyledLine: Sendable, Hashable {
    public var spans: [Span]

    public init(_ spans: [Span] = []) { self.spans = spans }
    public init(_ text: String, _ style: Style = .plain) { spans = text.isEmpty ? [] : [Span(text, style)] }

    public var text: String { spans.map(\.text).joined() }
    public var width: Int { spans.reduce(0) { $0 + DisplayWidth.of($1.text) } }

    public mutating func append(_ text: String, _ style: Style) {
        guard !text.isEmpty else { return }
        if let last = spans.last, last.style == style { spans[spans.count - 1].text += text } else { spans.append(Span(text, style)) }
    }

    /// `prefix` prepended (a gutter, a bullet).
    public func prefixed(_ prefix: Span) -> StyledLine { StyledLine([prefix] + spans) }
}

extension ScreenBuffer {
    /// Draws a styled line from column `x`; returns the column after it.
    @discardableResult
    public mutating func put(_ line: StyledLine, x: Int, y: Int, maxX: Int? = nil) -> Int {
        var col = x
        for span in line.spans { col = put(span.text, x: col, y: y, style: span.style, maxX: maxX) }
        return col
    }
}

extension Wrap {
    /// Wraps styled text like ``lines(_:width:)``: at spaces, keeping explicit newlines,
    /// hard-breaking long words, never splitting a grapheme; styles carry across breaks.
    public static func styled(_ spans: [Span], width: Int) -> [StyledLine] {
        guard width > 0 else { return [] }
        var out: [StyledLine] = []
        var line = StyledLine()
        var lineWidth = 0
        var word: [(Character, Style)] = []
        var wordWidth = 0
        var wordIsSpace = false

        func endLine() {
            while let last = line.spans.last, last.text.hasSuffix(" ") {
                var t = last.text
                while t.hasSuffix(" ") { t.removeLast() }
                if t.isEmpty { line.spans.removeLast() } else { line.spans[line.spans.count - 1].text = t; break }
            }
            out.append(line)
            line = StyledLine()
            lineWidth = 0
        }
        func emitWord() {
            defer { word = []; wordWidth = 0 }
            guard !word.isEmpty else { return }
            if wordIsSpace {
                if lineWidth > 0, lineWidth + wordWidth <= width {
                    for (c, s) in word { line.append(String(c), s) }
                    lineWidth += wordWidth
                }
                return
            }
            if lineWidth + wordWidth > width, lineWidth > 0 { endLine() }
            if wordWidth <= width {
                for (c, s) in word { line.append(String(c), s) }
                lineWidth += wordWidth
                return
            }
            for (c, s) in word {
                let w = DisplayWidth.of(c)
                if lineWidth + w > width, lineWidth > 0 { endLine() }
                line.append(String(c), s)
                lineWidth += w
            }
        }
        for span in spans {
            for c in span.text {
                if c == "\n" {
                    emitWord()
                    endLine()
                    continue
                }
                let isSpace = c == " "
                if isSpace != wordIsSpace { emitWord(); wordIsSpace = isSpace }
                word.append((c, span.style))
                wordWidth += DisplayWidth.of(c)
            }
        }
        emitWord()
        endLine()
        return out
    }
}
