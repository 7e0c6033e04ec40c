import AgentProtocol
import Synchronization

/// Numbers and yields events in one order, from the actor and from tool reader threads alike.
///
/// The stream is unbounded: deltas are small and consumers coalesce them; terminal
/// events (`turnCompleted`, `error`, approvals) must never be dropped.
final class EventEmitter: Sendable {
    private let state: Mutex<(seq: Int, submission: Int)> = Mutex((0, 0))
    private let continuation: AsyncStream<EventEnvelope>.Continuation
    let stream: AsyncStream<EventEnvelope>

    init() {
        (stream, continuation) = AsyncStream<EventEnvelope>.makeStream(bufferingPolicy: .unbounded)
    }

    func setSubmission(_ id: Int) { state.withLock { $0.submission = id } }

    func emit(_ event: AgentEvent) {
        state.withLock { s in
            s.seq += 1
            continuation.yield(EventEnvelope(submissionID: s.submission, seq: s.seq, event: event))
        }
    }

    /// Emits one event for another submission than the running one (a queued turn dropped).
    func emit(_ event: AgentEvent, submission: Int) {
        state.withLock { s in
            s.seq += 1
            continuation.yield(EventEnvelope(submissionID: submission, seq: s.seq, event: event))
        }
    }

    func finish() { continuation.finish() }
}
