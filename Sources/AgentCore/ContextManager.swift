import AgentProtocol
import Foundation
import Memory
import Store

/// Keeps the conversation within the model's context window, and decides when the user model
/// learns from it.
///
/// Before each request the prompt is estimated (characters over a ratio calibrated by the
/// server's own `prompt_tokens`); past `compressAt` of the window the middle is summarised
/// (see `ContextCompressor` for what stays verbatim). A second automatic compression within
/// three turns is refused — it would loop — and that is said once, not every turn. The user
/// model's pass runs every `factsEvery` user turns and at the end of a session with at least
/// two turns since the last.
struct ContextManager {
    /// Share of the context window at which older turns are compressed.
    let compressAt: Double
    /// The real window (from the server or config); nil until known.
    var contextWindow: Int?
    /// Characters per token the server reported (prompt characters / prompt tokens).
    private(set) var charsPerToken = 4.0
    /// `/compress` asked for one that has not run yet.
    var forced = false
    private var lastCompressionTurn: Int?
    private var refusalAnnounced = false
    let factsEvery: Int
    private(set) var turnsSinceFacts = 0
    private var factsFrom = 0

    init(compressAt: Double, contextWindow: Int?, factsEvery: Int) {
        self.compressAt = compressAt
        self.contextWindow = contextWindow
        self.factsEvery = factsEvery
    }

    // MARK: - Tokens

    /// Tokens a request with `history` will take, estimated from its characters.
    func estimate(history: [ChatMessage], promptCharacters: Int, toolCount: Int) -> Int {
        let chars = history.reduce(promptCharacters) { $0 + ContextCompressor.characters($1) }
        return Int(Double(chars) / charsPerToken) + history.count * 4 + toolCount * 80
    }

    /// Learns the server's characters per token from a request and its reported prompt tokens.
    mutating func calibrate(_ messages: [ChatMessage], promptTokens: Int) {
        guard promptTokens > 100 else { return }
        let chars = Double(messages.reduce(0) { $0 + ContextCompressor.characters($1) })
        charsPerToken = min(8, max(1.5, chars / Double(promptTokens)))
    }

    // MARK: - Compression

    enum Decision {
        case none
        /// Something the user should know instead (refused, impossible, nothing to do).
        case tell(String)
        case compress(CompressionPlan, tokens: Int, window: Int, forced: Bool)
    }

    /// Whether to compress before a request whose prompt is `tokens` (nil: estimate), in `turn`.
    /// `keepsPlanByShape`: no `todo` plan exists, so the newest message shaped like a plan is
    /// kept where it was (with a `todo` plan, that plan is kept instead, in the summary).
    mutating func decide(history: [ChatMessage], tokens: Int, turn: Int, keepsPlanByShape: Bool = true) -> Decision {
        let wasForced = forced
        forced = false
        guard let window = contextWindow, window > 0 else {
            return wasForced ? .tell("cannot compress: the context window is unknown (set context_window)") : .none
        }
        guard wasForced || Double(tokens) > Double(window) * compressAt else { return .none }
        if !wasForced, let last = lastCompressionTurn, turn - last < 3 {
            guard !refusalAnnounced else { return .none }
            refusalAnnounced = true
            return .tell("the context is at \(tokens * 100 / window)% of \(window) tokens, but it was compressed \(turn - last) turn(s) ago; not compressing again so soon (it would loop). /compress forces it, /new starts fresh.")
        }
        // Forced (/compress): keep only the latest exchange; automatic: a fifth of the window.
        guard var plan = ContextCompressor.plan(history, tailTokens: wasForced ? 0 : Int(Double(window) * 0.2)) else {
            return wasForced ? .tell("nothing to compress: the conversation is already short") : .none
        }
        if !keepsPlanByShape { plan.keptPlan = nil }
        return .compress(plan, tokens: tokens, window: window, forced: wasForced)
    }

    /// Applies `plan` with the model's `summary` (nil: none came): the record that stands in
    /// is the summary when it is clearly shorter than what it replaces, else an extract. The
    /// store keeps every message; compaction rows map the record to its range.
    /// `promptCharacters`, `toolCount`: what the estimate after it counts besides the history.
    /// `todo`: the model's current plan, kept word for word at the end of the record.
    mutating func apply(_ plan: CompressionPlan, summary: String?, to conversation: inout Conversation, turn: Int,
                        tokensBefore: Int, window: Int, promptCharacters: Int, toolCount: Int, todo: String? = nil) -> ContextCompression {
        let history = conversation.history, ids = conversation.ids
        let middle = plan.removals.flatMap { history[$0.range] }
        let byModel = summary.map { ContextCompressor.isUsableSummary($0, for: middle) } ?? false
        let replaced = middle.reduce(0) { $0 + ContextCompressor.characters($1) }
        let record = byModel ? summary! : ContextCompressor.extract(middle, limit: max(400, replaced / 4))
        var note = ContextCompressor.summaryNote(record, messages: plan.compressedCount)
        if let todo { note += "\n\nThe current plan (your todo list, word for word):\n" + todo }
        let droppedTools = middle.filter { $0.role == .tool }.count
        for (range, carries) in plan.removals {
            let rows = ids[range].compactMap { $0 }
            guard let first = rows.first, let last = rows.last else { continue }
            try? conversation.store.recordCompaction(Compaction(firstMessageID: first, lastMessageID: last, summary: carries ? note : ""),
                                                     sessionID: conversation.sessionID)
        }
        conversation.replace(history: ContextCompressor.apply(plan, to: history, summary: ChatMessage.assistant(note)),
                             ids: ContextCompressor.apply(plan, to: ids, summary: .some(nil))) // a summary has no row of its own
        lastCompressionTurn = turn
        refusalAnnounced = false
        let after = estimate(history: conversation.history, promptCharacters: promptCharacters, toolCount: toolCount)
        let pct = { (n: Int) in "\(n * 100 / window)%" }
        let kept = "your first request, latest message\(plan.keptPlan == nil && todo == nil ? "" : " and the agent's latest plan") are kept verbatim, and the full conversation stays in the session store"
        let message = byModel
            ? "compressed \(plan.compressedCount) earlier messages into a summary (context \(pct(tokensBefore)) → \(pct(after)) of \(window) tokens); \(kept)"
            : "the model's summary was \(summary == nil ? "not available" : "no shorter than what it replaced"), so \(plan.compressedCount) earlier messages (\(droppedTools) tool results) were replaced by an extract of their requests, files, commands and results (context \(pct(tokensBefore)) → \(pct(after)) of \(window) tokens); \(kept)"
        return ContextCompression(messages: plan.compressedCount, summarized: byModel, tokensBefore: tokensBefore, tokensAfter: after, message: message)
    }

    // MARK: - The user model

    /// A turn completed; whether the user model's pass is due now.
    mutating func turnCompleted() -> Bool {
        turnsSinceFacts += 1
        return factsEvery > 0 && turnsSinceFacts >= factsEvery
    }

    /// The messages the pass has not seen, from now on counted as seen.
    mutating func takeFactsSlice(_ history: [ChatMessage]) -> [ChatMessage] {
        let slice = Array(history[min(factsFrom, history.count)...])
        factsFrom = history.count
        turnsSinceFacts = 0
        return slice
    }

    /// At the end of a session: a last pass is worth it after two turns or more.
    var owesFinalPass: Bool { turnsSinceFacts >= 2 }
}
