import AgentProtocol
import AgentTools
import Foundation
import LLMClient
import Memory
import Skills
import Store

/// The agent's long-session work: compression, the user-model passes, the skill review, and
/// what a session does when it ends.
extension Agent {
    // MARK: - Compression

    /// Compresses the middle of the history when the prompt passes `compress_at` of the context
    /// window (or `/compress` asked); see `ContextManager`.
    func compressIfNeeded(promptTokens: Int?) async {
        let tokens = promptTokens ?? estimateTokens("")
        let todo = services.plan?.items ?? []
        switch context.decide(history: conversation.history, tokens: tokens, turn: turnCounter, keepsPlanByShape: todo.isEmpty) {
        case .none:
            return
        case .tell(let message):
            emitter.emit(.warning(message))
        case .compress(let plan, let tokens, let window, let forced):
            flushResults() // the plan keeps ids; staged results have none yet
            _ = await runHooks(.preCompact, subject: forced ? "manual" : "auto", fields: ["trigger": .string(forced ? "manual" : "auto")])
            let middle = plan.removals.flatMap { conversation.history[$0.range] }
            var summary: String?
            do { summary = try await summarize(middle) } catch {
                if Task.isCancelled { return }
            }
            let compression = context.apply(plan, summary: summary, to: &conversation, turn: turnCounter, tokensBefore: tokens, window: window,
                                            promptCharacters: prompt.noteCharacters, toolCount: activeTools.names.count,
                                            todo: todo.isEmpty ? nil : todo.rendered)
            prompt.keepNotes(for: Set(conversation.ids.compactMap { $0 }))
            emitter.emit(.contextCompressed(compression))
        }
    }

    /// Asks the model for a record of `messages` (not streamed to the UI): as a fork of the
    /// conversation, whose prompt the server has cached, or — before the session's first
    /// request, when there is none — over a transcript of them.
    func summarize(_ messages: [ChatMessage]) async throws -> String {
        let request = forkRequest(ContextCompressor.forkInstructions, maxTokens: 1024)
            ?? LLMRequest(messages: [.system(ContextCompressor.instructions), .user(ContextCompressor.transcript(messages[...]))],
                          maxTokens: 1024, temperature: 0.2, extra: config.extraBody)
        return try await sideRequest(request, purpose: .compression)
    }

    // MARK: - The user model

    func scheduleFactsPass() {
        guard let userModel = services.userModel else { return }
        let slice = context.takeFactsSlice(conversation.history)
        let previous = factsTask
        let (emitter, sessionID, extra) = (emitter, sessionID, config.extraBody)
        factsTask = Task {
            await previous?.value
            let known = (try? userModel.book.store.memory(.fact)) ?? []
            let alone = LLMRequest(messages: [.system(UserModel.instructions), .user(UserModel.request(known: known, conversation: slice))],
                                   tools: [], maxTokens: 400, temperature: 0.2, extra: extra)
            guard case .success(let answer)? = await self.backgroundAnswer(UserModel.forkInstructions(known: known), maxTokens: 400, alone: alone,
                                                                           purpose: .userModel) else { return }
            for u in userModel.apply(answer, sessionID: sessionID) where u.action != "confirm" { emitter.emit(.memoryUpdate(u)) }
        }
    }

    /// At the end of a session: a last pass over the turns since the previous one (two or more),
    /// bounded — a slow model must not hold the exit for long (the pass is then skipped) — and
    /// the SessionEnd hooks.
    func finishSession() async {
        // Background processes end with their session, on every backend.
        await services.processes?.stopAll()
        if context.owesFinalPass { scheduleFactsPass() }
        if let task = factsTask {
            let deadline = Task { try? await Task.sleep(for: .seconds(15)); task.cancel() }
            await task.value
            deadline.cancel()
        }
        _ = await runHooks(.sessionEnd, fields: ["reason": .string("exit")])
    }

    func undoMemoryChange(_ entryID: Int64) {
        guard let memory = services.memory else { return }
        do {
            let text = try memory.undo(entryID)
            emitter.emit(.memoryUpdate(MemoryUpdate(entryID: entryID, target: "memory", action: "undo", text: text)))
        } catch { emitter.emit(.warning("cannot undo the memory change: \(error)")) }
    }

    // MARK: - The skill review

    /// After a long task or a correction, reviews the conversation in the background.
    func scheduleSkillReview(toolIterations: Int, userText: String) {
        guard learning.shouldReview(toolIterations: toolIterations, userText: userText) else { return }
        let snapshot = conversation.history
        let previous = reviewTask
        reviewTask = Task { [weak self] in
            await previous?.value
            await self?.review(snapshot)
        }
    }

    private func review(_ snapshot: [ChatMessage]) async {
        services.skillLibrary?.refresh()
        let existing = services.skillLibrary?.skills ?? []
        let alone = LLMRequest(messages: [.system(SkillReviewPrompt.system), .user(SkillReviewPrompt.transcript(snapshot, existing: existing))],
                               tools: [], toolChoice: nil, maxTokens: 1024, temperature: 0.2, extra: config.extraBody)
        let answer: String
        switch await backgroundAnswer(SkillReviewPrompt.forkInstructions(existing: existing), maxTokens: 1024, alone: alone, purpose: .skillReview) {
        case .success(let text)?: answer = text
        case .failure(let error)?:
            emitter.emit(.warning("skill review failed: \(error)"))
            return
        case nil: return // the session ended first, or the user kept it busy
        }
        switch learning.received(answer) {
        case .nothing: return
        case .problem(let message): emitter.emit(.warning(message))
        case .proposal(let proposal, let apply):
            emitter.emit(.skillProposal(proposal))
            if apply { emitter.emit(.skillChange(learning.apply(proposal))) }
        }
    }
}
