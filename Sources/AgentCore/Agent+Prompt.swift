import AgentProtocol
import AgentTools
import Foundation
import Memory
import LLMClient

/// What the model is told besides the conversation: the session's system prompt, built once
/// (see `frozenPrompt`), and each turn's note on its user message (see `turnNotes`).
extension Agent {
    /// The frozen system prompt (see `frozenPrompt`), built now if this is the session's first
    /// turn or the backend or the tools changed.
    func sessionPrompt(for request: String) async -> (text: String, fresh: Bool) {
        let key = backend.identity + "\u{0}" + activeTools.names.joined(separator: ",")
        if let frozen = frozenPrompt, frozen.key == key { return (frozen.text, false) }
        let skillSection = skills?.promptSection(for: request)
        var parts: [String?] = [config.extraInstructions, skillSection]
        if let memory {
            if memorySnapshot == nil {
                let sections = [memory.promptSection(), userModel?.promptSection()].compactMap { $0 }
                memorySnapshot = .some(sections.isEmpty ? nil : sections.joined(separator: "\n\n"))
            }
            parts.append(memorySnapshot ?? nil)
        }
        if !backend.filesAreLocal {
            let dir = await backend.directory(forSession: config.cwd)
            parts.append("Commands and file tools run on \(backend.identity), not directly on the user's machine; they start in \(dir).")
        }
        let extra = parts.compactMap { $0 }.joined(separator: "\n\n")
        let text = SystemPrompt.make(cwd: config.cwd, tools: activeTools.names, extra: extra.isEmpty ? nil : extra)
        frozenPrompt = (key, text, skillSection)
        return (text, true)
    }

    /// What this turn adds to its user message (see `turnNotes`); nil when nothing. `skills`:
    /// whether to look for skills the frozen prompt does not list (not when it was just built).
    func turnNote(for request: String, skills checkSkills: Bool) async -> String? {
        var notes: [String] = []
        if checkSkills, let frozen = frozenPrompt, let skills, let note = skills.turnNote(for: request, besides: frozen.skills) { notes.append(note) }
        for source in toolSources { if let note = await source.promptNote() { notes.append(note) } }
        if let memory, memory.limits.nudgeEvery > 0, turnCounter % memory.limits.nudgeEvery == 0 {
            notes.append("Reminder: if the recent turns taught you something durable about the user (preferences, style, tools) or this environment (conventions, quirks, fixes), save it now with the memory tool; skip what only this task needs.")
        }
        return notes.isEmpty ? nil : notes.joined(separator: "\n\n")
    }

    /// The request's messages: the system prompt, then the history with each turn's note on
    /// its user message, inside a tag that says these are not the user's words.
    func requestMessages(system: String) -> [ChatMessage] {
        var out: [ChatMessage] = [.system(system)]
        out.reserveCapacity(history.count + 1)
        guard !turnNotes.isEmpty else { return out + history }
        for (m, id) in zip(history, historyIDs) {
            guard m.role == .user, let id, let note = turnNotes[id] else { out.append(m); continue }
            var sent = m
            sent.content += "\n\n<system-reminder>\n" + note + "\n</system-reminder>"
            out.append(sent)
        }
        return out
    }

    // MARK: - Side requests that keep the prefix

    /// A side request that extends the conversation's prompt instead of replacing it: the
    /// messages the session's requests send (system prompt, history, turn notes), then
    /// `instructions` as a user message, with the tools listed — they are part of the prefix —
    /// but not to be called. The server's cache serves the whole conversation and evaluates
    /// only the instructions, and the next turn still finds the conversation cached (on a
    /// one-slot server any other prompt would have evicted it). Nil before the first turn.
    func forkRequest(_ instructions: String, maxTokens: Int) -> LLMRequest? {
        guard let frozen = frozenPrompt else { return nil }
        var messages = requestMessages(system: frozen.text)
        messages.append(.user(instructions))
        return LLMRequest(messages: messages, tools: activeTools.specs, toolChoice: activeTools.specs.isEmpty ? nil : "none",
                          maxTokens: maxTokens, temperature: 0.2, extra: config.extraBody)
    }

    /// Asks the model `instructions` in the background: on the lane (only while no turn runs,
    /// again later if one starts), as a fork of the conversation, or as `alone` before there is one.
    ///
    /// - Returns: the answer or why it failed; `nil` when the lane gave up or the caller was cancelled.
    func backgroundAnswer(_ instructions: String, maxTokens: Int, alone: LLMRequest, purpose: RequestPurpose) async -> Result<String, any Error>? {
        await lane.run { [weak self] () async throws -> Result<String, any Error> in
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
        emitter.emit(.usage(UsageReport(last: usage, total: totalUsage, contextWindow: contextWindow, purpose: purpose)))
    }
}
