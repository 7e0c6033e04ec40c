import AgentProtocol
import Foundation

/// Answers shaped for chat: split at a platform's length limit without breaking a code fence,
/// and Markdown rendered in the markup each platform reads.
public enum ChatText {
    /// Parts of at most `limit` characters, split between paragraphs, else lines, else words; a
    /// code fence open at a split is closed at the end of one part and opened again (with its
    /// language) at the start of the next, so each part renders on its own.
    public static func split(_ markdown: String, limit: Int) -> [String] {
        precondition(limit >= 40, "a limit that small cannot hold a fence")
        var parts: [String] = []
        var current: [Substring] = []
        var length = 0
        var fence: Substring?     // the opening line of the fence we are inside
        let closing = 4           // "\n```"
        func flush() {
            guard !current.isEmpty else { return }
            var text = current.joined(separator: "\n")
            if fence != nil { text += "\n```" }
            parts.append(text.trimmingCharacters(in: CharacterSet(charactersIn: "\n")))
            current = fence.map { [$0] } ?? []
            length = fence.map { $0.count } ?? 0
        }
        for var line in lines(markdown) {
            // A fence line keeps at most a quarter of the limit (its info string is only a language
            // name), so it is never cut: half a fence line would open a fence in one part.
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```"), line.count > limit / 4 {
                line = Substring(line.trimmingCharacters(in: .whitespaces).prefix(limit / 4))
            }
            // A line too long for any part is cut at a space (else anywhere).
            while line.count + (fence == nil ? 0 : closing) + (fence?.count ?? 0) + 1 > limit {
                let room = limit - (fence == nil ? 0 : closing + (fence?.count ?? 0) + 1) - 1
                let head = line.prefix(room)
                let cut = head.lastIndex(of: " ").map { line.index(after: $0) } ?? head.endIndex
                if current.count > (fence == nil ? 0 : 1) { flush() }   // not a part of only the reopened fence
                current.append(line[..<cut])
                length += line.distance(from: line.startIndex, to: cut)
                flush()
                line = line[cut...]
                // The rest of a cut line starts a line of its own: "```" there would read as a fence.
                // A word joiner keeps it text (Foundation trims U+200B as a space on Linux).
                if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { line = Substring("\u{2060}" + line) }
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let isFence = trimmed.hasPrefix("```")
            if length + line.count + 1 + (fence != nil || isFence ? closing : 0) > limit {
                // Prefer to end at the last blank line of the part when it is well filled.
                // (Not when a fence line follows that blank: the fence's state there is not now's.)
                if let blank = current.lastIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }), fence == nil,
                   blank > current.count / 2, !current[(blank + 1)...].contains(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("```") }) {
                    let rest = Array(current[(blank + 1)...])
                    current = Array(current[..<blank])
                    flush()
                    current += rest
                    length = current.reduce(0) { $0 + $1.count + 1 }
                    // What moved over may leave too little room for this line.
                    if length + line.count + 1 + (isFence ? closing : 0) > limit { flush() }
                } else {
                    flush()
                }
            }
            current.append(line)
            length += line.count + 1
            if isFence { fence = fence == nil ? Substring(trimmed) : nil }
        }
        if fence != nil { fence = nil; current.append("```") }
        flush()
        return parts.filter { !$0.isEmpty }
    }

    /// Lines, whatever the line ends (`\r\n` is one Character in Swift and would not split on `\n`).
    static func lines(_ text: String) -> [Substring] {
        text.withLFLineEnds.split(separator: "\n", omittingEmptySubsequences: false)
    }

    // MARK: - Plain text

    /// Markdown for platforms that show text as it is (Signal, SMS-like): emphasis markers and
    /// fences dropped, code and links kept readable.
    public static func plain(_ markdown: String) -> String {
        var out: [String] = []
        for line in lines(markdown) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") { continue }
            var l = String(line)
            for marker in ["**", "__", "~~"] { l = l.replacingOccurrences(of: marker, with: "") }
            if let heading = l.firstIndex(where: { $0 != "#" }), heading != l.startIndex, l[heading] == " " { l = String(l[l.index(after: heading)...]) }
            out.append(l)
        }
        return out.joined(separator: "\n")
    }

    /// Markdown as WhatsApp writes it: `*bold*`, `_italic_`, `~strike~`, fences kept (monospace).
    public static func whatsapp(_ markdown: String) -> String {
        var out: [String] = []
        var inFence = false
        for line in lines(markdown) {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { inFence.toggle(); out.append("```"); continue }
            if inFence { out.append(String(line)); continue }
            var l = String(line).replacingOccurrences(of: "**", with: "\u{1}").replacingOccurrences(of: "~~", with: "~")
            l = l.replacingOccurrences(of: "\u{1}", with: "*")
            if let heading = l.firstIndex(where: { $0 != "#" }), heading != l.startIndex, l[heading] == " " { l = "*" + l[l.index(after: heading)...] + "*" }
            out.append(l)
        }
        return out.joined(separator: "\n")
    }
}
