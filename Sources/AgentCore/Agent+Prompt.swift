import AgentProtocol
import AgentTools
import Exec
import Foundation
import LLMClient
import Memory

/// What the model is told besides the conversation (`PromptState` keeps it), and the side
/// requests that extend the conversation's prompt instead of replacing it.
extension Agent {
    /// The frozen system prompt (see `PromptState`), built now if this is the session's first
    /// turn or the backend or the tools changed.
    func systemPrompt(for request: String) async -> (text: String, fresh: Bool) {
        let key = backend.identity + "\u{0}" + activeTools.names.joined(separator: ",")
        if let frozen = prompt.frozen, frozen.key == key { return (frozen.text, false) }
        let remote = backend.filesAreLocal ? nil
            : "Commands and file tools run on \(backend.identity), not directly on the user's machine; they start in \(await backend.directory(forSession: config.cwd))."
        let hooked = await sessionContext?.value
        let extra = [config.extraInstructions, hooked].compactMap { $0 }.joined(separator: "\n\n")
        let (memory, userModel) = (services.memory, services.userModel)
        let files = ProjectContext.discover(cwd: config.cwd, talariaHome: config.talariaHome ?? "")
        if !contextWithheldSaid {
            contextWithheldSaid = true
            for f in files { if let why = f.withheld { emitter.emit(.warning("\(f.label) is withheld from the model: \(why) (/context lists the files)")) } }
        }
        return prompt.systemPrompt(PromptState.Parts(
            cwd: config.cwd, tools: activeTools.names, key: key, extraInstructions: extra.isEmpty ? nil : extra,
            skills: services.skills?.promptSection(for: request),
            memory: {
                let sections = [memory?.promptSection(), userModel?.promptSection()].compactMap { $0 }
                return sections.isEmpty ? nil : sections.joined(separator: "\n\n")
            },
            remote: remote, context: { ProjectContext.section(files) }))
    }

    /// What this turn adds to its user message; nil when nothing. `skills`: whether to look for
    /// skills the frozen prompt does not list (not when it was just built).
    func turnNote(for request: String, skills checkSkills: Bool) async -> String? {
        var notes: [String] = []
        if checkSkills, let skills = services.skills, let note = skills.turnNote(for: request, besides: prompt.frozenSkills) { notes.append(note) }
        for source in services.toolSources { if let note = await source.promptNote() { notes.append(note) } }
        if let memory = services.memory, memory.limits.nudgeEvery > 0, turnCounter % memory.limits.nudgeEvery == 0 {
            notes.append("Reminder: if the recent turns taught you something durable about the user (preferences, style, tools) or this environment (conventions, quirks, fixes), save it now with the memory tool; skip what only this task needs.")
        }
        return notes.isEmpty ? nil : notes.joined(separator: "\n\n")
    }

    /// Tokens the next request will take (see `ContextManager.estimate`).
    func estimateTokens(_ systemPrompt: String) -> Int {
        context.estimate(history: conversation.history, promptCharacters: systemPrompt.utf8.count + prompt.noteCharacters,
                         toolCount: activeTools.names.count)
    }

    // MARK: - Side requests that keep the prefix

    /// A fork of the conversation (see `PromptState.fork`); nil before the first turn.
    func forkRequest(_ instructions: String, maxTokens: Int) -> LLMRequest? {
        prompt.fork(instructions, history: conversation.history, ids: conversation.ids, tools: activeTools.specs, maxTokens: maxTokens,
                    extra: config.extraBody)
    }

    /// Asks the model `instructions` in the background: on the lane (only while no turn runs,
    /// again later if one starts), as a fork of the conversation, or as `alone` before there is one.
    ///
    /// - Returns: the answer or why it failed; `nil` when the lane gave up or the caller was cancelled.
    func backgroundAnswer(_ instructions: String, maxTokens: Int, alone: LLMRequest, purpose: RequestPurpose) async -> Result<String, any Error>? {
        await services.lane.run { [weak self] () async throws -> Result<String, any Error> in
            guard let self else { throw CancellationError() }
            let request = await self.forkRequest(instructions, maxTokens: maxTokens) ?? alone
            do {
                return .success(try await self.sideRequest(request, purpose: purpose))
            } catch {
                // A preempted request runs again; only a real failure is an answer.
                if Task.isCancelled { throw error }
                return .failure(error)
            }
        }
    }

    /// Asks the model a question in the middle of a turn (a tool's summary), as a fork.
    func sideAnswer(_ instructions: String, maxTokens: Int) async -> String? {
        guard let request = forkRequest(instructions, maxTokens: maxTokens) else { return nil }
        return try? await sideRequest(request, purpose: .tool)
    }

    /// Sends a request beside the turn's own; its tokens count in the session's total.
    func sideRequest(_ request: LLMRequest, purpose: RequestPurpose) async throws -> String {
        let (text, usage) = try await client.respond(request)
        if let usage { account(usage, purpose: purpose) }
        return text
    }

    /// Adds a request's tokens to the session's total and reports them.
    func account(_ usage: Usage, purpose: RequestPurpose) {
        totalUsage = totalUsage + usage
        emitter.emit(.usage(UsageReport(last: usage, total: totalUsage, contextWindow: context.contextWindow, purpose: purpose)))
    }
}
