import AgentProtocol
import Exec
import Foundation

/// `write_file`: creates or replaces a file atomically, creating parent directories, on the session's backend.
public struct WriteFileTool: Tool {
    public var changesFiles: Bool { true }
    public static let description = """
        Write a file with the given content, replacing it if it exists and creating parent \
        directories. Prefer `patch` for small changes to existing files.
        """

    public init() {}

    public var spec: ToolSpec {
        ToolSpec(name: "write_file", description: Self.description, parameters: schema([
            "path": ["type": "string", "description": "File path, absolute or relative to the working directory."],
            "content": ["type": "string", "description": "The complete new content of the file."],
        ], required: ["path", "content"]))
    }

    public func approvalReason(for arguments: JSONValue, context: ToolContext) -> String? {
        context.writeApproval(arguments["path"]?.stringValue)
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        let path: String, content: String
        do {
            path = context.resolve(try args.string("path"))
            content = try args.string("content")
        } catch { return .error(error.message) }
        let existed: Bool
        do { existed = try await context.backend.writeFile(path, contents: Data(content.utf8)) } catch { return .error(error.message) }
        let lines = content.isEmpty ? 0 : content.split(separator: "\n", omittingEmptySubsequences: false).count
        return ToolOutput(text: "\(existed ? "Replaced" : "Created") \(path) (\(content.utf8.count) bytes, \(lines) lines)")
    }
}
