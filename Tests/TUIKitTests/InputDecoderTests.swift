import Testing
@testable import TUIKit

@Suite("InputDecoder")
struct InputDecoderTests {
    func decode(_ s: String, final: Bool = true) -> [TerminalInput] {
        var d = InputDecoder()
        var out = d.feed(Array(s.utf8))
        if final { out += d.flush() }
        return out
    }

    func keys(_ s: String) -> [String] {
        decode(s).compactMap { if case .key(let k) = $0 { k.name } else { nil } }
    }

    @Test func textControlAndAlt() {
        #expect(keys("aé中\r\t\u{7F}\u{12}") == ["a", "é", "中", "enter", "tab", "backspace", "ctrl-r"])
        #expect(keys("\u{1B}x\u{1B}\r") == ["alt-x", "alt-enter"])
        #expect(keys("\u{0A}") == ["ctrl-j"])
    }

    @Test func cursorAndFunctionKeysWithModifiers() {
        #expect(keys("\u{1B}[A\u{1B}[1;5B\u{1B}OC\u{1B}[5~\u{1B}[6;3~\u{1B}[3~\u{1B}[Z\u{1B}OP\u{1B}[15~\u{1B}[24~")
                == ["up", "ctrl-down", "right", "pageup", "alt-pagedown", "delete", "shift-backtab", "f1", "f5", "f12"])
    }

    @Test("Shift+Enter arrives through the kitty protocol or modifyOtherKeys")
    func shiftEnter() {
        #expect(keys("\u{1B}[13;2u\u{1B}[27;2;13~\u{1B}[114;5u\u{1B}[27u") == ["shift-enter", "shift-enter", "ctrl-r", "esc"])
    }

    @Test("a lone Esc waits for the escape delay; Esc Esc is two")
    func escape() {
        var d = InputDecoder()
        #expect(d.feed([0x1B]).isEmpty)
        #expect(d.isWaiting)
        #expect(d.flush() == [.key(KeyEvent(.escape))])
        #expect(!d.isWaiting)
        #expect(keys("\u{1B}\u{1B}") == ["esc", "esc"])
    }

    @Test("a bracketed paste is one event, never keys, whatever it holds and however it is split")
    func paste() {
        let body = "line1\r\nline2\rcmd \u{1B}[A ^C \u{03} 中"
        let whole = "x\u{1B}[200~" + body + "\u{1B}[201~y"
        let expected: [TerminalInput] = [.key(KeyEvent(.character("x"))), .paste("line1\nline2\ncmd \u{1B}[A ^C \u{03} 中"),
                                         .key(KeyEvent(.character("y")))]
        #expect(decode(whole) == expected)
        let bytes = Array(whole.utf8)
        for cut in 1..<bytes.count {
            var d = InputDecoder()
            let out = d.feed(bytes[..<cut]) + d.feed(bytes[cut...]) + d.flush()
            #expect(out == expected, "split at \(cut)")
        }
    }

    @Test func mouse() {
        #expect(decode("\u{1B}[<0;10;5M\u{1B}[<0;10;5m\u{1B}[<64;1;1M\u{1B}[<65;1;1M") == [
            .mouse(MouseEvent(kind: .press(0), x: 9, y: 4)), .mouse(MouseEvent(kind: .release, x: 9, y: 4)),
            .mouse(MouseEvent(kind: .wheelUp, x: 0, y: 0)), .mouse(MouseEvent(kind: .wheelDown, x: 0, y: 0)),
        ])
    }

    @Test("split UTF-8 and sequences decode the same; garbage is dropped, never crashes")
    func splitsAndGarbage() {
        let s = Array("中\u{1B}[1;5A😀".utf8)
        for cut in 1..<s.count {
            var d = InputDecoder()
            let out = d.feed(s[..<cut]) + d.feed(s[cut...]) + d.flush()
            #expect(out == [.key(KeyEvent(.character("中"))), .key(KeyEvent(.up, .control)), .key(KeyEvent(.character("😀")))], "cut \(cut)")
        }
        var d = InputDecoder()
        let out = d.feed([0xFF, 0x80, 0xC3, 0x1B, 0x5B] + Array(repeating: 0x31, count: 200) + [0x41, 0x61]) + d.flush()
        #expect(out.last == .key(KeyEvent(.character("a"))))
        #expect(!d.isWaiting)
    }

    @Test func keyNamesRoundTrip() {
        for name in ["ctrl-r", "alt-enter", "shift-enter", "ctrl-alt-shift-up", "pageup", "f12", "esc", "?", "G", "space", "ctrl-\\", "backtab"] {
            #expect(KeyEvent(name: name)?.name == name, "\(name)")
        }
        #expect(KeyEvent(name: "Ctrl-R")?.name == "ctrl-r")
        #expect(KeyEvent(name: "hyper-x") == nil)
        #expect(KeyEvent(name: "ctrl-") == nil)
        #expect(KeyEvent(name: "f99") == nil)
    }
}
