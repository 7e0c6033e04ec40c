import Foundation
import Testing
@testable import Web

/// Pages as markdown: what a reader sees, in the shapes a model reads well.
@Suite("HTML to markdown")
struct HTMLMarkdownTests {
    func md(_ html: String, base: String = "https://site.example/docs/") -> String {
        HTMLMarkdown(html: html, base: URL(string: base)).markdown
    }

    @Test("the main content: headings, paragraphs, links made absolute, lists nested, code fenced with its language, quotes, tables; chrome and hidden parts dropped")
    func page() {
        let html = """
            <html><head><title>Notes &amp; fixes</title><script>alert("<p>x</p>")</script></head><body>
            <nav><a href="/">Home</a></nav><header class="site-header">Site</header>
            <main><h1>Fixing <em>the</em> lexer</h1>
            <p>The <strong>lexer</strong> dropped a token; see <a href="../issues/42">issue 42</a>.<br>Next line &mdash; ok.</p>
            <ol><li>Read <code>next()</code><li>Fix it<ul><li>check <em>empty</em></li></ul></ol>
            <pre><code class="language-swift">if i &lt; end {
                i += 1
            }</code></pre>
            <blockquote><p>Off by one.</p><p>Again.</p></blockquote>
            <table><tr><th>Case</th><th>Result</th></tr><tr><td>a|b</td><td>ok</td></tr></table>
            <div hidden>secret</div><p aria-hidden="true">nope</p><img src="x.png" alt="a diagram">
            </main><footer>© 2026</footer></body></html>
            """
        let page = HTMLMarkdown(html: html, base: URL(string: "https://site.example/docs/"))
        #expect(page.title == "Notes & fixes")
        #expect(page.markdown == """
            # Fixing *the* lexer

            The **lexer** dropped a token; see [issue 42](https://site.example/issues/42).
            Next line — ok.

            1. Read `next()`
            2. Fix it
               - check *empty*

            ```swift
            if i < end {
                i += 1
            }
            ```

            > Off by one.
            >
            > Again.

            | Case | Result |
            | --- | --- |
            | a\\|b | ok |

            [image: a diagram]
            """, "\(page.markdown)")
    }

    @Test("without main or article, the body; an article is preferred to the body around it")
    func contentChoice() {
        #expect(md("<body><p>one</p><div><p>two</p></div></body>") == "one\n\ntwo")
        #expect(md("<body><p>teaser</p><article><h2>Story</h2><p>text</p></article></body>") == "## Story\n\ntext")
    }

    @Test("unclosed paragraphs and list items, stray end tags, attributes without quotes, comments, unknown entities")
    func forgiving() {
        #expect(md("<p>one<p>two</b><ul><li>a<li>b</ul><!-- gone --><p class=x data-y>&bogus; &#x41;&#66;") == "one\n\ntwo\n\n- a\n- b\n\n&bogus; AB")
        #expect(md("<p>a <a href='javascript:void(0)'>click</a> <a href=\"#top\">top</a></p>") == "a click top")
        #expect(md("text < 5 and <3") == "text < 5 and <3")
    }

    @Test("any input gives some text without crashing: truncated tags, deep nesting, a tag at the very end")
    func robust() {
        _ = md("<div" + String(repeating: "<div>", count: 5_000) + "deep")
        _ = md("<a href=\"unterminated")
        _ = md("<")
        _ = md("<p>x</p><script>never closed")
        #expect(md(String(repeating: "<b>", count: 2_000) + "bold") .contains("bold"))
    }
}
