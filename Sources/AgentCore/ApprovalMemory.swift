import Foundation
import Memory

/// The approvals the user answered "always" to, kept across sessions in a JSON file
/// (`~/.talaria/approvals.json`: `{"always": ["reason", …]}`), keyed by the reason the policy
/// gave — "runs a command as root (sudo)", "runs git_status on the MCP server 'git'".
///
/// Only the user's answer in the dialog writes it; nothing a tool or a file says can. Edit or
/// delete the file to take an approval back.
public final class ApprovalMemory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public func load() -> Set<String> {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let always = object["always"] as? [String] else { return [] }
        return Set(always)
    }

    /// Adds `reason` (atomically; the file stays sorted for review).
    public func remember(_ reason: String) throws {
        var all = load()
        guard all.insert(reason).inserted else { return }
        let data = try JSONSerialization.data(withJSONObject: ["always": all.sorted()], options: [.prettyPrinted, .sortedKeys])
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
