/// Word wrapping by display width.
public enum Wrap {
    /// Breaks `text` into lines of at most `width` columns.
    ///
    /// Breaks at spaces where possible, keeps explicit newlines, hard-breaks words longer than
    /// a line, never splits a grapheme, and drops the spaces a break falls on. (A grapheme wider
    /// than the whole width, a CJK character at width 1, stands alone on its line.)
    public static func lines(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var out: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var lineWidth = 0
            for word in words(paragraph) {
                let w = DisplayWidth.of(word)
                if word.allSatisfy({ $0 == " " }) {
                    if lineWidth + w <= width, lineWidth > 0 { line += word; lineWidth += w }
                    continue
                }
                if lineWidth + w > width, lineWidth > 0 {
                    out.append(trimmed(line))
                    line = ""
                    lineWidth = 0
                }
                if w <= width {
                    line += word
                    lineWidth += w
                    continue
                }
                for ch in word { // longer than a whole line: hard-break
                    let cw = DisplayWidth.of(ch)
                    if lineWidth + cw > width {
                        out.append(line)
                        line = ""
                        lineWidth = 0
                    }
                    line.append(ch)
                    lineWidth += cw
                }
            }
            out.append(trimmed(line))
        }
        return out
    }

    /// Runs of spaces and runs of non-spaces, in order.
    static func words(_ s: Substring) -> [Substring] {
        var out: [Substring] = []
        var start = s.startIndex
        var i = s.startIndex
        while i < s.endIndex {
            let isSpace = s[i] == " "
            var j = s.index(after: i)
            while j < s.endIndex, (s[j] == " ") == isSpace { j = s.index(after: j) }
            out.append(s[start..<j])
            start = j
            i = j
        }
        return out
    }

    static func trimmed(_ s: String) -> String {
        var s = s
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
