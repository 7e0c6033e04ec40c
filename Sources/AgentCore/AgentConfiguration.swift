import AgentProtocol
import Foundation
import Memory

/// How the agent treats tool calls that need the user's approval.
public enum ApprovalMode: String, Sendable, Hashable, Codable {
    /// Ask through ``AgentEvent/approvalRequested(_:)`` and wait for ``Op/approveTool(callID:decision:)``.
    case ask
    /// Run them (`--yes`).
    case approveAll
    /// Refuse them with a message to the model (headless without `--yes`).
    case denyAll
}

/// Everything the agent needs to know that is not a service.
public struct AgentConfiguration: Sendable, Hashable {
    public var model: String
    public var baseURL: String
    public var cwd: String
    public var maxIterations: Int
    public var approvalMode: ApprovalMode
    /// Characters of tool output the model sees per call; the rest stays in the store.
    public var toolOutputLimit: Int
    /// A context window from config that overrides what the server reports.
    public var contextWindowOverride: Int?
    public var maxTokens: Int?
    public var temperature: Double?
    /// Where the session came from, stored with it.
    public var source: SessionSource
    /// Extra text appended to the system prompt (config `system_prompt`).
    public var extraInstructions: String?
    /// When repeated or failing calls end a turn early (config `loop_guard:`).
    public var loopGuard: LoopGuardSettings
    /// Fields added to every chat request body (config `extra_body:`): a server's own sampling
    /// settings (`top_k`), llama.cpp's `id_slot`.
    public var extraBody: [String: JSONValue]
    /// When and how finished turns are reviewed for skills; nil: never.
    public var review: SkillReviewSettings?
    /// Share of the context window at which older turns are compressed.
    public var compressAt: Double
    /// The user model's pass runs every this many user turns (0: only at the session's end).
    public var factsEvery: Int
    /// The session that delegated this one (a subagent's parent), stored with it.
    public var parentID: String?
    /// Talaria's home, for the user's global `AGENTS.md` (nil: none read).
    public var talariaHome: String?
    /// Whether a person can answer the model's questions (`clarify`): false in `-p`, for
    /// subagents and for API calls without one behind them.
    public var userPresent = false
    /// Whether the model takes images (config `vision:`); nil: the server is asked.
    public var vision: Bool?

    /// The values config.yaml would give are the session builder's to pass (config's
    /// `Defaults`); nothing here repeats them.
    public init(model: String, baseURL: String, cwd: String, maxIterations: Int, approvalMode: ApprovalMode,
                toolOutputLimit: Int, contextWindowOverride: Int? = nil, maxTokens: Int? = nil,
                temperature: Double? = nil, source: SessionSource, extraInstructions: String? = nil,
                loopGuard: LoopGuardSettings, extraBody: [String: JSONValue] = [:],
                review: SkillReviewSettings?, compressAt: Double, factsEvery: Int) {
        self.review = review
        self.compressAt = compressAt
        self.factsEvery = factsEvery
        self.loopGuard = loopGuard
        self.extraBody = extraBody
        self.model = model
        self.baseURL = baseURL
        self.cwd = cwd
        self.maxIterations = maxIterations
        self.approvalMode = approvalMode
        self.toolOutputLimit = toolOutputLimit
        self.contextWindowOverride = contextWindowOverride
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.source = source
        self.extraInstructions = extraInstructions
    }
}
