import AgentProtocol
import AgentTools
import Foundation
import Store

extension Agent {
    /// A resumed session's plan: its `todo` calls replayed in order (a call that failed then
    /// fails the same way now). nil when it never had one.
    static func restorePlan(_ board: PlanBoard, store: SessionStore, sessionID: String) -> [PlanItem]? {
        guard let messages = try? store.messages(sessionID: sessionID) else { return nil }
        var any = false
        for m in messages where m.message.role == .assistant {
            for call in m.message.toolCalls where call.name == "todo" {
                guard case .success(let args) = ToolRegistry.parseArguments(call.arguments) else { continue }
                if case .success = board.apply(args) { any = true }
            }
        }
        return any ? board.items : nil
    }
}
