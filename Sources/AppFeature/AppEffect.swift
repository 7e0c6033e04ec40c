import AgentProtocol
import TUIKit

/// Work the reducer asks for; results come back as actions.
///
/// Three kinds, each with one handler, so the compiler lists whatever a new effect needs:
/// - ``session(_:)``: for the session host, delivered synchronously in the order they happened —
///   a turn typed after `/new` must reach the new session, never the old one.
/// - ``io(_:)``: store, file-system and server work, performed one at a time off the UI thread
///   (an update and the search that shows it cannot race).
/// - ``terminal(_:)``: the runtime's own (the screen, the user's editor, the clipboard, quitting).
public enum AppEffect: Sendable, Hashable {
    case session(SessionEffect)
    case io(IOEffect)
    case terminal(TerminalEffect)
}

/// What the session host does for the interface: ops to the session, and session changes.
public enum SessionEffect: Sendable, Hashable {
    case op(Op)
    case newSession
    case resumeSession(String)
    /// Continue the conversation with another model.
    case setModel(String)
    /// Switch where commands run (`/backend NAME`); fails, with the reason, if it cannot work.
    case setBackend(BackendKind)
    /// First run: talk to this (checked, saved to config.yaml, then a session starts).
    case useEndpoint(EndpointChoice)
    /// Stop another session's turn (a subagent, alone).
    case cancelSession(String)
    /// View another running session live (a subagent): its transcript so far, then its
    /// events as ``AppAction/watchedEvent(sessionID:_:)``.
    case watchSession(String)
    /// Run a prompt in a new session of its own (`/background`); progress comes back as
    /// ``AppAction/backgroundUpdate(_:)``.
    case background(String)
    /// Continue in a new session cut from this one (the old one is kept): `/retry`, `/branch`,
    /// editing an earlier message, `/rewind`.
    case branch(BranchRequest)
}

/// Where a branch is cut, and what happens in it first.
public struct BranchRequest: Sendable, Hashable {
    /// The user message it is cut at, counted from the conversation's end (0: the latest);
    /// nil: the whole conversation.
    public var userMessageFromEnd: Int?
    /// Whether the branch keeps that message (false: it ends just before it).
    public var keepsMessage: Bool
    /// Sent as the branch's first turn (`/retry`, an edited message).
    public var submit: String?

    public init(userMessageFromEnd: Int? = nil, keepsMessage: Bool = true, submit: String? = nil) {
        self.userMessageFromEnd = userMessageFromEnd
        self.keepsMessage = keepsMessage
        self.submit = submit
    }
}

/// Store, file-system and server work (the environment's).
public enum IOEffect: Sendable, Hashable {
    /// First run: look for servers running on this machine.
    case detectServers
    case searchSessions(query: String, includeArchived: Bool, seq: Int)
    case loadPreview(sessionID: String, messageID: Int64?, seq: Int)
    /// Open a stored session read-only, at `messageID` when given (a search hit).
    case openSession(String, messageID: Int64?)
    case updateSession(id: String, title: String?, tags: [String]?, archived: Bool?)
    case completePaths(prefix: String, seq: Int)
    case loadSkills(seq: Int)
    case loadSkillText(path: String, seq: Int)
    case createSkill(name: String)
    case setSkillDisabled(name: String, disabled: Bool)
    case setSkillAllowed(name: String, allowed: Bool)
    case archiveSkill(directory: String)
    case restartMCPServer(name: String)
    case setMCPServerEnabled(name: String, enabled: Bool)
    /// The memory browser's entries (all when `query` is empty).
    case loadMemory(query: String, seq: Int)
    /// Change an entry, then reload the browser (`seq`).
    case editMemory(MemoryEdit, seq: Int)
    /// `/rewind`: the session's messages of the user's, with their checkpoints.
    case loadRewind(sessionID: String, seq: Int)
    /// What restoring a checkpoint would change, as a diff (the rewind picker's preview).
    case checkpointDiff(id: String, seq: Int)
    /// `/context`: the instruction files the session's prompt is built with.
    case loadContext
}

/// The runtime's own effects.
public enum TerminalEffect: Sendable, Hashable {
    case quit
    case redraw
    /// Edit text in the user's editor (the result comes back as ``AppAction/editorFinished(_:)``).
    case openEditor(String)
    /// Open a file in the user's editor (the runtime gives it the terminal).
    case editFile(String)
    case copyToClipboard(String)
    /// Get the user's attention: a long turn ended, or a question waits, while they are elsewhere.
    case notify(TerminalNotification, String)
    case setMouseCapture(Bool)
}

// MARK: - Shorthands the reducer and its tests read as verbs

extension AppEffect {
    public static func submit(_ op: Op) -> AppEffect { .session(.op(op)) }
    public static var newSession: AppEffect { .session(.newSession) }
    public static func resumeSession(_ id: String) -> AppEffect { .session(.resumeSession(id)) }
    public static func setModel(_ model: String) -> AppEffect { .session(.setModel(model)) }
    public static func setBackend(_ kind: BackendKind) -> AppEffect { .session(.setBackend(kind)) }

    public static var quit: AppEffect { .terminal(.quit) }
    public static var redraw: AppEffect { .terminal(.redraw) }
    public static func openEditor(_ text: String) -> AppEffect { .terminal(.openEditor(text)) }
    public static func editFile(_ path: String) -> AppEffect { .terminal(.editFile(path)) }
    public static func copyToClipboard(_ text: String) -> AppEffect { .terminal(.copyToClipboard(text)) }
    public static func setMouseCapture(_ on: Bool) -> AppEffect { .terminal(.setMouseCapture(on)) }
}
