import AgentProtocol
import AppFeature
import Foundation
import ServeClient
import Store

/// The interface's session when a `talaria serve` holds it (`talaria attach`): ops go to the
/// server, its event stream comes back. Closing the terminal leaves the turn running there;
/// the stream reconnects after a drop with the last event it saw, so nothing is missed.
actor RemoteSession {
    private let client: ServeClient
    private let cwd: String
    private(set) var sessionID: String
    private var events: (@Sendable (EventEnvelope) -> Void)?
    private var replies: (@Sendable ([AppAction]) -> Void)?
    private var streaming: Task<Void, Never>?
    /// Prompts this terminal sent whose echo (`userMessage`) has not come back: the interface
    /// showed them when they were typed.
    private var echoes: [String] = []
    private let commands: AsyncStream<SessionEffect>.Continuation

    init(client: ServeClient, sessionID: String, cwd: String) {
        self.client = client
        self.sessionID = sessionID
        self.cwd = cwd
        let (stream, continuation) = AsyncStream<SessionEffect>.makeStream()
        commands = continuation
        Task { for await command in stream { await self.handle(command) } }
    }

    /// Queues a command, in order (any thread).
    nonisolated func enqueue(_ command: SessionEffect) { commands.yield(command) }

    func setSinks(events: @escaping @Sendable (EventEnvelope) -> Void, replies: @escaping @Sendable ([AppAction]) -> Void) {
        self.events = events
        self.replies = replies
        follow(sessionID)
    }

    private func reply(_ actions: AppAction...) { replies?(actions) }

    private func handle(_ command: SessionEffect) async {
        do {
            switch command {
            case .op(let op):
                if case .userTurn(let turn) = op { echoes.append(turn.text) }
                try await client.submit(op, to: sessionID)
            case .newSession:
                let s = try await client.open(cwd: cwd)
                follow(s.id)
                reply(.toast(.info, "new session on the server"))
            case .resumeSession(let id):
                let s = try await client.open(resume: id)
                let transcript = try await Self.transcript(client, s)
                // The old session's events stop before the new transcript is shown; the new
                // one's follow it.
                stopFollowing()
                reply(.sessionLoaded(ViewedSession(sessionID: s.id, title: s.title ?? s.id), transcript, resumed: true))
                follow(s.id)
            case .setModel:
                reply(.toast(.error, "the server chose this session's model; start another server for another model"))
            case .setBackend:
                reply(.toast(.error, "the server chose where commands run; /backend works in a local session"))
            case .useEndpoint:
                reply(.toast(.error, "the server has its endpoint"))
            case .cancelSession(let id):
                try await client.submit(.interrupt, to: id)
            case .watchSession(let id):
                reply(.toast(.info, "talaria attach \(id) follows a session live"))
            case .branch:
                reply(.toast(.error, "branching, /retry and editing earlier messages work in a local session for now (the server keeps this one)"))
            case .background(let prompt):
                let s = try await client.open(cwd: cwd)
                try await client.submit(.userTurn(UserTurn(text: prompt)), to: s.id)
                reply(.toast(.info, "started on the server as session \(s.id) (talaria attach \(s.id) follows it)"))
            }
        } catch {
            reply(.toast(.error, error.description))
        }
    }

    private func stopFollowing() {
        streaming?.cancel()
        streaming = nil
    }

    /// Shows session `id`'s events from now on (its stream's transcript first).
    private func follow(_ id: String) {
        stopFollowing()
        sessionID = id
        guard let events else { return }
        let client = client
        let replies = replies
        streaming = Task {
            var last: Int?
            var failures = 0
            while !Task.isCancelled {
                do {
                    for try await e in client.events(id, after: last) {
                        last = e.seq
                        failures = 0
                        if case .userMessage(let text) = e.event, await self.isEcho(text) { continue }
                        events(e)
                    }
                    // The server ended the stream: the session closed there.
                    replies?([.toast(.warning, "the server closed session \(id)")])
                    return
                } catch {
                    if Task.isCancelled { return }
                    failures += 1
                    if failures == 1 { replies?([.toast(.warning, "lost the server (\(error)); reconnecting…")]) }
                    try? await Task.sleep(for: .milliseconds(min(5000, 250 * failures)))
                }
            }
        }
    }

    /// Whether `text` is the echo of a prompt this terminal sent (consumed when it is).
    private func isEcho(_ text: String) -> Bool {
        guard let i = echoes.firstIndex(of: text) else { return false }
        echoes.remove(at: i)
        return true
    }

    /// What the interface shows first: the stored messages from before the server opened it.
    /// (Everything since comes as the event stream's transcript.)
    static func transcript(_ client: ServeClient, _ session: ServeClient.Session) async throws(ServeClient.Failure) -> [TranscriptItem] {
        struct Messages: Decodable { var messages: [StoredMessage] }
        let stored = try client.decode(Messages.self, try await client.messages(session.id)).messages
        let prior = Array(stored.prefix(session.priorMessages ?? stored.count))
        return StoredTranscript.load(prior) { _ in nil }.items
    }

    func shutdown() {
        commands.finish()
        streaming?.cancel()
    }
}
