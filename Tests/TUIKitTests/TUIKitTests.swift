import Testing
@testable import TUIKit

@Suite("Display width")
struct DisplayWidthTests {
    @Test("graphemes take the columns a terminal gives them", arguments: [
        ("a", 1), ("é", 1), ("e\u{301}", 1), ("漢", 2), ("한", 2), ("ｱ", 1), ("Ａ", 2), ("👍", 2), ("👍🏽", 2),
        ("👨‍👩‍👧", 2), ("🇫🇷", 2), ("❤", 1), ("❤️", 2), ("\t", 0), ("\u{7}", 0), ("\u{200B}", 0), ("─", 1),
    ])
    func widths(text: String, width: Int) {
        #expect(DisplayWidth.of(Character(text)) == width, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    @Test("strings sum their graphemes")
    func strings() {
        #expect(DisplayWidth.of("ab漢字👍") == 8)
        #expect(DisplayWidth.of("") == 0)
    }
}

@Suite("Screen buffer")
struct ScreenBufferTests {
    @Test("put clips at the edge and never splits a wide grapheme")
    func put() {
        var b = ScreenBuffer(cols: 5, rows: 2)
        #expect(b.put("ab漢字", x: 0, y: 0) == 5)
        #expect(b.lines() == ["ab漢", ""])
        #expect(b[4, 0] == Cell(" "))
        #expect(b[3, 0].isContinuation)
        b.put("xyz", x: 3, y: 1, maxX: 4)
        #expect(b.lines()[1] == "   x")
        b.put("ignored", x: 0, y: 5)
    }

    @Test("overwriting half of a wide grapheme blanks the other half")
    func halfOverwrite() {
        var b = ScreenBuffer(cols: 4, rows: 1)
        b.put("漢字", x: 0, y: 0)
        b.put("x", x: 1, y: 0)
        #expect(b.lines() == [" x字"])
        var c = ScreenBuffer(cols: 4, rows: 1)
        c.put("漢字", x: 0, y: 0)
        c.put("y", x: 2, y: 0)
        #expect(c.lines() == ["漢y"])
    }
}

@Suite("Diff")
struct DiffTests {
    @Test("only changed cells are emitted; equal frames give nothing")
    func minimal() {
        var a = ScreenBuffer(cols: 10, rows: 3)
        a.put("hello", x: 0, y: 0)
        var b = a
        b.put("J", x: 0, y: 0)
        #expect(a.diff(to: a) == [])
        #expect(a.diff(to: b) == [CellChange(x: 0, y: 0, cell: Cell("J"))])
    }

    @Test("replacing a wide grapheme rewrites the cell it covered")
    func wideReplaced() {
        var a = ScreenBuffer(cols: 3, rows: 1)
        a.put("漢a", x: 0, y: 0)
        var b = ScreenBuffer(cols: 3, rows: 1)
        b.put(" ", x: 0, y: 0)
        b.put("a", x: 2, y: 0)
        #expect(a.diff(to: b).map(\.x) == [0, 1])
    }

    /// Random frames of narrow, wide and styled text: applying the diff to the previous
    /// frame always yields the next one.
    @Test("apply(diff(a, b), to: a) == b for random frames")
    func property() {
        var rng = SplitMix(seed: 7)
        let alphabet = ["a", "b", " ", "漢", "字", "👍", "é", "─"]
        let styles = [Style.plain, Style(foreground: .indexed(1)), Style(attributes: .bold)]
        func frame() -> ScreenBuffer {
            var f = ScreenBuffer(cols: 13, rows: 4)
            for _ in 0..<12 {
                let text = (0..<Int(rng.next() % 6)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
                f.put(text, x: Int(rng.next() % 13), y: Int(rng.next() % 4), style: styles[Int(rng.next() % 3)])
            }
            return f
        }
        for _ in 0..<500 {
            let a = frame(), b = frame()
            var c = a
            c.apply(a.diff(to: b))
            #expect(c.lines() == b.lines())
            #expect(c.cells.map(\.style) == b.cells.map(\.style))
        }
    }
}

@Suite("Wrapping")
struct WrapTests {
    @Test("breaks at spaces, keeps newlines, hard-breaks long words")
    func basics() {
        #expect(Wrap.lines("the quick brown fox", width: 10) == ["the quick", "brown fox"])
        #expect(Wrap.lines("a\n\nb", width: 5) == ["a", "", "b"])
        #expect(Wrap.lines("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
        #expect(Wrap.lines("漢字漢字漢", width: 4) == ["漢字", "漢字", "漢"])
        #expect(Wrap.lines("x", width: 0) == [])
    }

    @Test("no line is wider than the width, and no word is lost", arguments: [2, 3, 7, 20, 80])
    func invariants(width: Int) {
        let text = "Talaria 🪽 streams answers — 速い and reliable; supercalifragilisticexpialidocious words wrap."
        let lines = Wrap.lines(text, width: width)
        for l in lines { #expect(DisplayWidth.of(l) <= width, "\(l)") }
        #expect(lines.joined().filter { $0 != " " } == text.filter { $0 != " " })
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
