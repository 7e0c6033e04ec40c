import AgentProtocol
import AgentTools
import Exec
import Foundation
import LLMClient
import Memory
import Skills
import Store

/// The agent: one session, one conversation, a ReAct loop over the model and the tools.
///
/// Talk to it only through ``submit(_:)`` and ``events``. Turns run one at a time; a turn
/// submitted while another runs waits its turn, and every turn the agent is given ends with
/// `turnCompleted` or `turnAborted`. Each message is committed to the store before the event
/// that shows it as done is emitted.
///
/// The actor holds the turn loop and hands each concern to a room of its own: the conversation
/// and its store (`Conversation`), the prompt (`PromptState`), tool calls (`ToolDispatcher`,
/// `ApprovalGate`, `HookRunner`, `LoopGuard`), the context window and the user model
/// (`ContextManager`), and the learning loop (`SkillLearning`).
public actor Agent {
    public nonisolated let events: AsyncStream<EventEnvelope>
    public nonisolated let sessionID: String

    let config: AgentConfiguration
    let services: AgentServices
    let emitter = EventEmitter()
    var conversation: Conversation
    var prompt = PromptState()
    var context: ContextManager
    var approvals: ApprovalGate
    var learning: SkillLearning
    let dispatcher: ToolDispatcher
    /// The tools of the current iteration: built-ins plus what the sources offer now.
    var activeTools: ToolRegistry
    /// The tool sources' versions when ``activeTools`` was last built from them.
    var toolVersions: [Int?] = []
    /// `toolCallEnded` of the staged results, said once they are committed (``flushResults()``).
    var resultsEnded: [AgentEvent] = []
    var backend: any ExecutionBackend
    var totalUsage = Usage()
    var turnCounter = 0
    /// The running turn's repeated-call watch and its record of what ran.
    var loopGuard = LoopGuard(settings: .off)
    var turnLog = TurnLog()
    /// The running turn's user message in the store (what a checkpoint points the conversation at).
    var turnMessageID: Int64?
    var ledger = CheckpointLedger()
    /// Tool calls scripts made (their ids are the script's call id and this count).
    var nestedCalls = 0
    /// Whether the model takes images (config, else the server's word), once asked.
    var visionSupport: Bool?
    /// The model's questions (`clarify`) waiting for the user, by call.
    var questions: [String: CheckedContinuation<ClarifyAnswer, Never>] = [:]
    /// Said to the model with the next user message (files the user put back meanwhile).
    var pendingNotes: [String] = []
    /// The goal being worked toward (`/goal`), if any.
    var goalRun: GoalRun?
    /// How the latest turn ended (a goal stops after a turn that did not complete).
    var lastTurnAborted = false
    /// A withheld context file is said once per session.
    var contextWithheldSaid = false
    /// Context SessionStart hooks gave, for the prompt (once, at the first turn).
    var sessionContext: Task<String?, Never>?
    var reviewTask: Task<Void, Never>?
    var factsTask: Task<Void, Never>?
    var submissionCounter = 0
    private var itemCounter = 0
    var queue: [(Int, UserTurn)] = []
    var current: Task<Void, Never>?
    /// Set by `.shutdown`: the session takes no more turns; the task ends with the event stream.
    var closing: Task<Void, Never>?

    var client: any ModelClient { services.client }
    var store: SessionStore { services.store }

    /// - Parameter resumeID: continue a stored session (its messages become the history).
    public init(config: AgentConfiguration, services: AgentServices, resumeID: String? = nil) throws(StoreError) {
        self.config = config
        self.services = services
        conversation = try Conversation(store: services.store, resume: resumeID, config: config)
        sessionID = conversation.sessionID
        activeTools = services.tools
        backend = services.backend
        dispatcher = ToolDispatcher(redactor: services.redactor, outputLimit: config.toolOutputLimit)
        approvals = ApprovalGate(mode: config.approvalMode, memory: services.approvalMemory)
        learning = SkillLearning(settings: config.review, library: services.skillLibrary, store: services.store, sessionID: conversation.sessionID)
        let window = config.contextWindowOverride ?? services.contextCache.flatMap { c in services.contextProbe.flatMap { c.lookup($0.endpoint) } }
        context = ContextManager(compressAt: config.compressAt, contextWindow: window, factsEvery: config.factsEvery)
        events = emitter.stream
        emitter.emit(.sessionConfigured(SessionConfigured(sessionID: sessionID, model: config.model, baseURL: config.baseURL,
                                                          contextWindow: window, tools: services.tools.names)))
        if resumeID != nil, let board = services.plan, let plan = Self.restorePlan(board, store: services.store, sessionID: sessionID) {
            emitter.emit(.plan(plan))
        }
        // SessionStart hooks run now; what they print joins the prompt frozen at the first turn.
        if let hooks = services.hooks, hooks.has(.sessionStart) {
            let (emitter, id, source) = (emitter, conversation.sessionID, resumeID == nil ? "startup" : "resume")
            sessionContext = Task {
                let verdict = await hooks.run(.sessionStart, sessionID: id, subject: source, fields: ["source": .string(source)])
                for report in verdict.reports { emitter.emit(.hook(report)) }
                return verdict.context.isEmpty ? nil : verdict.context.joined(separator: "\n\n")
            }
        }
        if let table = services.processes {
            // The process pane's updates, in order with the session's other events.
            let (emitter, store, id, redactor) = (emitter, services.store, sessionID, services.redactor)
            Task {
                // Everything a process printed goes to the store when it ends (the model saw a cap), secrets redacted.
                await table.recordEnds { p in
                    try? store.recordToolRun(ToolRunRecord(callID: "process-\(p.id)-\(id)", name: "process", arguments: redactor.redact(p.command),
                                                           status: p.state.rawValue, exitCode: p.exitCode, output: redactor.redact(p.output),
                                                           startedAt: p.startedAt, elapsedMs: p.elapsedMs), sessionID: id)
                }
                for await update in table.updates { emitter.emit(.process(update)) }
            }
        }
        if window == nil, let probe = services.contextProbe {
            let cache = services.contextCache
            Task { [weak self] in await self?.setContextWindow(await probe.detect(cache: cache)) }
        }
    }

    /// The conversation so far (without the system prompt).
    public var messages: [ChatMessage] { conversation.history }

    private func setContextWindow(_ n: Int?) { if context.contextWindow == nil { context.contextWindow = n } }

    /// Where the session's commands and file tools run.
    public var executionBackend: any ExecutionBackend { backend }

    /// Runs the next tool calls on `new` (calls already running finish where they started).
    /// The backend's owner releases the old one (its container, its connection).
    public func switchBackend(to new: any ExecutionBackend) { backend = new }

    // MARK: - Ops


    /// Waits until no turn runs and none is queued (and the review a turn started is done).
    public func waitUntilIdle() async {
        // Each finished turn starts the next queued one before its task ends.
        while let task = current { await task.value }
        await reviewTask?.value
    }

    /// Waits for the background passes scheduled so far (skill review, user model) to finish.
    public func waitForBackground() async {
        await reviewTask?.value
        await factsTask?.value
    }

    /// Waits until a shut-down session has finished: its turn ended, its end-of-session pass
    /// done (bounded), its event stream finished. Returns at once if it was never shut down.
    public func waitUntilClosed() async { await closing?.value }

    /// Drops queued turns (each answered as interrupted), cancels the running one and denies
    /// pending approvals.
    func cancelAll() {
        for (id, _) in queue {
            emitter.emit(.turnAborted(TurnAborted(turnID: "turn-queued-\(id)", reason: .interrupted,
                                                  message: "interrupted before it started")), submission: id)
        }
        queue.removeAll()
        current?.cancel()
        approvals.denyAll()
        cancelQuestions()
        endGoal(.stopped, "stopped by the user")
    }

    /// Queues a turn the session starts itself (a goal's next step).
    func enqueue(_ turn: UserTurn, submission: Int) {
        queue.append((submission, turn))
        startNextTurnIfIdle()
    }

    func startNextTurnIfIdle() {
        guard current == nil, !queue.isEmpty else { return }
        let (id, turn) = queue.removeFirst()
        current = Task { [weak self, lane = services.lane] in
            await lane.beginForeground()
            await self?.runTurn(turn, submission: id)
            await lane.endForeground()
            await self?.turnEnded()
        }
    }

    func turnEnded() {
        current = nil
        // A goal's check comes after its turn, as the current task: the user's turns wait.
        if goalRun?.turnRan == true, queue.isEmpty {
            goalRun?.turnRan = false
            current = Task { [weak self] in
                await self?.advanceGoal()
                await self?.turnEnded()
            }
            return
        }
        compressIfIdle()
        startNextTurnIfIdle()
    }

    /// Runs a compression asked for (`/compress`) that no request has applied yet, unless a
    /// turn or another compression is running; it counts as the current task, so turns wait.
    func compressIfIdle() {
        guard context.forced, current == nil else { return }
        current = Task { [weak self, lane = services.lane] in
            await lane.beginForeground()
            await self?.compressIfNeeded(promptTokens: nil)
            await lane.endForeground()
            await self?.turnEnded()
        }
    }

    // MARK: - The turn loop

    /// What the next model request of a turn is for.
    enum NextRequest: Equatable {
        /// Tools offered, the model chooses.
        case work
        /// Tools offered but not to be called (`tool_choice: "none"`): the result the model
        /// repeated is known, so it should answer.
        case answer
        /// The turn's last request: no tool runs whatever comes back, and the model is asked
        /// to say what it did and what remains.
        case last(TurnStop, reason: String)

        var isLast: Bool { if case .last = self { true } else { false } }
    }

    private func runTurn(_ turn: UserTurn, submission: Int) async {
        emitter.setSubmission(submission)
        turnCounter += 1
        let turnID = "turn-\(turnCounter)"
        lastTurnAborted = false
        if goalRun != nil { goalRun?.turnRan = true; goalRun?.turns += 1 }
        emitter.emit(.turnStarted(turnID: turnID))
        emitter.emit(.userMessage(text: turn.typed ?? turn.text))
        defer {
            flushResults()
            Task { [indexer = services.indexer] in await indexer?.scheduleCatchUp() }
        }
        guard let system = await beginTurn(turn, turnID: turnID) else { return }
        var next = NextRequest.work, iteration = 0, usage = Usage()
        while true {
            if iteration > 0 { await refreshTools() }
            if iteration >= config.maxIterations, !next.isLast {
                next = .last(.iterationLimit, reason: "the turn reached its limit of \(config.maxIterations) model requests (max_iterations)")
            }
            iteration += 1
            itemCounter += 1
            let itemID = "item-\(itemCounter)"
            await compressIfNeeded(promptTokens: estimateTokens(system))
            let request = turnRequest(system: system, next: next)
            var response: AssistantResponse
            do { response = try await streamResponse(request, itemID: itemID) } catch {
                return endFailed(turnID, error)
            }
            if let u = response.usage {
                context.calibrate(request.messages, promptTokens: u.promptTokens)
                usage = usage + u
                account(u, purpose: .turn)
            }
            let stop = settle(&response, next: next, itemID: itemID)
            guard commitAnswer(response, itemID: itemID, turnID: turnID) else { return }
            if response.toolCalls.isEmpty {
                if await hookWantsMore(response.content, turnID: turnID, stopActive: stop != nil) { next = .work; continue }
                return completeTurn(turn, turnID: turnID, response: response, iterations: iteration, usage: usage, stop: stop)
            }
            let (cancelled, verdict) = await runTools(response.toolCalls, unreadable: response.unreadableCalls)
            if cancelled || Task.isCancelled { return aborted(turnID, .interrupted, "interrupted by the user") }
            next = nextRequest(after: verdict)
        }
    }

    /// Commits the user's message and readies the prompt: the tools as they are now, the frozen
    /// system prompt, the turn's note. Nil when the turn cannot go on (it was ended).
    private func beginTurn(_ turn: UserTurn, turnID: String) async -> String? {
        var note = await promptSubmitHooks(turn.text, turnID: turnID)
        guard note != nil else { return nil }
        var images: [ImageRef] = []
        if let paths = turn.images, !paths.isEmpty {
            switch await attachImages(paths) {
            case .success(let refs): images = refs
            case .failure where turn.imagesOptional == true: break
            case .failure(let why):
                fail(turnID, why.description)
                return nil
            }
        }
        do { try conversation.commit(ChatMessage(role: .user, content: turn.text, images: images)) } catch {
            fail(turnID, "cannot save the message: \(error)")
            return nil
        }
        turnMessageID = conversation.lastID
        if !pendingNotes.isEmpty {
            note = ([note ?? ""] + pendingNotes).filter { !$0.isEmpty }.joined(separator: "\n\n")
            pendingNotes = []
        }
        await refreshTools()
        let (system, fresh) = await systemPrompt(for: turn.text)
        if let extra = await turnNote(for: turn.text, skills: !fresh) { note = [note!, extra].filter { !$0.isEmpty }.joined(separator: "\n\n") }
        if let note, !note.isEmpty, let id = conversation.lastID { prompt.setNote(note, for: id) }
        loopGuard = LoopGuard(settings: config.loopGuard)
        turnLog = TurnLog()
        return system
    }

    /// The request for the next step: the tools stay listed even when none may be called —
    /// they are part of the prompt's prefix, which the server's cache keeps.
    private func turnRequest(system: String, next: NextRequest) -> LLMRequest {
        var messages = prompt.messages(system: system, history: conversation.history, ids: conversation.ids)
        if case .last(_, let reason) = next { messages.append(.user(Self.lastRequestNote(reason))) }
        return LLMRequest(messages: messages, tools: activeTools.specs, toolChoice: next == .work || activeTools.specs.isEmpty ? nil : "none",
                          maxTokens: config.maxTokens, temperature: config.temperature, extra: config.extraBody)
    }

    /// When the request allowed no tool, nothing runs (small models write one anyway, as text);
    /// an answer without words of its own becomes a plain account of the turn. Returns why the
    /// turn stops, if it does.
    private func settle(_ response: inout AssistantResponse, next: NextRequest, itemID: String) -> (TurnStop, String)? {
        var stop: (TurnStop, String)?
        if case .last(let why, let reason) = next { stop = (why, reason) }
        guard next != .work, !response.toolCalls.isEmpty else { return stop }
        response.toolCalls = []
        response.unreadableCalls = [:]
        if response.content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let s = stop ?? (.loopGuard, "the model kept calling \(loopGuard.lastRepeat ?? "a tool") after its result was known")
            stop = s
            response.content = turnLog.plainAnswer(stoppedBecause: s.1)
            emitter.emit(.messageDelta(itemID: itemID, text: services.redactor.redact(response.content)))
        }
        return stop
    }

    /// Commits the answer, then says it is complete; false when it could not be saved (the turn ended).
    private func commitAnswer(_ response: AssistantResponse, itemID: String, turnID: String) -> Bool {
        // A secret the model repeats (an environment value, a key's shape) is kept and shown as
        // a placeholder; the calls still run with what the model wrote.
        let r = services.redactor
        let assistant = ChatMessage.assistant(r.redact(response.content), reasoning: response.reasoning.isEmpty ? nil : r.redact(response.reasoning),
                                              toolCalls: response.toolCalls.map { var c = $0; c.arguments = r.redact(c.arguments); return c })
        do { try conversation.commit(assistant, usage: response.usage) } catch {
            fail(turnID, "cannot save the answer: \(error)")
            return false
        }
        emitter.emit(.messageCompleted(MessageCompleted(itemID: itemID, text: assistant.content, reasoning: assistant.reasoning,
                                                        toolCalls: assistant.toolCalls)))
        return true
    }

    private func completeTurn(_ turn: UserTurn, turnID: String, response: AssistantResponse, iterations: Int, usage: Usage, stop: (TurnStop, String)?) {
        if let stop { emitter.emit(.warning("stopped: \(stop.1); the answer above is the summary")) }
        if response.finishReason == .length { emitter.emit(.warning("the answer was cut off at the output token limit")) }
        emitter.emit(.turnCompleted(TurnCompleted(turnID: turnID, finalText: services.redactor.redact(response.content), iterations: iterations, usage: usage,
                                                  stoppedBy: stop?.0)))
        notificationHook("the turn finished: \(response.content.prefix(120))")
        scheduleSkillReview(toolIterations: iterations - 1, userText: turn.text)
        if context.turnCompleted() { scheduleFactsPass() }
    }

    private func nextRequest(after verdict: LoopGuard.Verdict) -> NextRequest {
        switch verdict {
        case .stop(let reason):
            emitter.emit(.warning("loop guard: \(reason); asking the model for its answer"))
            return .last(.loopGuard, reason: reason)
        case .answerNow: return .answer
        case .warn, .fine: return .work
        }
    }

    /// The turn's last request asks for the answer in so many words.
    static func lastRequestNote(_ reason: String) -> String {
        "<system-reminder>\nNo more tools can run in this turn: \(reason). Answer now in plain text, without calling a tool: "
            + "what you did, what you found, and what is left to do.\n</system-reminder>"
    }

    /// Consumes one model stream, forwarding deltas as events.
    private func streamResponse(_ request: LLMRequest, itemID: String) async throws -> AssistantResponse {
        var partial = ""
        var completed: AssistantResponse?
        // What is shown is redacted as it streams (a key the model repeats never appears,
        // not even its first half); what is held back goes out before the answer completes.
        var shownText = StreamingRedactor(services.redactor), shownReasoning = StreamingRedactor(services.redactor)
        do {
            // Events come on this actor, straight from the transport; the staged tool results are
            // committed while the request is on its way.
            try await client.run(request, sent: { flushResults() }) { event in
                switch event {
                case .textDelta(let t):
                    partial += t
                    let shown = shownText.feed(t)
                    if !shown.isEmpty { emitter.emit(.messageDelta(itemID: itemID, text: shown)) }
                case .reasoningDelta(let t):
                    let shown = shownReasoning.feed(t)
                    if !shown.isEmpty { emitter.emit(.reasoningDelta(itemID: itemID, text: shown)) }
                case .toolCallStarted:
                    break
                case .retrying(let r):
                    emitter.emit(.retrying(r))
                case .completed(let response):
                    let (reasoning, text) = (shownReasoning.finish(), shownText.finish())
                    if !reasoning.isEmpty { emitter.emit(.reasoningDelta(itemID: itemID, text: reasoning)) }
                    if !text.isEmpty { emitter.emit(.messageDelta(itemID: itemID, text: text)) }
                    completed = response
                }
            }
        } catch {
            if Task.isCancelled || (error as? LLMError) == .cancelled {
                // Keep what the user saw: the partial answer is part of the conversation.
                if !partial.isEmpty { try? conversation.commit(.assistant(services.redactor.redact(partial) + "\n[interrupted]")) }
                throw LLMError.cancelled
            }
            throw error
        }
        if let completed { return completed }
        if Task.isCancelled { throw LLMError.cancelled }
        throw LLMError.streamInterrupted(receivedChars: partial.count)
    }

    // MARK: - Ending a turn

    private func endFailed(_ turnID: String, _ error: any Error) {
        if (error as? LLMError) == .cancelled || Task.isCancelled { return aborted(turnID, .interrupted, "interrupted by the user") }
        fail(turnID, (error as? LLMError)?.description ?? "\(error)")
    }

    func fail(_ turnID: String, _ message: String) {
        emitter.emit(.error(AgentErrorEvent(message: message, isFatal: true)))
        aborted(turnID, .failed, message)
    }

    func aborted(_ turnID: String, _ reason: AbortReason, _ message: String) {
        lastTurnAborted = true
        // Every tool call in history must have an answer, or the next request is invalid.
        flushResults()
        conversation.answerOpenCalls("[not run: \(message)]")
        emitter.emit(.turnAborted(TurnAborted(turnID: turnID, reason: reason, message: message)))
    }
}
