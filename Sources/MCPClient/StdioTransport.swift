import Exec
import Foundation
import Logging
import MCP

/// MCP over a child process's stdin and stdout: one JSON-RPC message per line.
///
/// The SDK's own stdio transport talks over descriptors it is given; this one owns the
/// child: it starts it in its own process group, drains its stderr (kept for error
/// messages), and on ``disconnect()`` closes stdin, then kills the whole group. When the
/// child exits, the receive stream ends with an ``MCPClientError`` (`closed`) and `onClose` runs,
/// so pending requests fail instead of waiting forever.
public actor StdioTransport: Transport {
    public nonisolated let logger = Logger(label: "talaria.mcp.stdio") { _ in SwiftLogNoOpLogHandler() }

    private let command: String
    private let arguments: [String]
    private let environment: [String: String]
    private let cwd: String?
    private var process: StdioProcess?
    /// Set by `disconnect`, which can come first (the connection was stopped while the SDK was
    /// still on its way to `connect`): the child must then never start.
    private var closed = false
    private var pump: Task<Void, Never>?
    private let stream: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private let onClose: @Sendable (String) -> Void

    /// - Parameter onClose: called once, with the reason, when the child exits on its own.
    public init(command: String, arguments: [String], environment: [String: String], cwd: String?,
                onClose: @escaping @Sendable (String) -> Void = { _ in }) {
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.cwd = cwd
        self.onClose = onClose
        (stream, continuation) = AsyncThrowingStream.makeStream()
    }

    public func connect() async throws {
        guard !closed else { throw MCPClientError(.closed, "stopped before the server started") }
        let process: StdioProcess
        do {
            process = try StdioProcess.start(command: command, arguments: arguments, environment: environment, cwd: cwd)
        } catch {
            // A missing program or directory will not appear by retrying.
            throw MCPClientError(.fatal, error.message)
        }
        self.process = process
        let continuation = self.continuation
        let onClose = self.onClose
        pump = Task.detached { [weak self] in
            for await line in process.lines() {
                continuation.yield(line)
            }
            let reason = await Self.settledExitReason(process)
            continuation.finish(throwing: MCPClientError(.closed, reason))
            if await self?.isCurrent(process) == true { onClose(reason) }
        }
    }

    private func isCurrent(_ p: StdioProcess) -> Bool { process === p }

    public func disconnect() async {
        closed = true
        guard let process else { return }
        self.process = nil
        await process.terminate(grace: 1)
        pump?.cancel()
        continuation.finish()
    }

    public func send(_ data: Data) async throws {
        guard let process else { throw MCPClientError(.closed, "not connected") }
        var line = data
        // JSON-RPC over stdio forbids embedded newlines; JSONEncoder never writes raw ones.
        line.append(0x0A)
        do { try process.write(line) } catch {
            throw MCPClientError(.closed, await Self.settledExitReason(process, fallback: error.message))
        }
    }

    public nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { stream }

    /// The child's pid while it runs (tests kill it to simulate a crash).
    public var pid: Int32? { process?.pid }

    /// Why the child is gone, once it has exited and its stderr is drained (at most 2 s), so the
    /// message carries the status and the child's last words.
    static func settledExitReason(_ process: StdioProcess, fallback: String = "the server closed its output") async -> String {
        for _ in 0..<200 where process.exitStatus() == nil || !process.stderrClosed {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return exitReason(process, fallback: fallback)
    }

    static func exitReason(_ process: StdioProcess, fallback: String = "the server closed its output") -> String {
        var reason: String
        switch process.exitStatus() {
        case nil: reason = fallback
        case let s? where s > 128: reason = "the server was killed by signal \(s - 128)"
        case let s?: reason = "the server exited with status \(s)"
        }
        if let last = process.stderrTail.last { reason += " (stderr: \(last))" }
        return reason
    }
}
