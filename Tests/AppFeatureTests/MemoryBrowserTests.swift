import AgentProtocol
@testable import AppFeature
import Foundation
import Testing
import TUIKit

let memoryRows = [
    MemoryRow(id: 1, target: "notes", text: "this repo uses pnpm, not npm", source: "set up the monorepo", age: "3 days ago"),
    MemoryRow(id: 2, target: "notes", text: "integration tests need the docker compose stack running first", source: nil, age: "today"),
    MemoryRow(id: 3, target: "notes", text: "old build trick", source: nil, age: "40 days ago", removed: true),
    MemoryRow(id: 4, target: "user", text: "prefers short answers with code first", source: "refactor parser", age: "today"),
    MemoryRow(id: 5, target: "fact", text: "Uses vim as their editor", source: "editor talk", age: "12 days ago",
              flag: "contradicted by #6: Switched from vim to Helix", confidence: 0.9),
    MemoryRow(id: 6, target: "fact", text: "Switched from vim to Helix", source: "new setup", age: "today",
              flag: "contradicts #5: Uses vim as their editor", confidence: 0.8),
    MemoryRow(id: 7, target: "fact", text: "Works on a Rust game engine", source: "engine", age: "70 days ago", stale: true, confidence: 0.7),
]

@Suite("Memory browser")
struct MemoryBrowserTests {
    func opened() -> AppState {
        var s = state([])
        s.input = InputBuffer(text: "/memory")
        let effects = key("enter", &s)
        guard case .memory(let b)? = s.overlay, effects == [.io(.loadMemory(query: "", seq: b.seq))] else { Issue.record("not opened: \(effects)"); return s }
        _ = reduce(into: &s, .memoryLoaded(seq: b.seq, rows: memoryRows))
        return s
    }

    @Test("/memory and F5 open it and load; a late answer to an older request is dropped")
    func opens() {
        var s = state([])
        let effects = key("f5", &s)
        guard case .memory(let b)? = s.overlay else { Issue.record("F5 did not open it"); return }
        #expect(effects == [.io(.loadMemory(query: "", seq: b.seq))])
        _ = reduce(into: &s, .memoryLoaded(seq: b.seq - 1, rows: memoryRows))
        guard case .memory(let after)? = s.overlay else { return }
        #expect(after.rows.isEmpty && !after.loaded)
    }

    @Test("columns, selection, search as you type, out of/into the prompt, forget with a second d, edit in the editor")
    func keys() {
        var s = opened()
        key("down", &s)
        guard case .memory(var b)? = s.overlay else { return }
        #expect(b.current?.id == 2)
        #expect(key("r", &s) == [.io(.editMemory(.remove(2), seq: b.seq))])
        key("tab", &s); key("tab", &s)
        guard case .memory(let facts)? = s.overlay else { return }
        #expect(facts.column == 2 && facts.current?.id == 5)
        #expect(key("d", &s) == [] && s.toasts.last?.text.hasPrefix("press d again") == true)
        #expect(key("d", &s) == [.io(.editMemory(.delete(5), seq: facts.seq))])
        #expect(key("e", &s) == [.openEditor("Uses vim as their editor")])
        #expect(reduce(into: &s, .editorFinished("Uses Helix\n")) == [.io(.editMemory(.edit(5, "Uses Helix"), seq: facts.seq))])
        key("/", &s)
        let typed = key("p", &s)
        guard case .memory(let searching)? = s.overlay else { return }
        #expect(searching.filtering && searching.query == "p" && typed == [.io(.loadMemory(query: "p", seq: searching.seq))])
        key("esc", &s)
        guard case .memory(b)? = s.overlay else { return }
        #expect(!b.filtering && b.query == "")
        key("esc", &s)
        #expect(s.overlay == nil)
    }

    @Test("notes, profile and facts side by side (one column when narrow); flagged, stale and removed entries marked", arguments: sizes)
    func snapshot(size: (Int, Int)) {
        var s = opened()
        key("tab", &s); key("tab", &s)
        let b = screen(s, size)
        if size.0 >= 90 {
            #expect(b.lines().contains { $0.contains("Agent notes (2)") && $0.contains("User profile (1)") && $0.contains("Derived facts (3)") })
        }
        #expect(b.lines().joined().contains("⚑ Uses vim"))
        assertSnapshot(b, named: "memory")
    }

    @Test("an empty memory says how things get remembered", arguments: [(80, 24)])
    func empty(size: (Int, Int)) {
        var s = state([])
        _ = key("f5", &s)
        guard case .memory(let b)? = s.overlay else { return }
        _ = reduce(into: &s, .memoryLoaded(seq: b.seq, rows: []))
        #expect(screen(s, size).lines().joined().contains("Nothing remembered yet."))
    }

    @Test("a memory change shows a card; Alt-U undoes the newest one")
    func card() {
        var s = state([])
        _ = reduce(into: &s, .agent(EventEnvelope(submissionID: 1, seq: 1, event: .memoryUpdate(MemoryUpdate(entryID: 9, target: "user", action: "add", text: "likes tea")))))
        guard case .notice(let n)? = s.entries.last?.item else { Issue.record("no card"); return }
        #expect(n.text == "memory saved to user: likes tea — Alt-U undoes")
        #expect(key("alt-u", &s) == [.submit(.undoMemoryChange(entryID: 9))])
        #expect(key("alt-u", &s) == [] && s.toasts.last?.text == "nothing to undo")
    }
}
