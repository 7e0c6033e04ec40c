import AgentProtocol
@testable import AppFeature
import Testing
import TUIKit

let sizes = [(80, 24), (120, 40), (40, 15)]

func screen(_ s: AppState, _ size: (Int, Int)) -> ScreenBuffer {
    var b = ScreenBuffer(cols: size.0, rows: size.1)
    render(s, into: &b)
    return b
}

func state(_ items: [TranscriptItem], busy: Bool = false) -> AppState {
    var s = AppState()
    s.model = "qwen2.5-coder-0.5b-instruct"
    s.contextWindow = 8192
    s.lastPromptTokens = 1024
    s.usage = Usage(promptTokens: 2048, completionTokens: 64)
    s.cwd = "/srv/project"
    s.now = 1_000
    s.isBusy = busy
    for (i, item) in items.enumerated() { s.entries.append(Entry(id: i + 1, item: item)) }
    s.nextEntryID = items.count + 1
    return s
}

let markdownAnswer = """
    Here is the plan:

    1. **Read** the file
    2. Fix `main()`

    ```python
    def main():
        return 42  # the answer
    ```

    | File | Lines |
    |------|------:|
    | a.py | 10 |
    | b.py | 200 |
    """

@Suite("App rendering snapshots")
struct RenderSnapshotTests {
    @Test("an empty start", arguments: sizes)
    func empty(size: (Int, Int)) {
        assertSnapshot(screen(state([]), size), named: "empty")
    }

    @Test("a streamed markdown answer with code and a table", arguments: sizes)
    func markdown(size: (Int, Int)) {
        let s = state([.user("plan the fix"), .assistant(AssistantItem(id: "a", text: markdownAnswer, isStreaming: true))], busy: true)
        assertSnapshot(screen(s, size), named: "markdown")
    }

    @Test("thoughts collapsed and expanded", arguments: sizes)
    func thoughts(size: (Int, Int)) {
        let thought = "The user wants a count.\nI should run ls and wc."
        let s = state([.user("count the files"),
                       .assistant(AssistantItem(id: "a", text: "Collapsed thought above.", reasoning: thought, isStreaming: false)),
                       .assistant(AssistantItem(id: "b", text: "Expanded thought above.", reasoning: thought, isStreaming: false,
                                                isReasoningExpanded: true))])
        assertSnapshot(screen(s, size), named: "thoughts")
    }

    @Test("a running tool with coloured live output in the terminal pane", arguments: sizes)
    func runningTool(size: (Int, Int)) {
        var tool = ToolItem(callID: "c", name: "terminal", arguments: #"{"command":"make test"}"#)
        tool.screen.feed("Compiling \u{1B}[1mTalaria\u{1B}[0m\n\u{1B}[32m✔ 12 passed\u{1B}[0m\n\u{1B}[31m✘ 1 failed\u{1B}[0m\n[####      ] 40%\r[########  ] 80%")
        let s = state([.user("run the tests"), .tool(tool)], busy: true)
        assertSnapshot(screen(s, size), named: "running-tool")
    }

    @Test("the approval dialog", arguments: sizes)
    func approval(size: (Int, Int)) {
        var s = state([.user("clean the cache"),
                       .tool(ToolItem(callID: "x", name: "terminal", arguments: #"{"command":"sudo rm -rf /var/cache/app"}"#))], busy: true)
        s.pendingApproval = ApprovalRequest(callID: "x", tool: "terminal", command: "sudo rm -rf /var/cache/app", reason: "runs a command as root (sudo)")
        assertSnapshot(screen(s, size), named: "approval")
    }

    @Test("the search overlay with results and a preview", arguments: sizes)
    func search(size: (Int, Int)) {
        var s = state([])
        var search = SearchState(query: "docker comp")
        search.results = [
            SessionHit(sessionID: "s1", title: "Fix the compose file", date: 1_000 - 7200, matches: 12,
                       snippets: [HitSnippet(role: "assistant", text: "the \u{2}docker\u{3} \u{2}compose\u{3} file fails on start", messageID: 3),
                                  HitSnippet(role: "tool", text: "/usr/bin/\u{2}docker\u{3}-\u{2}compose\u{3}: exit 1", messageID: 4)], tags: ["infra"]),
            SessionHit(sessionID: "s2", title: "Deploy notes", date: 1_000 - 86_400 * 3, matches: 1,
                       snippets: [HitSnippet(role: "user", text: "run **not bold** \u{2}docker\u{3} \u{2}compose\u{3} up -d", messageID: 9)]),
        ]
        search.preview = SessionPreview(sessionID: "s1", lines: [
            PreviewLine(role: "user", text: "why does it fail?"),
            PreviewLine(role: "assistant", text: "the docker compose file fails on start because the port is taken", isHit: true),
            PreviewLine(role: "tool", text: "Error: port 5432 already allocated"),
        ])
        s.overlay = .search(search)
        assertSnapshot(screen(s, size), named: "search")
    }

    @Test("CJK and emoji keep their columns", arguments: sizes)
    func wide(size: (Int, Int)) {
        let s = state([.user("日本語のファイルを数えて 👍"),
                       .assistant(AssistantItem(id: "a", text: "3 个文件：漢字.txt、한국어.md 和 👨‍👩‍👧.png — 全部 **完成** ✅", isStreaming: false))])
        assertSnapshot(screen(s, size), named: "wide")
    }

    @Test("the light theme", arguments: sizes)
    func light(size: (Int, Int)) {
        var s = state([.user("plan the fix"), .assistant(AssistantItem(id: "a", text: markdownAnswer, isStreaming: false))])
        s.theme = s.themes["light"]!
        assertSnapshot(screen(s, size), named: "light")
    }

    @Test("help with the vim keymap lists its live bindings", arguments: sizes)
    func vimHelp(size: (Int, Int)) {
        var s = state([])
        s.keymap = s.keymaps["vim"]!
        s.overlay = .help(scroll: 0)
        assertSnapshot(screen(s, size), named: "help-vim")
    }

    @Test("the command popup above the editor", arguments: sizes)
    func popup(size: (Int, Int)) {
        var s = state([.user("hello")])
        _ = reduce(into: &s, .pasted("/"))
        assertSnapshot(screen(s, size), named: "popup")
    }
}

@Suite("App rendering properties")
struct RenderPropertyTests {
    @Test("no line is wider than the screen, at any size, in any mode", arguments: [1, 2, 5, 20, 33, 80])
    func widths(cols: Int) {
        var s = state([.user("a long prompt " + String(repeating: "word ", count: 30)),
                       .assistant(AssistantItem(id: "a", text: markdownAnswer, reasoning: "thinking", isStreaming: false)),
                       .tool(ToolItem(callID: "c", name: "terminal", arguments: #"{"command":"ls"}"#, output: "x\n"))], busy: true)
        for rows in [1, 3, 8, 24] {
            for overlay in [nil, Overlay.help(scroll: 0), .search(SearchState(query: "q"))] {
                s.overlay = overlay
                let b = screen(s, (cols, rows))
                for line in b.lines() { #expect(DisplayWidth.of(line) <= cols, "\(cols)x\(rows)") }
            }
        }
    }

    @Test("finished entries are laid out once per width; only the streaming one again")
    func layoutCache() {
        var s = state((0..<50).map { .assistant(AssistantItem(id: "\($0)", text: "answer \($0) with **markdown**", isStreaming: false)) })
        let cache = TranscriptLayout()
        var b = ScreenBuffer(cols: 80, rows: 24)
        render(s, into: &b, layout: cache)
        let first = cache.misses
        #expect(first < 20, "only visible entries are laid out (\(first))")
        _ = reduce(into: &s, env(.messageDelta(itemID: "49", text: " more")))
        render(s, into: &b, layout: cache)
        #expect(cache.misses == first + 1)
    }

    @Test("a 10,000-entry transcript lays out only what is visible")
    func virtualised() {
        let s = state((0..<10_000).map { .user("message \($0)") })
        let cache = TranscriptLayout()
        var b = ScreenBuffer(cols: 80, rows: 24)
        render(s, into: &b, layout: cache)
        #expect(cache.misses < 30)
        #expect(b.lines().contains { $0.contains("message 9999") })
    }

    @Test("the selected entry is kept in view and marked")
    func selection() {
        var s = state((0..<40).map { .user("message \($0)") })
        s.selectedEntry = 5
        let b = screen(s, (80, 24))
        #expect(b.lines().contains { $0.hasPrefix("▌› message 4") })
    }
}

@Suite("Streaming markdown")
struct StreamingMarkdownTests {
    /// Markdown-ish text from a seeded generator: paragraphs, blank and space-only lines, code
    /// fences with blank lines inside, CRLF now and then, multi-byte text.
    static func text(seed: UInt64, pieces: Int) -> [String] {
        var state = seed
        func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int((state >> 33) % UInt64(n)) }
        let parts = ["word ", "**bold** ", "é ünïcode ", "日本語 ", "\n", "\n\n", "  \n", "\t\n", "```swift\nlet x = 1\n\nlet y = 2\n", "```\n", "\r\n", "- item\n", "> quote\n"]
        return (0..<pieces).map { _ in parts[next(parts.count)] }
    }

    @Test("resuming the split search from an earlier answer finds what a full scan finds", arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func resumedSplit(seed: UInt64) {
        var text = ""
        var previous: Int? // the split of a prefix, as a UTF-8 offset
        for piece in Self.text(seed: seed, pieces: 1_500) {
            text += piece
            let from = previous.map { text.utf8.index(text.utf8.startIndex, offsetBy: $0) }
            let resumed = stableSplit(text, from: from), full = stableSplit(text)
            #expect(resumed == full, "seed \(seed) at \(text.utf8.count) bytes")
            if resumed != full { return }
            if let full { previous = text.utf8.distance(from: text.utf8.startIndex, to: full) }
        }
        #expect(previous != nil, "the text never split: the test would prove nothing")
    }
}
