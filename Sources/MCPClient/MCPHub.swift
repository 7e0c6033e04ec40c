import AgentProtocol
import AgentTools
import Foundation
import LLMClient
import Synchronization
import MCP

/// All configured MCP servers: started in parallel, their tools offered to the agent.
///
/// Servers never delay start-up: ``start()`` returns at once and each server connects in
/// the background; the hub publishes every status change (for `/mcp` and the status
/// line) and keeps the tool list the agent reads before each model request.
public actor MCPHub: ToolSource {
    private let connections: [MCPServerConnection]
    private var statuses: [String: MCPServerStatus] = [:]
    private var tools: [String: [MCPTool]] = [:]
    private let onStatus: @Sendable ([MCPServerStatus]) -> Void
    private var observers: [UUID: @Sendable ([MCPServerStatus]) -> Void] = [:]
    /// Connections report here; one consumer applies the reports in the order they were made
    /// (a task per report could apply "connecting" after "ready" and hide a server's tools).
    private let reports: AsyncStream<(MCPServerStatus, [MCP.Tool])>
    private let reporter: AsyncStream<(MCPServerStatus, [MCP.Tool])>.Continuation
    private var consumer: Task<Void, Never>?
    /// Bumped by every status report (tools may have come or gone).
    private nonisolated let changes = Atomic<Int>(0)

    public init(specs: [MCPServerSpec], http: any HTTPStreamTransport, sleeper: any MCPSleeper = SystemSleeper(),
                onStatus: @escaping @Sendable ([MCPServerStatus]) -> Void = { _ in }) {
        self.onStatus = onStatus
        (reports, reporter) = AsyncStream.makeStream()
        var connections: [MCPServerConnection] = []
        let reporter = self.reporter
        for spec in specs {
            connections.append(MCPServerConnection(spec: spec, http: http, sleeper: sleeper) { status, tools in
                reporter.yield((status, tools))
            })
        }
        self.connections = connections
        for c in connections {
            statuses[c.spec.name] = MCPServerStatus(name: c.spec.name, endpoint: c.spec.endpointDescription,
                                                    state: c.spec.enabled ? .connecting(attempt: 0) : .disabled)
        }
    }

    deinit { reporter.finish() }

    /// Starts every enabled server in the background.
    public func start() async {
        if consumer == nil {
            let reports = self.reports
            consumer = Task { [weak self] in
                for await (status, tools) in reports { await self?.update(status, tools) }
            }
        }
        for c in connections { await c.start() }
    }

    /// Disconnects every server (children are stopped, HTTP sessions deleted).
    public func stop() async {
        await withTaskGroup(of: Void.self) { group in
            for c in connections { group.addTask { await c.stop() } }
        }
    }

    public func restart(_ name: String) async {
        await connection(name)?.restart()
    }

    public func setEnabled(_ name: String, _ on: Bool) async {
        await connection(name)?.setEnabled(on)
    }

    /// Servers in config order.
    public var statusList: [MCPServerStatus] {
        connections.compactMap { statuses[$0.spec.name] }
    }

    /// Waits until no server is still making its first connection (for one-shot runs,
    /// which must see the tools), at most `seconds`.
    public func waitUntilSettled(seconds: Double) async {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if !statuses.values.contains(where: { $0.state == .connecting(attempt: 0) }) { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Calls `observer` with every status change until the returned token is removed.
    @discardableResult
    public func observe(_ observer: @escaping @Sendable ([MCPServerStatus]) -> Void) -> UUID {
        let id = UUID()
        observers[id] = observer
        observer(statusList)
        return id
    }

    private func connection(_ name: String) -> MCPServerConnection? {
        connections.first { $0.spec.name == name }
    }

    private func update(_ status: MCPServerStatus, _ serverTools: [MCP.Tool]) {
        statuses[status.name] = status
        guard let c = connection(status.name) else { return }
        tools[status.name] = serverTools.map { MCPTool(server: status.name, tool: $0, trust: c.spec.trust, connection: c) }
        changes.add(1, ordering: .releasing)
        let list = statusList
        onStatus(list)
        for o in observers.values { o(list) }
    }

    // MARK: - ToolSource

    public nonisolated var toolsVersion: Int? { changes.load(ordering: .acquiring) }

    public func currentTools() async -> [any AgentTools.Tool] {
        connections.flatMap { tools[$0.spec.name] ?? [] }
    }

    public func promptNote() async -> String? {
        let down = statusList.filter { $0.state != .ready && $0.state != .disabled }
        guard !down.isEmpty else { return nil }
        let lines = down.map { "- \($0.name): \($0.summary())" }
        return "MCP servers not available right now (their tools are missing or will fail until they are back):\n"
            + lines.joined(separator: "\n")
    }
}
