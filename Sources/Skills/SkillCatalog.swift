import Foundation

/// The `<available_skills>` block the system prompt carries: name, description and the
/// location of each skill's file — the body is read only when the agent uses the skill.
public enum SkillCatalog {
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var description: String
        /// The absolute path of the skill's `SKILL.md`.
        public var location: String
        public init(name: String, description: String, location: String) {
            self.name = name
            self.description = description
            self.location = location
        }
    }

    /// The block, one tag or value a line, name and description HTML-escaped (as the reference).
    public static func prompt(_ entries: [Entry]) -> String {
        (["<available_skills>"] + entries.map(block) + ["</available_skills>"]).joined(separator: "\n")
    }

    /// One entry's `<skill>` element, as `prompt` writes it.
    public static func block(_ e: Entry) -> String {
        ["<skill>", "<name>", escape(e.name), "</name>", "<description>", escape(e.description), "</description>",
         "<location>", e.location, "</location>", "</skill>"].joined(separator: "\n")
    }

    /// Python's `html.escape(s, quote=True)`.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#x27;"
            default: out.append(c)
            }
        }
        return out
    }

    /// The catalog entry for a skill folder (lenient: only name and description are needed).
    public static func entry(directory: String) throws(SkillError) -> Entry {
        let file = try SkillFile.read(directory: directory)
        let props = try SkillProperties(file)
        let location = URL(fileURLWithPath: file.path).standardizedFileURL.resolvingSymlinksInPath().path
        return Entry(name: props.name, description: props.description, location: location)
    }
}

/// A skill's `allowed-tools` (agentskills.io, experimental): tools pre-approved while the skill is
/// in use, e.g. `Bash(git:*) Bash(npm test) Read`. Parsed from the string or list form.
public struct AllowedTools: Sendable, Hashable {
    /// Shell command patterns: an exact command, or a prefix when it ends in `:*` or `*`.
    public var commands: [String] = []
    /// Tool names allowed whole (`Bash` alone allows every command).
    public var tools: Set<String> = []

    public init(_ value: YAMLValue?) {
        var items: [String] = []
        switch value {
        case .string(let s)?:
            // Space-separated, but a `Bash(…)` entry may hold spaces.
            var depth = 0, current = ""
            for c in s {
                if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
                if (c == " " || c == ",") && depth == 0 { if !current.isEmpty { items.append(current) }; current = "" } else { current.append(c) }
            }
            if !current.isEmpty { items.append(current) }
        case .list(let l)?: items = l.compactMap(\.string)
        default: break
        }
        for item in items {
            if let open = item.firstIndex(of: "("), item.hasSuffix(")") {
                let name = String(item[..<open]), arg = String(item[item.index(after: open)..<item.index(before: item.endIndex)])
                if name.lowercased() == "bash" || name.lowercased() == "shell" { commands.append(arg) } else { tools.insert(name.lowercased()) }
            } else {
                tools.insert(item.lowercased())
            }
        }
    }

    /// Whether `command` (for the terminal tool) is pre-approved.
    public func allows(command: String) -> Bool {
        if tools.contains("bash") || tools.contains("shell") { return true }
        let c = command.trimmingCharacters(in: .whitespaces)
        return commands.contains { p in
            if p.hasSuffix(":*") { let prefix = String(p.dropLast(2)); return c == prefix || c.hasPrefix(prefix + " ") }
            if p.hasSuffix("*") { return c.hasPrefix(String(p.dropLast())) }
            return c == p
        }
    }
}
