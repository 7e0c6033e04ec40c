import AgentProtocol
import AgentTools
import Foundation

/// Where the user's lifecycle hooks (`HookRunner`) come into the session: at its start and
/// end, when a prompt is sent, around each tool call, when a turn would end, before a
/// compression, and when the agent needs the user. Each hook that blocks or fails is shown.
extension Agent {
    /// Runs `event`'s hooks and shows what they did; `.none` when there are none.
    func runHooks(_ event: HookEvent, subject: String? = nil, fields: [String: JSONValue] = [:]) async -> HookRunner.Verdict {
        guard let hooks = services.hooks else { return .none }
        let verdict = await hooks.run(event, sessionID: sessionID, subject: subject, fields: fields)
        for report in verdict.reports { emitter.emit(.hook(report)) }
        return verdict
    }

    /// UserPromptSubmit: the turn's added context ("" when none), or nil when a hook blocked
    /// the prompt (the turn has then ended, with the reason for the user).
    func promptSubmitHooks(_ text: String, turnID: String) async -> String? {
        let verdict = await runHooks(.userPromptSubmit, fields: ["prompt": .string(text)])
        if let reason = verdict.blocked ?? verdict.stop {
            aborted(turnID, .failed, "a hook blocked the prompt: \(reason)")
            return nil
        }
        return verdict.context.joined(separator: "\n\n")
    }

    /// PreToolUse, with the call's name and arguments.
    func preToolHooks(_ call: ToolCall, arguments: JSONValue) async -> HookRunner.Verdict {
        await runHooks(.preToolUse, subject: call.name, fields: ["tool_name": .string(call.name), "tool_input": arguments])
    }

    /// PostToolUse: what a hook says about the result, for the model (nil when nothing).
    func postToolHooks(_ call: ToolCall, output: ToolOutput) async -> String? {
        guard services.hooks != nil else { return nil }
        var response: [String: JSONValue] = ["output": .string(output.text), "status": .string(output.status.rawValue)]
        if let code = output.exitCode { response["exit_code"] = .number(Double(code)) }
        let verdict = await runHooks(.postToolUse, subject: call.name,
                                     fields: ["tool_name": .string(call.name), "tool_input": JSONValue.parse(call.arguments) ?? .object([:]),
                                              "tool_response": .object(response)])
        let said = ([verdict.blocked].compactMap { $0 } + verdict.context).joined(separator: "\n")
        return said.isEmpty ? nil : said
    }

    /// Stop: a hook that blocks makes the turn go on, its reason the agent's next instruction
    /// (once: `stop_hook_active` tells the hook it already did, as in Claude Code).
    func hookWantsMore(_ answer: String, turnID: String, stopActive: Bool) async -> Bool {
        guard services.hooks != nil else { return false }
        let already = conversation.history.last(where: { $0.role == .user })?.content.hasPrefix(Self.stopHookPrefix) == true
        let verdict = await runHooks(.stop, fields: ["stop_hook_active": .bool(already || stopActive),
                                                     "last_assistant_message": .string(answer)])
        guard let reason = verdict.blocked, !already, !stopActive else { return false }
        do { try conversation.commit(.user(Self.stopHookPrefix + reason)) } catch { return false }
        return true
    }

    static let stopHookPrefix = "[A Stop hook asks you to continue] "

    /// Notification: the agent needs the user, or has finished; runs beside the turn.
    func notificationHook(_ message: String) {
        guard let hooks = services.hooks, hooks.has(.notification) else { return }
        Task { [weak self] in _ = await self?.runHooks(.notification, fields: ["message": .string(message)]) }
    }
}
