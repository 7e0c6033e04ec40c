import Foundation
import Yams

/// The `checkpoints:` section: the snapshots of the workspace taken before a turn changes files.
///
/// ```yaml
/// checkpoints:
///   enabled: true        # default true
///   keep_days: 14        # older checkpoints are pruned
///   max_files: 50000     # a workspace with more files is not snapshotted (a note says so)
///   max_size_mb: 512     # the shadow repository's bound; the oldest go first past it
/// ```
public struct CheckpointsConfig: Sendable, Hashable {
    public var enabled = true
    public var keepDays = Defaults.Checkpoints.keepDays
    public var maxFiles = Defaults.Checkpoints.maxFiles
    public var maxSizeMB = Defaults.Checkpoints.maxSizeMB

    public init() {}

    static let known = ["enabled", "keep_days", "max_files", "max_size_mb"]

    static func parse(_ node: Node, file: String, line: Int) throws(ConfigError) -> CheckpointsConfig {
        var s = CheckpointsConfig()
        if let on = node.bool { s.enabled = on; return s }
        guard case .mapping(let m) = node else { throw ConfigError(file: file, line: line, key: "checkpoints", message: "must be true, false or a mapping of settings") }
        for (k, v) in m {
            let name = k.string ?? ""
            let at = v.mark?.line ?? line
            func fail(_ what: String) -> ConfigError { ConfigError(file: file, line: at, key: "checkpoints.\(name)", message: what) }
            func count() throws(ConfigError) -> Int {
                guard let n = v.int, n >= 1 else { throw fail("must be a whole number of at least 1") }
                return n
            }
            switch name {
            case "enabled":
                guard let on = v.bool else { throw fail("must be true or false") }
                s.enabled = on
            case "keep_days": s.keepDays = try count()
            case "max_files": s.maxFiles = try count()
            case "max_size_mb": s.maxSizeMB = try count()
            default: throw fail("unknown setting (known: \(known.joined(separator: ", ")))")
            }
        }
        return s
    }
}
