/// Text from outside with its line ends as `\n`, whatever they were (`\r\n`, a lone `\r`).
/// Done by scalar: `\r\n` is one Character in Swift, and Foundation's string search does not see
/// a `\r` that a combining mark follows, so such a `\r` would survive inside a line.
extension String {
    public var withLFLineEnds: String {
        guard unicodeScalars.contains("\r") else { return self }
        var normal = String.UnicodeScalarView()
        var afterCR = false
        for scalar in unicodeScalars {
            if scalar == "\n", afterCR { afterCR = false; continue }
            afterCR = scalar == "\r"
            normal.append(afterCR ? "\n" : scalar)
        }
        return String(normal)
    }
}
