import AgentProtocol
import Foundation
import Memory
import LLMClient
import Skills

/// When and how the agent reviews its work to improve its skills.
public struct SkillReviewSettings: Sendable, Hashable {
    /// Review after a turn with at least this many tool iterations.
    public var reviewAfter: Int
    /// Apply proposals at once (never to skills the user wrote: those always ask).
    public var autoAccept: Bool
    /// Where new skills go (the user's skills folder).
    public var root: String

    public init(reviewAfter: Int, autoAccept: Bool, root: String) {
        self.reviewAfter = reviewAfter
        self.autoAccept = autoAccept
        self.root = root
    }
}

/// The review's prompt and the parsing of its answer (pure).
public enum SkillReviewPrompt {
    /// What the review decides and how it answers.
    static let criteria = """
        Decide one of:
        - a new skill, when the task took several steps that worked and will likely recur;
        - a patch to an existing skill that was used and turned out wrong or incomplete;
        - nothing, which is the usual answer.
        Reply with exactly one JSON object and nothing else:
        {"action":"create","name":"lowercase-hyphenated-name","description":"what it does and when to use it","body":"# Title\\n\\n1. step\\n2. step","reason":"why"}
        {"action":"patch","name":"existing-skill","old":"exact text in its SKILL.md","new":"replacement","reason":"why"}
        or the word NONE.
        """

    /// The names the answer template shows (`criteria`): a proposal carrying one is a copy of it.
    static let placeholderNames: Set<String> = ["lowercase-hyphenated-name", "existing-skill"]

    /// The review as a request of its own (when the session has no prompt to extend).
    public static let system = """
        You review a finished task to improve the agent's skills: short Markdown procedures it \
        reuses for tasks that recur. \(criteria)
        """

    /// The review as the last message of a fork of the conversation (see `Agent.forkRequest`):
    /// the model reads the task itself, and the server's cache serves all of it.
    public static func forkInstructions(existing: [Skill]) -> String {
        "<system-reminder>\nThis is not a message from the user. Review the finished task above to improve your skills: "
            + "short Markdown procedures you reuse for tasks that recur. Call no tool. \(criteria)\nExisting skills: "
            + (existing.isEmpty ? "none" : existing.map { "\($0.name) (\($0.description))" }.joined(separator: "; "))
            + "\n</system-reminder>"
    }

    /// The user message: the task's first request first, then what happened.
    public static func transcript(_ history: [ChatMessage], existing: [Skill], limit: Int = 12_000) -> String {
        var lines: [String] = []
        if let first = history.first(where: { $0.role == .user }) { lines.append(first.content) }
        lines.append("\nExisting skills: " + (existing.isEmpty ? "none" : existing.map { "\($0.name) (\($0.description))" }.joined(separator: "; ")))
        lines.append("\nWhat happened:")
        for m in history {
            switch m.role {
            case .user: lines.append("USER: " + m.content)
            case .assistant:
                if !m.content.isEmpty { lines.append("ASSISTANT: " + m.content) }
                for c in m.toolCalls { lines.append("TOOL CALL \(c.name): \(c.arguments)") }
            case .tool: lines.append("TOOL RESULT: " + String(m.content.prefix(600)))
            case .system: continue
            }
        }
        var text = lines.joined(separator: "\n")
        if text.count > limit { text = String(text.prefix(limit / 3)) + "\n[…]\n" + String(text.suffix(limit * 2 / 3)) }
        return text
    }

    /// A proposal from the model's answer, validated; nil for NONE; an error for a bad one.
    public static func parse(_ answer: String, id: String, library: SkillLibrary?) throws(SkillError) -> SkillProposal? {
        let text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty || text.uppercased().hasPrefix("NONE") { return nil }
        guard let start = text.firstIndex(of: "{"), let end = text.lastIndex(of: "}"),
              let obj = JSONValue.parse(String(text[start...end]))?.objectValue,
              let action = obj["action"]?.stringValue, let name = obj["name"]?.stringValue else {
            throw SkillError("the review's answer is not a proposal: \(text.prefix(200))")
        }
        let reason = obj["reason"]?.stringValue ?? ""
        // The model copied the answer's template instead of proposing: that is NONE, not news.
        if placeholderNames.contains(name) || obj["description"]?.stringValue == "what it does and when to use it"
            || obj["old"]?.stringValue == "exact text in its SKILL.md" {
            return nil
        }
        switch action {
        case "create":
            let description = obj["description"]?.stringValue ?? ""
            let body = obj["body"]?.stringValue ?? ""
            let content = "---\nname: \(name)\ndescription: \(SkillWriter.quote(description))\n---\n\n\(body.trimmingCharacters(in: .newlines))\n"
            let file = try SkillFile.parse(content, path: "SKILL.md")
            let errors = SkillValidator.validate(file, directoryName: name)
            guard errors.isEmpty else { throw SkillError("the proposed skill is invalid: " + errors.map(\.message).joined(separator: "; ")) }
            if let existing = library?.skills.first(where: { $0.name == name || SkillSimilarity.isNearDuplicate(name: name, content: content, of: $0) }) {
                throw SkillError("the proposal duplicates the existing skill \(existing.name)")
            }
            return SkillProposal(id: id, action: .create, name: name, content: content,
                                 diff: content.split(separator: "\n", omittingEmptySubsequences: false).map { "+ " + $0 }, reason: reason)
        case "patch":
            guard let skill = library?.skill(named: name), let old = obj["old"]?.stringValue, let new = obj["new"]?.stringValue,
                  let current = try? String(contentsOfFile: skill.file, encoding: .utf8) else {
                throw SkillError("the patch names no existing skill or lacks old/new text")
            }
            guard current.components(separatedBy: old).count == 2 else { throw SkillError("the patch's old text is not found exactly once in \(name)") }
            let updated = current.replacingOccurrences(of: old, with: new)
            let errors = SkillValidator.validate(try SkillFile.parse(updated, path: skill.file), directoryName: (skill.directory as NSString).lastPathComponent)
            guard errors.isEmpty else { throw SkillError("the patched skill would be invalid: " + errors.map(\.message).joined(separator: "; ")) }
            return SkillProposal(id: id, action: .patch, name: name, content: updated, diff: lineDiff(current, updated), reason: reason)
        default:
            throw SkillError("unknown action \(action)")
        }
    }

    /// A minimal line diff: the common head and tail as context, the middle as -/+.
    public static func lineDiff(_ a: String, _ b: String) -> [String] {
        let x = a.split(separator: "\n", omittingEmptySubsequences: false), y = b.split(separator: "\n", omittingEmptySubsequences: false)
        var head = 0
        while head < x.count, head < y.count, x[head] == y[head] { head += 1 }
        var tail = 0
        while tail < x.count - head, tail < y.count - head, x[x.count - 1 - tail] == y[y.count - 1 - tail] { tail += 1 }
        var out: [String] = x[max(0, head - 2)..<head].map { "  " + $0 }
        out += x[head..<(x.count - tail)].map { "- " + $0 }
        out += y[head..<(y.count - tail)].map { "+ " + $0 }
        out += x[(x.count - tail)..<min(x.count, x.count - tail + 2)].map { "  " + $0 }
        return out
    }
}
