import Testing
import TUIKit
@testable import Markdown

@Suite("Markdown")
struct MarkdownTests {
    func text(_ md: String, width: Int = 40) -> [String] { Markdown.render(md, width: width).map(\.text) }

    @Test("paragraphs wrap; emphasis, code and links are styled, not shown as syntax")
    func inline() {
        let lines = Markdown.render("Some **bold** and *it* with `code` and [a link](https://x.io).", width: 30)
        #expect(lines.map(\.text) == ["Some bold and it with code and", "a link (https://x.io)."])
        let spans = lines[0].spans
        #expect(spans.first { $0.text.contains("bold") }?.style.attributes.contains(.bold) == true)
        #expect(spans.first { $0.text.contains("it") && !$0.text.contains("with") }?.style.attributes.contains(.italic) == true)
        #expect(spans.first { $0.text == "code" }?.style == MarkdownStyles().inlineCode)
    }

    @Test("headings, nested and ordered lists with hanging indents, task lists, quotes, rules")
    func blocks() {
        let md = """
        # Title

        1. first item that is long enough to wrap
        2. second
           - nested

        - [x] done
        - [ ] todo

        > quoted

        ---
        """
        #expect(text(md, width: 24) == [
            "Title", "",
            "1. first item that is", "   long enough to wrap", "2. second", "   • nested", "",
            "☑ done", "☐ todo", "",
            "▎ quoted", "",
            String(repeating: "─", count: 24),
        ])
    }

    @Test("fenced code keeps its spacing, is highlighted and hard-wrapped, never re-flowed")
    func code() {
        let lines = Markdown.render("```swift\nlet x = \"hi\" // note\n    return 42\n```", width: 20)
        #expect(lines.map(\.text) == ["╭ swift", "│ let x = \"hi\" // no", "│ te", "│     return 42"])
        let styles = CodeStyles()
        #expect(lines[1].spans.contains(Span("let", styles.keyword)))
        #expect(lines[1].spans.contains(Span("\"hi\"", styles.string)))
        #expect(lines[3].spans.contains(Span("42", styles.number)))
    }

    @Test("found by the fuzzer: a fence's long info string is cut to the width")
    func longInfoString() {
        let lines = Markdown.render("```sh/m" + String(repeating: "\u{FFFD}", count: 30) + "ake run    # install{\necho\n```", width: 36)
        #expect(lines.first?.text.hasPrefix("╭ sh/m") == true)
        for line in lines { #expect(line.width <= 36, "\(line.text)") }
    }

    @Test("found by the fuzzer: containers nested deeper than the width has room for stay inside it",
          arguments: [4, 8, 40, 120])
    func deepNesting(width: Int) {
        let deep = [
            String(repeating: ">", count: 91) + "\"",
            String(repeating: "> ", count: 70) + "漢字 and more words to wrap here",
            (0..<70).map { String(repeating: "  ", count: $0) + "- item \($0) 漢" }.joined(separator: "\n"),
            String(repeating: "> ", count: 70) + "\n```swift\nlet 漢字 = 1\n```",
            String(repeating: "> ", count: 60) + "123456789. ordered\n",
        ]
        for md in deep {
            let lines = Markdown.render(md, width: width)
            #expect(!lines.isEmpty)
            for line in lines { #expect(line.width <= width, "\(width): \(line.text)") }
        }
        // What still fits keeps its gutters.
        #expect(text("> > quoted") == ["▎ ▎ quoted"])
    }

    @Test("found by the fuzzer: a number that is no hex digit (², ٣) is highlighted, not looped on forever")
    func unicodeDigits() {
        let lines = Highlighter.highlight("x = 2² + ٣\necho ½", language: "sh", styles: CodeStyles())
        #expect(lines.map(\.text) == ["x = 2² + ٣", "echo ½"])
    }

    @Test("tables fit the width with box borders; cells wrap when the table is too wide")
    func table() {
        let md = "| Name | Size |\n|---|--:|\n| a.txt | 10 |\n| 中文.md | 2000 |"
        #expect(text(md) == [
            "┌─────────┬──────┐", "│ Name    │ Size │", "├─────────┼──────┤",
            "│ a.txt   │   10 │", "│ 中文.md │ 2000 │", "└─────────┴──────┘",
        ])
        for line in Markdown.render("| a long header | another long one |\n|-|-|\n| x | y |", width: 20) {
            #expect(line.width <= 20, "\(line.text)")
        }
    }

    @Test("an unfinished stream renders as far as it goes")
    func streaming() {
        #expect(text("Here:\n\n```python\ndef f():\n    return 1") == ["Here:", "", "╭ python", "│ def f():", "│     return 1"])
        #expect(text("**bold not closed") == ["**bold not closed"])
    }

    @Test("every line fits its width, for any width", arguments: [1, 2, 5, 13, 80])
    func fits(width: Int) {
        let md = "# Heading\n\nText 漢字 👍 and `code`.\n\n- item\n  1. sub\n\n| a | b |\n|-|-|\n| c | d |\n\n```\nlong code line here\n```"
        for line in Markdown.render(md, width: width) {
            #expect(line.width <= max(width, 2) + 4, "\(width): \(line.text)")
        }
    }
}

@Suite("Highlighter")
struct HighlighterTests {
    let s = CodeStyles()

    func styleOf(_ token: String, in code: String, _ language: String) -> Style? {
        Highlighter.highlight(code, language: language, styles: s).flatMap(\.spans).first { $0.text == token }?.style
    }

    @Test func languages() {
        #expect(styleOf("def", in: "def f(): # c", "python") == s.keyword)
        #expect(styleOf("# c", in: "def f(): # c", "python") == s.comment)
        #expect(styleOf("const", in: "const a = `t ${x}`", "ts") == s.keyword)
        #expect(styleOf("`t ${x}`", in: "const a = `t ${x}`", "ts") == s.string)
        #expect(styleOf("$HOME", in: "echo \"x\" $HOME # c", "bash") == s.variable)
        #expect(styleOf("\"key\"", in: "{\"key\": \"v\", \"n\": 1.5}", "json") == s.variable)
        #expect(styleOf("\"v\"", in: "{\"key\": \"v\", \"n\": 1.5}", "json") == s.string)
        #expect(styleOf("1.5", in: "{\"key\": \"v\", \"n\": 1.5}", "json") == s.number)
        #expect(styleOf("String", in: "let s: String", "swift") == s.type)
        let diff = Highlighter.highlight("@@ -1 +1 @@\n-old\n+new\n ctx", language: "diff", styles: s)
        #expect(diff.map { $0.spans.first?.style } == [s.meta, s.removed, s.added, s.plain])
    }

    @Test("block comments and multi-line strings carry across lines; line count is kept")
    func multiLine() {
        let lines = Highlighter.highlight("/* a\nb */ let x\n\"\"\"\ntext\n\"\"\"", language: "swift", styles: s)
        #expect(lines.count == 5)
        #expect(lines[1].spans.first == Span("b */", s.comment))
        #expect(lines[3].spans == [Span("text", s.string)])
        #expect(Highlighter.highlight("a\n\nb", language: "nope", styles: s).map(\.text) == ["a", "", "b"])
    }
}
