import AgentProtocol
import Exec
import Foundation

/// `read_file`: a text file's lines, numbered, with paging for large files.
public struct ReadFileTool: Tool {
    public static let description = """
        Read a text file. Returns lines prefixed with their 1-based numbers ("   12|text"). \
        Use offset and limit to page through large files (default: first 2000 lines). \
        Binary files are refused.
        """
    static let maxBytes = 256 * 1024

    public init() {}

    public var spec: ToolSpec {
        ToolSpec(name: "read_file", description: Self.description, parameters: schema([
            "path": ["type": "string", "description": "File path, absolute or relative to the working directory."],
            "offset": ["type": "integer", "description": "First line to return, 1-based (default 1)."],
            "limit": ["type": "integer", "description": "Number of lines to return (default 2000)."],
        ], required: ["path"]))
    }

    public func approvalReason(for arguments: JSONValue, context: ToolContext) -> String? {
        context.readApproval(arguments["path"]?.stringValue)
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        let path: String, offset: Int, limit: Int
        do {
            path = context.resolve(try args.string("path"))
            offset = max(1, try args.optionalInt("offset") ?? 1)
            limit = min(max(1, try args.optionalInt("limit") ?? 2000), 10_000)
        } catch { return .error(error.message) }
        let data: Data
        do { data = try await context.backend.readFile(path) } catch {
            return .error(error.message.hasSuffix(" is a directory") ? error.message + "; use list_dir" : error.message)
        }
        if let type = ImageRef.mediaType(forPath: path), data.count <= ImageRef.maxBytes {
            // An image is for the model to look at: a copy on this machine follows the result.
            var local = path
            if !context.backend.filesAreLocal {
                local = NSTemporaryDirectory() + "talaria-read-\(UUID().uuidString.prefix(8))." + (path as NSString).pathExtension
                guard (try? data.write(to: URL(fileURLWithPath: local))) != nil else { return .error("cannot copy the image \(path) here") }
            }
            var out = ToolOutput(text: "\(path) is an image (\(type), \(data.count / 1024 + 1) KB); it follows as an image.")
            out.images = [local]
            return out
        }
        if data.prefix(8192).contains(0) { return .error("\(path) is a binary file (\(data.count) bytes)") }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        if lines.isEmpty { return ToolOutput(text: "(empty file)") }
        guard offset <= lines.count else { return .error("offset \(offset) is past the end: the file has \(lines.count) lines") }
        let end = min(lines.count, offset - 1 + limit)
        var out = ""
        var bytes = 0
        var last = offset - 1
        for i in (offset - 1)..<end {
            let line = lines[i].count > 2000 ? String(lines[i].prefix(2000)) + "… [line truncated]" : lines[i]
            let entry = String(repeating: " ", count: max(0, 6 - String(i + 1).count)) + "\(i + 1)|\(line)\n"
            bytes += entry.utf8.count
            if bytes > Self.maxBytes { break }
            out += entry
            last = i + 1
        }
        if last < lines.count {
            out += "[showing lines \(offset)-\(last) of \(lines.count); use offset=\(last + 1) to read more]\n"
        }
        return ToolOutput(text: out)
    }
}
