import AgentProtocol
import Foundation
import TUIKit

/// One entry of the conversation as the UI shows it.
public enum TranscriptItem: Sendable, Hashable {
    case user(String)
    case assistant(AssistantItem)
    case tool(ToolItem)
    case notice(Notice)
    case proposal(ProposalItem)
}

/// A skill proposal card: the diff, and what became of it.
public struct ProposalItem: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable { case pending, applied, rejected, undone, failed }
    public var proposal: SkillProposal
    public var status: Status
    public var message: String
    public var isExpanded: Bool

    public init(proposal: SkillProposal, status: Status = .pending, message: String = "", isExpanded: Bool = false) {
        self.proposal = proposal
        self.status = status
        self.message = message
        self.isExpanded = isExpanded
    }
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
    /// The output as a terminal shows it (colours, progress bars redrawn in place), capped at
    /// ``maxLines``; the full text is in the store.
    public var screen: VTScreen
    public var elapsedMs: Int?
    public var startedAt: Double?
    /// Finished cards show a few lines of output unless expanded.
    public var isExpanded: Bool
    /// A command's exit status (nil for other tools).
    public var exitCode: Int32?
    /// A `delegate_task` call's subagents, nested under its card.
    public var children: [SubagentItem] = []

    public static let maxLines = 2_000
    public static let columns = 160

    public init(callID: String, name: String, arguments: String, status: ToolStatus? = nil, output: String = "",
                elapsedMs: Int? = nil, startedAt: Double? = nil, isExpanded: Bool = false, exitCode: Int32? = nil) {
        self.exitCode = exitCode
        self.callID = callID
        self.name = name
        self.arguments = arguments
        self.status = status
        screen = VTScreen(columns: Self.columns, maxLines: Self.maxLines)
        screen.feed(output)
        self.elapsedMs = elapsedMs
        self.startedAt = startedAt
        self.isExpanded = isExpanded
    }

    /// The output's non-empty lines' count (for "N lines" labels).
    public var hasOutput: Bool { screen.lines.contains { !$0.isEmpty } }

    /// The shell said a command does not exist (`bash: primes: command not found`, dash's
    /// `sh: 1: primes: not found`): worth a mark even when a pipeline exits 0.
    public var saysCommandNotFound: Bool {
        guard name == "terminal" else { return false }
        return screen.text.contains { $0.contains("command not found") || $0.range(of: #"^(\S+: )?\d+: \S+: not found$"#, options: .regularExpression) != nil }
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

/// One subagent under its `delegate_task` card: a card of its own, with its tool calls, what it
/// says, how long it has run and how it ended.
public struct SubagentItem: Sendable, Hashable {
    public var index: Int
    public var goal: String
    public var sessionID: String
    /// Its latest tool call while it runs.
    public var activity = ""
    /// Its tool calls, in order (the newest ``maxTools``).
    public var tools: [ChildTool] = []
    /// Calls dropped from the front of ``tools``.
    public var droppedTools = 0
    /// The end of what it is saying, live; after it ends, the end of its answer.
    public var said = ""
    /// nil while running; else done, failed, cancelled, out of budget.
    public var status: String?
    public var elapsedMs: Int?
    public var startedAt: Double?
    /// Enter on the selected child opens or closes its card alone.
    public var isExpanded = false

    public static let maxTools = 200

    public init(index: Int, goal: String, sessionID: String, startedAt: Double? = nil) {
        self.index = index
        self.goal = goal
        self.sessionID = sessionID
        self.startedAt = startedAt
    }

    public var isRunning: Bool { status == nil }

    /// Every call it made, oldest first (what `/agents` and tests read).
    public var calls: [String] { tools.map(\.summary) }
}

/// One tool call of a subagent, as its card shows it.
public struct ChildTool: Sendable, Hashable {
    public var summary: String
    /// nil while running.
    public var status: ToolStatus?
    public var elapsedMs: Int?
    /// The last lines of its output.
    public var tail = ""

    public init(summary: String, status: ToolStatus? = nil, elapsedMs: Int? = nil, tail: String = "") {
        self.summary = summary
        self.status = status
        self.elapsedMs = elapsedMs
        self.tail = tail
    }
}
