import Config
import AgentCore
import AgentProtocol
import Foundation
import Store

/// A live session as `list()` shows it.
public struct LiveSession: Sendable, Hashable, Codable {
    public var id: String
    public var source: SessionSource
    public var cwd: String
    public var busy: Bool
    public var attachments: Int
}

/// Owns the sessions of one process — every front-end (`-p`, `--line`, the interface, and the
/// servers and gateways to come) opens, resumes, forks and stops them here, several at once,
/// on one store and one background lane per model server.
///
/// A session's events reach its front-ends through ``HostedSession/attach(_:)``; closing it
/// (or the host) lets its agent finish what it owes the store before returning.
public actor SessionHost {
    public nonisolated let builder: SessionBuilder
    private var sessions: [String: HostedSession] = [:]
    /// Sessions being closed, so `closeAll` waits for them too.
    private var closing: [String: Task<Void, Never>] = [:]

    /// Runs `delegate_task`'s children in this host.
    private let delegator: SubagentRunner

    public init(builder: SessionBuilder) {
        self.builder = builder
        delegator = SubagentRunner(settings: builder.settings.config.delegation)
        delegator.host = self
    }

    public nonisolated var store: SessionStore { builder.store }

    /// Starts a session: a new one, or the stored one `request.resume` names. A session already
    /// open in this host is returned as it is.
    public func open(_ request: SessionRequest) async throws(HostError) -> HostedSession {
        if let id = request.resume, let open = sessions[id] ?? sessions.values.first(where: { $0.id.hasPrefix(id) }) { return open }
        var request = request
        if request.delegator == nil { request.delegator = delegator }
        let built: BuiltSession
        do { built = try builder.build(request) } catch { throw HostError(.store, error.description) }
        let prior = request.resume == nil ? 0 : ((try? store.messages(sessionID: built.agent.sessionID).count) ?? 0)
        let session = HostedSession(built: built, request: request, priorMessages: prior)
        sessions[session.id] = session
        await session.start()
        return session
    }

    /// Copies the stored session `id` (up to and including message `through`, all when nil)
    /// into a new one and starts it: the fork goes its own way, the original is untouched.
    public func fork(_ id: String, through: Int64? = nil, request: SessionRequest) async throws(HostError) -> HostedSession {
        // What the original's running turn has committed is what the fork gets.
        let original: SessionInfo
        do { original = try store.session(id: id) } catch { throw HostError(.notFound, error.description) }
        let newID: String
        do { newID = try store.fork(original.id, through: through, source: request.source.rawValue) } catch {
            throw HostError(.store, error.description)
        }
        var request = request
        request.resume = newID
        return try await open(request)
    }

    /// The session `id` if it is open here.
    public func session(_ id: String) -> HostedSession? { sessions[id] }

    /// The sessions open now, oldest first.
    public func list() async -> [LiveSession] {
        var out: [LiveSession] = []
        for s in sessions.values.sorted(by: { $0.id < $1.id }) {
            out.append(LiveSession(id: s.id, source: s.source, cwd: s.cwd, busy: await s.isBusy, attachments: await s.attachmentCount))
        }
        return out
    }

    /// Stops session `id` and waits until it has finished (see ``HostedSession/close()``).
    public func close(_ id: String) async {
        await closeTask(id)?.value
    }

    /// Stops session `id` without waiting; `closeAll` waits for it.
    public func retire(_ id: String) {
        _ = closeTask(id)
    }

    private func closeTask(_ id: String) -> Task<Void, Never>? {
        if let task = closing[id] { return task }
        guard let session = sessions.removeValue(forKey: id) else { return nil }
        let task = Task { await session.close() }
        closing[id] = task
        return task
    }

    /// Stops every session and waits for them all (the end of the process).
    public func closeAll() async {
        for id in Array(sessions.keys) { _ = closeTask(id) }
        for task in closing.values { await task.value }
        closing.removeAll()
    }
}
