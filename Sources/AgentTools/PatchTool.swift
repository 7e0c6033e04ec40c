import AgentProtocol
import Exec
import Foundation

/// `patch`: exact search-and-replace in one file, refusing ambiguous or missing matches.
public struct PatchTool: Tool {
    public var changesFiles: Bool { true }
    public static let description = """
        Edit a file by replacing an exact piece of text. old_string must appear exactly once \
        (include surrounding lines to make it unique) unless replace_all is true. Whitespace \
        and indentation must match the file exactly; read the file first.
        """

    public init() {}

    public var spec: ToolSpec {
        ToolSpec(name: "patch", description: Self.description, parameters: schema([
            "path": ["type": "string", "description": "File to edit."],
            "old_string": ["type": "string", "description": "The exact text to replace."],
            "new_string": ["type": "string", "description": "The replacement text."],
            "replace_all": ["type": "boolean", "description": "Replace every occurrence (default false)."],
        ], required: ["path", "old_string", "new_string"]))
    }

    public func approvalReason(for arguments: JSONValue, context: ToolContext) -> String? {
        context.writeApproval(arguments["path"]?.stringValue)
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        let path: String, old: String, new: String, all: Bool
        do {
            path = context.resolve(try args.string("path"))
            old = try args.string("old_string")
            new = try args.string("new_string")
            all = try args.optionalBool("replace_all") ?? false
        } catch { return .error(error.message) }
        guard !old.isEmpty else { return .error("old_string is empty; use write_file to create a file") }
        guard old != new else { return .error("old_string and new_string are the same; nothing to change") }
        let data: Data
        do { data = try await context.backend.readFile(path) } catch { return .error(error.message) }
        let text = String(decoding: data, as: UTF8.self)
        let ranges = Self.occurrences(of: old, in: text)
        if ranges.isEmpty {
            return .error("old_string was not found in \(path). \(Self.hint(for: old, in: text))")
        }
        if ranges.count > 1 && !all {
            let lines = ranges.prefix(10).map { String(Self.lineNumber(of: $0.lowerBound, in: text)) }.joined(separator: ", ")
            return .error("old_string occurs \(ranges.count) times in \(path) (lines \(lines)); add surrounding text to make it unique, or set replace_all")
        }
        var result = ""
        var cursor = text.startIndex
        for r in ranges {
            result += text[cursor..<r.lowerBound]
            result += new
            cursor = r.upperBound
        }
        result += text[cursor...]
        do { try await context.backend.writeFile(path, contents: Data(result.utf8)) } catch { return .error(error.message) }
        let line = Self.lineNumber(of: ranges[0].lowerBound, in: text)
        return ToolOutput(text: "Patched \(path): \(ranges.count) replacement\(ranges.count == 1 ? "" : "s") (first at line \(line))")
    }

    static func occurrences(of needle: String, in text: String) -> [Range<String.Index>] {
        var out: [Range<String.Index>] = []
        var from = text.startIndex
        while let r = text.range(of: needle, range: from..<text.endIndex) {
            out.append(r)
            from = r.upperBound
        }
        return out
    }

    static func lineNumber(of index: String.Index, in text: String) -> Int {
        text[..<index].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }

    /// Points at the likely cause: a first line that matches with different whitespace.
    static func hint(for old: String, in text: String) -> String {
        let first = old.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !first.isEmpty else { return "Read the file and copy the text exactly." }
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.trimmingCharacters(in: .whitespaces) == first {
            return "Line \(i + 1) has the same text with different indentation or surroundings; read the file and copy it exactly."
        }
        return "Read the file and copy the text exactly, including whitespace."
    }
}
