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
                if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { line = Substring("\u{200B}" + line) }
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let isFence = trimmed.hasPrefix("```")
            if length + line.count + 1 + (fence != nil || isFence ? closing : 0) > limit {
                // Prefer to end at the last blank line of the part when it is well filled.
                if let blank = current.lastIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }), fence == nil,
                   blank > current.count / 2 {
                    let rest = Array(current[(blank + 1)...])
                    current = Array(current[..<blank])
                    flush()
                    current += rest
                    length = current.reduce(0) { $0 + $1.count + 1 }
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
        let normal = text.contains("\r") ? text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n") : text
        return normal.split(separator: "\n", omittingEmptySubsequences: false)
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

    // MARK: - Telegram HTML

    /// Markdown as Telegram's HTML subset: bold, italic, strike, inline code, fenced code with
    /// its language, links, headings as bold, quotes; everything else escaped text.
    public static func telegramHTML(_ markdown: String) -> String {
        var out = ""
        var inFence = false
        for line in lines(markdown) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                if inFence {
                    out += "</code></pre>\n"
                } else {
                    let lang = trimmed.dropFirst(3).trimmingCharacters(in: .whitespaces)
                    out += lang.isEmpty ? "<pre><code>" : "<pre><code class=\"language-\(escape(lang))\">"
                }
                inFence.toggle()
                continue
            }
            if inFence { out += escape(String(line)) + "\n"; continue }
            if let heading = trimmed.firstIndex(where: { $0 != "#" }), heading != trimmed.startIndex,
               trimmed[heading] == " ", trimmed.distance(from: trimmed.startIndex, to: heading) <= 6 {
                out += "<b>" + inline(String(trimmed[heading...].dropFirst())) + "</b>\n"
            } else if trimmed.hasPrefix("> ") {
                out += "<blockquote>" + inline(String(trimmed.dropFirst(2))) + "</blockquote>\n"
            } else if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") {
                let indent = String(line.prefix { $0 == " " })
                out += indent + "• " + inline(String(trimmed.dropFirst(2))) + "\n"
            } else {
                out += inline(String(line)) + "\n"
            }
        }
        if inFence { out += "</code></pre>\n" }
        while out.hasSuffix("\n") { out.removeLast() }
        return out
    }

    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Inline Markdown of one line: `code`, **bold**, *italic* / _italic_, ~~strike~~, [text](url).
    static func inline(_ line: String) -> String {
        let chars = Array(line)
        var out = ""
        var i = 0
        func find(_ marker: String, from: Int) -> Int? {
            let m = Array(marker)
            var j = from
            while j + m.count <= chars.count {
                if Array(chars[j..<(j + m.count)]) == m { return j }
                j += 1
            }
            return nil
        }
        while i < chars.count {
            let c = chars[i]
            if c == "`", let end = find("`", from: i + 1) {
                out += "<code>" + escape(String(chars[(i + 1)..<end])) + "</code>"
                i = end + 1
            } else if c == "*" || c == "~" || c == "_", i + 1 < chars.count, chars[i + 1] == c, c != "_",
                      let end = find(String([c, c]), from: i + 2), end > i + 2 {
                let tag = c == "*" ? "b" : "s"
                out += "<\(tag)>" + inline(String(chars[(i + 2)..<end])) + "</\(tag)>"
                i = end + 2
            } else if (c == "*" || c == "_"), i + 1 < chars.count, chars[i + 1] != " ", chars[i + 1] != c,
                      i == 0 || !chars[i - 1].isLetter && !chars[i - 1].isNumber,
                      let end = find(String(c), from: i + 1), end > i + 1, chars[end - 1] != " " {
                out += "<i>" + inline(String(chars[(i + 1)..<end])) + "</i>"
                i = end + 1
            } else if c == "[", let close = find("](", from: i + 1), let paren = find(")", from: close + 2) {
                let text = String(chars[(i + 1)..<close]), url = String(chars[(close + 2)..<paren])
                if url.hasPrefix("http://") || url.hasPrefix("https://") {
                    out += "<a href=\"\(escape(url))\">" + inline(text) + "</a>"
                } else {
                    out += escape("[" + text + "](" + url + ")")
                }
                i = paren + 1
            } else {
                out += escape(String(c))
                i += 1
            }
        }
        return out
    }
}
