import AgentProtocol
import AgentTools
import Foundation
import LLMClient
import MCP
import Synchronization

/// Waits between reconnect attempts; tests inject one that does not really sleep.
public protocol MCPSleeper: Sendable {
    func sleep(seconds: Double) async throws
}

public struct SystemSleeper: MCPSleeper {
    public init() {}
    public func sleep(seconds: Double) async throws {
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    }
}

/// One configured server: connects, keeps its tool list, reconnects, and runs calls.
///
/// A supervisor task owns the connection's life: connect (initialize within
/// `connectTimeout`, check the protocol version, list the tools), then wait for the
/// transport to close; after a failure or a close it waits 1, 2, 4, 8, 16 s between
/// attempts and, after the fifth failed retry, gives up and reports `failed` with the last
/// error. Every change goes to `onChange`, so the user (`/mcp`) and the agent (its
/// prompt and tool list) always see the real state.
public actor MCPServerConnection {
    /// Seconds before retry 1, 2, …; after the last one fails the server is `failed`.
    public static let backoff = MCPServerStatus.backoff

    public nonisolated let spec: MCPServerSpec
    private let http: any HTTPStreamTransport
    private let sleeper: any MCPSleeper
    private let onChange: @Sendable (MCPServerStatus, [MCP.Tool]) -> Void

    public private(set) var status: MCPServerStatus
    public private(set) var tools: [MCP.Tool] = []
    private var client: Client?
    private var transport: (any Transport)?
    private var generation = 0
    private var supervisor: Task<Void, Never>?
    private var closeWaiter: CheckedContinuation<String, Never>?
    private var closeReason: String?
    private var progressSinks: [String: @Sendable (String) -> Void] = [:]
    private var progressCounter = 0

    public init(spec: MCPServerSpec, http: any HTTPStreamTransport, sleeper: any MCPSleeper = SystemSleeper(),
                onChange: @escaping @Sendable (MCPServerStatus, [MCP.Tool]) -> Void = { _, _ in }) {
        self.spec = spec
        self.http = http
        self.sleeper = sleeper
        self.onChange = onChange
        status = MCPServerStatus(name: spec.name, endpoint: spec.endpointDescription, state: spec.enabled ? .connecting(attempt: 0) : .disabled)
    }

    // MARK: - Life

    /// Starts connecting in the background (no-op when running or disabled).
    public func start() {
        guard supervisor == nil else { return }
        guard status.state != .disabled else { return publish() }
        supervisor = Task { await self.supervise() }
    }

    /// Turns a disabled server on (and connects) or off (and disconnects).
    public func setEnabled(_ on: Bool) async {
        if on {
            guard status.state == .disabled else { return }
            status.state = .connecting(attempt: 0)
            start()
        } else {
            await stop(disable: true)
        }
    }

    /// Disconnects and stops reconnecting; the server's tools go away.
    public func stop(disable: Bool = false) async {
        supervisor?.cancel()
        supervisor = nil
        closeWaiter?.resume(returning: "stopped")
        closeWaiter = nil
        await dropClient()
        tools = []
        status.tools = []
        if disable { status.state = .disabled; status.lastError = nil }
        publish()
    }

    /// Stops and starts again with a fresh attempt count.
    public func restart() async {
        await stop()
        status.lastError = nil
        status.state = .connecting(attempt: 0)
        supervisor = Task { await self.supervise() }
    }

    private func supervise() async {
        var retry = 0
        while !Task.isCancelled {
            setState(.connecting(attempt: retry))
            do {
                try await connectOnce()
                // Stopped while connecting (disabled, restarted, quitting): leave nothing running.
                if Task.isCancelled { await dropClient(); return }
                retry = 0
                status.lastError = nil
                setState(.ready)
                let reason = await nextClose()
                if Task.isCancelled { return }
                status.lastError = reason
                await dropClient()
            } catch let fatal as MCPClientError where fatal.code == .fatal {
                await dropClient()
                if Task.isCancelled { return }
                status.lastError = fatal.message
                tools = []
                status.tools = []
                return setState(.failed)
            } catch {
                let closed = closeReason
                await dropClient()
                if Task.isCancelled { return }
                status.lastError = closed ?? Self.describe(error)
            }
            guard retry < Self.backoff.count else {
                tools = []
                status.tools = []
                return setState(.failed)
            }
            let delay = Self.backoff[retry]
            retry += 1
            setState(.retrying(attempt: retry, at: Date().addingTimeInterval(delay)))
            do { try await sleeper.sleep(seconds: delay) } catch { return }
        }
    }

    private func connectOnce() async throws {
        generation += 1
        let gen = generation
        closeReason = nil
        let transport = try makeTransport(generation: gen)
        let client = Client(name: "talaria", version: "1.0")
        await client.onNotification(ToolListChangedNotification.self) { [weak self] _ in
            // Not awaited: the SDK's receive loop runs this handler, and the tools/list answer
            // can only arrive once the handler has returned.
            Task { await self?.refreshTools(generation: gen) }
        }
        await client.onNotification(ProgressNotification.self) { [weak self] message in
            await self?.progress(message.params)
        }
        await client.onNotification(LogMessageNotification.self) { [weak self] message in
            await self?.log(message.params)
        }
        self.client = client
        self.transport = transport
        // Stopped during the awaits above: `stop` found nothing to drop, so start nothing.
        try Task.checkCancellation()
        let result = try await Self.timed(spec.connectTimeout, "initialize", onTimeout: { await client.disconnect() }) {
            try await client.connect(transport: transport)
        }
        guard Version.supported.contains(result.protocolVersion) else {
            throw MCPClientError(.fatal, "the server speaks MCP \(result.protocolVersion), which Talaria does not (it speaks \(Version.supported.sorted().joined(separator: ", ")))")
        }
        status.serverInfo = "\(result.serverInfo.name) \(result.serverInfo.version)"
        tools = result.capabilities.tools == nil ? [] : try await listTools(client)
        status.tools = tools.map(\.name)
    }

    private func makeTransport(generation gen: Int) throws -> any Transport {
        let onClose: @Sendable (String) -> Void = { [weak self] reason in
            Task { await self?.transportClosed(generation: gen, reason: reason) }
        }
        switch spec.transport {
        case .stdio(let command, let arguments, let environment, let cwd):
            return StdioTransport(command: command, arguments: arguments, environment: environment, cwd: cwd, onClose: onClose)
        case .http(let urlText, var headers, let tokenEnv):
            guard let url = URL(string: urlText), url.scheme == "http" || url.scheme == "https" else {
                throw MCPClientError(.fatal, "'\(urlText)' is not an http(s) URL")
            }
            if let tokenEnv {
                guard let token = ProcessInfo.processInfo.environment[tokenEnv], !token.isEmpty else {
                    throw MCPClientError(.fatal, "bearer_token_env names \(tokenEnv), which is not set")
                }
                headers["Authorization"] = "Bearer \(token)"
            }
            return HTTPTransport(url: url, headers: headers, http: http, onClose: onClose, onReinitialized: { [weak self] in
                Task { await self?.refreshTools(generation: gen) }
            })
        }
    }

    private func listTools(_ client: Client) async throws -> [MCP.Tool] {
        var all: [MCP.Tool] = []
        var cursor: String?
        repeat {
            let page = try await Self.timed(spec.connectTimeout, "tools/list", onTimeout: {}) { [cursor] in
                try await client.listTools(cursor: cursor)
            }
            all += page.tools
            cursor = page.nextCursor
        } while cursor != nil && all.count < 10_000
        return all
    }

    private func refreshTools(generation gen: Int) async {
        guard gen == generation, let client, status.state == .ready else { return }
        do {
            tools = try await listTools(client)
            status.tools = tools.map(\.name)
            publish()
        } catch {
            status.lastError = "tools/list after a change failed: \(Self.describe(error))"
            publish()
        }
    }

    private func transportClosed(generation gen: Int, reason: String) {
        guard gen == generation else { return }
        if status.state != .ready {
            // Closed while connecting: fail the initialize now instead of at the connect timeout.
            closeReason = reason
            let client = self.client
            Task { await client?.disconnect() }
            return
        }
        // Visible at once (the supervisor first has to stop the old client).
        status.lastError = reason
        setState(.retrying(attempt: 1, at: Date().addingTimeInterval(Self.backoff[0])))
        if let closeWaiter {
            self.closeWaiter = nil
            closeWaiter.resume(returning: reason)
        } else {
            closeReason = reason
        }
    }

    private func nextClose() async -> String {
        if let closeReason { self.closeReason = nil; return closeReason }
        return await withCheckedContinuation { closeWaiter = $0 }
    }

    private func dropClient() async {
        generation += 1 // calls still waiting learn their connection is gone
        let client = self.client, transport = self.transport
        self.client = nil
        self.transport = nil
        await client?.disconnect() // fails the calls still waiting, and stops the transport ...
        await transport?.disconnect() // ... if the SDK got as far as connecting it: else this does
    }

    private func setState(_ state: MCPServerStatus.State) {
        status.state = state
        publish()
    }

    private func publish() { onChange(status, status.state == .ready || isReconnecting ? tools : []) }

    /// While it reconnects the tools stay offered: a call waits for the server or explains.
    private var isReconnecting: Bool {
        switch status.state {
        case .connecting(let n): n > 0 && !tools.isEmpty
        case .retrying: !tools.isEmpty
        default: false
        }
    }

    /// The stdio server's pid while it runs.
    public func serverProcessID() async -> Int32? {
        await (transport as? StdioTransport)?.pid
    }

    // MARK: - Calls

    /// Calls `tool`; never throws and never hangs: every failure is a message for the model.
    /// Calls sent to the server and not answered yet.
    public private(set) var callsInFlight = 0

    public func call(tool: String, arguments: JSONValue, progress: @escaping @Sendable (String) -> Void) async -> ToolOutput {
        if status.state != .ready { await waitForReady(seconds: min(spec.callTimeout, 15)) }
        guard status.state == .ready, let client else {
            return .error("The MCP server '\(spec.name)' is not available: \(status.summary()). Its tools cannot run now; continue without them or try again later.")
        }
        var mcpArguments: [String: MCP.Value] = [:]
        for (k, v) in arguments.objectValue ?? [:] {
            guard let value = v.mcpValue else { return .error("argument '\(k)' cannot be sent to the MCP server") }
            mcpArguments[k] = value
        }
        progressCounter += 1
        let token = "talaria-\(progressCounter)"
        progressSinks[token] = progress
        defer { progressSinks[token] = nil }
        let gen = generation
        let request = CallTool.request(.init(name: tool, arguments: mcpArguments, meta: Metadata(progressToken: .string(token))))
        let context: RequestContext<CallTool.Result>
        do {
            context = try await client.send(request)
        } catch {
            if let closed = error as? MCPClientError, closed.code == .closed {
                return .error("The MCP server '\(spec.name)' is unreachable: \(closed.message). Talaria is reconnecting; try again shortly.")
            }
            return .error("The MCP call failed: \(Self.describe(error))")
        }
        callsInFlight += 1
        defer { callsInFlight -= 1 }
        let id = context.requestID
        do {
            let result = try await withTaskCancellationHandler {
                try await Self.timed(spec.callTimeout, "the call to \(tool)", onTimeout: {
                    try? await client.cancelRequest(id, reason: "timed out")
                }) { try await context.value }
            } onCancel: {
                Task { try? await client.cancelRequest(id, reason: "cancelled by the user") }
            }
            let text = MCPResultText.render(result.content, structured: result.structuredContent)
            return ToolOutput(text: text, status: result.isError == true ? .failed : .succeeded)
        } catch let error as MCPClientError where error.code == .timedOut {
            return ToolOutput(text: "The MCP tool \(tool) did not answer within \(spec.callTimeout.formatted(.number.precision(.fractionLength(0...1)))) s (the server's `timeout:`); the call was cancelled on the server.", status: .timedOut)
        } catch is CancellationError where Task.isCancelled {
            return ToolOutput(text: "[cancelled by the user]", status: .cancelled)
        } catch {
            // Sent, then the connection went: the transport's own error (its stream ended) or
            // the SDK's once the connection dropped the client — whichever reached the call first.
            let closed = (error as? MCPClientError).flatMap { $0.code == .closed ? $0 : nil }
            if closed != nil || gen != generation {
                let reason = closed?.message ?? status.lastError ?? "connection closed"
                let state = status.state == .ready ? "" : " (\(status.summary()))"
                return .error("The MCP server '\(spec.name)' disconnected during the call (\(reason)); Talaria is reconnecting\(state). Try the call again shortly.")
            }
            if let error = error as? MCPError { return .error("MCP error \(error.code): \(error.errorDescription ?? "\(error)")") }
            return .error("The MCP call failed: \(Self.describe(error))")
        }
    }

    private func waitForReady(seconds: Double) async {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline, !Task.isCancelled {
            switch status.state {
            case .ready, .failed, .disabled: return
            case .connecting, .retrying: try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    private func progress(_ p: ProgressNotification.Parameters) {
        guard case .string(let token) = p.progressToken, let sink = progressSinks[token] else { return }
        let counts = p.total.map { "\(Self.number(p.progress))/\(Self.number($0))" } ?? Self.number(p.progress)
        sink("[progress \(counts)] \(p.message ?? "")\n")
    }

    /// A server log line goes to the running call's pane when there is exactly one.
    private func log(_ p: LogMessageNotification.Parameters) {
        guard progressSinks.count == 1, let sink = progressSinks.values.first else { return }
        let text = JSONValue(mcp: p.data).map { $0.stringValue ?? $0.jsonText } ?? ""
        sink("[\(p.level.rawValue)] \(text)\n")
    }

    private static func number(_ d: Double) -> String { d.rounded() == d ? String(Int(d)) : String(d) }

    // MARK: - Helpers

    static func describe(_ error: any Error) -> String {
        switch error {
        case let e as MCPClientError: return e.description
        case let e as MCPError: return e.errorDescription ?? "\(e)"
        default: return "\(error)"
        }
    }

    /// Runs `body`, giving up after `seconds`: `onTimeout` must make `body` finish (it
    /// disconnects or cancels the request), since a task group waits for all its children.
    static func timed<T: Sendable>(_ seconds: Double, _ what: String, onTimeout: @escaping @Sendable () async -> Void,
                                   _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let fired = Flag(), finished = Flag()
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask {
                defer { finished.set() }
                return try await body()
            }
            group.addTask {
                do {
                    try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                } catch {
                    // Cancelled while the body still waits (the connection is being stopped): it
                    // may wait for an answer that never comes, and the group would wait for it.
                    if !finished.isSet { await onTimeout() }
                    throw error
                }
                fired.set()
                await onTimeout()
                throw MCPClientError.timeout(what, seconds: seconds)
            }
            defer { group.cancelAll() }
            do {
                guard let first = try await group.next() else { throw CancellationError() }
                return first
            } catch {
                // The body usually fails first, with whatever onTimeout made it fail with.
                if fired.isSet { throw MCPClientError.timeout(what, seconds: seconds) }
                throw error
            }
        }
    }
}

private final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
