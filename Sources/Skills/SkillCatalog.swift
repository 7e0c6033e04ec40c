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
        var out = ["<available_skills>"]
        for e in entries {
            out += ["<skill>", "<name>", escape(e.name), "</name>", "<description>", escape(e.description), "</description>",
                    "<location>", e.location, "</location>", "</skill>"]
        }
        out.append("</available_skills>")
        return out.joined(separator: "\n")
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
