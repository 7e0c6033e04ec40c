import AgentProtocol
import TUIKit

/// Everything the screen shows. Only ``reduce(into:_:)`` changes it.
public struct AppState: Sendable, Hashable {
    public var entries: [Entry] = []
    var nextEntryID = 1
    public var input = InputBuffer()
    /// Sent prompts, oldest first (Up/Down walk them).
    public var history: [String] = []
    var historyIndex: Int?
    var historyDraft = ""
    var killBuffer = ""
    public var isBusy = false
    /// Esc or Ctrl-C asked the running turn to stop; the agent has not confirmed yet.
    public var isInterrupting = false
    /// Prompts typed while a turn runs (or the model is being prepared); sent in order when it ends.
    public var queued: [String] = []
    /// No model endpoint yet: the first-run screen (see ``FirstRunState``).
    public var firstRun: FirstRunState?
    public var model = ""
    public var backend = "local"
    /// The backend failed to prepare; commands will fail until it is fixed or switched.
    public var backendFailed = false
    /// The memory entry open in the user's editor.
    public var editingMemory: Int64?
    /// The memory column a new entry is being written for in the user's editor.
    public var addingMemory: String?
    /// The newest memory change Alt-U can undo.
    public var lastMemoryUpdate: MemoryUpdateMark?
    /// This session's checkpoints as they were taken (oldest first): `/rewind` picks from them.
    public var checkpoints: [CheckpointTaken] = []
    /// An earlier message of the user's being edited (counted from the end): Enter sends the
    /// edit in a branch cut just before it.
    public var editingMessage: Int?
    /// The model's plan (`todo`), shown above the editor while a step is open.
    public var plan: [PlanItem] = []
    /// The plan pane shows every step (else one line); Alt-P.
    public var planExpanded = true
    /// Whether the terminal window has focus (focus reporting; assumed when unsupported).
    public var terminalFocused = true
    /// How to get the user's attention while they are elsewhere (nil: never), and after how many
    /// seconds a finished turn is worth it (config.yaml `notify`, `notify_after`).
    public var notification: TerminalNotification?
    public var notifyAfter: Double = .infinity
    /// The goal worked toward (`/goal`), as its latest event left it.
    public var goal: GoalUpdate?
    var goalUpdatedAt: Double = 0
    /// The session `plan` and `checkpoints` belong to.
    var planSessionID = ""
    /// When Esc was last pressed with nothing to close (Esc Esc opens the rewind picker).
    var lastEscape: Double?
    /// Numbers the rewind picker's loads (a late answer for an older one is dropped).
    var rewindSeq = 0
    /// `/background` tasks of this run, oldest first.
    public var backgroundTasks: [BackgroundTask] = []
    /// Commands that need approval run without asking (`--yolo`, `approvals: yes`).
    public var yolo = false
    /// Configured MCP servers and their states (the `/mcp` view, the status line).
    public var mcpServers: [MCPServerStatus] = []
    public var cwd = ""
    public var sessionID = ""
    public var contextWindow: Int?
    public var usage = Usage()
    public var lastPromptTokens = 0
    /// Seconds on a monotonic clock, advanced by ``AppAction/tick(_:)``.
    public var now: Double = 0
    var turnStartedAt: Double?
    /// Lines scrolled up from the bottom of the transcript (0 = follow the output).
    public var scrollBack = 0
    public var focus: Focus = .input
    /// The entry picked in the transcript (copy, expand), by id.
    public var selectedEntry: Int? { didSet { if selectedEntry != oldValue { selectedChild = nil } } }
    /// A subagent picked on the selected delegate_task card (its index): Esc cancels it alone,
    /// Enter opens its card, `o` opens its session.
    public var selectedChild: Int?
    /// A command waiting for the user's decision.
    public var pendingApproval: ApprovalRequest?
    /// The model's question (`clarify`) the editor answers, shown above it.
    public var pendingQuestion: ClarifyRequest?
    /// The session's background processes (`/ps`).
    public var processes: [ProcessItem] = []
    public var overlay: Overlay?
    public var completion: Completion?
    public var toasts: [Toast] = []
    var nextToastID = 1
    public var theme = UIAssets.builtin.themes["dark"] ?? .dark
    public var themes = UIAssets.builtin.themes
    public var keymap = UIAssets.builtin.keymaps["default"] ?? Keymap(name: "default")
    public var keymaps = UIAssets.builtin.keymaps
    public var mouseCapture = true
    public var allThoughtsExpanded = false
    /// The live terminal pane fills the transcript area.
    public var terminalZoomed = false
    /// A stored session shown read-only (Ctrl-R, Enter); the live conversation waits in `stash`.
    public var viewing: ViewedSession?
    var stash: [Entry] = []
    /// The skill proposal being edited in the user's editor (its text comes back accepted).
    var editingProposal: String?
    /// Sequence numbers of asynchronous requests: late answers to older ones are dropped.
    var requestSeq = 0

    public init() {}

    public enum Focus: Sendable, Hashable { case input, transcript }

    /// The tool running now, if any (the live terminal pane shows it).
    public var runningTool: ToolItem? {
        // Running tools are the newest entries: look at the tail only, whatever the length.
        for e in entries.suffix(32).reversed() { if case .tool(let t) = e.item, t.status == nil { return t } }
        return nil
    }

    /// Whether the runtime needs to wake without input (spinner, elapsed time, toast expiry).
    /// The subagents of this session's `delegate_task` calls, newest call last (running or not).
    public var subagents: [SubagentItem] {
        entries.flatMap { e -> [SubagentItem] in if case .tool(let t) = e.item { t.children } else { [] } }
    }

    /// The subagent picked in the transcript, if any.
    public var selectedSubagent: SubagentItem? {
        guard let n = selectedChild, let id = selectedEntry, let e = entries.first(where: { $0.id == id }), case .tool(let t) = e.item else { return nil }
        return t.children.first { $0.index == n }
    }

    /// Subagents still running (for the status line): only the latest cards can hold one.
    public var runningSubagents: [SubagentItem] {
        entries.suffix(32).flatMap { e -> [SubagentItem] in if case .tool(let t) = e.item, t.status == nil { t.children.filter(\.isRunning) } else { [] } }
    }

    public var nextWake: Double? {
        var t = toasts.map(\.expiresAt).min()
        if isBusy { t = min(t ?? .infinity, now + 0.1) }
        if showsCountdown { t = min(t ?? .infinity, now.rounded(.down) + 1) }
        return t
    }

    /// Whether the clock alone changes the screen (the spinner, a retry countdown).
    public var isAnimating: Bool { isBusy || showsCountdown }

    /// The servers view is open on a server waiting to retry: its "retrying in N s" ticks.
    private var showsCountdown: Bool {
        guard case .mcp? = overlay else { return false }
        return mcpServers.contains { if case .retrying = $0.state { true } else { false } }
    }
}

/// One transcript entry: a stable id (selection, layout cache) and a revision bumped on change.
public struct Entry: Sendable, Hashable {
    public let id: Int
    public var revision: Int
    public var item: TranscriptItem

    public init(id: Int, revision: Int = 0, item: TranscriptItem) {
        self.id = id
        self.revision = revision
        self.item = item
    }
}

public enum Overlay: Sendable, Hashable {
    case help(scroll: Int)
    case search(SearchState)
    case skills(SkillBrowserState)
    case mcp(MCPViewState)
    case memory(MemoryBrowserState)
    case rewind(RewindState)
    case processes(ProcessViewState)
}

/// Ctrl-R: live search over every stored session.
public struct SearchState: Sendable, Hashable {
    public var query = ""
    public var results: [SessionHit] = []
    public var selected = 0
    public var showArchived = false
    public var isLoading = false
    public var error: String?
    public var preview: SessionPreview?
    /// Editing the selected session's title or tags.
    public var prompt: SearchPrompt?
    var seq = 0

    public init(query: String = "") { self.query = query }
    public var selectedHit: SessionHit? { results.indices.contains(selected) ? results[selected] : nil }
}

public struct SearchPrompt: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case title, tags }
    public var kind: Kind
    public var text: String
    public init(kind: Kind, text: String) {
        self.kind = kind
        self.text = text
    }
}

/// A search result: a session whose messages match (or, with no query, a recent session).
public struct SessionHit: Sendable, Hashable {
    public var sessionID: String
    public var title: String
    /// Seconds since 1970: the newest matching message, or the session's last update.
    public var date: Double
    /// How many of its messages match (0 for a recent session).
    public var matches: Int
    /// Whether `matches` counts every match (else it is a lower bound: "50+").
    public var matchesComplete: Bool
    /// The best matching messages, best first.
    public var snippets: [HitSnippet]
    /// For a recent session: "12 messages · model · folder".
    public var summary: String
    public var archived: Bool
    public var tags: [String]

    /// The session that delegated this one (the browser nests it under its parent).
    public var parentID: String?
    /// How deep it is listed under its parent's parent… (1: right under its parent).
    public var depth = 0

    public init(sessionID: String, title: String, date: Double, matches: Int = 0, matchesComplete: Bool = true,
                snippets: [HitSnippet] = [], summary: String = "", archived: Bool = false, tags: [String] = []) {
        self.sessionID = sessionID
        self.title = title
        self.date = date
        self.matches = matches
        self.matchesComplete = matchesComplete
        self.snippets = snippets
        self.summary = summary
        self.archived = archived
        self.tags = tags
    }

    /// The message the preview shows and Enter opens at: the best match.
    public var messageID: Int64? { snippets.first?.messageID }
}

/// One matching message of a ``SessionHit``.
public struct HitSnippet: Sendable, Hashable {
    public var role: String
    /// Text around the match; matched terms are between ``HitSnippet/matchStart`` and ``HitSnippet/matchEnd``.
    public var text: String
    public var messageID: Int64

    public static let matchStart = "\u{2}"
    public static let matchEnd = "\u{3}"

    public init(role: String, text: String, messageID: Int64) {
        self.role = role
        self.text = text
        self.messageID = messageID
    }
}

/// The messages around a hit, for the preview pane.
public struct SessionPreview: Sendable, Hashable {
    public var sessionID: String
    public var lines: [PreviewLine]

    public init(sessionID: String, lines: [PreviewLine]) {
        self.sessionID = sessionID
        self.lines = lines
    }
}

public struct PreviewLine: Sendable, Hashable {
    public var role: String
    public var text: String
    public var isHit: Bool
    public init(role: String, text: String, isHit: Bool = false) {
        self.role = role
        self.text = text
        self.isHit = isHit
    }
}

/// A stored session opened read-only.
public struct ViewedSession: Sendable, Hashable {
    public var sessionID: String
    public var title: String
    public init(sessionID: String, title: String) {
        self.sessionID = sessionID
        self.title = title
    }
}

/// The popup above the editor: slash commands, their arguments, or `@file` paths.
public struct Completion: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case command, argument, path }
    public var kind: Kind
    /// What the completion replaces: characters `start..<cursor` of the input.
    public var start: Int
    public var items: [CompletionItem]
    public var selected = 0
    var seq = 0
}

public struct CompletionItem: Sendable, Hashable {
    public var text: String
    public var detail: String
    public init(_ text: String, _ detail: String = "") {
        self.text = text
        self.detail = detail
    }
}

/// A short message in the corner that goes away by itself.
public struct Toast: Sendable, Hashable {
    public var id: Int
    public var kind: Notice.Kind
    public var text: String
    public var expiresAt: Double
}

/// The prompt being edited: text and a cursor (in characters).
public struct InputBuffer: Sendable, Hashable {
    public var text = ""
    public var cursor = 0

    public init(text: String = "", cursor: Int? = nil) {
        self.text = text
        self.cursor = min(cursor ?? text.count, text.count)
    }

    var chars: [Character] { Array(text) }

    mutating func insert(_ s: String) {
        let i = text.index(text.startIndex, offsetBy: cursor)
        text.insert(contentsOf: s, at: i)
        cursor += s.count
    }

    mutating func delete(_ range: Range<Int>) -> String {
        let lo = text.index(text.startIndex, offsetBy: range.lowerBound)
        let hi = text.index(text.startIndex, offsetBy: range.upperBound)
        let removed = String(text[lo..<hi])
        text.removeSubrange(lo..<hi)
        if cursor > range.lowerBound { cursor = max(range.lowerBound, cursor - range.count) }
        return removed
    }

    /// Start of the word before the cursor (readline's `unix-word-rubout` and `backward-word`).
    func wordStart() -> Int {
        let c = chars
        var i = cursor
        while i > 0, c[i - 1].isWhitespace { i -= 1 }
        while i > 0, !c[i - 1].isWhitespace { i -= 1 }
        return i
    }

    func wordEnd() -> Int {
        let c = chars
        var i = cursor
        while i < c.count, c[i].isWhitespace { i += 1 }
        while i < c.count, !c[i].isWhitespace { i += 1 }
        return i
    }

    /// The line the cursor is on: its start and end offsets.
    func lineBounds() -> (start: Int, end: Int) {
        let c = chars
        var s = cursor, e = cursor
        while s > 0, c[s - 1] != "\n" { s -= 1 }
        while e < c.count, c[e] != "\n" { e += 1 }
        return (s, e)
    }

    var isOnFirstLine: Bool { !chars[..<cursor].contains("\n") }
    var isOnLastLine: Bool { !chars[cursor...].contains("\n") }

    /// Moves the cursor a line up or down, keeping the column where the line allows.
    mutating func moveLine(_ delta: Int) {
        let (s, _) = lineBounds()
        let column = cursor - s
        let c = chars
        if delta < 0 {
            guard s > 0 else { return }
            var ps = s - 1
            while ps > 0, c[ps - 1] != "\n" { ps -= 1 }
            cursor = min(ps + column, s - 1)
        } else {
            let (_, e) = lineBounds()
            guard e < c.count else { return }
            let ns = e + 1
            var ne = ns
            while ne < c.count, c[ne] != "\n" { ne += 1 }
            cursor = min(ns + column, ne)
        }
    }
}

/// What happened to the app.
public enum AppAction: Sendable, Hashable {
    case keyPressed(KeyEvent)
    case pasted(String)
    /// A click on the transcript entry drawn at that row (the runtime maps rows to entries).
    case clicked(entryID: Int)
    case wheel(lines: Int)
    case agent(EventEnvelope)
    case tick(Double)
    /// The renderer's view of how far the transcript can scroll (keeps `scrollBack` in range).
    case scrollClamped(Int)
    case searchResults(seq: Int, hits: [SessionHit], error: String?)
    case previewLoaded(seq: Int, SessionPreview)
    case pathCompletions(seq: Int, [String])
    /// A stored session's messages, to view read-only or (resumed) to continue; `focus`: the
    /// item to select and show (the search hit it was opened at).
    case sessionLoaded(ViewedSession, [TranscriptItem], resumed: Bool, focus: Int? = nil)
    case editorFinished(String?)
    case toast(Notice.Kind, String)
    case skillsLoaded(seq: Int, rows: [SkillRow], warnings: [String])
    case skillTextLoaded(seq: Int, text: String)
    /// MCP servers changed state (connected, retrying, failed, tools changed).
    case mcpStatus([MCPServerStatus])
    /// A file was edited in the user's editor (reload what shows it).
    case fileEdited(String)
    /// Commands and file tools now run on this backend (its identity, for the status line).
    case backendChanged(String)
    /// The memory browser's entries (answer to ``AppEffect/loadMemory(query:seq:)``).
    case memoryLoaded(seq: Int, rows: [MemoryRow])
    /// The backend cannot work (not installed, unreachable): why.
    case backendProblem(String)
    /// First run: the servers found running on this machine.
    case serversDetected([DetectedServer])
    /// First run: how far checking a server or preparing the built-in model is.
    case setupProgress(SetupProgress)
    /// First run: the choice did not work (why, and what to do).
    case setupFailed(String)
    /// First run: a session on the chosen model is ready.
    case setupFinished(model: String, backend: String)
    /// A `/background` task started, or ended.
    case backgroundUpdate(BackgroundTask)
    /// An event of another session being watched (a running subagent opened with `/agents
    /// open`): applied while that session is the one viewed.
    case watchedEvent(sessionID: String, EventEnvelope)
    /// The terminal window gained or lost focus.
    case focusChanged(Bool)
    /// The rewind picker's points (answer to ``IOEffect/loadRewind(sessionID:seq:)``).
    case rewindLoaded(seq: Int, [RewindPoint])
    /// A checkpoint's diff for the picker's preview.
    case rewindDiff(seq: Int, id: String, text: String)
    /// A prompt to send as if typed (a branch's first turn: `/retry`, an edited message).
    case send(String)
    /// The project's instruction files (answer to ``IOEffect/loadContext``).
    case contextLoaded([ContextFileRow])
}

/// A memory change and where its card is in the transcript.
public struct MemoryUpdateMark: Sendable, Hashable {
    public var update: MemoryUpdate
    public var entryIndex: Int
}
