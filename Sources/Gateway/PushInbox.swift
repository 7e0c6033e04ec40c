import Foundation
import Logging
import Synchronization

/// What a platform's socket delivered until the gateway's `poll` takes it, the task that keeps
/// the socket, and the error that stopped it for good (a refused token). Discord and Slack
/// share it; their sockets only `push`.
final class PushInbox: Sendable {
    /// For the WebSocket client: only what would stop it (its warnings would be the log's noise).
    let logger: Logger
    private let state = Mutex<(buffered: [ChatUpdate], fatal: PlatformError?, connection: Task<Void, Never>?)>(([], nil, nil))

    init(label: String) {
        var logger = Logger(label: label)
        logger.logLevel = .critical
        self.logger = logger
    }

    deinit { state.withLock { $0.connection?.cancel() } }

    /// Starts `connection` unless it runs already.
    func start(_ connection: @escaping @Sendable () async -> Void) {
        state.withLock { s in
            if s.connection == nil { s.connection = Task { await connection() } }
        }
    }

    func push(_ updates: [ChatUpdate]) {
        guard !updates.isEmpty else { return }
        state.withLock { $0.buffered += updates }
    }

    /// The platform cannot go on (the next `take` throws it).
    func fail(_ error: PlatformError) { state.withLock { $0.fatal = error } }

    /// What arrived, once something did or `timeout` seconds passed.
    func take(timeout: Double) async throws(PlatformError) -> [ChatUpdate] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let (out, fatal) = state.withLock { s in
                defer { s.buffered.removeAll() }
                return (s.buffered, s.fatal)
            }
            if let fatal { throw fatal }
            if !out.isEmpty || Task.isCancelled || Date() >= deadline { return out }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Ends the socket's task and waits for it.
    func close() async {
        let connection = state.withLock { s in defer { s.connection = nil }; return s.connection }
        connection?.cancel()
        await connection?.value
    }
}
