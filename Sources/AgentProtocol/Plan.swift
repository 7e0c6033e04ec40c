import Foundation

/// One step of the plan the model keeps with the `todo` tool.
public struct PlanItem: Sendable, Hashable, Codable {
    public var content: String
    public var status: PlanStatus

    public init(_ content: String, _ status: PlanStatus = .pending) {
        self.content = content
        self.status = status
    }
}

public enum PlanStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending
    case inProgress = "in_progress"
    case done
    case cancelled

    /// Also the names other agents' plan tools use (`completed`, `in-progress`).
    public init?(lenient raw: String) {
        switch raw.lowercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: " ", with: "_") {
        case "pending", "todo", "not_started": self = .pending
        case "in_progress", "active", "doing", "started": self = .inProgress
        case "done", "completed", "complete", "finished": self = .done
        case "cancelled", "canceled", "skipped", "dropped": self = .cancelled
        default: return nil
        }
    }

    /// `[ ]`, `[>]`, `[x]`, `[-]`: how the model reads the plan back.
    public var box: String {
        switch self {
        case .pending: "[ ]"
        case .inProgress: "[>]"
        case .done: "[x]"
        case .cancelled: "[-]"
        }
    }
}

extension [PlanItem] {
    /// The plan as the model and the compressed context read it.
    public var rendered: String {
        let done = filter { $0.status == .done }.count
        return "Plan (\(done)/\(count) done):\n" + map { "\($0.status.box) \($0.content)" }.joined(separator: "\n")
    }
}
