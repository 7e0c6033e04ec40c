import Exec
import Foundation

/// `list_dir` and `search_files` on a backend whose files are not this machine's: the same
/// walk (skipped folders, hidden files, limits) done by `find` and `grep` on the target, one
/// command each, parsed back into the tools' own output.
enum RemoteFiles {
    /// `find`'s pruning of the folders ``FileWalker`` skips (and of hidden entries unless wanted).
    static func prune(hidden: Bool) -> String {
        var names = FileWalker.skipped.sorted().map { "-name \(shellQuote($0))" }
        if !hidden { names.append("\\( -name '.*' ! -name .github \\)") }
        return "\\( " + names.joined(separator: " -o ") + " \\) -prune"
    }

    struct Entry {
        var path: String
        var isDirectory: Bool
        var size: Int
    }

    /// Entries under `root` to `depth` levels, breadth-first and sorted like ``FileWalker``.
    static func list(_ root: String, depth: Int, hidden: Bool, limit: Int, context: ToolContext) async throws(ToolArgumentError) -> [Entry] {
        let command = "\(enter(root)); find . -mindepth 1 -maxdepth \(depth) \(prune(hidden: hidden)) -o -printf '%y %s %P\\n' 2>/dev/null | head -n \(limit * 4)"
        let text = try await capture(command, root: root, context: context)
        let entries = text.split(separator: "\n").compactMap { line -> Entry? in
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            return Entry(path: String(parts[2]), isDirectory: parts[0] == "d", size: Int(parts[1]) ?? 0)
        }
        return byWalkOrder(entries, path: { $0.path })
    }

    /// Paths under `root` whose names match `glob`.
    static func findFiles(_ root: String, glob: String, max: Int, context: ToolContext) async throws(ToolArgumentError) -> [String] {
        let test = glob.contains("/") ? "-path \(shellQuote("./" + glob.replacingOccurrences(of: "**/", with: "*")))" : "-name \(shellQuote(glob))"
        let command = "\(enter(root)); find . -mindepth 1 \(prune(hidden: false)) -o -type f \(test) -printf '%P\\n' 2>/dev/null | head -n \(max + 1)"
        return byWalkOrder(try await capture(command, root: root, context: context).split(separator: "\n").map(String.init), path: { $0 })
    }

    /// `path:line:text` for lines matching `pattern` (PCRE where grep has it, else ERE).
    static func grep(_ root: String, pattern: String, glob: String?, ignoreCase: Bool, max: Int, context: ToolContext) async throws(ToolArgumentError) -> [String] {
        var flags = "-rnI" + (ignoreCase ? "i" : "")
        flags += FileWalker.skipped.sorted().map { " --exclude-dir=\(shellQuote($0))" }.joined()
        if let glob { flags += " --include=\(shellQuote(glob))" }
        let command = """
            \(enter(root))
            if grep -P '' /dev/null 2>/dev/null; [ $? -le 1 ]; then re=-P; else re=-E; fi
            grep \(flags) $re -e \(shellQuote(pattern)) . 2>/dev/null | head -n \(max + 1)
            """
        // Hidden files and folders are left out as locally (grep cannot exclude them and keep
        // .github); results come in the local walk's order: by depth, then path, then line.
        let hits = try await capture(command, root: root, context: context).split(separator: "\n").compactMap { line -> (String, Int, String)? in
            let s = line.hasPrefix("./") ? line.dropFirst(2) : line[...]
            let parts = s.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let n = Int(parts[1]) else { return nil }
            let path = String(parts[0])
            guard !path.split(separator: "/").contains(where: { $0.hasPrefix(".") && $0 != ".github" }) else { return nil }
            let text = String(parts[2])
            return (path, n, text.count > 300 ? String(text.prefix(300)) + "…" : text)
        }
        return byWalkOrder(hits, path: { $0.0 }, then: { $0.1 < $1.1 }).map { "\($0.0):\($0.1):\($0.2)" }
    }

    /// Sorts like ``FileWalker``'s breadth-first walk: shallower paths first, then by path.
    static func byWalkOrder<T>(_ items: [T], path: (T) -> String, then: (T, T) -> Bool = { _, _ in false }) -> [T] {
        items.sorted { a, b in
            let (pa, pb) = (path(a), path(b))
            let (da, db) = (pa.split(separator: "/").count, pb.split(separator: "/").count)
            if da != db { return da < db }
            return pa != pb ? pa < pb : then(a, b)
        }
    }

    private static func capture(_ command: String, root: String, context: ToolContext) async throws(ToolArgumentError) -> String {
        let r: CommandResult
        do {
            r = try await context.backend.run(CommandSpec(command: command, cwd: "/", timeout: 60, usePTY: false)) { _ in }
        } catch { throw ToolArgumentError("cannot search on \(context.backend.identity): \(error.message)") }
        let text = String(decoding: r.output, as: UTF8.self)
        if text == missing + "\n" { throw ToolArgumentError("no such directory: \(root)") }
        return text
    }

    static let missing = "TALARIA-NO-SUCH-DIRECTORY"

    /// Enters `root`, or says (once, on stdout) that it is not a directory there.
    static func enter(_ root: String) -> String {
        "cd \(shellQuote(root)) 2>/dev/null || { echo \(missing); exit 2; }"
    }
}
