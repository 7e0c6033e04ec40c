import AgentProtocol
import Foundation

/// One task for a subagent: what to achieve, what it needs to know, which tools it may use.
public struct DelegatedTask: Sendable, Hashable {
    public var goal: String
    public var context: String
    /// Tool names it may use (never more than the parent's); nil: the parent's.
    public var toolsets: [String]?
    /// Where it works: the parent's folder, or a git worktree of its own.
    public var isolation: Isolation?

    public enum Isolation: String, Sendable, Hashable {
        /// A `git worktree` on a new branch: its changes stay off the parent's checkout.
        case worktree
    }

    public init(goal: String, context: String = "", toolsets: [String]? = nil, isolation: Isolation? = nil) {
        self.goal = goal
        self.context = context
        self.toolsets = toolsets
        self.isolation = isolation
    }
}

/// How a subagent's task ended, for the parent.
public struct DelegationResult: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case done
        case failed
        case cancelled
        case outOfBudget = "out of budget"
    }
    public var status: Status
    /// The child's final answer, or why it has none.
    public var text: String
    /// The child's session (stored, searchable, its parent linked).
    public var sessionID: String?
    public var iterations: Int
    public var usage: Usage
    public var elapsedMs: Int
    /// With `isolation: worktree`: where it worked and the branch it left.
    public var worktree: (path: String, branch: String)?

    public static func == (a: DelegationResult, b: DelegationResult) -> Bool {
        a.status == b.status && a.text == b.text && a.sessionID == b.sessionID && a.iterations == b.iterations && a.usage == b.usage
            && a.elapsedMs == b.elapsedMs && a.worktree?.path == b.worktree?.path && a.worktree?.branch == b.worktree?.branch
    }

    public func hash(into h: inout Hasher) {
        h.combine(status); h.combine(text); h.combine(sessionID); h.combine(worktree?.path)
    }

    public init(status: Status, text: String, sessionID: String? = nil, iterations: Int = 0, usage: Usage = Usage(), elapsedMs: Int = 0) {
        self.status = status
        self.text = text
        self.sessionID = sessionID
        self.iterations = iterations
        self.usage = usage
        self.elapsedMs = elapsedMs
    }
}

/// Runs tasks as child sessions of the calling session (the session host does).
public protocol Delegator: Sendable {
    /// Runs `tasks` (in parallel, as far as allowed) as children of the session `context`
    /// belongs to; a result for each, in order. `progress` gets a line per step for the
    /// parent's tool card.
    func delegate(_ tasks: [DelegatedTask], from context: ToolContext, progress: @escaping @Sendable (String) -> Void) async -> [DelegationResult]
}

/// `delegate_task`: hands tasks to subagents with fresh contexts, in parallel, and returns
/// each one's answer with its status and cost.
public struct DelegateTaskTool: Tool {
    /// Its subagents work in the same workspace: the parent's checkpoint comes first.
    public var changesFiles: Bool { true }
    let delegator: any Delegator
    /// How deep this session is (0: the user's own session).
    let depth: Int
    let maxDepth: Int
    /// Tasks one call may hand out.
    static let maxTasks = 20

    public init(delegator: any Delegator, depth: Int, maxDepth: Int) {
        self.delegator = delegator
        self.depth = depth
        self.maxDepth = maxDepth
    }

    public var spec: ToolSpec {
        ToolSpec(name: "delegate_task", description: """
            Hand self-contained tasks to subagents. Each runs on its own with a fresh context: it sees only its goal and the \
            context you give it (not this conversation), has the tools you allow, and returns its final answer. Several tasks run \
            in parallel. Use it for independent pieces of work (investigate two modules, try two approaches); do small things yourself.
            """, parameters: [
                "type": "object",
                "properties": [
                    "tasks": [
                        "type": "array",
                        "description": .string("The tasks (at most \(Self.maxTasks))."),
                        "items": [
                            "type": "object",
                            "properties": [
                                "goal": ["type": "string", "description": "What the subagent must achieve, and what its answer must contain."],
                                "context": ["type": "string", "description": "Everything it needs to know: paths, findings, constraints."],
                                "toolsets": ["type": "array", "items": ["type": "string"], "description": "Tool names it may use (default: yours)."],
                                "isolation": ["type": "string", "enum": ["worktree"],
                                              "description": "worktree: work in a git worktree of its own on a new branch (changes stay off this checkout)."],
                            ],
                            "required": ["goal"],
                        ],
                    ],
                ],
                "required": ["tasks"],
            ])
    }

    /// The tasks of a call, or what is wrong with them.
    static func tasks(_ arguments: JSONValue) -> Result<[DelegatedTask], ToolArgumentError> {
        guard let list = arguments["tasks"]?.arrayValue else { return .failure(ToolArgumentError("missing required argument 'tasks' (a list of {goal, context})")) }
        guard !list.isEmpty else { return .failure(ToolArgumentError("'tasks' is empty")) }
        guard list.count <= maxTasks else { return .failure(ToolArgumentError("at most \(maxTasks) tasks per call (got \(list.count))")) }
        var tasks: [DelegatedTask] = []
        for (i, item) in list.enumerated() {
            guard let goal = item["goal"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !goal.isEmpty else {
                return .failure(ToolArgumentError("task \(i + 1) has no 'goal'"))
            }
            let toolsets = item["toolsets"]?.arrayValue.map { $0.compactMap(\.stringValue) }
            var isolation: DelegatedTask.Isolation?
            if let name = item["isolation"]?.stringValue, !name.isEmpty, name != "none" {
                guard let known = DelegatedTask.Isolation(rawValue: name) else {
                    return .failure(ToolArgumentError("task \(i + 1): isolation '\(name)' is not known (worktree, or leave it out)"))
                }
                isolation = known
            }
            tasks.append(DelegatedTask(goal: goal, context: item["context"]?.stringValue ?? "", toolsets: toolsets, isolation: isolation))
        }
        return .success(tasks)
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        guard depth < maxDepth else {
            return .error("delegate_task refused: subagents nest at most \(maxDepth) deep (delegation.max_depth) and this session is at depth \(depth). Do the task yourself.")
        }
        let tasks: [DelegatedTask]
        switch Self.tasks(arguments) {
        case .success(let t): tasks = t
        case .failure(let e): return .error(e.message)
        }
        let results = await delegator.delegate(tasks, from: context, progress: context.emitOutput)
        return Self.report(tasks, results)
    }

    /// The tool's result: each task's status, cost and answer.
    static func report(_ tasks: [DelegatedTask], _ results: [DelegationResult]) -> ToolOutput {
        var text = ""
        for (i, (task, r)) in zip(tasks, results).enumerated() {
            let cost = "\(r.iterations) request\(r.iterations == 1 ? "" : "s"), \(r.usage.promptTokens + r.usage.completionTokens) tokens, "
                + String(format: "%.1f s", Double(r.elapsedMs) / 1000)
            text += "## Task \(i + 1): \(task.goal)\nstatus: \(r.status.rawValue) (\(cost))" + (r.sessionID.map { "; session \($0)" } ?? "") + "\n"
            if let w = r.worktree { text += "worktree: \(w.path) on branch \(w.branch) (its changes are there, not in your checkout)\n" }
            text += "\n"
            text += (r.text.isEmpty ? "(no answer)" : r.text) + "\n\n"
        }
        let failedAll = results.allSatisfy { $0.status != .done }
        return ToolOutput(text: text.trimmingCharacters(in: .whitespacesAndNewlines), status: failedAll ? .failed : .succeeded)
    }
}
