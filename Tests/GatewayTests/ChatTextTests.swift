import Foundation
import Testing
@testable import Gateway

/// Answer splitting and markup, on whole values: every part within the limit, every code fence
/// closed in the part that opened it and reopened in the next.
@Suite struct ChatTextTests {
    static func fences(_ part: String) -> Int {
        part.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("```") }.count
    }

    static func check(_ parts: [String], limit: Int, _ comment: Comment? = nil) {
        for part in parts {
            #expect(part.count <= limit, comment)
            #expect(fences(part) % 2 == 0, "a fence left open in: \(part.prefix(60))")
            #expect(!part.isEmpty)
        }
    }

    @Test func shortTextIsOnePart() {
        #expect(ChatText.split("hello\nworld", limit: 100) == ["hello\nworld"])
    }

    @Test func longProseSplitsAtLinesAndBlankLines() {
        let paragraph = String(repeating: "word ", count: 12).trimmingCharacters(in: .whitespaces)
        let text = (0..<10).map { _ in paragraph }.joined(separator: "\n\n")
        let parts = ChatText.split(text, limit: 200)
        Self.check(parts, limit: 200)
        #expect(parts.count > 1)
        // Nothing lost but line ends.
        #expect(parts.joined(separator: "\n").replacingOccurrences(of: "\n", with: "") == text.replacingOccurrences(of: "\n", with: ""))
    }

    @Test func fenceIsClosedAndReopenedWithItsLanguage() {
        let code = (0..<30).map { "let x\($0) = \($0)" }.joined(separator: "\n")
        let parts = ChatText.split("Here:\n```swift\n" + code + "\n```\nDone.", limit: 120)
        Self.check(parts, limit: 120)
        #expect(parts.count > 2)
        for part in parts.dropFirst().dropLast() { #expect(part.hasPrefix("```swift"), "reopened: \(part.prefix(20))") }
    }

    @Test func veryLongLineIsCutAtSpaces() {
        let line = (0..<100).map { "w\($0)" }.joined(separator: " ")
        let parts = ChatText.split(line, limit: 60)
        Self.check(parts, limit: 60)
        #expect(parts.joined(separator: "").replacingOccurrences(of: " ", with: "") == line.replacingOccurrences(of: " ", with: ""))
    }

    /// The fuzzer's finding: a fence line longer than the limit was cut, and its head opened a
    /// fence in a part of its own.
    @Test func fenceLineLongerThanTheLimit() {
        let text = "intro\n```" + String(repeating: "x", count: 300) + "\ncode\n```\nend"
        let parts = ChatText.split(text, limit: 40)
        Self.check(parts, limit: 40)
        #expect(parts.contains { $0.contains("code") })
    }

    @Test func restOfACutLineNeverReadsAsAFence() {
        let text = String(repeating: "a", count: 30) + " ```not a fence " + String(repeating: "b", count: 30)
        let parts = ChatText.split(text, limit: 40)
        Self.check(parts, limit: 40)
        #expect(parts.allSatisfy { Self.fences($0) == 0 })
    }

    @Test func longLineInsideAFenceKeepsEveryPartFenced() {
        let text = "```\n" + String(repeating: "z", count: 500) + "\n```"
        let parts = ChatText.split(text, limit: 50)
        Self.check(parts, limit: 50)
        #expect(parts.allSatisfy { $0.hasPrefix("```") && $0.hasSuffix("```") && $0.contains("z") }, "no empty code block")
    }

    @Test func unclosedFenceIsClosed() {
        let parts = ChatText.split("```\nopen", limit: 100)
        #expect(parts == ["```\nopen\n```"])
    }

    @Test func crlfAndCRAreLineEnds() {
        #expect(ChatText.lines("a\r\nb\rc\nd") == ["a", "b", "c", "d"])
    }

    @Test func telegramHTMLEscapesAndFormats() {
        #expect(ChatText.telegramHTML("**bold** <x> & `a<b`") == "<b>bold</b> &lt;x&gt; &amp; <code>a&lt;b</code>")
        #expect(ChatText.telegramHTML("```py\nif a<b: pass\n```") == "<pre><code class=\"language-py\">if a&lt;b: pass\n</code></pre>")
        #expect(ChatText.telegramHTML("# Title\n- item") == "<b>Title</b>\n• item")
        #expect(ChatText.telegramHTML("[site](https://example.org) [bad](javascript:x)")
                == "<a href=\"https://example.org\">site</a> [bad](javascript:x)")
    }

    @Test func plainAndWhatsApp() {
        #expect(ChatText.plain("## Head\n**b** ~~s~~\n```\ncode\n```") == "Head\nb s\ncode")
        #expect(ChatText.whatsapp("**b** ~~s~~\n# H") == "*b* ~s~\n*H*")
    }
}

@Suite struct ChatMarkupTests {
    @Test func slackMrkdwn() {
        #expect(ChatText.slackMrkdwn("**bold** *it* ~~gone~~ `a<b`") == "*bold* _it_ ~gone~ `a&lt;b`")
        #expect(ChatText.slackMrkdwn("# Title\n- item\n> quote") == "*Title*\n• item\n&gt; quote")
        #expect(ChatText.slackMrkdwn("[docs](https://example.org/a?b=1&c=2) & <tag>")
                == "<https://example.org/a?b=1&amp;c=2|docs> &amp; &lt;tag&gt;")
        #expect(ChatText.slackMrkdwn("```swift\nlet a = b < c\n```") == "```\nlet a = b &lt; c\n```")
        #expect(ChatText.slackMrkdwn("```\nopen") == "```\nopen\n```", "an open fence is closed")
    }

    @Test func discordMarkdown() {
        #expect(ChatText.discord("# Big\n#### Small\n**b**") == "# Big\n**Small**\n**b**")
        #expect(ChatText.discord("```\n#### not a heading\n```") == "```\n#### not a heading\n```")
    }
}

/// The gateway fuzzer's findings (`Fuzz/gateway/findings`), kept as regression inputs: the same
/// properties the fuzz target checks, with messages.
@Suite struct GatewayFuzzFindings {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz/gateway/findings").standardized.path

    @Test(arguments: (try? FileManager.default.contentsOfDirectory(atPath: folder))?.sorted() ?? [])
    func finding(_ name: String) throws {
        let bytes = try #require(FileManager.default.contents(atPath: Self.folder + "/" + name))
        guard let first = bytes.first else { return }
        let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
        let limit = 40 + Int(first) * 8
        for part in ChatText.split(text, limit: limit) {
            #expect(part.count <= limit, "a part of \(part.count) over \(limit): \(part.debugDescription)")
            #expect(ChatTextTests.fences(part) % 2 == 0, "a fence left open: \(part.debugDescription)")
        }
        let html = ChatText.telegramHTML(text)
        #expect(html.components(separatedBy: "<pre>").count + html.components(separatedBy: "<pre><code class").count - 1
                >= html.components(separatedBy: "</pre>").count, "\(html.debugDescription)")
    }
}
