import AgentCore
import AgentProtocol
import Exec
import Foundation
import Store

/// How a front-end joins a session.
public enum AttachRole: Sendable, Hashable {
    /// Types turns and answers approvals (every driver is asked; the first answer counts).
    case driver
    /// Watches: sees the transcript and live events, is never asked to approve.
    case observer
}

/// A front-end's place in a session: what happened before it joined, then the live events.
public struct SessionAttachment: Sendable {
    public let id: Int
    public let sessionID: String
    public let role: AttachRole
    /// This run's events so far, deltas merged (the transcript a late subscriber catches up on).
    public let history: [EventEnvelope]
    /// Live events from the moment of joining; ends when the front-end detaches or the session closes.
    public let events: AsyncStream<EventEnvelope>
}

/// Why the host refused something; `message` is for the user.
public struct HostError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// No such session, or not open in this host.
        case notFound
        /// Only the session's driver may do this.
        case notDriver
        /// The session is closing or closed.
        case closed
        /// The store refused (a resume or fork of a bad id, a full disk).
        case store
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// One running session in a host: its agent, the log of this run's events, and the front-ends
/// attached to it. Every event the agent reports passes through here once: it is logged (so a
/// front-end joining later sees it) and handed to each attachment — an approval request only to
/// the drivers (two terminals attached to one session may both answer; the first answer counts),
/// and again to a driver joining while it is still unanswered.
public actor HostedSession {
    public nonisolated let id: String
    public nonisolated let source: SessionSource
    public nonisolated let cwd: String
    public nonisolated let agent: Agent
    /// The model its requests name.
    public nonisolated let model: String
    /// How many messages the store held when the host opened it (0 for a new session): the
    /// event log covers everything after them.
    public nonisolated let priorMessages: Int
    /// What it was opened with (a subagent's children inherit its policy, depth and tools).
    public nonisolated let request: SessionRequest
    private let indexer: Indexer
    private let backend: any ExecutionBackend
    private let ownsBackend: Bool

    private var log: [EventEnvelope] = []
    /// For a log entry merged from several deltas: each piece's seq and where it ends (UTF-8
    /// offset in the merged text), so a resume after a seq inside it sends only the rest.
    private var pieces: [Int: [(seq: Int, end: Int)]] = [:]
    private var subscribers: [Int: (role: AttachRole, continuation: AsyncStream<EventEnvelope>.Continuation)] = [:]
    /// Driver attachments in the order they joined.
    private var drivers: [Int] = []
    private var nextAttachment = 1
    /// Approval requests and questions no driver has answered yet, by call id.
    private var pending: [String: EventEnvelope] = [:]
    private var pendingOrder: [String] = []
    /// Approval requests of subagents shown here, by call id: the answer goes to the child.
    private var relayed: [String: HostedSession] = [:]
    private var pump: Task<Void, Never>?
    private var closing: Task<Void, Never>?
    private(set) var busy = false
    /// The agent's event stream has ended.
    private var ended = false
    /// Tool output kept per call in the log (the store has it all).
    static let toolOutputKept = 16_000

    init(built: BuiltSession, request: SessionRequest, priorMessages: Int = 0) {
        self.priorMessages = priorMessages
        self.request = request
        let (source, cwd) = (request.source, request.cwd)
        id = built.agent.sessionID
        self.source = source
        self.cwd = cwd
        agent = built.agent
        model = built.model
        indexer = built.indexer
        backend = built.backend
        ownsBackend = built.ownsBackend
    }

    /// Starts reading the agent's events (once, right after the host made it).
    func start() {
        guard pump == nil else { return }
        let events = agent.events
        pump = Task { [weak self] in
            for await envelope in events { await self?.record(envelope) }
            await self?.finishSubscribers()
        }
    }

    /// Joins the session: the events so far (only those after `seq` when given: a client that
    /// reconnects with the last event it saw misses nothing and gets nothing twice), then live
    /// ones (see ``SessionAttachment``).
    public func attach(_ role: AttachRole, after seq: Int? = nil) -> SessionAttachment {
        let id = nextAttachment
        nextAttachment += 1
        let (stream, continuation) = AsyncStream<EventEnvelope>.makeStream()
        if ended { continuation.finish() } else {
            subscribers[id] = (role, continuation)
            continuation.onTermination = { [weak self] _ in Task { await self?.detach(id) } }
        }
        if role == .driver {
            drivers.append(id)
            for callID in pendingOrder { if let e = pending[callID] { continuation.yield(e) } }
        }
        return SessionAttachment(id: id, sessionID: self.id, role: role, history: seq.map(history(after:)) ?? log, events: stream)
    }

    /// Leaves the session (the other drivers still hold its unanswered approvals).
    public func detach(_ attachment: Int) {
        guard let sub = subscribers.removeValue(forKey: attachment) else { return }
        sub.continuation.finish()
        drivers.removeAll { $0 == attachment }
    }

    /// The attachment that joined as a driver most recently (nil: nobody can answer approvals).
    public var driver: Int? { drivers.last }

    /// Whether a turn is running.
    public var isBusy: Bool { busy }

    /// The seq of the newest event logged (nil before the first).
    public var lastSeq: Int? { log.last?.seq }

    /// The number of front-ends attached.
    public var attachmentCount: Int { subscribers.count }

    /// Sends `op` to the agent. A user turn's `@file` mentions are attached here, for every
    /// front-end; an approval is taken only from a driver (`from` nil: the host itself, or a
    /// caller it authenticated), once: a second answer to the same request is dropped.
    @discardableResult
    public func submit(_ op: Op, from attachment: Int? = nil) async throws(HostError) -> Int {
        guard closing == nil else { throw HostError(.closed, "session \(id) is closed") }
        switch op {
        case .userTurn(var turn):
            let expanded = Mentions.expand(turn.text, cwd: cwd)
            if expanded != turn.text { turn.typed = turn.typed ?? turn.text }
            let images = Mentions.images(turn.text, cwd: cwd)
            if !images.isEmpty { turn.images = (turn.images ?? []) + images.filter { !(turn.images ?? []).contains($0) } }
            turn.text = expanded
            return await agent.submit(.userTurn(turn))
        case .approveTool(let callID, _):
            if let attachment, !drivers.contains(attachment) {
                throw HostError(.notDriver, "only a front-end driving session \(id) answers its approvals")
            }
            guard pending.removeValue(forKey: callID) != nil else { return 0 }
            pendingOrder.removeAll { $0 == callID }
            if let child = relayed.removeValue(forKey: callID) {
                return try await child.submit(op)
            }
            return await agent.submit(op)
        case .answerClarify(let callID, _):
            if let attachment, !drivers.contains(attachment) {
                throw HostError(.notDriver, "only a front-end driving session \(id) answers its questions")
            }
            guard pending.removeValue(forKey: callID) != nil else { return 0 }
            pendingOrder.removeAll { $0 == callID }
            return await agent.submit(op)
        case .interrupt, .decideSkillProposal, .undoSkillChange, .undoMemoryChange, .compress, .undoFiles, .redoFiles, .restoreCheckpoint, .setGoal, .clearGoal, .killProcess, .shutdown:
            return await agent.submit(op)
        }
    }

    /// Shows a subagent's approval request to this session's front-ends; the answer goes back
    /// to `child`.
    func relayApproval(_ request: ApprovalRequest, from child: HostedSession, label: String) async {
        relayed[request.callID] = child
        await agent.relay(.approvalRequested(ApprovalRequest(callID: request.callID, tool: "\(label) · \(request.tool)",
                                                             command: request.command, reason: request.reason)))
    }

    /// Ends the session: the running turn is interrupted, the agent finishes its end-of-session
    /// work, the search index catches up and the session's own backend is released. Idempotent;
    /// returns when all of that is done.
    public func close() async {
        if closing == nil {
            let (agent, indexer, backend, owns) = (agent, indexer, backend, ownsBackend)
            closing = Task {
                _ = await agent.submit(.interrupt)
                _ = await agent.submit(.shutdown)
                await agent.waitUntilClosed()
                _ = try? await indexer.catchUp()
                if owns { await backend.shutdown() }
            }
        }
        await closing?.value
        await pump?.value
    }

    public var isClosed: Bool { closing != nil }

    /// Brings the search index up to the newest committed messages (before a search).
    public func catchUpIndex() async { _ = try? await indexer.catchUp() }

    private func record(_ envelope: EventEnvelope) {
        switch envelope.event {
        case .turnStarted: busy = true
        case .turnCompleted, .turnAborted:
            busy = false
            pending.removeAll()
            pendingOrder.removeAll()
        case .toolCallEnded(let ended):
            if pending.removeValue(forKey: ended.callID) != nil { pendingOrder.removeAll { $0 == ended.callID } }
        case .approvalRequested(let request):
            pending[request.callID] = envelope
            pendingOrder.append(request.callID)
        case .clarifyRequested(let question):
            pending[question.callID] = envelope
            pendingOrder.append(question.callID)
        case .sessionConfigured, .userMessage, .messageDelta, .reasoningDelta, .messageCompleted, .toolCallBegan, .toolOutputDelta, .usage,
             .retrying, .error, .warning, .skillProposal, .skillChange, .memoryUpdate, .contextCompressed, .hook, .subagent, .checkpoint, .filesRestored, .plan, .goal, .process:
            break
        }
        append(envelope)
        if envelope.event.ask != nil {
            for driver in drivers { subscribers[driver]?.continuation.yield(envelope) }
            return
        }
        for sub in subscribers.values { sub.continuation.yield(envelope) }
    }

    /// Adds to the log, merging a delta into the one before it when they continue each other,
    /// and keeping at most ``toolOutputKept`` characters of one call's output.
    private func append(_ envelope: EventEnvelope) {
        if let last = log.last, last.submissionID == envelope.submissionID {
            var merged: AgentEvent?
            switch (last.event, envelope.event) {
            case let (.messageDelta(a, t1), .messageDelta(b, t2)) where a == b: merged = .messageDelta(itemID: a, text: t1 + t2)
            case let (.reasoningDelta(a, t1), .reasoningDelta(b, t2)) where a == b: merged = .reasoningDelta(itemID: a, text: t1 + t2)
            case let (.process(a), .process(b)) where a.id == b.id && a.state == .running && b.state == .running:
                // A process's output, like a tool's: merged, capped.
                let t1 = a.output ?? ""
                var m = b
                m.output = t1.count >= Self.toolOutputKept ? t1 : String((t1 + (b.output ?? "")).prefix(Self.toolOutputKept))
                merged = .process(m)
            case let (.toolOutputDelta(a, t1), .toolOutputDelta(b, t2)) where a == b:
                merged = .toolOutputDelta(callID: a, chunk: t1.count >= Self.toolOutputKept ? t1 : String((t1 + t2).prefix(Self.toolOutputKept)))
            default: merged = nil
            }
            if let merged {
                let i = log.count - 1
                var marks = pieces[i] ?? [(last.seq, last.event.deltaText?.utf8.count ?? 0)]
                marks.append((envelope.seq, merged.deltaText?.utf8.count ?? 0))
                pieces[i] = marks
                log[i] = EventEnvelope(submissionID: envelope.submissionID, seq: envelope.seq, event: merged)
                return
            }
        }
        log.append(envelope)
    }

    /// The log's events after `seq`; a merged delta that `seq` falls inside loses the pieces up
    /// to it.
    private func history(after seq: Int) -> [EventEnvelope] {
        var out: [EventEnvelope] = []
        for (i, e) in log.enumerated() where e.seq > seq {
            guard let marks = pieces[i], let seen = marks.last(where: { $0.seq <= seq }), let text = e.event.deltaText else {
                out.append(e)
                continue
            }
            let rest = String(decoding: text.utf8.dropFirst(seen.end), as: UTF8.self)
            if !rest.isEmpty { out.append(EventEnvelope(submissionID: e.submissionID, seq: e.seq, event: e.event.withDeltaText(rest))) }
        }
        return out
    }

    private func finishSubscribers() {
        ended = true
        for sub in subscribers.values { sub.continuation.finish() }
        subscribers.removeAll()
        drivers.removeAll()
    }
}

extension AgentEvent {
    /// The text of a delta event (what the log merges).
    var deltaText: String? {
        switch self {
        case .messageDelta(_, let t), .reasoningDelta(_, let t), .toolOutputDelta(_, let t): t
        case .process(let p): p.output
        default: nil
        }
    }

    /// The same delta with other text.
    func withDeltaText(_ text: String) -> AgentEvent {
        switch self {
        case .messageDelta(let id, _): .messageDelta(itemID: id, text: text)
        case .reasoningDelta(let id, _): .reasoningDelta(itemID: id, text: text)
        case .toolOutputDelta(let id, _): .toolOutputDelta(callID: id, chunk: text)
        case .process(let p): .process(ProcessUpdate(id: p.id, command: p.command, state: p.state, exitCode: p.exitCode,
                                                     startedAt: p.startedAt, output: text))
        default: self
        }
    }
}
