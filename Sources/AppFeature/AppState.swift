import AgentProtocol
import TUIKit

/// Everything the screen shows. Only ``reduce(into:_:)`` changes it.
public struct AppState: Sendable, Hashable {
    public var items: [TranscriptItem] = []
    public var input = InputBuffer()
    public var isBusy = false
    /// Prompts typed while a turn runs; sent in order when it ends.
    public var queued: [String] = []
    public var model = ""
    public var sessionID = ""
    public var contextWindow: Int?
    public var usage = Usage()
    public var lastPromptTokens = 0
    /// Lines scrolled up from the bottom of the transcript (0 = follow the output).
    public var scrollBack = 0
    /// A command waiting for the user's yes or no.
    public var pendingApproval: ApprovalRequest?

    public init() {}
}

/// The prompt being edited: text and a cursor (in characters).
public struct InputBuffer: Sendable, Hashable {
    public var text = ""
    public var cursor = 0

    public init(text: String = "", cursor: Int? = nil) {
        self.text = text
        self.cursor = cursor ?? text.count
    }

    mutating func insert(_ s: String) {
        let i = text.index(text.startIndex, offsetBy: cursor)
        text.insert(contentsOf: s, at: i)
        cursor += s.count
    }

    mutating func backspace() {
        guard cursor > 0 else { return }
        let i = text.index(text.startIndex, offsetBy: cursor - 1)
        text.remove(at: i)
        cursor -= 1
    }

    mutating func delete() {
        guard cursor < text.count else { return }
        text.remove(at: text.index(text.startIndex, offsetBy: cursor))
    }
}

/// What happened to the app.
public enum AppAction: Sendable, Hashable {
    case keyPressed(KeyEvent)
    case pasted(String)
    case agent(EventEnvelope)
}

/// Work for the runtime; results come back as actions.
public enum AppEffect: Sendable, Hashable {
    case submit(Op)
    case quit
}
