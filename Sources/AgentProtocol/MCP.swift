import Foundation

/// One MCP server as the user configured it (`mcp_servers:` in config.yaml).
public struct MCPServerSpec: Sendable, Hashable {
    public enum Transport: Sendable, Hashable {
        /// A child process speaking JSON-RPC lines on stdin/stdout.
        case stdio(command: String, arguments: [String], environment: [String: String], cwd: String?)
        /// A streamable-HTTP endpoint; `bearerTokenEnv` names the variable holding the token.
        case http(url: String, headers: [String: String], bearerTokenEnv: String?)
    }

    public var name: String
    public var transport: Transport
    public var trust: MCPTrust
    public var enabled: Bool
    /// Seconds a tool call may take before it is cancelled.
    public var callTimeout: Double
    /// Seconds the server has to answer `initialize`.
    public var connectTimeout: Double

    public init(name: String, transport: Transport, trust: MCPTrust = .ask, enabled: Bool = true,
                callTimeout: Double = 120, connectTimeout: Double = 30) {
        self.name = name
        self.transport = transport
        self.trust = trust
        self.enabled = enabled
        self.callTimeout = callTimeout
        self.connectTimeout = connectTimeout
    }

    /// What the status view shows for where the server is: `stdio: cmd args` or the URL.
    public var endpointDescription: String {
        switch transport {
        case .stdio(let command, let arguments, _, _): return ([command] + arguments).joined(separator: " ")
        case .http(let url, _, _): return url
        }
    }
}

/// Whether a server's tools need the user's approval.
public enum MCPTrust: String, Sendable, Hashable, CaseIterable {
    /// Every call asks (answering "this session" covers that one tool).
    case ask
    /// The first call of the session asks; approving covers all the server's tools.
    case session
    /// Never asks.
    case always
}

/// A server's connection state, as the `/mcp` view and the agent's prompt show it.
public struct MCPServerStatus: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        case disabled
        /// Starting (`attempt` 0) or retrying (`attempt` 1 to 5).
        case connecting(attempt: Int)
        case ready
        /// Waiting before attempt `attempt`, due at `at`.
        case retrying(attempt: Int, at: Date)
        /// Gave up (after the last attempt, or a problem retrying cannot fix).
        case failed
    }

    public var name: String
    public var endpoint: String
    public var state: State
    /// The server's tools (their own names, not namespaced).
    public var tools: [String]
    public var lastError: String?
    /// `name version` from the server's initialize answer.
    public var serverInfo: String?

    public init(name: String, endpoint: String, state: State, tools: [String] = [], lastError: String? = nil,
                serverInfo: String? = nil) {
        self.name = name
        self.endpoint = endpoint
        self.state = state
        self.tools = tools
        self.lastError = lastError
        self.serverInfo = serverInfo
    }

    /// Seconds before reconnect attempt 1, 2, …; after the last one fails a server is `failed`.
    /// Here, beside the states that count the attempts, so the two cannot drift apart.
    public static let backoff: [Double] = [1, 2, 4, 8, 16]

    /// One line: `ready, 2 tools` / `retrying in 4 s (attempt 3 of 5): connection refused`.
    public func summary(now: Date = Date()) -> String {
        let maxAttempts = Self.backoff.count
        let error = lastError.map { ": \($0)" } ?? ""
        switch state {
        case .disabled: return "disabled"
        case .connecting(let n): return n > 0 ? "reconnecting (attempt \(n) of \(maxAttempts))" : "connecting"
        case .ready: return "ready, \(tools.count) tool\(tools.count == 1 ? "" : "s")"
        case .retrying(let n, let at):
            let s = max(0, Int(at.timeIntervalSince(now).rounded(.up)))
            return "retrying in \(s) s (attempt \(n) of \(maxAttempts))\(error)"
        case .failed: return "failed\(error)"
        }
    }
}
