import AgentProtocol
import Foundation
import Skills

/// `skills_list`: every skill the agent can use (the system prompt may carry only the most
/// relevant ones when there are many).
public struct SkillsListTool: Tool {
    let library: SkillLibrary
    public init(library: SkillLibrary) { self.library = library }

    public var spec: ToolSpec {
        ToolSpec(name: "skills_list", description: """
            List the available skills (procedures for specific tasks), each with its description. \
            Optionally filter by words. Read one with skill_view before following it.
            """, parameters: schema(["query": ["type": "string", "description": "Words to filter by (optional)."]], required: []))
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        library.refresh()
        let query = (try? ToolArguments(arguments).optionalString("query")) ?? nil
        var skills = library.skills
        if let q = query?.lowercased(), !q.isEmpty {
            let words = q.split(separator: " ")
            skills = skills.filter { s in words.allSatisfy { (s.name + " " + s.description).lowercased().contains($0) } }
        }
        guard !skills.isEmpty else { return ToolOutput(text: query == nil ? "No skills are installed." : "No skill matches \"\(query!)\".") }
        return ToolOutput(text: skills.map { "- \($0.name): \($0.description)" }.joined(separator: "\n"))
    }
}

/// `skill_view`: a skill's instructions (its SKILL.md), or one of its files on demand.
public struct SkillViewTool: Tool {
    let library: SkillLibrary
    public init(library: SkillLibrary) { self.library = library }
    static let maxBytes = 200_000

    public var spec: ToolSpec {
        ToolSpec(name: "skill_view", description: """
            Read a skill: its SKILL.md instructions, or with file_path one of its files \
            (scripts/, references/, assets/). Use it before following a skill.
            """, parameters: schema([
                "name": ["type": "string", "description": "The skill's name."],
                "file_path": ["type": "string", "description": "A file inside the skill's folder, relative to it (optional)."],
            ], required: ["name"]))
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        let name: String, file: String?
        do {
            name = try args.string("name")
            file = try args.optionalString("file_path")
        } catch { return .error(error.message) }
        library.refresh()
        guard let skill = library.skill(named: name) else {
            let names = library.skills.map(\.name).sorted().prefix(30).joined(separator: ", ")
            return .error("no skill named \"\(name)\"; available: \(names.isEmpty ? "none" : names)")
        }
        // The whole folder is scanned before anything of it reaches the model.
        let (safety, findings) = SkillScanner.scan(directory: skill.directory)
        if safety == .dangerous, !library.isAllowed(name), let f = findings.first {
            return .error("skill \(name) is withheld: \(f.rule) in \(f.file):\(f.line) (\(f.excerpt)). The user can allow it in the skill browser; do not follow it.")
        }
        var path = skill.file
        if let file, !file.isEmpty {
            let base = URL(fileURLWithPath: skill.directory).standardizedFileURL.resolvingSymlinksInPath().path
            let target = URL(fileURLWithPath: base + "/" + file).standardizedFileURL.resolvingSymlinksInPath().path
            guard target.hasPrefix(base + "/") else { return .error("file_path must stay inside the skill's folder") }
            path = target
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let files = (FileManager.default.subpaths(atPath: skill.directory) ?? []).filter { !$0.hasPrefix(".") }.sorted().prefix(50)
            return .error("cannot read \(file ?? "SKILL.md") in skill \(name); its files: \(files.joined(separator: ", "))")
        }
        guard !data.prefix(8192).contains(0) else { return .error("\(file ?? "SKILL.md") is a binary file") }
        var text = String(decoding: data.prefix(Self.maxBytes), as: UTF8.self)
        if data.count > Self.maxBytes { text += "\n[… truncated at \(Self.maxBytes) bytes]" }
        if file == nil {
            let files = (FileManager.default.subpaths(atPath: skill.directory) ?? [])
                .filter { !$0.hasPrefix(".") && $0 != "SKILL.md" && $0 != "skill.md" }.sorted().prefix(50)
            if !files.isEmpty { text += "\n\n[Files in this skill (read with file_path): \(files.joined(separator: ", "))]" }
        }
        return ToolOutput(text: text)
    }
}

/// What the model is told about skills: a section of the session's system prompt, frozen at
/// the first turn, and for later turns a note on the skills that section does not list.
public protocol SkillPromptSource: Sendable {
    /// The skills section for a session whose first request is `query`; nil when there are no skills.
    func promptSection(for query: String) -> String?
    /// For a later turn whose request is `query`: the skills most relevant to it (or created or
    /// changed since) that `section` does not list; nil when it lists them all.
    func turnNote(for query: String, besides section: String?) -> String?
}

/// The catalog from a library: every skill while they fit `budget` tokens, else the most
/// relevant to the turn (BM25), with a pointer to `skills_list` for the rest.
public struct SkillCatalogPrompt: SkillPromptSource {
    public let library: SkillLibrary
    public let budget: Int
    public init(library: SkillLibrary, budget: Int) {
        self.library = library
        self.budget = budget
    }

    public func promptSection(for query: String) -> String? {
        library.refresh()
        guard !library.skills.isEmpty else { return nil }
        let (entries, complete) = library.catalog(for: query, budget: budget)
        var text = """
            Skills are instructions for specific tasks. When one below fits the request, read it with \
            skill_view before acting, and follow it.
            """
        if !complete {
            text += " Only the \(entries.count) most relevant of \(library.skills.count) skills are listed; skills_list shows them all."
        }
        return text + "\n" + SkillCatalog.prompt(entries)
    }

    public func turnNote(for query: String, besides section: String?) -> String? {
        library.refresh()
        guard !library.skills.isEmpty else { return nil }
        // A quarter of the budget: the note joins the conversation for good, turn after turn.
        let missing = library.catalog(for: query, budget: budget / 4).entries.filter { !(section ?? "").contains(SkillCatalog.block($0)) }
        guard !missing.isEmpty else { return nil }
        return "Skills that may fit this request, besides those in the system prompt (new, changed or more relevant now):\n"
            + SkillCatalog.prompt(missing)
    }
}

/// `skill_manage`: the agent writes procedural memory — creates a skill after a task that
/// worked, patches one that was wrong. Every write is validated first and refused with the
/// reason when the result would be invalid; writes are atomic, the previous version is kept in
/// the skill's `.history/`, deleting archives, and skills the agent creates record where they
/// came from (`metadata`: created-by, created-at, source-session).
public struct SkillManageTool: Tool {
    let library: SkillLibrary
    let writer: SkillWriter
    public init(library: SkillLibrary, writer: SkillWriter) {
        self.library = library
        self.writer = writer
    }

    public var spec: ToolSpec {
        ToolSpec(name: "skill_manage", description: """
            Create or improve a skill (a SKILL.md folder: YAML front matter with name and description, \
            then Markdown instructions). Actions: create (name, content), edit (name, content: the whole \
            new SKILL.md), patch (name, old, new: replace one exact passage; file_path for other files), \
            write_file / remove_file (name, file_path under scripts/, references/ or assets/, content), \
            delete (name; archived, not lost). The name is lowercase letters, digits and hyphens and is \
            the folder's name. Invalid results are refused with the reason.
            """, parameters: schema([
                "action": ["type": "string", "enum": ["create", "edit", "patch", "delete", "write_file", "remove_file"]],
                "name": ["type": "string", "description": "The skill's name."],
                "content": ["type": "string", "description": "SKILL.md text (create, edit) or file text (write_file)."],
                "old": ["type": "string", "description": "patch: the exact text to replace."],
                "new": ["type": "string", "description": "patch: the replacement."],
                "file_path": ["type": "string", "description": "A file inside the skill (write_file, remove_file, patch)."],
            ], required: ["action", "name"]))
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        do {
            let action = try args.string("action"), name = try args.string("name")
            library.refresh()
            let existing = library.skill(named: name)
            func target() throws(SkillError) -> Skill {
                guard let s = existing else { throw SkillError("no skill named \"\(name)\"") }
                guard s.source != .external else { throw SkillError("\(name) belongs to another agent's folder (\(s.directory)); it is read-only") }
                return s
            }
            let result: String
            switch action {
            case "create":
                if let s = existing { throw SkillError("a skill named \"\(name)\" already exists (\(s.directory)); patch or edit it instead") }
                let similar = library.skills.filter { SkillSimilarity.isNearDuplicate(name: name, content: try? args.string("content"), of: $0) }
                if let s = similar.first { throw SkillError("\"\(s.name)\" already covers this (\(s.description)); patch it instead of creating a near-duplicate") }
                let dir = try writer.create(name: name, content: try args.string("content"), provenance: [
                    "created-by": "talaria", "created-at": ISO8601DateFormatter().string(from: Date()), "source-session": context.sessionID,
                ])
                result = "created \(name) at \(dir)"
            case "edit":
                try writer.edit(directory: try target().directory, content: try args.string("content"))
                result = "rewrote \(name)/SKILL.md (the previous version is in .history/)"
            case "patch":
                let file = try args.optionalString("file_path") ?? "SKILL.md"
                try writer.patch(directory: try target().directory, old: try args.string("old"), new: try args.string("new"), file: file)
                result = "patched \(name)/\(file) (the previous version is in .history/)"
            case "write_file":
                let file = try args.string("file_path")
                try writer.writeFile(directory: try target().directory, file: file, content: try args.string("content"))
                result = "wrote \(name)/\(file)"
            case "remove_file":
                let file = try args.string("file_path")
                try writer.removeFile(directory: try target().directory, file: file)
                result = "removed \(name)/\(file) (kept in .history/)"
            case "delete":
                result = "archived \(name) to \(try writer.delete(directory: try target().directory))"
            default:
                throw SkillError("unknown action \"\(action)\"; use create, edit, patch, delete, write_file or remove_file")
            }
            library.refresh()
            return ToolOutput(text: result)
        } catch let e as SkillError {
            return .error(e.message)
        } catch let e as ToolArgumentError {
            return .error(e.message)
        } catch {
            return .error("\(error)")
        }
    }
}
