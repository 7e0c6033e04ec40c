import AgentProtocol

/// One entry of the conversation as the UI shows it.
public enum TranscriptItem: Sendable, Hashable {
    case user(String)
    case assistant(AssistantItem)
    case tool(ToolItem)
    case notice(Notice)
}

public struct AssistantItem: Sendable, Hashable {
    public var id: String
    public var text: String
    public var reasoning: String
    public var isStreaming: Bool
    /// Think traces are collapsed to one line unless expanded.
    public var isReasoningExpanded: Bool

    public init(id: String, text: String = "", reasoning: String = "", isStreaming: Bool = true, isReasoningExpanded: Bool = false) {
        self.id = id
        self.text = text
        self.reasoning = reasoning
        self.isStreaming = isStreaming
        self.isReasoningExpanded = isReasoningExpanded
    }
}

public struct ToolItem: Sendable, Hashable {
    public var callID: String
    public var name: String
    public var arguments: String
    /// `nil` while running.
    public var status: ToolStatus?
    /// The tail of the live output (capped), raw terminal text.
    public var output: String
    public var elapsedMs: Int?

    /// The most output kept in memory per tool card; the full text is in the store.
    public static let outputCap = 16_384

    public init(callID: String, name: String, arguments: String, status: ToolStatus? = nil, output: String = "", elapsedMs: Int? = nil) {
        self.callID = callID
        self.name = name
        self.arguments = arguments
        self.status = status
        self.output = output
        self.elapsedMs = elapsedMs
    }
}

public struct Notice: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case info, warning, error }
    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }
}
