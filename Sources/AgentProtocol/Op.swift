import Foundation

/// A command sent to the agent. Cases are imperative; results come back as ``AgentEvent``s.
public enum Op: Sendable, Hashable, Codable {
    /// Start a turn with the user's text.
    case userTurn(UserTurn)
    /// Stop the running turn: cancels the model stream and running tools.
    case interrupt
    /// Answer an ``AgentEvent/approvalRequested(_:)``.
    case approveTool(callID: String, decision: ApprovalDecision)
    /// Answer an ``AgentEvent/clarifyRequested(_:)``: the user's words, or nil when they
    /// dismissed the question.
    case answerClarify(callID: String, answer: String?)
    /// Accept (optionally with edited SKILL.md text) or reject a ``SkillProposal``.
    case decideSkillProposal(id: String, accept: Bool, content: String?)
    /// Undo an applied skill change: a created skill is archived, a patched one restored.
    case undoSkillChange(id: String)
    /// Undo the latest change to a memory entry (the card's undo).
    case undoMemoryChange(entryID: Int64)
    /// Compress older turns out of the model's context now (`/compress`).
    case compress
    /// Put back the workspace's files as they were before the latest turn (of this session)
    /// that changed them and is not undone yet (`/undo`).
    case undoFiles
    /// Take back the latest undo or restore (`/redo`).
    case redoFiles
    /// Put the workspace's files back as they were at a checkpoint (`/rewind`).
    case restoreCheckpoint(id: String)
    /// Work toward `goal` across turns until its condition holds or its budget is spent (`/goal`).
    case setGoal(Goal)
    /// Stop working toward the goal (the running turn finishes).
    case clearGoal
    /// Kill a background process of the session (the process pane's `k`).
    case killProcess(id: Int)
    /// Finish the session; the event stream ends after this.
    case shutdown
}

/// The user's input for one turn.
public struct UserTurn: Sendable, Hashable, Codable {
    public var text: String
    /// What the user typed, when `text` holds more (the files its `@mentions` attach).
    public var typed: String?
    /// Image files sent with the text (`@shot.png`, a pasted path).
    public var images: [String]?
    /// The turn goes on without its images when the model does not take them (a chat's photo,
    /// whose saved path the text names); else such a turn is refused, so the user can choose.
    public var imagesOptional: Bool?

    public init(text: String, typed: String? = nil, images: [String]? = nil) {
        self.text = text
        self.typed = typed
        self.images = images
    }
}

/// How the user answered an approval request.
public enum ApprovalDecision: String, Sendable, Hashable, Codable, CaseIterable {
    case once, session, always, deny

    public var isApproved: Bool { self != .deny }
}

/// Which front-end started a session (stored with it; `talaria sessions list` shows it).
public enum SessionSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// `talaria -p`.
    case cli
    /// `talaria --line`.
    case line
    /// The full-screen interface.
    case tui
    /// A benchmark.
    case bench
    /// `talaria serve`: its native API or its OpenAI-compatible facade.
    case serve
    /// `talaria acp`: an editor, over the Agent Client Protocol.
    case acp
    /// A subagent: a task another session delegated (`delegate_task`).
    case subagent
    /// `talaria gateway`: a chat on a messaging platform.
    case gateway
    /// A scheduled job's run (`talaria cron`).
    case cron
}
