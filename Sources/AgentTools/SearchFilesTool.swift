import AgentProtocol
import Exec
import Foundation

/// `search_files`: regex search in file contents, or file-name search by glob.
public struct SearchFilesTool: Tool {
    public static let description = """
        Search the project. target "content" (default): lines matching a regular expression, as \
        path:line:text. target "files": paths whose name matches a glob such as "*.swift". \
        Skips .git, node_modules, build folders and binary files. Narrow with path and glob.
        """

    public init() {}

    public var spec: ToolSpec {
        ToolSpec(name: "search_files", description: Self.description, parameters: schema([
            "pattern": ["type": "string", "description": "Regular expression (content) or glob (files)."],
            "target": ["type": "string", "enum": ["content", "files"], "description": "What to search (default content)."],
            "path": ["type": "string", "description": "Directory to search (default: the working directory)."],
            "glob": ["type": "string", "description": "Only search files whose name matches this glob, e.g. *.py."],
            "ignore_case": ["type": "boolean", "description": "Case-insensitive match (default false)."],
            "max_results": ["type": "integer", "description": "Maximum matches to return (default 100)."],
        ], required: ["pattern"]))
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        let pattern: String, target: String, root: String, glob: String?, ignoreCase: Bool, maxResults: Int
        do {
            pattern = try args.string("pattern")
            target = try args.optionalString("target") ?? "content"
            root = context.resolve(try args.optionalString("path") ?? ".")
            glob = try args.optionalString("glob")
            ignoreCase = try args.optionalBool("ignore_case") ?? false
            maxResults = min(max(1, try args.optionalInt("max_results") ?? 100), 1000)
        } catch { return .error(error.message) }
        if !context.backend.filesAreLocal {
            do {
                let found = target == "files"
                    ? try await RemoteFiles.findFiles(root, glob: pattern, max: maxResults, context: context)
                    : try await RemoteFiles.grep(root, pattern: pattern, glob: glob, ignoreCase: ignoreCase, max: maxResults, context: context)
                return Self.report(Array(found.prefix(maxResults)), more: found.count > maxResults, pattern: pattern, root: root, max: maxResults)
            } catch { return .error(error.message) }
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            return .error("no such directory: \(root)")
        }
        var results: [String] = []
        var more = false
        if target == "files" {
            FileWalker(root: root).walk { rel, isDirectory in
                guard !isDirectory, globMatches(pattern, rel) else { return true }
                if results.count >= maxResults { more = true; return false }
                results.append(rel)
                return true
            }
        } else {
            let re: NSRegularExpression
            do { re = try NSRegularExpression(pattern: pattern, options: ignoreCase ? [.caseInsensitive] : []) } catch {
                return .error("invalid regular expression: \(pattern)")
            }
            FileWalker(root: root).walk { rel, isDirectory in
                guard !isDirectory else { return true }
                if let glob, !globMatches(glob, rel) { return true }
                guard let data = FileManager.default.contents(atPath: root + "/" + rel), data.count < 4_000_000,
                      !data.prefix(4096).contains(0) else { return true }
                let text = String(decoding: data, as: UTF8.self)
                var lineNo = 0
                for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                    lineNo += 1
                    let s = String(line)
                    if re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil {
                        if results.count >= maxResults { more = true; return false }
                        results.append("\(rel):\(lineNo):\(s.count > 300 ? String(s.prefix(300)) + "…" : s)")
                    }
                }
                return true
            }
        }
        return Self.report(results, more: more, pattern: pattern, root: root, max: maxResults)
    }

    static func report(_ results: [String], more: Bool, pattern: String, root: String, max: Int) -> ToolOutput {
        if results.isEmpty { return ToolOutput(text: "no matches for \(pattern) in \(root)") }
        return ToolOutput(text: results.joined(separator: "\n") + (more ? "\n[more than \(max) matches; narrow the search]" : ""))
    }
}
