import AgentProtocol
import Foundation
import Memory
import LLMClient
import Store

/// The agent's long-session work: the user-model passes and context compression.
extension Agent {
    // MARK: - User model

    func scheduleFactsPass() {
        guard let userModel else { return }
        let slice = Array(history[min(factsFrom, history.count)...])
        factsFrom = history.count
        turnsSinceFacts = 0
        let previous = factsTask
        let (emitter, sessionID) = (emitter, sessionID)
        factsTask = Task {
            await previous?.value
            let known = (try? userModel.book.store.memory(.fact)) ?? []
            let alone = LLMRequest(messages: [.system(UserModel.instructions), .user(UserModel.request(known: known, conversation: slice))],
                                   tools: [], maxTokens: 400, temperature: 0.2, extra: self.config.extraBody)
            guard case .success(let answer)? = await self.backgroundAnswer(UserModel.forkInstructions(known: known), maxTokens: 400, alone: alone,
                                                                           purpose: .userModel) else { return }
            for u in userModel.apply(answer, sessionID: sessionID) where u.action != "confirm" { emitter.emit(.memoryUpdate(u)) }
        }
    }

    /// At the end of a session: a last pass over the turns since the previous one (two or more).
    /// Bounded: a slow model must not hold the exit for long (the pass is then skipped).
    func finishFacts() async {
        if turnsSinceFacts >= 2 { scheduleFactsPass() }
        guard let task = factsTask else { return }
        let deadline = Task { try? await Task.sleep(for: .seconds(15)); task.cancel() }
        await task.value
        deadline.cancel()
    }

    // MARK: - Context compression

    /// Tokens the next request will take, estimated from its characters (calibrated by the
    /// server's own counts once one came back).
    func estimateTokens(_ systemPrompt: String) -> Int {
        let notes = turnNotes.values.reduce(0) { $0 + $1.utf8.count }
        let chars = history.reduce(systemPrompt.utf8.count + notes) { $0 + ContextCompressor.characters($1) }
        return Int(Double(chars) / charsPerToken) + history.count * 4 + (activeTools.specs.count * 80)
    }

    /// Learns the server's characters per token from a request and its reported prompt tokens.
    func calibrateTokens(_ messages: [ChatMessage], promptTokens: Int) {
        guard promptTokens > 100 else { return }
        let chars = Double(messages.reduce(0) { $0 + ContextCompressor.characters($1) })
        charsPerToken = min(8, max(1.5, chars / Double(promptTokens)))
    }

    /// Compresses the middle of the history when the prompt passes `compressAt` of the context
    /// window (or when `/compress` asked). The first request and the latest user message stay
    /// verbatim; the middle becomes a summary written by the model — or, when that fails, is
    /// dropped from the context with a message saying exactly what. The stored messages never
    /// change; a compaction row records which ones the summary stands for.
    func compressIfNeeded(promptTokens: Int?) async {
        let forced = forceCompression
        forceCompression = false
        guard let window = contextWindow, window > 0 else {
            if forced { emitter.emit(.warning("cannot compress: the context window is unknown (set context_window)")) }
            return
        }
        let tokens = promptTokens ?? estimateTokens("")
        guard forced || Double(tokens) > Double(window) * compressAt else { return }
        if !forced, let last = lastCompressionTurn, turnCounter - last < 3 {
            if !refusalAnnounced { // once until the next compression, not every turn
                refusalAnnounced = true
                emitter.emit(.warning("the context is at \(tokens * 100 / window)% of \(window) tokens, but it was compressed \(turnCounter - last) turn(s) ago; not compressing again so soon (it would loop). /compress forces it, /new starts fresh."))
            }
            return
        }
        // Forced (/compress): keep only the latest exchange; automatic: a fifth of the window.
        guard let plan = ContextCompressor.plan(history, tailTokens: forced ? 0 : Int(Double(window) * 0.2)) else {
            if forced { emitter.emit(.warning("nothing to compress: the conversation is already short")) }
            return
        }
        let middle = plan.removals.flatMap { history[$0.range] }
        var summary: String?
        do {
            summary = try await summarize(middle)
        } catch {
            if Task.isCancelled { return }
            summary = nil
        }
        // A summary that frees nothing (a small model copying the transcript out) or none at all:
        // a record extracted without the model stands in instead.
        let byModel = summary.map { ContextCompressor.isUsableSummary($0, for: middle) } ?? false
        let replaced = middle.reduce(0) { $0 + ContextCompressor.characters($1) }
        let record = byModel ? summary! : ContextCompressor.extract(middle, limit: max(400, replaced / 4))
        let note = ContextCompressor.summaryNote(record, messages: plan.compressedCount)
        let droppedTools = middle.filter { $0.role == .tool }.count
        // Record which stored messages the summary stands for; the live history and a resumed
        // session's are built by the same rule from the same ranges.
        for (range, carries) in plan.removals {
            let ids = historyIDs[range].compactMap { $0 }
            guard let first = ids.first, let last = ids.last else { continue }
            try? store.recordCompaction(Compaction(firstMessageID: first, lastMessageID: last, summary: carries ? note : ""),
                                        sessionID: sessionID)
        }
        history = ContextCompressor.apply(plan, to: history, summary: ChatMessage.assistant(note))
        historyIDs = ContextCompressor.apply(plan, to: historyIDs, summary: .some(nil)) // a summary has no row of its own
        let remaining = Set(historyIDs.compactMap { $0 })
        turnNotes = turnNotes.filter { remaining.contains($0.key) }
        lastCompressionTurn = turnCounter
        refusalAnnounced = false
        let after = estimateTokens("")
        let pct = { (n: Int) in "\(n * 100 / window)%" }
        let kept = "your first request, latest message\(plan.keptPlan == nil ? "" : " and the agent's latest plan") are kept verbatim, and the full conversation stays in the session store"
        let message = byModel
            ? "compressed \(plan.compressedCount) earlier messages into a summary (context \(pct(tokens)) → \(pct(after)) of \(window) tokens); \(kept)"
            : "the model's summary was \(summary == nil ? "not available" : "no shorter than what it replaced"), so \(plan.compressedCount) earlier messages (\(droppedTools) tool results) were replaced by an extract of their requests, files, commands and results (context \(pct(tokens)) → \(pct(after)) of \(window) tokens); \(kept)"
        emitter.emit(.contextCompressed(ContextCompression(messages: plan.compressedCount, summarized: byModel,
                                                           tokensBefore: tokens, tokensAfter: after, message: message)))
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
}
