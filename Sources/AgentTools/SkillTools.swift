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

/// What the system prompt says about skills for a turn.
public protocol SkillPromptSource: Sendable {
    /// The skills section for a turn whose request is `query`; nil when there are no skills.
    func promptSection(for query: String) -> String?
}

/// The catalog from a library: every skill while they fit `budget` tokens, else the most
/// relevant to the turn (BM25), with a pointer to `skills_list` for the rest.
public struct SkillCatalogPrompt: SkillPromptSource {
    public let library: SkillLibrary
    public let budget: Int
    public init(library: SkillLibrary, budget: Int = 2_000) {
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
}
