import AgentProtocol
import Exec
import Foundation

/// `list_dir`: a directory's entries (recursively to a depth), with sizes.
public struct ListDirTool: Tool {
    public static let description = """
        List files and directories (directories end with "/", files show their size). \
        Skips .git, node_modules, build folders and hidden files unless show_hidden is true. \
        Use depth > 1 to list subdirectories too (default 1, at most 500 entries).
        """
    static let maxEntries = 500

    public init() {}

    public var spec: ToolSpec {
        ToolSpec(name: "list_dir", description: Self.description, parameters: schema([
            "path": ["type": "string", "description": "Directory (default: the working directory)."],
            "depth": ["type": "integer", "description": "How many levels to list (default 1, max 10)."],
            "show_hidden": ["type": "boolean", "description": "Include dot-files (default false)."],
        ], required: []))
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        let path: String, depth: Int, hidden: Bool
        do {
            path = context.resolve(try args.optionalString("path") ?? ".")
            depth = min(max(1, try args.optionalInt("depth") ?? 1), 10)
            hidden = try args.optionalBool("show_hidden") ?? false
        } catch { return .error(error.message) }
        var lines: [String] = []
        var files = 0, dirs = 0
        var truncated = false
        if !context.backend.filesAreLocal {
            let entries: [RemoteFiles.Entry]
            do { entries = try await RemoteFiles.list(path, depth: depth, hidden: hidden, limit: Self.maxEntries, context: context) } catch {
                return .error(error.message)
            }
            for e in entries {
                if lines.count >= Self.maxEntries { truncated = true; break }
                if e.isDirectory { dirs += 1 } else { files += 1 }
                lines.append(e.isDirectory ? e.path + "/" : "\(e.path)  (\(Self.humanSize(e.size)))")
            }
            return Self.report(path, lines: lines, files: files, dirs: dirs, truncated: truncated)
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return .error("no such directory: \(path)") }
        guard isDir.boolValue else { return .error("\(path) is a file; use read_file") }
        FileWalker(root: path, maxDepth: depth, includeHidden: hidden).walk { rel, isDirectory in
            if lines.count >= Self.maxEntries { truncated = true; return false }
            if isDirectory {
                dirs += 1
                lines.append(rel + "/")
            } else {
                files += 1
                let size = (try? FileManager.default.attributesOfItem(atPath: path + "/" + rel)[.size] as? Int) ?? 0
                lines.append("\(rel)  (\(Self.humanSize(size)))")
            }
            return true
        }
        return Self.report(path, lines: lines, files: files, dirs: dirs, truncated: truncated)
    }

    static func report(_ path: String, lines: [String], files: Int, dirs: Int, truncated: Bool) -> ToolOutput {
        if lines.isEmpty { return ToolOutput(text: "\(path) is empty") }
        var text = "\(path): \(files) file\(files == 1 ? "" : "s"), \(dirs) director\(dirs == 1 ? "y" : "ies")\(truncated ? " (first \(Self.maxEntries) entries)" : "")\n"
        text += lines.joined(separator: "\n")
        return ToolOutput(text: text)
    }

    static func humanSize(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1024 * 1024 { return String(format: "%.1f KB", Double(n) / 1024) }
        return String(format: "%.1f MB", Double(n) / 1048576)
    }
}
