import AgentProtocol
import AgentTools
import Exec
import Foundation
import Memory
import LLMClient
import Skills
import Store

/// The agent: one session, one conversation, a ReAct loop over the model and the tools.
///
/// Talk to it only through ``submit(_:)`` and ``events``. Turns run one at a time; a
/// turn submitted while another runs waits its turn. Each message is committed to the
/// store before the event that shows it as done is emitted.
public actor Agent {
    public nonisolated let events: AsyncStream<EventEnvelope>
    public nonisolated let sessionID: String

    let config: AgentConfiguration
    let client: any ModelClient
    let store: SessionStore
    private let indexer: Indexer?
    let skills: (any SkillPromptSource)?
    let skillLibrary: SkillLibrary?
    let reviewSettings: SkillReviewSettings?
    /// Proposals waiting for the user, and applied changes that can be undone.
    var pendingProposals: [String: SkillProposal] = [:]
    var appliedChanges: [String: AppliedSkillChange] = [:]
    var reviewTask: Task<Void, Never>?
    var proposalCounter = 0
    private let tools: ToolRegistry
    /// Tools that come and go (MCP servers); merged into `tools` before each model request.
    let toolSources: [any ToolSource]
    /// The tools of the current iteration: built-ins plus what the sources offer now.
    var activeTools: ToolRegistry
    var backend: any ExecutionBackend
    /// Secrets leave tool output here, before the store, the model and the UI see it.
    private let redactor: SecretRedactor
    let emitter = EventEmitter()
    /// Where background requests wait for turns (shared by the sessions on one server).
    let lane: BackgroundLane

    var history: [ChatMessage]
    /// The store's row id of each history message (nil for a summary standing in for a range).
    var historyIDs: [Int64?]
    /// Memory (notes, user profile); its prompt section is frozen at the first turn.
    let memory: MemoryBook?
    var memorySnapshot: String??
    /// The session's system prompt, built at its first turn and then sent unchanged, so that
    /// every request of the session starts with the same prefix and the server's prompt cache
    /// (llama.cpp's KV cache, a provider's prefix cache) never re-reads the conversation. Built
    /// again only when what it describes changes: the backend, or the set of tools.
    var frozenPrompt: (key: String, text: String, skills: String?)?
    /// What a turn adds for the model besides the user's words (skills the frozen prompt does
    /// not list, the memory nudge, MCP servers that are down), by the store id of the user
    /// message it rides on: later requests send it again exactly as the first time.
    var turnNotes: [Int64: String] = [:]
    /// Facts derived about the user; a pass runs every `factsEvery` user turns and at the end of
    /// a session with at least two turns since the last pass.
    let userModel: UserModel?
    let factsEvery: Int
    var turnsSinceFacts = 0
    var factsFrom = 0
    var factsTask: Task<Void, Never>?
    /// Share of the context window at which older turns are compressed.
    let compressAt: Double
    var lastCompressionTurn: Int?
    /// The refusal to compress again so soon was said (once until the next compression).
    var refusalAnnounced = false
    var forceCompression = false
    /// Characters per token the server reported (prompt characters / prompt tokens), for estimates.
    var charsPerToken = 4.0
    private var sessionCreated: Bool
    var contextWindow: Int?
    var totalUsage = Usage()
    private var submissionCounter = 0
    private var queue: [(Int, UserTurn)] = []
    private var current: Task<Void, Never>?
    /// Set by `.shutdown`: the session takes no more turns; the task ends with the event stream.
    private var closing: Task<Void, Never>?
    private var approvalWaiters: [String: CheckedContinuation<ApprovalDecision, Never>] = [:]
    private var sessionApprovals: Set<String> = []
    /// "Always" answers, from earlier sessions and this one.
    private let approvalMemory: ApprovalMemory?
    /// Skills read this session (skill_view) and the tools their `allowed-tools` pre-approve.
    var activeSkills: [String: AllowedTools] = [:]
    private var itemCounter = 0
    var turnCounter = 0
    /// The running turn's repeated-call watch and its record of what ran.
    private var loopGuard = LoopGuard(settings: .off)
    private var turnLog = TurnLog()

    /// - Parameters:
    ///   - resumeID: continue a stored session (its messages become the history).
    public init(config: AgentConfiguration, client: any ModelClient, store: SessionStore, indexer: Indexer? = nil,
                tools: ToolRegistry, backend: any ExecutionBackend, resumeID: String? = nil,
                contextProbe: ContextWindowProbe? = nil, contextCache: ContextWindowCache? = nil,
                skills: (any SkillPromptSource)? = nil, skillLibrary: SkillLibrary? = nil,
                review: SkillReviewSettings? = nil, toolSources: [any ToolSource] = [],
                redactor: SecretRedactor = SecretRedactor(), approvalMemory: ApprovalMemory? = nil,
                memory: MemoryBook? = nil, compressAt: Double = 0.5,
                userModel: UserModel? = nil, factsEvery: Int = 5, lane: BackgroundLane = BackgroundLane()) throws(StoreError) {
        self.lane = lane
        self.redactor = redactor
        self.memory = memory
        self.userModel = userModel
        self.factsEvery = factsEvery
        self.compressAt = compressAt
        self.approvalMemory = approvalMemory
        self.sessionApprovals = approvalMemory?.load() ?? []
        self.toolSources = toolSources
        self.activeTools = tools
        self.skills = skills
        self.skillLibrary = skillLibrary
        self.reviewSettings = review
        self.config = config
        self.client = client
        self.store = store
        self.indexer = indexer
        self.tools = tools
        self.backend = backend
        self.events = emitter.stream
        self.contextWindow = config.contextWindowOverride ?? contextCache.flatMap { c in contextProbe.flatMap { c.lookup($0.endpoint) } }
        if let resumeID {
            let info = try store.session(id: resumeID)
            sessionID = info.id
            // The model's view: compressed ranges come back as their summaries.
            let stored = try store.contextMessages(sessionID: info.id)
            history = stored.map(\.message)
            historyIDs = stored.map { ContextCompressor.isSummary($0.message) ? nil : $0.id }
            sessionCreated = true
        } else {
            sessionID = SessionStore.makeSessionID()
            history = []
            historyIDs = []
            sessionCreated = false
        }
        emitter.emit(.sessionConfigured(SessionConfigured(sessionID: sessionID, model: config.model, baseURL: config.baseURL,
                                                          contextWindow: contextWindow, tools: tools.names)))
        if contextWindow == nil, let contextProbe {
            Task { [weak self] in
                let n = await contextProbe.detect(cache: contextCache)
                await self?.setContextWindow(n)
            }
        }
    }


    /// The conversation so far (without the system prompt).
    public var messages: [ChatMessage] { history }

    private func setContextWindow(_ n: Int?) { if contextWindow == nil { contextWindow = n } }

    /// Sends a command; returns its submission id (echoed in the events it causes).
    @discardableResult
    public func submit(_ op: Op) -> Int {
        submissionCounter += 1
        let id = submissionCounter
        switch op {
        case .userTurn(let turn):
            guard closing == nil else {
                // Every turn the agent is given ends with an event, or a front-end waits forever.
                emitter.emit(.turnAborted(TurnAborted(turnID: "turn-refused-\(id)", reason: .failed,
                                                      message: "this session has ended; the message was not sent")), submission: id)
                break
            }
            queue.append((id, turn))
            startNextTurnIfIdle()
        case .interrupt:
            cancelAll()
        case .approveTool(let callID, let decision):
            approvalWaiters.removeValue(forKey: callID)?.resume(returning: decision)
        case .decideSkillProposal(let pid, let accept, let content):
            decideProposal(pid, accept: accept, content: content)
        case .undoSkillChange(let pid):
            undoSkillChange(pid)
        case .undoMemoryChange(let entryID):
            guard let memory else { break }
            do {
                let text = try memory.undo(entryID)
                emitter.emit(.memoryUpdate(MemoryUpdate(entryID: entryID, target: "memory", action: "undo", text: text)))
            } catch { emitter.emit(.warning("cannot undo the memory change: \(error)")) }
        case .compress:
            // Idle: now. During a turn: before its next request, or when it ends (`turnEnded`).
            forceCompression = true
            compressIfIdle()
        case .shutdown:
            guard closing == nil else { break }
            cancelAll()
            let running = current
            closing = Task { [emitter, weak self] in
                await running?.value
                await self?.finishFacts()
                emitter.finish()
            }
        }
        return id
    }

    /// Where the session's commands and file tools run.
    public var executionBackend: any ExecutionBackend { backend }

    /// Runs the next tool calls on `new` (calls already running finish where they started).
    /// The backend's owner releases the old one (its container, its connection).
    public func switchBackend(to new: any ExecutionBackend) {
        backend = new
    }

    /// Waits until no turn runs and none is queued.
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
    private func cancelAll() {
        for (id, _) in queue {
            emitter.emit(.turnAborted(TurnAborted(turnID: "turn-queued-\(id)", reason: .interrupted,
                                                  message: "interrupted before it started")), submission: id)
        }
        queue.removeAll()
        current?.cancel()
        for (_, waiter) in approvalWaiters { waiter.resume(returning: .deny) }
        approvalWaiters.removeAll()
    }

    private func startNextTurnIfIdle() {
        guard current == nil, !queue.isEmpty else { return }
        let (id, turn) = queue.removeFirst()
        current = Task { [weak self, lane] in
            await lane.beginForeground()
            await self?.runTurn(turn, submission: id)
            await lane.endForeground()
            await self?.turnEnded()
        }
    }

    private func turnEnded() {
        current = nil
        compressIfIdle()
        startNextTurnIfIdle()
    }

    /// Runs a compression asked for (`/compress`) that no request has applied yet, unless a
    /// turn or another compression is running; it counts as the current task, so turns wait.
    private func compressIfIdle() {
        guard forceCompression, current == nil else { return }
        current = Task { [weak self, lane] in
            await lane.beginForeground()
            await self?.compressIfNeeded(promptTokens: nil)
            await lane.endForeground()
            await self?.turnEnded()
        }
    }

    // MARK: - The turn loop

    /// What the next model request of a turn is for.
    private enum NextRequest: Equatable {
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
        emitter.emit(.turnStarted(turnID: turnID))
        var turnUsage = Usage()
        defer { Task { [indexer] in await indexer?.scheduleCatchUp() } }
        do {
            try ensureSession()
            try commit(.user(turn.text))
        } catch {
            fail(turnID, "cannot save the message: \(error)")
            return
        }
        await refreshTools()
        let (systemPrompt, fresh) = await sessionPrompt(for: turn.text)
        if let note = await turnNote(for: turn.text, skills: !fresh), let id = historyIDs.last ?? nil { turnNotes[id] = note }
        loopGuard = LoopGuard(settings: config.loopGuard)
        turnLog = TurnLog()
        var next = NextRequest.work
        var iteration = 0
        while true {
            if iteration > 0 { await refreshTools() }
            if iteration >= config.maxIterations, !next.isLast {
                next = .last(.iterationLimit, reason: "the turn reached its limit of \(config.maxIterations) model requests (max_iterations)")
            }
            iteration += 1
            itemCounter += 1
            let itemID = "item-\(itemCounter)"
            await compressIfNeeded(promptTokens: estimateTokens(systemPrompt))
            // The tools stay in every request, even when none may be called: they are part of
            // the prompt's prefix, which the server's cache keeps (see "One prefix per session").
            var messages = requestMessages(system: systemPrompt)
            if case .last(_, let reason) = next { messages.append(.user(Self.lastRequestNote(reason))) }
            let request = LLMRequest(messages: messages, tools: activeTools.specs,
                                     toolChoice: next == .work || activeTools.specs.isEmpty ? nil : "none",
                                     maxTokens: config.maxTokens, temperature: config.temperature, extra: config.extraBody)
            var response: AssistantResponse
            do {
                response = try await streamResponse(request, itemID: itemID)
            } catch LLMError.cancelled {
                aborted(turnID, .interrupted, "interrupted by the user")
                return
            } catch let error as LLMError {
                fail(turnID, error.description)
                return
            } catch {
                if Task.isCancelled { aborted(turnID, .interrupted, "interrupted by the user"); return }
                fail(turnID, "\(error)")
                return
            }
            if let u = response.usage {
                calibrateTokens(request.messages, promptTokens: u.promptTokens)
                turnUsage = turnUsage + u
                account(u, purpose: .turn)
            }
            var stop: TurnStop?
            var stopReason: String?
            if case .last(let why, let reason) = next { (stop, stopReason) = (why, reason) }
            if next != .work, !response.toolCalls.isEmpty {
                // The request allowed no tool (small models write one anyway, as text): nothing
                // runs. Without words of its own, the answer is a plain account of the turn.
                response.toolCalls = []
                response.unreadableCalls = [:]
                if response.content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    if stopReason == nil {
                        stop = .loopGuard
                        stopReason = "the model kept calling \(loopGuard.lastRepeat ?? "a tool") after its result was known"
                    }
                    response.content = turnLog.plainAnswer(stoppedBecause: stopReason!)
                    emitter.emit(.messageDelta(itemID: itemID, text: response.content))
                }
            }
            let assistant = ChatMessage.assistant(response.content, reasoning: response.reasoning.isEmpty ? nil : response.reasoning,
                                                  toolCalls: response.toolCalls)
            do { try commit(assistant, usage: response.usage) } catch {
                fail(turnID, "cannot save the answer: \(error)")
                return
            }
            emitter.emit(.messageCompleted(MessageCompleted(itemID: itemID, text: response.content, reasoning: assistant.reasoning,
                                                            toolCalls: response.toolCalls)))
            if response.toolCalls.isEmpty {
                if let stopReason { emitter.emit(.warning("stopped: \(stopReason); the answer above is the summary")) }
                if response.finishReason == .length {
                    emitter.emit(.warning("the answer was cut off at the output token limit"))
                }
                emitter.emit(.turnCompleted(TurnCompleted(turnID: turnID, finalText: response.content, iterations: iteration,
                                                          usage: turnUsage, stoppedBy: stop)))
                scheduleSkillReview(toolIterations: iteration - 1, userText: turn.text)
                turnsSinceFacts += 1
                if factsEvery > 0, turnsSinceFacts >= factsEvery { scheduleFactsPass() }
                return
            }
            let (cancelled, verdict) = await runTools(response.toolCalls, unreadable: response.unreadableCalls)
            if cancelled || Task.isCancelled {
                aborted(turnID, .interrupted, "interrupted by the user")
                return
            }
            switch verdict {
            case .stop(let reason):
                emitter.emit(.warning("loop guard: \(reason); asking the model for its answer"))
                next = .last(.loopGuard, reason: reason)
            case .answerNow:
                next = .answer
            case .warn, .fine:
                next = .work
            }
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
        do {
            for try await event in client.stream(request) {
                switch event {
                case .textDelta(let t):
                    partial += t
                    emitter.emit(.messageDelta(itemID: itemID, text: t))
                case .reasoningDelta(let t):
                    emitter.emit(.reasoningDelta(itemID: itemID, text: t))
                case .toolCallStarted:
                    break
                case .retrying(let r):
                    emitter.emit(.retrying(r))
                case .completed(let response):
                    return response
                }
            }
        } catch {
            if Task.isCancelled || (error as? LLMError) == .cancelled {
                // Keep what the user saw: the partial answer is part of the conversation.
                if !partial.isEmpty { try? commit(.assistant(partial + "\n[interrupted]")) }
                throw LLMError.cancelled
            }
            throw error
        }
        if Task.isCancelled { throw LLMError.cancelled }
        throw LLMError.streamInterrupted(receivedChars: partial.count)
    }

    // MARK: - Tools

    /// Built-ins plus the sources' tools as they are now (a server may have come or gone).
    private func refreshTools() async {
        guard !toolSources.isEmpty else { return }
        var registry = tools
        for source in toolSources {
            for tool in await source.currentTools() where registry[tool.name] == nil { registry.register(tool) }
        }
        activeTools = registry
    }

    /// Runs the calls concurrently; commits each result as it finishes. Returns whether the user
    /// interrupted, and what the loop guard makes of the round.
    private func runTools(_ calls: [ToolCall], unreadable: [String: String]) async -> (cancelled: Bool, verdict: LoopGuard.Verdict) {
        let cwd = await backend.directory(forSession: config.cwd)
        let home = await backend.homeDirectory()
        var settled: [(Int, ToolOutput)] = []
        var verdict = LoopGuard.Verdict.fine
        await withTaskGroup(of: (Int, ToolOutput, Int).self) { group in
            for (index, call) in calls.enumerated() {
                emitter.emit(.toolCallBegan(ToolCallBegan(callID: call.id, name: call.name, arguments: call.arguments)))
                if let problem = unreadable[call.id] {
                    settled.append((index, .error("Your tool call could not be read: \(problem). Nothing ran. Write the call again as valid JSON "
                        + "({\"name\": \"tool\", \"arguments\": {…}}), or answer in plain text.")))
                    continue
                }
                switch await prepare(call, cwd: cwd, home: home) {
                case .done(let output):
                    settled.append((index, output))
                case .run(let tool, let args, let context):
                    group.addTask {
                        let start = ContinuousClock.now
                        let output = await tool.run(args, context: context)
                        return (index, output, Self.milliseconds(ContinuousClock.now - start))
                    }
                }
            }
            for await (index, output, ms) in group { verdict = verdict.merged(finishTool(calls[index], output: output, elapsedMs: ms)) }
        }
        // Calls that never ran (denied, invalid, unreadable) are answered too, in call order.
        for (index, output) in settled { verdict = verdict.merged(finishTool(calls[index], output: output, elapsedMs: 0)) }
        return (Task.isCancelled, verdict)
    }

    static func milliseconds(_ d: Duration) -> Int {
        Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
    }

    private enum Prepared {
        case done(ToolOutput)
        case run(any Tool, JSONValue, ToolContext)
    }

    private func prepare(_ call: ToolCall, cwd: String, home: String?) async -> Prepared {
        guard let tool = activeTools[call.name] else {
            return .done(.error("unknown tool '\(call.name)'. Available tools: \(activeTools.names.joined(separator: ", "))"))
        }
        let args: JSONValue
        switch ToolRegistry.parseArguments(call.arguments) {
        case .success(let v): args = v
        case .failure(let e): return .done(.error(e.message))
        }
        let emitter = self.emitter
        let callID = call.id
        var context = ToolContext(cwd: cwd, backend: backend, callID: call.id, sessionID: sessionID) { chunk in
            emitter.emit(.toolOutputDelta(callID: callID, chunk: chunk))
        }
        context.home = home
        context.askModel = { [weak self] instructions, maxTokens in await self?.sideAnswer(instructions, maxTokens: maxTokens) }
        if let reason = tool.approvalReason(for: args, context: context) {
            let decision = await approval(for: call, reason: reason, arguments: args)
            if !decision.isApproved {
                return .done(ToolOutput(text: "The user did not approve this command (\(reason)). Do not run it another way; explain what you wanted to do and continue without it.", status: .denied))
            }
        }
        return .run(tool, args, context)
    }

    private func approval(for call: ToolCall, reason: String, arguments: JSONValue) async -> ApprovalDecision {
        switch config.approvalMode {
        case .approveAll: return .once
        // What the user approved "always" holds without a dialog too (one-shot runs).
        case .denyAll: return sessionApprovals.contains(reason) ? .always : .deny
        case .ask:
            if sessionApprovals.contains(reason) { return .session }
            let command = arguments["command"]?.stringValue ?? call.arguments
            // A skill in use this session may pre-approve commands (its `allowed-tools`).
            if call.name == "terminal", let skill = activeSkills.first(where: { $0.value.allows(command: command) })?.key {
                emitter.emit(.warning("'\(command)' runs without asking: the skill \(skill) in use allows it (allowed-tools)"))
                return .once
            }
            let decision = await withCheckedContinuation { c in
                approvalWaiters[call.id] = c
                emitter.emit(.approvalRequested(ApprovalRequest(callID: call.id, tool: call.name, command: command, reason: reason)))
            }
            if decision == .session || decision == .always { sessionApprovals.insert(reason) }
            if decision == .always {
                do { try approvalMemory?.remember(reason) } catch {
                    emitter.emit(.warning("cannot remember the approval for later sessions: \(error)"))
                }
            }
            return decision
        }
    }

    /// Skill use and changes go to `skill_event` (usage counts, last use, curation).
    private func recordSkillEvent(_ call: ToolCall, output: ToolOutput) throws(StoreError) {
        guard call.name == "skill_view" || call.name == "skill_manage",
              let args = JSONValue.parse(call.arguments), let skill = args["name"]?.stringValue else { return }
        let kind = call.name == "skill_view" ? (args["file_path"]?.stringValue == nil ? "use" : "read_file") : (args["action"]?.stringValue ?? "manage")
        if kind == "use", !output.isError, let dir = skillLibrary?.skill(named: skill)?.directory,
           let file = try? SkillFile.read(directory: dir) {
            activeSkills[skill] = AllowedTools(file.frontMatter["allowed-tools"])
        }
        try store.recordSkillEvent(skill: skill, kind: kind, outcome: output.isError ? "failed" : "ok", sessionID: sessionID)
    }

    /// Redacts, checks for loops, caps, records and announces one result.
    @discardableResult
    private func finishTool(_ call: ToolCall, output raw: ToolOutput, elapsedMs: Int) -> LoopGuard.Verdict {
        var output = raw
        output.text = redactor.redact(raw.text)
        turnLog.record(call, output: output)
        let verdict = output.status == .cancelled ? .fine : loopGuard.record(call, output: output)
        if case .warn(let note, let told) = verdict {
            output.text += "\n\n<system-reminder>\n\(note)\n</system-reminder>"
            emitter.emit(.warning("loop guard: \(told)"))
        }
        let shown = Self.cap(output.text, limit: config.toolOutputLimit, callID: call.id)
        do {
            try store.recordToolRun(ToolRunRecord(callID: call.id, name: call.name, arguments: call.arguments,
                                                  status: output.status.rawValue, exitCode: output.exitCode, output: output.text,
                                                  startedAt: Date(timeIntervalSinceNow: -Double(elapsedMs) / 1000), elapsedMs: elapsedMs),
                                    sessionID: sessionID)
            try commit(.tool(callID: call.id, name: call.name, content: shown))
            try recordSkillEvent(call, output: output)
        } catch {
            emitter.emit(.warning("cannot save the result of \(call.name): \(error)"))
            history.append(.tool(callID: call.id, name: call.name, content: shown))
            historyIDs.append(nil)
        }
        if let m = output.memoryUpdate { emitter.emit(.memoryUpdate(m)) }
        emitter.emit(.toolCallEnded(ToolCallEnded(callID: call.id, name: call.name, status: output.status, output: shown,
                                                  exitCode: output.exitCode, elapsedMs: elapsedMs)))
        return verdict
    }

    /// Keeps the head and tail of long output; the full text is in the store's tool_run.
    static func cap(_ text: String, limit: Int, callID: String) -> String {
        guard text.count > limit else { return text }
        let head = text.prefix(limit * 6 / 10)
        let tail = text.suffix(limit * 4 / 10)
        return "\(head)\n[… \(text.count - head.count - tail.count) characters omitted …]\n\(tail)"
    }

    // MARK: - Store

    private func ensureSession() throws(StoreError) {
        guard !sessionCreated else { return }
        _ = try store.createSession(model: config.model, baseURL: config.baseURL, cwd: config.cwd, source: config.source, id: sessionID)
        sessionCreated = true
    }

    private func commit(_ message: ChatMessage, usage: Usage? = nil) throws(StoreError) {
        let id = try store.appendMessage(message, sessionID: sessionID, usage: usage)
        history.append(message)
        historyIDs.append(id)
    }

    private func fail(_ turnID: String, _ message: String) {
        emitter.emit(.error(AgentErrorEvent(message: message, isFatal: true)))
        aborted(turnID, .failed, message)
    }

    private func aborted(_ turnID: String, _ reason: AbortReason, _ message: String) {
        // Every tool call in history must have an answer, or the next request is invalid.
        if let last = history.last(where: { $0.role == .assistant }), !last.toolCalls.isEmpty {
            for call in last.toolCalls where !history.contains(where: { $0.toolCallID == call.id }) {
                try? commit(.tool(callID: call.id, name: call.name, content: "[not run: \(message)]"))
            }
        }
        emitter.emit(.turnAborted(TurnAborted(turnID: turnID, reason: reason, message: message)))
    }
}
