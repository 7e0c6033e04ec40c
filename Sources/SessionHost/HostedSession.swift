import AgentCore
import AgentProtocol
import Exec
import Foundation
import Store

/// How a front-end joins a session.
public enum AttachRole: Sendable, Hashable {
    /// Types turns and answers approvals (the latest driver to join drives).
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
/// the driver, and again to a new driver while it is still unanswered.
public actor HostedSession {
    public nonisolated let id: String
    public nonisolated let source: SessionSource
    public nonisolated let cwd: String
    public nonisolated let agent: Agent
    private let indexer: Indexer
    private let backend: any ExecutionBackend
    private let ownsBackend: Bool

    private var log: [EventEnvelope] = []
    private var subscribers: [Int: (role: AttachRole, continuation: AsyncStream<EventEnvelope>.Continuation)] = [:]
    /// Driver attachments in the order they joined; the last one drives.
    private var drivers: [Int] = []
    private var nextAttachment = 1
    /// Approval requests no driver has answered yet, by call id.
    private var pending: [String: EventEnvelope] = [:]
    private var pendingOrder: [String] = []
    private var pump: Task<Void, Never>?
    private var closing: Task<Void, Never>?
    private(set) var busy = false
    /// The agent's event stream has ended.
    private var ended = false
    /// Tool output kept per call in the log (the store has it all).
    static let toolOutputKept = 16_000

    init(built: BuiltSession, source: SessionSource, cwd: String) {
        id = built.agent.sessionID
        self.source = source
        self.cwd = cwd
        agent = built.agent
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

    /// Joins the session: the events so far, then live ones (see ``SessionAttachment``).
    public func attach(_ role: AttachRole) -> SessionAttachment {
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
        return SessionAttachment(id: id, sessionID: self.id, role: role, history: log, events: stream)
    }

    /// Leaves the session; if it was the driver, the previous driver (if any) drives again and
    /// is handed the unanswered approvals.
    public func detach(_ attachment: Int) {
        guard let sub = subscribers.removeValue(forKey: attachment) else { return }
        sub.continuation.finish()
        let wasDriver = drivers.last == attachment
        drivers.removeAll { $0 == attachment }
        if wasDriver, let next = drivers.last, let c = subscribers[next]?.continuation {
            for callID in pendingOrder { if let e = pending[callID] { c.yield(e) } }
        }
    }

    /// Which attachment drives now (nil: nobody can answer approvals).
    public var driver: Int? { drivers.last }

    /// Whether a turn is running.
    public var isBusy: Bool { busy }

    /// The number of front-ends attached.
    public var attachmentCount: Int { subscribers.count }

    /// Sends `op` to the agent. A user turn's `@file` mentions are attached here, for every
    /// front-end; an approval is taken only from the driver (`from` nil: the host itself).
    @discardableResult
    public func submit(_ op: Op, from attachment: Int? = nil) async throws(HostError) -> Int {
        guard closing == nil else { throw HostError(.closed, "session \(id) is closed") }
        switch op {
        case .userTurn(var turn):
            turn.text = Mentions.expand(turn.text, cwd: cwd)
            return await agent.submit(.userTurn(turn))
        case .approveTool(let callID, _):
            if let attachment, attachment != drivers.last {
                throw HostError(.notDriver, "only the front-end driving session \(id) answers its approvals")
            }
            pending.removeValue(forKey: callID)
            pendingOrder.removeAll { $0 == callID }
            return await agent.submit(op)
        case .interrupt, .decideSkillProposal, .undoSkillChange, .undoMemoryChange, .compress, .shutdown:
            return await agent.submit(op)
        }
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
        case .sessionConfigured, .messageDelta, .reasoningDelta, .messageCompleted, .toolCallBegan, .toolOutputDelta, .usage,
             .retrying, .error, .warning, .skillProposal, .skillChange, .memoryUpdate, .contextCompressed, .hook:
            break
        }
        append(envelope)
        if case .approvalRequested = envelope.event {
            if let driver = drivers.last { subscribers[driver]?.continuation.yield(envelope) }
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
            case let (.toolOutputDelta(a, t1), .toolOutputDelta(b, t2)) where a == b:
                merged = .toolOutputDelta(callID: a, chunk: t1.count >= Self.toolOutputKept ? t1 : String((t1 + t2).prefix(Self.toolOutputKept)))
            default: merged = nil
            }
            if let merged {
                log[log.count - 1] = EventEnvelope(submissionID: envelope.submissionID, seq: envelope.seq, event: merged)
                return
            }
        }
        log.append(envelope)
    }

    private func finishSubscribers() {
        ended = true
        for sub in subscribers.values { sub.continuation.finish() }
        subscribers.removeAll()
        drivers.removeAll()
    }
}
