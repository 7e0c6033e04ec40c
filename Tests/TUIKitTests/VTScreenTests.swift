import Testing
@testable import TUIKit

@Suite("VT screen for live tool output")
struct VTScreenTests {
    func screen(_ chunks: [String], columns: Int = 20) -> VTScreen {
        var s = VTScreen(columns: columns, maxLines: 100)
        for c in chunks { s.feed(c) }
        return s
    }

    @Test("SGR colours: 16, bright, 256 and truecolour, with reset")
    func colours() {
        let s = screen(["\u{1B}[1;31mR\u{1B}[0m \u{1B}[92mG\u{1B}[38;5;208mO\u{1B}[48;2;1;2;3mT\u{1B}[m."])
        #expect(s.text == ["R GOT."])
        let cells = s.lines[0]
        #expect(cells[0].style == Style(foreground: .indexed(1), attributes: .bold))
        #expect(cells[1].style == .plain)
        #expect(cells[2].style == Style(foreground: .indexed(10)))
        #expect(cells[3].style == Style(foreground: .indexed(208)))
        #expect(cells[4].style == Style(foreground: .indexed(208), background: .rgb(1, 2, 3)))
        #expect(cells[5].style == .plain)
    }

    @Test("carriage-return progress bars redraw in place; erase-line clears the rest")
    func progress() {
        let s = screen(["  0% [    ]\r", " 50% [==  ]\r", "100% [====]\n", "x\u{1B}[2K\rdone"])
        #expect(s.text == ["100% [====]", "done"])
        let t = screen(["abcdef\r12\u{1B}[K"])
        #expect(t.text == ["12"])
    }

    @Test("escape sequences split across chunks at every position give the same screen")
    func splitAnywhere() {
        let input = "a\u{1B}[38;2;10;20;30mb\u{1B}]0;title\u{07}c\u{1B}[1Ad漢\r\ne"
        let whole = screen([input])
        let chars = Array(input)
        for cut in 0...chars.count {
            let s = screen([String(chars[..<cut]), String(chars[cut...])])
            #expect(s.text == whole.text, "cut \(cut)")
            #expect(s.lines.map { $0.map(\.style) } == whole.lines.map { $0.map(\.style) }, "cut \(cut)")
        }
    }

    @Test("long lines wrap at the column limit; wide graphemes are never split")
    func wrapping() {
        let s = screen(["abcde漢字"], columns: 6)
        #expect(s.text == ["abcde", "漢字"])
    }

    @Test("scrollback is capped and counts what it dropped")
    func cap() {
        var s = VTScreen(columns: 10, maxLines: 3)
        for i in 0..<10 { s.feed("line \(i)\n") }
        #expect(s.text == ["line 8", "line 9", ""])
        #expect(s.droppedLines == 8)
    }

    @Test("garbage and unknown sequences never crash or leak into the text", arguments: [
        "\u{1B}", "\u{1B}[", "\u{1B}[999999999999999999999m", "\u{1B}[;;;;m", "\u{1B}[38;5m", "\u{1B}[38;2;1m", "\u{1B}P1;2qjunk\u{1B}\\",
        "\u{1B}[?1049h\u{1B}[?25l", "\u{1B}(B", String(repeating: "\u{1B}[", count: 500), "\u{0}\u{7}\u{7F}", "\u{1B}[5;5H\u{1B}[J",
    ])
    func garbage(input: String) {
        var s = VTScreen(columns: 8, maxLines: 10)
        s.feed(input)
        // BEL ends an OSC, ESC \ ends a DCS or a dangling ESC, a final byte ends a CSI:
        // whatever state the garbage left, this brings the parser back to text.
        s.feed("\u{7}\u{1B}\\\u{1B}[m\nok")
        #expect(s.text.joined().hasSuffix("ok"))
        #expect(!s.text.joined().contains("\u{1B}"))
    }

    @Test("erase to the cursor with the cursor past the last column keeps the line within the width (found by fuzzing)")
    func eraseAtPendingWrap() {
        var s = VTScreen(columns: 4, maxLines: 10)
        s.feed("abcd\u{1B}[1K")
        #expect(s.lines.allSatisfy { $0.count <= 4 })
        #expect(s.text.first == "")
    }

    @Test("a cursor-down with an absurd count is bounded by the scrollback (found by fuzzing)")
    func hugeCursorDown() {
        var s = VTScreen(columns: 4, maxLines: 10)
        s.feed("a\u{1B}[899998888Bz")
        #expect(s.lines.count <= 10)
        #expect(s.text.last == " z") // down keeps the column
    }
}
