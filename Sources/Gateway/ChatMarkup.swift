import Foundation

/// Markdown in each platform's markup: Telegram's HTML subset, Slack's mrkdwn, Discord's
/// markdown. One line-level pass (fences, headings, quotes, lists) and one inline scanner,
/// told by a `Dialect` what each span becomes.
extension ChatText {
    struct Dialect: Sendable {
        var bold: (String, String)
        var italic: (String, String)
        var strike: (String, String)
        var code: @Sendable (String) -> String
        /// A link to http(s) `url` showing `text` (already rendered).
        var link: @Sendable (_ text: String, _ url: String) -> String
        var escape: @Sendable (String) -> String

        static let telegram = Dialect(bold: ("<b>", "</b>"), italic: ("<i>", "</i>"), strike: ("<s>", "</s>"),
                                      code: { "<code>" + ChatText.escape($0) + "</code>" },
                                      link: { "<a href=\"\(ChatText.escape($1))\">" + $0 + "</a>" }, escape: ChatText.escape)
        /// Slack: `*bold*`, `_italic_`, `~strike~`, `<url|text>`; `&`, `<`, `>` escaped everywhere.
        static let slack = Dialect(bold: ("*", "*"), italic: ("_", "_"), strike: ("~", "~"),
                                   code: { "`" + ChatText.slackEscape($0) + "`" },
                                   link: { "<\(ChatText.slackEscape($1))|\($0)>" }, escape: ChatText.slackEscape)
    }

    // MARK: - Telegram HTML

    /// Markdown as Telegram's HTML subset: bold, italic, strike, inline code, fenced code with
    /// its language, links, headings as bold, quotes; everything else escaped text.
    public static func telegramHTML(_ markdown: String) -> String {
        var out = ""
        var inFence = false
        let d = Dialect.telegram
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
            if let heading = headingText(trimmed) {
                out += "<b>" + inline(heading, d) + "</b>\n"
            } else if trimmed.hasPrefix("> ") {
                out += "<blockquote>" + inline(String(trimmed.dropFirst(2)), d) + "</blockquote>\n"
            } else if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") {
                let indent = String(line.prefix { $0 == " " })
                out += indent + "• " + inline(String(trimmed.dropFirst(2)), d) + "\n"
            } else {
                out += inline(String(line), d) + "\n"
            }
        }
        if inFence { out += "</code></pre>\n" }
        while out.hasSuffix("\n") { out.removeLast() }
        return out
    }

    // MARK: - Slack mrkdwn

    /// Markdown as Slack's mrkdwn: fences without their language, headings bold, lists as
    /// bullets, quotes kept, links `<url|text>`.
    public static func slackMrkdwn(_ markdown: String) -> String {
        var out: [String] = []
        var inFence = false
        let d = Dialect.slack
        for line in lines(markdown) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") { inFence.toggle(); out.append("```"); continue }
            if inFence { out.append(slackEscape(String(line))); continue }
            if let heading = headingText(trimmed) {
                out.append("*" + inline(heading, d) + "*")
            } else if trimmed.hasPrefix("> ") {
                out.append("&gt; " + inline(String(trimmed.dropFirst(2)), d))
            } else if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") {
                out.append(String(line.prefix { $0 == " " }) + "• " + inline(String(trimmed.dropFirst(2)), d))
            } else {
                out.append(inline(String(line), d))
            }
        }
        if inFence { out.append("```") }
        return out.joined(separator: "\n")
    }

    static func slackEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    // MARK: - Discord markdown

    /// Markdown as Discord shows it: the same, but headings only to `###` (deeper ones bold)
    /// and no embeds' worth of bare links (the sender suppresses embeds).
    public static func discord(_ markdown: String) -> String {
        var out: [String] = []
        var inFence = false
        for line in lines(markdown) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") { inFence.toggle(); out.append(String(line)); continue }
            if !inFence, let heading = headingText(trimmed), trimmed.prefix(while: { $0 == "#" }).count > 3 {
                out.append("**" + heading + "**")
            } else {
                out.append(String(line))
            }
        }
        return out.joined(separator: "\n")
    }

    // MARK: - Shared

    /// `## Title` → `Title` (up to six #'s); nil for any other line.
    static func headingText(_ trimmed: String) -> String? {
        guard let heading = trimmed.firstIndex(where: { $0 != "#" }), heading != trimmed.startIndex,
              trimmed[heading] == " ", trimmed.distance(from: trimmed.startIndex, to: heading) <= 6 else { return nil }
        return String(trimmed[heading...].dropFirst())
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
    static func inline(_ line: String, _ d: Dialect) -> String {
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
                out += d.code(String(chars[(i + 1)..<end]))
                i = end + 1
            } else if c == "*" || c == "~" || c == "_", i + 1 < chars.count, chars[i + 1] == c, c != "_",
                      let end = find(String([c, c]), from: i + 2), end > i + 2 {
                let (open, close) = c == "*" ? d.bold : d.strike
                out += open + inline(String(chars[(i + 2)..<end]), d) + close
                i = end + 2
            } else if (c == "*" || c == "_"), i + 1 < chars.count, chars[i + 1] != " ", chars[i + 1] != c,
                      i == 0 || !chars[i - 1].isLetter && !chars[i - 1].isNumber,
                      let end = find(String(c), from: i + 1), end > i + 1, chars[end - 1] != " " {
                out += d.italic.0 + inline(String(chars[(i + 1)..<end]), d) + d.italic.1
                i = end + 1
            } else if c == "[", let close = find("](", from: i + 1), let paren = find(")", from: close + 2) {
                let text = String(chars[(i + 1)..<close]), url = String(chars[(close + 2)..<paren])
                if url.hasPrefix("http://") || url.hasPrefix("https://") {
                    out += d.link(inline(text, d), url)
                } else {
                    out += d.escape("[" + text + "](" + url + ")")
                }
                i = paren + 1
            } else {
                out += d.escape(String(c))
                i += 1
            }
        }
        return out
    }
}
