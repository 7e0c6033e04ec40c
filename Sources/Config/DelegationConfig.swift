import Foundation
import Yams

/// The `delegation:` section: how `delegate_task` runs subagents.
///
/// ```yaml
/// delegation:
///   max_concurrent: 3      # children running at once
///   max_depth: 2           # a child may delegate again, down to this depth
///   max_iterations: 30     # each child's own budget (default: the parent's)
///   model: small-model     # another model for children (default: the parent's)
///   base_url: http://127.0.0.1:8081/v1   # another server for them (same API key)
/// ```
public struct DelegationConfig: Sendable, Hashable {
    public var maxConcurrent = Defaults.Delegation.maxConcurrent
    public var maxDepth = Defaults.Delegation.maxDepth
    /// nil: the parent's budget.
    public var maxIterations: Int?
    /// nil: the parent's model.
    public var model: String?
    /// nil: the parent's server.
    public var baseURL: String?

    public init() {}

    static let known = ["max_concurrent", "max_depth", "max_iterations", "model", "base_url"]

    static func parse(_ node: Node, file: String, line: Int) throws(ConfigError) -> DelegationConfig {
        var s = DelegationConfig()
        guard case .mapping(let m) = node else { throw ConfigError(file: file, line: line, key: "delegation", message: "must be a mapping of settings") }
        for (k, v) in m {
            let name = k.string ?? ""
            let at = v.mark?.line ?? line
            func fail(_ what: String) -> ConfigError { ConfigError(file: file, line: at, key: "delegation.\(name)", message: what) }
            func count(from least: Int) throws(ConfigError) -> Int {
                guard let n = v.int, n >= least else { throw fail("must be a whole number of at least \(least)") }
                return n
            }
            switch name {
            case "max_concurrent": s.maxConcurrent = try count(from: 1)
            case "max_depth": s.maxDepth = try count(from: 0)
            case "max_iterations": s.maxIterations = try count(from: 1)
            case "model":
                guard let text = v.string, !text.isEmpty else { throw fail("must be a model id") }
                s.model = text
            case "base_url":
                guard let text = v.string, let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
                    throw fail("must be an http:// or https:// address, e.g. http://127.0.0.1:8080/v1")
                }
                s.baseURL = text
            default: throw fail("unknown setting (known: \(known.joined(separator: ", ")))")
            }
        }
        return s
    }
}
