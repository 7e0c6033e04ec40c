import Foundation
import TestSupport
import Testing

/// The terminal's own cursor sits at the editor's caret (where an input method opens its
/// pre-edit window), moves with wide characters, follows a resize, and hides under a view
/// that takes no text.
@Suite("The cursor at the caret", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct CursorEndToEndTests {
    func cursor(_ t: Tmux) -> (x: Int, y: Int, shown: Bool) {
        (Int(t.flag("cursor_x")) ?? -1, Int(t.flag("cursor_y")) ?? -1, t.flag("cursor_flag") == "1")
    }

    func waitCursor(_ t: Tmux, _ want: (Int, Int, Bool)) async -> (x: Int, y: Int, shown: Bool) {
        await waitCursor(t) { ($0.x, $0.y, $0.shown) == want }
    }

    func waitCursor(_ t: Tmux, until ok: ((x: Int, y: Int, shown: Bool)) -> Bool) async -> (x: Int, y: Int, shown: Bool) {
        var c = cursor(t)
        for _ in 0..<50 where !ok(c) {
            try? await Task.sleep(for: .milliseconds(100))
            c = cursor(t)
        }
        return c
    }

    @Test("typing, wide characters, a resize, the search field, and a view without text")
    func caret() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: #"[{"final": "ok"}]"#)
        let t = Tmux(command: "cd \(home.work) && TALARIA_HOME=\(home.home) TALARIA_LOCAL_PORTS=9 \(TalariaHome.binary) --base-url \(fake.baseURL) --model fake-model",
                     cols: 80, rows: 24)
        #expect(await t.waitFor("Ask anything") != nil, "\(t.screen())")
        // The editor's first row is the one above the status line: y = 22 on 24 rows; the text starts at x = 2.
        var c = await waitCursor(t, (2, 22, true))
        #expect((c.x, c.y, c.shown) == (2, 22, true), "empty editor: \(c)")
        t.keys("-l", "ab你好")
        c = await waitCursor(t, (8, 22, true))
        #expect((c.x, c.y, c.shown) == (8, 22, true), "after ab你好 (two wide characters): \(c)")
        t.keys("Left")
        c = await waitCursor(t, (6, 22, true))
        #expect((c.x, c.y) == (6, 22), "after Left: \(c)")
        t.resize(60, 15)
        c = await waitCursor(t, (6, 13, true))
        #expect((c.x, c.y, c.shown) == (6, 13, true), "after a resize to 60×15: \(c)")
        t.keys("F1")
        c = await waitCursor(t) { !$0.shown }
        #expect(!c.shown, "the help view takes no text but the cursor shows: \(c)")
        t.keys("Escape")
        c = await waitCursor(t, (6, 13, true))
        #expect(c.shown, "back in the editor, the cursor is hidden: \(c)")
        t.keys("C-r")
        #expect(await t.waitFor("search:") != nil, "\(t.screen())")
        c = await waitCursor(t) { $0.shown && $0.y == 1 }
        #expect(c.shown && c.y == 1, "the search field's caret: \(c) \(t.screen())")
        t.keys("Escape")
        #expect(await t.waitWhile("search:"), "\(t.screen())")
        c = await waitCursor(t, (6, 13, true))
        #expect((c.x, c.y, c.shown) == (6, 13, true), "back from the search: \(c)")
    }
}
