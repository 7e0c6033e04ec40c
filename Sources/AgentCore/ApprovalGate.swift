import AgentProtocol
import AgentTools
import Foundation
import Skills

/// Whether a call that needs the user's yes may run: the session's mode, the answers given
/// this session and remembered from earlier ones, and the `allowed-tools` of skills in use.
///
/// Rules come from the user only — the mode, the dialog, `approvals.json` — never from what a
/// tool returns or a file says. The gate decides what it can at once; what only the user can
/// decide it asks for and waits on (``wait(for:_:)``), and ``answer(_:decision:)`` resumes.
struct ApprovalGate {
    enum Outcome: Equatable {
        case allow(ApprovalDecision)
        /// Allowed by a skill in use (its `allowed-tools`): the user is told which.
        case allowedBySkill(String)
        case deny
        case ask(ApprovalRequest)
    }

    let mode: ApprovalMode
    /// The reasons answered "this session" or "always" (the latter also kept on disk).
    private var approved: Set<String>
    private let memory: ApprovalMemory?
    /// Skills read this session (skill_view) and the commands their `allowed-tools` pre-approve.
    private(set) var activeSkills: [String: AllowedTools] = [:]
    private var waiters: [String: CheckedContinuation<ApprovalDecision, Never>] = [:]

    init(mode: ApprovalMode, memory: ApprovalMemory?) {
        self.mode = mode
        self.memory = memory
        approved = memory?.load() ?? []
    }

    /// What to do with `call`, which needs approval for `reason`.
    func check(_ call: ToolCall, reason: String, arguments: JSONValue) -> Outcome {
        switch mode {
        case .approveAll: return .allow(.once)
        // What the user approved "always" holds without a dialog too (one-shot runs).
        case .denyAll: return approved.contains(reason) ? .allow(.always) : .deny
        case .ask:
            if approved.contains(reason) { return .allow(.session) }
            let command = arguments["command"]?.stringValue ?? call.arguments
            if call.name == "terminal", let skill = activeSkills.first(where: { $0.value.allows(command: command) })?.key {
                return .allowedBySkill(skill)
            }
            return .ask(ApprovalRequest(callID: call.id, tool: call.name, command: command, reason: reason))
        }
    }

    /// Parks the waiter for `callID` until the user answers (or the turn is cancelled).
    mutating func wait(for callID: String, _ waiter: CheckedContinuation<ApprovalDecision, Never>) {
        waiters[callID] = waiter
    }

    /// The user's answer to the request for `callID`; false when none was waiting.
    @discardableResult
    mutating func answer(_ callID: String, decision: ApprovalDecision) -> Bool {
        guard let waiter = waiters.removeValue(forKey: callID) else { return false }
        waiter.resume(returning: decision)
        return true
    }

    /// Every pending request is denied (the turn was interrupted or the session ended).
    mutating func denyAll() {
        for (_, waiter) in waiters { waiter.resume(returning: .deny) }
        waiters.removeAll()
    }

    /// Remembers a "session" or "always" answer for `reason`; an error when "always" cannot be
    /// written to disk (it still holds for this session).
    mutating func remember(_ decision: ApprovalDecision, for reason: String) throws {
        guard decision == .session || decision == .always else { return }
        approved.insert(reason)
        if decision == .always { try memory?.remember(reason) }
    }

    /// A skill was read: its `allowed-tools` apply from now on.
    mutating func useSkill(_ name: String, allowing tools: AllowedTools) {
        activeSkills[name] = tools
    }
}
