import AgentProtocol
import Config
import CurlTransport
import Foundation
import LLMClient
import MCPClient
import Store

/// The documented process exit codes (`talaria --help` lists them). Front-ends throw one after
/// printing the problem; the executable exits with it.
public enum ExitStatus: Int32, Error, Sendable {
    case success = 0
    /// The turn failed (model or server error).
    case failed = 1
    /// Bad usage or configuration.
    case usage = 2
    /// No model endpoint found.
    case noEndpoint = 3
    /// Stopped early by the iteration limit or the loop guard.
    case iterationLimit = 4
    /// Interrupted (Ctrl-C).
    case interrupted = 130
}

extension SetupError.Kind {
    /// The documented exit code for the problem.
    public var exitStatus: ExitStatus {
        switch self {
        case .usage: .usage
        case .noEndpoint: .noEndpoint
        case .failed: .failed
        }
    }
}

/// Writes to stderr, unbuffered.
public func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// What front-ends on a terminal share: settings, the store and the MCP hub, each with its
/// problem printed and the exit code thrown.
public enum FrontEnd {
    /// The settings for a command that talks to a model.
    public static func settings(_ overrides: EndpointOverrides, transport: any HTTPStreamTransport,
                                startLocal: Bool = true) async throws(ExitStatus) -> Settings {
        do {
            return try await Settings.resolve(overrides, transport: transport, startLocal: startLocal, notice: { printError("talaria: \($0)") })
        } catch {
            printError("talaria: \(error.message)")
            throw error.kind.exitStatus
        }
    }

    /// config.yaml alone (commands that need no endpoint).
    public static func config(_ paths: TalariaPaths = TalariaPaths()) throws(ExitStatus) -> TalariaConfig {
        do { return try TalariaConfig.load(path: paths.configFile) } catch {
            printError("talaria: \(error)")
            throw .usage
        }
    }

    /// The session database.
    public static func store(_ paths: TalariaPaths) throws(ExitStatus) -> SessionStore {
        do { return try SessionStore(path: paths.database) } catch {
            printError("talaria: \(error)")
            throw .failed
        }
    }

    /// The hub for the configured MCP servers, or nil when there are none. Not started.
    public static func mcpHub(for config: TalariaConfig, onStatus: @escaping @Sendable ([MCPServerStatus]) -> Void = { _ in }) -> MCPHub? {
        guard !config.mcpServers.isEmpty else { return nil }
        return MCPHub(specs: config.mcpServers, http: CurlTransport(), onStatus: onStatus)
    }

    /// For one-shot runs: waits for the servers' first connection (they must be usable in the
    /// only turn there is) and reports the ones that are not on stderr.
    public static func settle(_ hub: MCPHub) async {
        let longest = await hub.statusList.count > 0 ? 60.0 : 0
        await hub.waitUntilSettled(seconds: longest)
        for s in await hub.statusList where s.state != .ready && s.state != .disabled {
            printError("talaria: MCP server \(s.name): \(s.summary())")
        }
    }
}
