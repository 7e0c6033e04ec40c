import Foundation

/// A fact reported by the agent, in order, to the UI, the headless printer and tests.
///
/// Cases are past-tense facts. `Began`/`Ended` pairs share an ID; `…Delta` cases may be
/// coalesced by consumers, every other case must be delivered.
public enum AgentEvent: Sendable, Hashable, Codable {
    case sessionConfigured(SessionConfigured)
    case turnStarted(turnID: String)
    /// The turn's prompt, as the user typed it (for front-ends that did not type it: another
    /// terminal attached to the session, an API client).
    case userMessage(text: String)
    case messageDelta(itemID: String, text: String)
    case reasoningDelta(itemID: String, text: String)
    /// The assistant message is complete and committed to the store.
    case messageCompleted(MessageCompleted)
    case toolCallBegan(ToolCallBegan)
    case toolOutputDelta(callID: String, chunk: String)
    case toolCallEnded(ToolCallEnded)
    case approvalRequested(ApprovalRequest)
    /// The model asks the user a question (`clarify`) and waits for the answer.
    case clarifyRequested(ClarifyRequest)
    case usage(UsageReport)
    case retrying(Retrying)
    case turnCompleted(TurnCompleted)
    case turnAborted(TurnAborted)
    case error(AgentErrorEvent)
    case warning(String)
    /// The background review proposes a new skill or a change to one (a card with a diff).
    case skillProposal(SkillProposal)
    /// A proposal was applied (by the user or auto-accept), rejected, undone, or failed.
    case skillChange(SkillChange)
    /// Memory changed: the agent saved, replaced or removed an entry, or the user undid that.
    case memoryUpdate(MemoryUpdate)
    /// Older turns were compressed out of the model's context (they stay in the store).
    case contextCompressed(ContextCompression)
    /// A lifecycle hook blocked something, failed, stopped the session or has a message.
    case hook(HookReport)
    /// A subagent of a `delegate_task` call started, did something, or finished.
    case subagent(SubagentUpdate)
    /// The workspace was snapshotted before the turn's first file change.
    case checkpoint(CheckpointTaken)
    /// Files were put back (`/undo`, `/redo`, a restore).
    case filesRestored(FilesRestored)
    /// The plan the model keeps with `todo`, whole, after each change (and on resume).
    case plan([PlanItem])
    /// Where the goal stands: after it is set, after each turn's check, when it ends.
    case goal(GoalUpdate)
    /// A background process started, printed something, or ended.
    case process(ProcessUpdate)

    /// What the event asks the user to answer, if anything: only the front-ends that drive the
    /// session see such events.
    public var ask: UserAsk? {
        switch self {
        case .approvalRequested(let request): .approval(request)
        case .clarifyRequested(let question): .question(question)
        case .sessionConfigured, .turnStarted, .userMessage, .messageDelta, .reasoningDelta, .messageCompleted, .toolCallBegan,
             .toolOutputDelta, .toolCallEnded, .usage, .retrying, .turnCompleted, .turnAborted, .error, .warning, .skillProposal,
             .skillChange, .memoryUpdate, .contextCompressed, .hook, .subagent, .checkpoint, .filesRestored, .plan, .goal, .process: nil
        }
    }

    /// Whether consumers may merge this event with neighbours of the same kind.
    public var isDelta: Bool {
        switch self {
        case .messageDelta, .reasoningDelta, .toolOutputDelta: true
        case .sessionConfigured, .turnStarted, .userMessage, .messageCompleted, .toolCallBegan, .toolCallEnded,
             .approvalRequested, .clarifyRequested, .usage, .retrying, .turnCompleted, .turnAborted, .error, .warning,
             .skillProposal, .skillChange, .memoryUpdate, .contextCompressed, .hook, .subagent, .checkpoint, .filesRestored, .plan, .goal, .process: false
        }
    }
}

/// An event with the submission it answers and its position in the stream.
public struct EventEnvelope: Sendable, Hashable, Codable {
    public var submissionID: Int
    public var seq: Int
    public var event: AgentEvent

    public init(submissionID: Int, seq: Int, event: AgentEvent) {
        self.submissionID = submissionID
        self.seq = seq
        self.event = event
    }
}

public struct SessionConfigured: Sendable, Hashable, Codable {
    public var sessionID: String
    public var model: String
    public var baseURL: String
    /// The model's real context window, read from the server or config; `nil` when unknown.
    public var contextWindow: Int?
    public var tools: [String]

    public init(sessionID: String, model: String, baseURL: String, contextWindow: Int?, tools: [String]) {
        self.sessionID = sessionID
        self.model = model
        self.baseURL = baseURL
        self.contextWindow = contextWindow
        self.tools = tools
    }
}

public struct MessageCompleted: Sendable, Hashable, Codable {
    public var itemID: String
    public var text: String
    public var reasoning: String?
    public var toolCalls: [ToolCall]

    public init(itemID: String, text: String, reasoning: String?, toolCalls: [ToolCall]) {
        self.itemID = itemID
        self.text = text
        self.reasoning = reasoning
        self.toolCalls = toolCalls
    }
}

public struct ToolCallBegan: Sendable, Hashable, Codable {
    public var callID: String
    public var name: String
    public var arguments: String

    public init(callID: String, name: String, arguments: String) {
        self.callID = callID
        self.name = name
        self.arguments = arguments
    }
}

/// How a tool call ended.
public enum ToolStatus: String, Sendable, Hashable, Codable {
    case succeeded, failed, denied, cancelled, timedOut
}

public struct ToolCallEnded: Sendable, Hashable, Codable {
    public var callID: String
    public var name: String
    public var status: ToolStatus
    /// The output as the model sees it (capped); the full output is in the store.
    public var output: String
    public var exitCode: Int32?
    public var elapsedMs: Int

    public init(callID: String, name: String, status: ToolStatus, output: String, exitCode: Int32?, elapsedMs: Int) {
        self.callID = callID
        self.name = name
        self.status = status
        self.output = output
        self.exitCode = exitCode
        self.elapsedMs = elapsedMs
    }
}

public struct ApprovalRequest: Sendable, Hashable, Codable {
    public var callID: String
    public var tool: String
    public var command: String
    public var reason: String

    public init(callID: String, tool: String, command: String, reason: String) {
        self.callID = callID
        self.tool = tool
        self.command = command
        self.reason = reason
    }
}

/// What a model request was for: the turn's own, or work beside it.
public enum RequestPurpose: String, Sendable, Hashable, Codable {
    /// A request of the turn (its prompt is the context in use).
    case turn
    /// A context compression's summary.
    case compression
    /// The skill review after a turn.
    case skillReview
    /// The user-model pass.
    case userModel
    /// A tool asked the model (session_search's summaries).
    case tool
}

public struct UsageReport: Sendable, Hashable, Codable {
    /// This request's usage.
    public var last: Usage
    /// The session's running total.
    public var total: Usage
    public var contextWindow: Int?
    /// What the request was for; only a turn's request shows how full the context is.
    public var purpose: RequestPurpose

    public init(last: Usage, total: Usage, contextWindow: Int?, purpose: RequestPurpose = .turn) {
        self.last = last
        self.total = total
        self.contextWindow = contextWindow
        self.purpose = purpose
    }

    enum CodingKeys: String, CodingKey { case last, total, contextWindow, purpose }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        last = try c.decode(Usage.self, forKey: .last)
        total = try c.decode(Usage.self, forKey: .total)
        contextWindow = try c.decodeIfPresent(Int.self, forKey: .contextWindow)
        purpose = try c.decodeIfPresent(RequestPurpose.self, forKey: .purpose) ?? .turn
    }
}

public struct Retrying: Sendable, Hashable, Codable {
    public var attempt: Int
    public var maxAttempts: Int
    public var delayMs: Int
    public var reason: String

    public init(attempt: Int, maxAttempts: Int, delayMs: Int, reason: String) {
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.delayMs = delayMs
        self.reason = reason
    }
}

/// Why a turn ended before the model chose to answer.
public enum TurnStop: String, Sendable, Hashable, Codable {
    /// The iteration budget ran out (`max_iterations`).
    case iterationLimit
    /// The loop guard saw the model repeat itself or fail without progress.
    case loopGuard
}

public struct TurnCompleted: Sendable, Hashable, Codable {
    public var turnID: String
    public var finalText: String
    /// Model requests made in this turn.
    public var iterations: Int
    public var usage: Usage
    /// The iteration budget ran out; `finalText` is the model's summary without tools.
    public var reachedIterationLimit: Bool
    /// Set when the turn was stopped rather than answered: `finalText` is then the model's
    /// summary without tools or, when it gave none, a plain account of what the turn did.
    public var stoppedBy: TurnStop?

    public init(turnID: String, finalText: String, iterations: Int, usage: Usage, stoppedBy: TurnStop? = nil) {
        self.turnID = turnID
        self.finalText = finalText
        self.iterations = iterations
        self.usage = usage
        self.reachedIterationLimit = stoppedBy == .iterationLimit
        self.stoppedBy = stoppedBy
    }
}

/// Why a turn stopped before a final answer.
public enum AbortReason: String, Sendable, Hashable, Codable {
    case interrupted, maxIterations, failed
}

public struct TurnAborted: Sendable, Hashable, Codable {
    public var turnID: String
    public var reason: AbortReason
    public var message: String

    public init(turnID: String, reason: AbortReason, message: String) {
        self.turnID = turnID
        self.reason = reason
        self.message = message
    }
}

public struct AgentErrorEvent: Sendable, Hashable, Codable {
    public var message: String
    /// Whether the turn ended because of it.
    public var isFatal: Bool

    public init(message: String, isFatal: Bool) {
        self.message = message
        self.isFatal = isFatal
    }
}

/// A skill the review wants to create or change, with the whole new SKILL.md and a diff.
public struct SkillProposal: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable { case create, patch }
    public var id: String
    public var action: Action
    public var name: String
    /// The SKILL.md that accepting writes.
    public var content: String
    /// `+ `/`- `/`  ` lines against the current SKILL.md (all `+` for a new skill).
    public var diff: [String]
    public var reason: String
    /// Already applied (auto-accept); the card then offers undo.
    public var applied: Bool

    public init(id: String, action: Action, name: String, content: String, diff: [String], reason: String, applied: Bool = false) {
        self.id = id
        self.action = action
        self.name = name
        self.content = content
        self.diff = diff
        self.reason = reason
        self.applied = applied
    }
}

public struct SkillChange: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable { case applied, rejected, undone, failed }
    public var proposalID: String
    public var name: String
    public var outcome: Outcome
    public var message: String

    public init(proposalID: String, name: String, outcome: Outcome, message: String) {
        self.proposalID = proposalID
        self.name = name
        self.outcome = outcome
        self.message = message
    }
}

/// A change to memory, for the card the user sees (with undo).
public struct MemoryUpdate: Sendable, Hashable, Codable {
    public var entryID: Int64
    /// notes | user | fact
    public var target: String
    /// add | replace | remove | confirm | undo
    public var action: String
    public var text: String

    public init(entryID: Int64, target: String, action: String, text: String) {
        self.entryID = entryID
        self.target = target
        self.action = action
        self.text = text
    }
}

/// What a context compression did.
public struct ContextCompression: Sendable, Hashable, Codable {
    /// Messages taken out of the model's context (they stay stored).
    public var messages: Int
    /// Whether a summary stands in for them; false when summarising failed and they were dropped.
    public var summarized: Bool
    public var tokensBefore: Int
    public var tokensAfter: Int
    /// What the user should know (what was kept, what was dropped).
    public var message: String

    public init(messages: Int, summarized: Bool, tokensBefore: Int, tokensAfter: Int, message: String) {
        self.messages = messages
        self.summarized = summarized
        self.tokensBefore = tokensBefore
        self.tokensAfter = tokensAfter
        self.message = message
    }
}

/// What a subagent is doing, for the card of the `delegate_task` call that started it.
public struct SubagentUpdate: Sendable, Hashable, Codable {
    public enum Phase: Sendable, Hashable, Codable {
        case started
        /// A tool call it began (`terminal ls`).
        case working(String)
        /// Its latest tool call ended: how, and the last lines of its output.
        case toolEnded(status: ToolStatus, elapsedMs: Int, tail: String)
        /// What it is saying: the end of its current message so far (replaces the previous).
        case said(String)
        /// `status` as the tool's result says it (done, failed, cancelled, out of budget).
        case finished(status: String, elapsedMs: Int)
    }
    /// The `delegate_task` call.
    public var callID: String
    /// 1-based, of `count` tasks in the call.
    public var index: Int
    public var count: Int
    public var sessionID: String
    public var goal: String
    public var phase: Phase

    public init(callID: String, index: Int, count: Int, sessionID: String, goal: String, phase: Phase) {
        self.callID = callID
        self.index = index
        self.count = count
        self.sessionID = sessionID
        self.goal = goal
        self.phase = phase
    }
}

public struct CheckpointTaken: Sendable, Hashable, Codable {
    /// Its id (`talaria checkpoints restore ID`).
    public var id: String
    public var turnID: String
    /// The turn's user message in the store.
    public var messageID: Int64?

    public init(id: String, turnID: String, messageID: Int64?) {
        self.id = id
        self.turnID = turnID
        self.messageID = messageID
    }
}

public struct FilesRestored: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable { case undo, redo, restore }
    public var action: Action
    /// The checkpoint the files now match.
    public var checkpointID: String
    /// Relative to the workspace's root.
    public var restored: [String]
    public var recreated: [String]
    public var removed: [String]
    /// What happened, in a sentence for the user.
    public var message: String

    public init(action: Action, checkpointID: String, restored: [String], recreated: [String], removed: [String], message: String) {
        self.action = action
        self.checkpointID = checkpointID
        self.restored = restored
        self.recreated = recreated
        self.removed = removed
        self.message = message
    }
}
