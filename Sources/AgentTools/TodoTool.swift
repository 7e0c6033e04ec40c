import AgentProtocol
import Foundation
import Synchronization

/// A session's plan: the steps the model keeps with `todo`. The agent reads it to keep it
/// through compression and restores it on resume by replaying the session's `todo` calls.
public final class PlanBoard: Sendable {
    private let state = Mutex<[PlanItem]>([])
    public static let maxItems = 50

    public init() {}

    public var items: [PlanItem] { state.withLock { $0 } }

    /// Applies a `todo` call's arguments: `todos` replaces the plan (with `merge: true` it
    /// updates the steps named and adds new ones); no `todos` reads it. The plan after, or why
    /// nothing changed.
    public func apply(_ arguments: JSONValue) -> Result<[PlanItem], PlanError> {
        guard let raw = arguments["todos"] else { return .success(items) }
        guard let list = raw.arrayValue else { return .failure(PlanError("todos must be a list of {content, status}")) }
        var parsed: [PlanItem] = []
        for (i, entry) in list.enumerated() {
            let text = (entry["content"]?.stringValue ?? entry["step"]?.stringValue ?? entry.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { return .failure(PlanError("todos[\(i)] has no content")) }
            let word = entry["status"]?.stringValue ?? "pending"
            guard let status = PlanStatus(lenient: word) else {
                return .failure(PlanError("todos[\(i)].status \"\(word)\" is not one of pending, in_progress, done, cancelled"))
            }
            parsed.append(PlanItem(String(text.prefix(300)), status))
        }
        let merge = arguments["merge"]?.boolValue ?? false
        return state.withLock { plan in
            var next = merge ? plan : []
            for item in parsed {
                if merge, let i = next.firstIndex(where: { $0.content == item.content }) { next[i].status = item.status } else { next.append(item) }
            }
            guard next.count <= Self.maxItems else { return .failure(PlanError("a plan holds at most \(Self.maxItems) steps; merge or drop finished ones")) }
            plan = next
            return .success(next)
        }
    }

    /// Forgets the plan (a new session starts without one).
    public func clear() { state.withLock { $0 = [] } }
}

public struct PlanError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// `todo`: the model's plan for a multi-step task, shown to the user as it changes and kept
/// word for word when older turns are compressed.
public struct TodoTool: Tool {
    public let board: PlanBoard
    public static let description = """
        Keep a plan for a task of three or more steps: send the whole list as `todos` (each \
        {content, status}; status pending, in_progress, done or cancelled), with one step \
        in_progress at a time; mark a step done as soon as it is. `merge: true` updates only the \
        steps you send (matched by content). Without `todos` it returns the plan. The user sees \
        the plan live. Do not use it for a single quick step.
        """

    public init(board: PlanBoard) { self.board = board }

    public var spec: ToolSpec {
        ToolSpec(name: "todo", description: Self.description, parameters: schema([
            "todos": ["type": "array", "description": "The plan's steps, in order.", "items": [
                "type": "object",
                "properties": ["content": ["type": "string", "description": "The step, in a few words."],
                               "status": ["type": "string", "enum": ["pending", "in_progress", "done", "cancelled"]]],
                "required": ["content", "status"],
            ]],
            "merge": ["type": "boolean", "description": "Update the steps sent and keep the others (default: replace the plan)."],
        ], required: []))
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        switch board.apply(arguments) {
        case .success(let plan):
            return ToolOutput(text: plan.isEmpty ? "The plan is empty." : plan.rendered, plan: plan)
        case .failure(let why):
            return .error("The plan was not changed: \(why.description)")
        }
    }
}
