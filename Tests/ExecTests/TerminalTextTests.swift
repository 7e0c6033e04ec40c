import Exec
import Foundation
import Testing
import TUIKit

/// What the model reads of a command's output: the terminal's final state, as the live pane
/// shows it, without colours.
@Suite("Terminal text for the model")
struct TerminalScreenTextTests {
    @Test("multi-line progress (docker's cursor-up redraws, pip's bar, cargo's status line) arrives in its final state")
    func progress() {
        let docker = "layer1: waiting\nlayer2: waiting\n\u{1B}[2A\u{1B}[2Klayer1: downloading\n\u{1B}[2Klayer2: waiting\n"
            + "\u{1B}[2A\u{1B}[2Klayer1: done\n\u{1B}[2Klayer2: done\nDigest: sha256:abc\n"
        #expect(TerminalText.clean(docker) == "layer1: done\nlayer2: done\nDigest: sha256:abc\n")
        let pip = "Downloading x.whl\n   |██        | 20%\r\u{1B}[K   |██████████| 100%\nInstalled\n"
        #expect(TerminalText.clean(pip) == "Downloading x.whl\n   |██████████| 100%\nInstalled\n")
        let cargo = "   Compiling a v1\n    Building [=>   ] 1/3: a\r\u{1B}[K   Compiling b v1\n    Building [==>  ] 2/3: b\r\u{1B}[K    Finished dev\n"
        #expect(TerminalText.clean(cargo) == "   Compiling a v1\n   Compiling b v1\n    Finished dev\n")
        // pnpm's column moves and erase-to-end, and an overwrite shorter than the line (a real terminal keeps the rest).
        #expect(TerminalText.clean("Progress: resolved 1\u{1B}[1GProgress: resolved 42\u{1B}[K\n") == "Progress: resolved 42\n")
        #expect(TerminalText.clean("abcdef\rXY\n") == "XYcdef\n")
        // A cleared screen keeps what scrolled off above it.
        #expect(TerminalText.clean("old\n\u{1B}[2J\u{1B}[Hnew\n", screenRows: 1) == "old\nnew\n")
    }

    @Test("the same final text as the live pane's VT screen, for output that fits its width", arguments: 0..<200)
    func agreesWithThePane(seed: Int) {
        var rng = SplitMix(seed: UInt64(seed))
        let pieces = ["word", "layer: done", "  ", "\r", "\n", "\r\n", "\u{1B}[K", "\u{1B}[2K", "\u{1B}[1A", "\u{1B}[2A", "\u{1B}[1G",
                      "\u{1B}[3D", "\u{1B}[2C", "\u{1B}[1;32m", "\u{1B}[0m", "\u{08}", "\u{1B}]0;title\u{07}", "\u{1B}[0J", "\t"]
        var text = ""
        for _ in 0..<40 { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
        var pane = VTScreen(columns: 1_000, maxLines: 10_000)
        pane.feed(text)
        let shown = pane.text.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
        var model = TerminalText.clean(text).components(separatedBy: "\n")
        while model.count > shown.count, model.last == "" { model.removeLast() }
        var trimmedShown = shown
        while trimmedShown.count > model.count, trimmedShown.last == "" { trimmedShown.removeLast() }
        #expect(model == trimmedShown, "\(text.debugDescription)")
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
