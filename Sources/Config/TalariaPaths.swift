import AgentProtocol
import Foundation

/// Where Talaria keeps its files: `$TALARIA_HOME`, else `~/.talaria`.
public struct TalariaPaths: Sendable, Hashable {
    public var home: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let h = environment["TALARIA_HOME"], !h.isEmpty {
            home = UserHome.expand(h)
        } else {
            let userHome = environment["HOME"] ?? UserHome.path
            home = (userHome as NSString).appendingPathComponent(".talaria")
        }
    }

    public var configFile: String { home + "/config.yaml" }
    public var database: String { home + "/state.db" }
    public var logs: String { home + "/logs" }
    /// The bearer token `talaria serve` requires (mode 0600).
    public var serveToken: String { home + "/serve.token" }
    /// Shadow repositories of workspace checkpoints, one per workspace.
    public var checkpoints: String { home + "/checkpoints" }
    /// The embedded local model: server binary, weights, pid and log files.
    public var local: String { home + "/local" }
}
