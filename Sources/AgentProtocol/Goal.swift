/// Work toward a stated end across turns (`/goal`): after each turn the condition is checked
/// — by a command that must exit 0, or by the model against the conversation — and another
/// turn starts until it holds or the budget is spent.
public struct Goal: Sendable, Hashable, Codable {
    public var text: String
    /// A shell command that exits 0 once the goal is met (`make test`); nil: the model judges.
    public var check: String?
    public var maxTurns: Int
    public var maxTokens: Int?
    public var maxMinutes: Double?

    public static let defaultTurns = 10

    public init(text: String, check: String? = nil, maxTurns: Int = Goal.defaultTurns, maxTokens: Int? = nil, maxMinutes: Double? = nil) {
        self.text = text
        self.check = check
        self.maxTurns = maxTurns
        self.maxTokens = maxTokens
        self.maxMinutes = maxMinutes
    }
}

public struct GoalUpdate: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        /// A turn toward it runs, or the next one is about to.
        case working
        case met
        case outOfBudget = "out_of_budget"
        /// Esc, `/goal stop`, or a turn that failed.
        case stopped
    }
    public var goal: Goal
    public var state: State
    /// Turns spent on it so far.
    public var turns: Int
    /// Tokens spent on it so far (prompt and completion).
    public var tokens: Int
    public var elapsedMs: Int
    /// Why it stands where it does: the check's verdict, what ran out.
    public var message: String

    public init(goal: Goal, state: State, turns: Int, tokens: Int, elapsedMs: Int, message: String) {
        self.goal = goal
        self.state = state
        self.turns = turns
        self.tokens = tokens
        self.elapsedMs = elapsedMs
        self.message = message
    }
}
