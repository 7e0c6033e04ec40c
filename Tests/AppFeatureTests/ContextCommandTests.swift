@testable import AppFeature
import Testing

@Suite("/context")
struct ContextCommandTests {
    @Test("/context asks for the files; the answer lists each with its size, tokens and share of the window, and a withheld one with why")
    func listing() {
        var s = state([])
        #expect(runSlash("/context", &s) == [.io(.loadContext)])
        _ = reduce(into: &s, .contextLoaded([ContextFileRow(label: "AGENTS.md", bytes: 3_200, tokens: 800),
                                              ContextFileRow(label: ".hermes.md", bytes: 90, tokens: 0, withheld: "prompt injection on line 1: Ignore all previous")]))
        guard case .notice(let n) = s.entries.last?.item else { Issue.record("no listing"); return }
        #expect(n.text == """
            instruction files in the prompt, most general first (~800 tokens (9% of the window)):
              AGENTS.md — 3.2 KB, ~800 tokens (9% of the window)
              ✗ .hermes.md — 90 B, withheld: prompt injection on line 1: Ignore all previous
            """, "\(n.text)")
        _ = reduce(into: &s, .contextLoaded([]))
        guard case .notice(let none) = s.entries.last?.item else { Issue.record("no answer"); return }
        #expect(none.text.hasPrefix("no instruction files"))
    }
}
