import AgentProtocol
@testable import AppFeature
import Foundation
import Testing
import TUIKit

func env(_ e: AgentEvent, seq: Int = 0) -> AppAction { .agent(EventEnvelope(submissionID: 1, seq: seq, event: e)) }
@discardableResult
func key(_ name: String, _ s: inout AppState) -> [AppEffect] { reduce(into: &s, .keyPressed(KeyEvent(name: name)!)) }
func type(_ text: String, into state: inout AppState) { for c in text { _ = reduce(into: &state, .keyPressed(KeyEvent(.character(c)))) } }
func items(_ s: AppState) -> [TranscriptItem] { s.entries.map(\.item) }

@Suite("App reducer: conversation")
struct ConversationReducerTests {
    @Test("Enter sends the prompt, shows it and marks the app busy; an empty prompt does nothing")
    func send() {
        var s = AppState()
        #expect(key("enter", &s) == [])
        type("hi there", into: &s)
        let fx = key("enter", &s)
        #expect(items(s) == [.user("hi there")])
        #expect(s.isBusy && s.input.text.isEmpty && s.history == ["hi there"])
        #expect(fx == [.submit(.userTurn(UserTurn(text: "hi there")))])
    }

    @Test("typing while busy queues; the queue is sent when the turn completes")
    func queue() {
        var s = AppState()
        s.isBusy = true
        type("next", into: &s)
        #expect(key("enter", &s) == [])
        #expect(s.queued == ["next"])
        let fx = reduce(into: &s, env(.turnCompleted(TurnCompleted(turnID: "t", finalText: "", iterations: 1, usage: Usage()))))
        #expect(fx == [.submit(.userTurn(UserTurn(text: "next")))])
        #expect(s.queued == [] && s.isBusy && items(s) == [.user("next")])
    }

    @Test("an interrupted turn gives queued prompts back to the editor and ends streaming")
    func abortRestoresQueue() {
        var s = AppState()
        s.isBusy = true
        s.queued = ["one", "two"]
        _ = reduce(into: &s, env(.messageDelta(itemID: "i", text: "partial")))
        _ = reduce(into: &s, env(.turnAborted(TurnAborted(turnID: "t", reason: .interrupted, message: ""))))
        #expect(s.input.text == "one\ntwo")
        #expect(!s.isBusy && s.queued.isEmpty)
        #expect(items(s) == [.assistant(AssistantItem(id: "i", text: "partial", isStreaming: false)), .notice(Notice(.info, "interrupted"))])
    }

    @Test("Esc interrupts a running turn; Shift+Enter, Alt+Enter and Ctrl-J insert newlines; Ctrl-C clears, interrupts, then quits")
    func keys() {
        var s = AppState()
        #expect(key("esc", &s) == [])
        s.isBusy = true
        #expect(key("esc", &s) == [.submit(.interrupt)])
        type("a", into: &s)
        key("shift-enter", &s)
        type("b", into: &s)
        key("alt-enter", &s)
        key("ctrl-j", &s)
        #expect(s.input == InputBuffer(text: "a\nb\n\n"))
        #expect(key("ctrl-c", &s) == [])
        #expect(s.input.text.isEmpty)
        #expect(key("ctrl-c", &s) == [.submit(.interrupt)])
        s.isBusy = false
        #expect(key("ctrl-c", &s) == [.quit])
        #expect(key("ctrl-d", &s) == [.quit])
    }

    @Test("deltas build one assistant entry whose revision grows; completion freezes it; an empty message leaves nothing")
    func streaming() {
        var s = AppState()
        _ = reduce(into: &s, env(.reasoningDelta(itemID: "i1", text: "plan")))
        _ = reduce(into: &s, env(.messageDelta(itemID: "i1", text: "Hel")))
        _ = reduce(into: &s, env(.messageDelta(itemID: "i1", text: "lo")))
        #expect(items(s) == [.assistant(AssistantItem(id: "i1", text: "Hello", reasoning: "plan", isStreaming: true))])
        #expect(s.entries[0].revision == 2)
        _ = reduce(into: &s, env(.messageCompleted(MessageCompleted(itemID: "i1", text: "Hello", reasoning: "plan", toolCalls: []))))
        #expect(items(s) == [.assistant(AssistantItem(id: "i1", text: "Hello", reasoning: "plan", isStreaming: false))])
        key("ctrl-t", &s)
        #expect(items(s) == [.assistant(AssistantItem(id: "i1", text: "Hello", reasoning: "plan", isStreaming: false, isReasoningExpanded: true))])
        _ = reduce(into: &s, env(.messageCompleted(MessageCompleted(itemID: "i2", text: "", reasoning: nil, toolCalls: []))))
        #expect(s.entries.count == 1)
    }

    @Test("Alt-T expands every thought, and new ones arrive expanded until toggled back")
    func allThoughts() {
        var s = AppState()
        _ = reduce(into: &s, env(.reasoningDelta(itemID: "a", text: "x")))
        key("alt-t", &s)
        _ = reduce(into: &s, env(.reasoningDelta(itemID: "b", text: "y")))
        let expanded = s.entries.map { if case .assistant(let a) = $0.item { a.isReasoningExpanded } else { false } }
        #expect(expanded == [true, true])
    }

    @Test("tool output feeds a terminal screen (colours, CR progress); Ctrl-O expands the card")
    func tools() {
        var s = AppState()
        _ = reduce(into: &s, env(.toolCallBegan(ToolCallBegan(callID: "c", name: "terminal", arguments: #"{"command":"ls"}"#))))
        #expect(s.runningTool?.callID == "c")
        _ = reduce(into: &s, env(.toolOutputDelta(callID: "c", chunk: "10%\r50%\r\u{1B}[31m100%\u{1B}[0m\n")))
        _ = reduce(into: &s, env(.toolCallEnded(ToolCallEnded(callID: "c", name: "terminal", status: .succeeded, output: "", exitCode: 0, elapsedMs: 120))))
        guard case .tool(let t) = s.entries[0].item else { Issue.record("no tool card"); return }
        #expect(t.screen.text.first == "100%")
        #expect(t.screen.lines[0][0].style.foreground == .indexed(1))
        #expect(t.status == .succeeded && t.elapsedMs == 120 && s.runningTool == nil)
        key("ctrl-o", &s)
        guard case .tool(let t2) = s.entries[0].item else { return }
        #expect(t2.isExpanded)
    }

    @Test("a flood of tool output is capped in memory")
    func toolCap() {
        var s = AppState()
        _ = reduce(into: &s, env(.toolCallBegan(ToolCallBegan(callID: "c", name: "terminal", arguments: "{}"))))
        for i in 0..<(ToolItem.maxLines + 500) { _ = reduce(into: &s, env(.toolOutputDelta(callID: "c", chunk: "line \(i)\n"))) }
        guard case .tool(let t) = s.entries[0].item else { return }
        #expect(t.screen.lines.count <= ToolItem.maxLines)
    }

    @Test("an approval takes the keys until answered: y once, s session, a always, n or Esc deny; typing is not lost")
    func approval() {
        for (k, decision) in [("y", ApprovalDecision.once), ("s", .session), ("a", .always), ("n", .deny), ("esc", .deny)] {
            var s = AppState()
            s.isBusy = true
            _ = reduce(into: &s, env(.approvalRequested(ApprovalRequest(callID: "c", tool: "terminal", command: "sudo x", reason: "sudo"))))
            #expect(key("q", &s) == [])
            #expect(key(k, &s) == [.submit(.approveTool(callID: "c", decision: decision))], "\(k)")
            #expect(s.pendingApproval == nil)
        }
        var s = AppState()
        s.isBusy = true
        type("draft", into: &s)
        _ = reduce(into: &s, env(.approvalRequested(ApprovalRequest(callID: "c", tool: "terminal", command: "x", reason: "r"))))
        _ = reduce(into: &s, .pasted("ignored"))
        #expect(s.input.text == "draft")
    }

    @Test("usage and session events fill the status line; retries and errors raise toasts that expire")
    func statusAndToasts() {
        var s = AppState()
        _ = reduce(into: &s, .tick(100))
        _ = reduce(into: &s, env(.sessionConfigured(SessionConfigured(sessionID: "s1", model: "m", baseURL: "u", contextWindow: 8192, tools: []))))
        _ = reduce(into: &s, env(.usage(UsageReport(last: Usage(promptTokens: 4096, completionTokens: 10), total: Usage(promptTokens: 5000, completionTokens: 20), contextWindow: nil))))
        #expect(s.model == "m" && s.sessionID == "s1" && s.contextWindow == 8192 && s.lastPromptTokens == 4096)
        _ = reduce(into: &s, env(.retrying(Retrying(attempt: 1, maxAttempts: 3, delayMs: 2000, reason: "HTTP 429"))))
        #expect(s.toasts.map(\.text) == ["HTTP 429 — retrying in 2 s (1/3)"])
        #expect(s.nextWake == s.toasts[0].expiresAt)
        _ = reduce(into: &s, .tick(200))
        #expect(s.toasts.isEmpty && s.nextWake == nil)
        s.isBusy = true
        #expect(abs((s.nextWake ?? 0) - 200.1) < 1e-9)
    }
}

@Suite("App reducer: editor")
struct EditorReducerTests {
    @Test("readline editing: words, line ends, kill and yank")
    func editing() {
        var s = AppState()
        type("hello big world", into: &s)
        key("ctrl-w", &s)
        #expect(s.input.text == "hello big ")
        key("ctrl-y", &s)
        #expect(s.input.text == "hello big world")
        key("ctrl-a", &s)
        key("alt-f", &s)
        #expect(s.input.cursor == 5)
        key("ctrl-k", &s)
        #expect(s.input.text == "hello")
        key("ctrl-u", &s)
        #expect(s.input.text.isEmpty)
        type("ab", into: &s)
        key("left", &s)
        key("backspace", &s)
        key("delete", &s)
        #expect(s.input.text.isEmpty)
    }

    @Test("Up and Down walk the history from the first and last lines, keeping the draft")
    func history() {
        var s = AppState()
        s.history = ["first", "second"]
        type("draft", into: &s)
        key("up", &s)
        #expect(s.input.text == "second")
        key("up", &s)
        #expect(s.input.text == "first")
        key("up", &s)
        #expect(s.input.text == "first")
        key("down", &s)
        key("down", &s)
        #expect(s.input.text == "draft")
        s.input = InputBuffer(text: "a\nbc", cursor: 4)
        key("up", &s)
        #expect(s.input.cursor == 1 && s.input.text == "a\nbc")
    }

    @Test("a paste is one insert, newlines kept, never sent")
    func paste() {
        var s = AppState()
        let fx = reduce(into: &s, .pasted("line 1\nline 2\n"))
        #expect(fx == [] && s.input.text == "line 1\nline 2\n" && s.entries.isEmpty)
    }

    @Test("Ctrl-G hands the text to the editor and takes back what it saved")
    func externalEditor() {
        var s = AppState()
        type("draft", into: &s)
        #expect(key("ctrl-g", &s) == [.openEditor("draft")])
        _ = reduce(into: &s, .editorFinished("edited\nprompt\n"))
        #expect(s.input.text == "edited\nprompt")
        _ = reduce(into: &s, .editorFinished(nil))
        #expect(s.input.text == "edited\nprompt")
    }

    @Test("/ opens the command popup, filtered as you type; Tab completes; Enter runs")
    func slashPopup() {
        var s = AppState()
        type("/", into: &s)
        #expect(s.completion?.items.count == SlashCommand.allCases.count)
        type("he", into: &s)
        #expect(s.completion?.items.map(\.text) == ["/help"])
        key("enter", &s)
        #expect(s.overlay == .help(scroll: 0) && s.input.text.isEmpty)
        key("q", &s)
        #expect(s.overlay == nil)
        type("/th", into: &s)
        key("tab", &s)
        #expect(s.input.text == "/theme ")
        #expect(s.completion?.items.map(\.text) == ["ansi16", "dark", "light"])
        key("down", &s)
        key("down", &s)
        key("enter", &s)
        #expect(s.theme.name == "light")
        key("esc", &s)
    }

    @Test("@path asks for completions; stale answers are dropped; Tab inserts the path")
    func pathCompletion() {
        var s = AppState()
        type("read @Sou", into: &s)
        guard case .io(.completePaths(let prefix, let seq))? = key("r", &s).first else { Issue.record("no request"); return }
        #expect(prefix == "Sour")
        _ = reduce(into: &s, .pathCompletions(seq: seq - 1, ["stale/"]))
        #expect(s.completion?.items.isEmpty == true)
        _ = reduce(into: &s, .pathCompletions(seq: seq, ["Sources/", "SourceMap.txt"]))
        key("down", &s)
        key("tab", &s)
        #expect(s.input.text == "read @SourceMap.txt ")
        #expect(s.completion == nil)
    }

    @Test("slash commands: theme, keymap, clear, title, model, new, unknown")
    func slashCommands() {
        var s = AppState()
        s.sessionID = "s1"
        func run(_ text: String) -> [AppEffect] {
            s.input = InputBuffer(text: text)
            s.completion = nil
            return reduce(into: &s, .keyPressed(KeyEvent(.enter)))
        }
        #expect(run("/theme light") == [] && s.theme.name == "light")
        #expect(run("/theme nope") == [] && s.theme.name == "light" && s.toasts.last?.kind == .error)
        #expect(run("/keymap vim") == [] && s.keymap.name == "vim")
        #expect(run("/title My work") == [.io(.updateSession(id: "s1", title: "My work", tags: nil, archived: nil))])
        #expect(run("/model other") == [.setModel("other")])
        s.entries = [Entry(id: 1, item: .user("x"))]
        #expect(run("/clear") == [] && s.entries.isEmpty)
        #expect(run("/new") == [.newSession])
        #expect(run("/bogus") == [] && s.toasts.last?.text.contains("unknown command /bogus") == true)
        #expect(run("/quit") == [.quit])
        s.isBusy = true
        #expect(run("/new") == [] && s.toasts.last?.text.contains("busy") == true)
    }
}

@Suite("App reducer: transcript, search, mouse")
struct NavigationReducerTests {
    static func withEntries() -> AppState {
        var s = AppState()
        s.entries = [Entry(id: 1, item: .user("q")),
                     Entry(id: 2, item: .assistant(AssistantItem(id: "a", text: "answer", reasoning: "r", isStreaming: false))),
                     Entry(id: 3, item: .tool(ToolItem(callID: "c", name: "terminal", arguments: "{}", status: .succeeded, output: "out")))]
        return s
    }

    @Test("Alt-Up selects entries; Enter expands; y copies through OSC 52; typing returns to the editor")
    func selection() {
        var s = Self.withEntries()
        key("alt-up", &s)
        #expect(s.selectedEntry == 3 && s.focus == .transcript)
        key("up", &s)
        #expect(s.selectedEntry == 2)
        key("enter", &s)
        guard case .assistant(let a) = s.entries[1].item else { return }
        #expect(a.isReasoningExpanded && s.entries[1].revision == 1)
        #expect(key("y", &s) == [.copyToClipboard("answer")])
        type("x", into: &s)
        #expect(s.focus == .input && s.input.text == "x" && s.selectedEntry == nil)
        #expect(key("alt-c", &s) == [.copyToClipboard("answer")])
    }

    @Test("scrolling: page keys, wheel, top and bottom; the renderer clamps")
    func scrolling() {
        var s = Self.withEntries()
        key("pageup", &s)
        #expect(s.scrollBack == 10)
        _ = reduce(into: &s, .wheel(lines: 3))
        #expect(s.scrollBack == 13)
        _ = reduce(into: &s, .scrollClamped(4))
        key("pagedown", &s)
        #expect(s.scrollBack == 0)
        key("ctrl-home", &s)
        var b = ScreenBuffer(cols: 40, rows: 10)
        let info = render(s, into: &b)
        #expect(info.scrollBack < 40)
        _ = reduce(into: &s, .clicked(entryID: 3))
        guard case .tool(let t) = s.entries[2].item else { return }
        #expect(t.isExpanded && s.selectedEntry == 3)
    }

    @Test("mouse capture toggles with a toast and an effect")
    func mouse() {
        var s = AppState()
        #expect(key("alt-m", &s) == [.setMouseCapture(false)])
        #expect(!s.mouseCapture && s.toasts.count == 1)
    }

    @Test("Ctrl-R searches as you type; stale results are dropped; selection loads a preview")
    func search() {
        var s = AppState()
        guard case .io(.searchSessions("", false, let seq0))? = key("ctrl-r", &s).first else { Issue.record("no search"); return }
        let fx = key("c", &s)
        guard case .io(.searchSessions("c", false, let seq1))? = fx.first else { Issue.record("no search"); return }
        let hits = [SessionHit(sessionID: "s1", title: "one", date: 0, matches: 1, snippets: [HitSnippet(role: "user", text: "\u{2}c\u{3}at", messageID: 7)]),
                    SessionHit(sessionID: "s2", title: "two", date: 0, matches: 2, snippets: [HitSnippet(role: "user", text: "\u{2}c\u{3}ow", messageID: 9),
                                                                                            HitSnippet(role: "tool", text: "\u{2}c\u{3}ow", messageID: 10)])]
        #expect(reduce(into: &s, .searchResults(seq: seq0, hits: [hits[1]], error: nil)) == [])
        guard case .search(let st)? = s.overlay else { return }
        #expect(st.results.isEmpty && st.isLoading)
        let preview = reduce(into: &s, .searchResults(seq: seq1, hits: hits, error: nil))
        guard case .io(.loadPreview("s1", 7, let pseq))? = preview.first else { Issue.record("no preview"); return }
        _ = reduce(into: &s, .previewLoaded(seq: pseq, SessionPreview(sessionID: "s1", lines: [PreviewLine(role: "user", text: "cat", isHit: true)])))
        guard case .io(.loadPreview("s2", 9, _))? = key("down", &s).first else { Issue.record("no preview for the next hit"); return }
        #expect(key("enter", &s) == [.io(.openSession("s2", messageID: 9))])
        #expect(key("ctrl-o", &s) == [.resumeSession("s2")])
        guard case .io(.updateSession("s2", nil, nil, true))? = key("alt-a", &s).first else { Issue.record("no archive"); return }
        key("alt-t", &s)
        key("ctrl-u", &s)
        type("New title", into: &s)
        guard case .io(.updateSession("s2", "New title", nil, nil))? = key("enter", &s).first else { Issue.record("no title"); return }
        key("alt-g", &s)
        type("#work, infra", into: &s)
        guard case .io(.updateSession("s2", nil, ["work", "infra"], nil))? = key("enter", &s).first else { Issue.record("no tags"); return }
        key("backspace", &s)
        guard case .search(let after)? = s.overlay else { return }
        #expect(after.query.isEmpty)
        key("esc", &s)
        #expect(s.overlay == nil)
    }

    @Test("an opened session is read-only over the live one; events keep reaching the live one; r resumes; q returns")
    func viewer() {
        var s = AppState()
        _ = reduce(into: &s, .pasted("live draft"))
        s.entries = [Entry(id: 1, item: .user("live"))]
        _ = reduce(into: &s, .sessionLoaded(ViewedSession(sessionID: "old", title: "Old"), [.user("stored")], resumed: false))
        #expect(s.selectedEntry == nil, "opened without a hit: nothing is selected")
        #expect(items(s) == [.user("stored")] && s.viewing?.sessionID == "old")
        type("z", into: &s)
        #expect(items(s) == [.user("stored")])
        _ = reduce(into: &s, env(.warning("while viewing")))
        #expect(key("r", &s) == [.resumeSession("old")])
        key("q", &s)
        #expect(items(s) == [.user("live"), .notice(Notice(.warning, "while viewing"))] && s.viewing == nil)
        _ = reduce(into: &s, .sessionLoaded(ViewedSession(sessionID: "old", title: "Old"), [.user("stored")], resumed: true))
        #expect(items(s).first == .user("stored") && s.viewing == nil && s.focus == .input)
    }

    @Test("a session opened at a search hit selects that message, so it is shown and marked")
    func openAtHit() {
        var s = AppState()
        let items: [TranscriptItem] = [.user("first"), .user("the match"), .user("last")]
        _ = reduce(into: &s, .sessionLoaded(ViewedSession(sessionID: "old", title: "Old"), items, resumed: false, focus: 1))
        #expect(s.selectedEntry == s.entries[1].id)
        #expect(s.focus == .transcript && s.viewing?.sessionID == "old")
        _ = reduce(into: &s, .sessionLoaded(ViewedSession(sessionID: "old", title: "Old"), items, resumed: false, focus: 9))
        #expect(s.selectedEntry == nil, "an index out of range selects nothing")
    }

    @Test("F1 and ? on an empty editor open help; any key closes it")
    func help() {
        var s = AppState()
        key("?", &s)
        #expect(s.overlay == .help(scroll: 0))
        key("down", &s)
        #expect(s.overlay == .help(scroll: 1))
        key("x", &s)
        #expect(s.overlay == nil)
        type("a?", into: &s)
        #expect(s.input.text == "a?")
    }

    @Test("the vim keymap: Esc leaves the editor, j/k select, i returns, / searches")
    func vim() {
        var s = Self.withEntries()
        s.keymap = s.keymaps["vim"]!
        key("esc", &s)
        #expect(s.focus == .transcript && s.selectedEntry == 3)
        key("k", &s)
        #expect(s.selectedEntry == 2)
        key("i", &s)
        #expect(s.focus == .input)
        key("esc", &s)
        guard case .io(.searchSessions)? = key("/", &s).first else { Issue.record("/ does not search"); return }
    }
}

@Suite("Keymaps and themes")
struct AssetTests {
    @Test("the shipped themes and keymaps load without a problem, and the embedded copies match the files")
    func builtins() throws {
        let a = UIAssets.load()
        #expect(a.problems == [])
        #expect(Set(a.themes.keys) == ["dark", "light", "ansi16"])
        #expect(Set(a.keymaps.keys) == ["default", "vim", "emacs"])
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for (kind, embedded) in [("themes", BuiltinAssets.themes), ("keymaps", BuiltinAssets.keymaps)] {
            let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(kind).path).filter { $0.hasSuffix(".json") }
            #expect(Set(names.map { String($0.dropLast(5)) }) == Set(embedded.keys), "run make assets")
            for n in names {
                let text = try String(contentsOf: root.appendingPathComponent(kind).appendingPathComponent(n), encoding: .utf8)
                #expect(text.trimmingCharacters(in: .newlines) == embedded[String(n.dropLast(5))], "\(kind)/\(n) changed: run make assets")
            }
        }
    }

    @Test("keymap problems are all reported: unknown context, action, key, a key bound twice, a bad parent")
    func keymapErrors() {
        let text = """
        {"name": "mine", "extends": "default", "colour": 1,
         "bindings": {"inputs": {"submit": ["enter"]},
                      "input": {"submit": ["ctrl-s"], "newline": ["ctrl-s"], "launch": ["x"], "help": ["hyper-q"]}}}
        """
        let (_, errors) = KeymapFile.parse(text, source: "mine.json")
        #expect(errors.count == 5, "\(errors)")
        #expect(errors.contains("mine.json: bindings.input: ctrl-s is bound to both newline and submit"))
        #expect(errors.contains { $0.contains("unknown context \"inputs\"") })
        #expect(errors.contains { $0.contains("unknown action \"launch\"") })
        #expect(errors.contains { $0.contains("unknown key \"hyper-q\"") })
        #expect(errors.contains { $0.contains("unknown field \"colour\"") })
        let bad = UIAssets.load(userKeymaps: [UIAssets.File(name: "x", text: #"{"extends": "nope"}"#, path: "x.json")])
        #expect(bad.problems == ["keymap x: extends unknown keymap \"nope\""])
    }

    @Test("a user keymap extends default, rebinds and unbinds; a user file named like a built-in overrides it")
    func userKeymaps() {
        let mine = UIAssets.File(name: "mine", text: #"{"extends": "default", "bindings": {"input": {"submit": ["ctrl-s"]}}, "unbind": {"global": ["ctrl-t"]}}"#, path: "mine.json")
        let override = UIAssets.File(name: "default", text: #"{"extends": "default", "bindings": {"global": {"help": ["f2"]}}}"#, path: "default.json")
        let a = UIAssets.load(userKeymaps: [mine, override])
        #expect(a.problems == [])
        let m = a.keymaps["mine"]!
        #expect(m.command(for: KeyEvent(name: "ctrl-s")!, in: .input) == .submit)
        #expect(m.command(for: KeyEvent(name: "enter")!, in: .input) == .submit)
        #expect(m.command(for: KeyEvent(name: "ctrl-t")!, in: .input) == nil)
        #expect(a.keymaps["default"]!.command(for: KeyEvent(name: "f2")!, in: .input) == .help)
        #expect(a.keymaps["default"]!.command(for: KeyEvent(name: "f1")!, in: .input) == .help)
    }

    @Test("theme colours: names, bright names, 0–255, #rrggbb; problems name the role; NO_COLOR drops colours")
    func themes() {
        let (t, errors) = Theme.parse(##"{"styles": {"accent": "#88c0d0", "user": 208, "error": {"fg": "bright-red", "bold": true}, "tool": "purple", "nope": 1, "dim": {"fg": 300}}}"##, source: "t.json")
        #expect(t?.accent.foreground == .rgb(0x88, 0xC0, 0xD0))
        #expect(t?.user.foreground == .indexed(208))
        #expect(t?.error == Style(foreground: .indexed(9), attributes: .bold))
        #expect(errors.count == 3, "\(errors)")
        #expect(errors.contains { $0.contains("styles.tool") } && errors.contains { $0.contains("unknown role \"nope\"") })
        #expect(t!.withoutColor().accent == Style())
        #expect(t!.withoutColor().error.attributes == Attributes.bold)
    }
}
