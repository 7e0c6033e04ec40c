import AgentProtocol
import Foundation
import Skills

/// The instruction files a project (and the user) leave for agents, found the way peers find
/// them: `~/.talaria/AGENTS.md` (global), then from the repository's root down to the working
/// folder, at each level `AGENTS.md` (or `.talaria/AGENTS.md`), `CLAUDE.md`, `.hermes.md`,
/// `.cursorrules` and `.cursor/rules/*.mdc`. Each is capped; a file with prompt-injection phrases
/// or hidden Unicode is withheld from the model, with the reason the user sees.
public struct ContextFile: Sendable, Hashable {
    /// Where it is, as the user reads it (`~/…` or relative to the repository's root).
    public var label: String
    public var path: String
    /// What the model reads (empty when withheld).
    public var text: String
    public var bytes: Int
    public var truncated: Bool
    /// Why the model does not read it.
    public var withheld: String?

    public var tokens: Int { withheld == nil ? text.utf8.count / 4 : 0 }
}

public enum ProjectContext {
    public static let fileLimit = 20_000
    static let names = ["AGENTS.md", ".talaria/AGENTS.md", "CLAUDE.md", ".hermes.md", ".cursorrules"]

    /// Every context file for a session in `cwd`, most general first.
    public static func discover(cwd: String, talariaHome: String) -> [ContextFile] {
        let fm = FileManager.default
        var out: [ContextFile] = []
        let global = talariaHome + "/AGENTS.md"
        if let f = read(global, label: abbreviate(global)) { out.append(f) }
        let here = (cwd as NSString).standardizingPath
        let root = repositoryRoot(of: here) ?? here
        var levels = [here]
        var dir = here
        while dir != root, dir.hasPrefix(root) {
            dir = (dir as NSString).deletingLastPathComponent
            levels.insert(dir, at: 0)
        }
        for level in levels {
            let prefix = level == root ? "" : String(level.dropFirst(root.count + 1)) + "/"
            // AGENTS.md and .talaria/AGENTS.md are one file: the first found.
            var agents = false
            for name in names {
                if name.hasSuffix("AGENTS.md") { if agents { continue } }
                guard let f = read(level + "/" + name, label: prefix + name) else { continue }
                if name.hasSuffix("AGENTS.md") { agents = true }
                out.append(f)
            }
            let rules = level + "/.cursor/rules"
            for name in ((try? fm.contentsOfDirectory(atPath: rules)) ?? []).filter({ $0.hasSuffix(".mdc") }).sorted() {
                if let f = read(rules + "/" + name, label: prefix + ".cursor/rules/" + name) { out.append(f) }
            }
        }
        return out
    }

    /// The prompt's section: each file the model may read, under its label.
    public static func section(_ files: [ContextFile]) -> String? {
        let shown = files.filter { $0.withheld == nil && !$0.text.isEmpty }
        guard !shown.isEmpty else { return nil }
        return "Project instructions (follow them; a file in a deeper folder takes precedence over one above it):\n\n"
            + shown.map { "## \($0.label)\n\($0.text)" }.joined(separator: "\n\n")
    }

    static func read(_ path: String, label: String) -> ContextFile? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
              let data = FileManager.default.contents(atPath: path) else { return nil }
        var text = String(decoding: data.prefix(fileLimit), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let truncated = data.count > fileLimit
        if truncated { text += "\n[… truncated at \(fileLimit / 1000) KB]" }
        // Install instructions (`curl … | sh`) are normal in these files; injection is not.
        let flagged = SkillScanner.scan(text: text, file: label).first { f in
            f.severity == .dangerous && (f.rule == "prompt injection" || f.rule == "hidden Unicode")
        }
        let why = flagged.map { "\($0.rule) on line \($0.line): \($0.excerpt.prefix(80))" }
        return ContextFile(label: label, path: path, text: why == nil ? text : "", bytes: data.count, truncated: truncated, withheld: why)
    }

    static func repositoryRoot(of dir: String) -> String? {
        var d = dir
        while true {
            if FileManager.default.fileExists(atPath: d + "/.git") { return d }
            let up = (d as NSString).deletingLastPathComponent
            if up == d || up.isEmpty { return nil }
            d = up
        }
    }

    static func abbreviate(_ path: String) -> String {
        let home = UserHome.path
        return path.hasPrefix(home + "/") ? "~" + path.dropFirst(home.count) : path
    }
}
