import AgentProtocol
import AgentTools
import Foundation
import Skills
import Store

/// The learning loop's bookkeeping: when a finished turn is worth a review, what the review
/// proposed, what was applied and how to undo it, and which skills the session used.
///
/// The review itself is a background request (`Agent.review`); applying a proposal goes through
/// the same `SkillWriter` as `skill_manage` (atomic, `.history/`, provenance), and undo archives
/// a created skill or restores the previous SKILL.md.
struct SkillLearning {
    let settings: SkillReviewSettings?
    let library: SkillLibrary?
    let store: SessionStore
    let sessionID: String
    /// Proposals waiting for the user, and applied changes that can be undone.
    private(set) var pending: [String: SkillProposal] = [:]
    private var applied: [String: AppliedSkillChange] = [:]
    private var counter = 0

    init(settings: SkillReviewSettings?, library: SkillLibrary?, store: SessionStore, sessionID: String) {
        self.settings = settings
        self.library = library
        self.store = store
        self.sessionID = sessionID
    }

    /// After a long task or a correction ("no, …", "that's wrong", "actually …").
    func shouldReview(toolIterations: Int, userText: String) -> Bool {
        guard let settings else { return false }
        return toolIterations >= settings.reviewAfter || Self.isCorrection(userText)
    }

    static func isCorrection(_ text: String) -> Bool {
        let t = text.lowercased().trimmingCharacters(in: .whitespaces)
        return ["no,", "no.", "no ", "wrong", "that's wrong", "that is wrong", "that's not", "that is not", "actually", "instead",
                "you should have", "not what i"].contains { t.hasPrefix($0) }
    }

    enum Reviewed {
        case nothing
        case problem(String)
        /// A proposal to show; `apply`: auto-accept applies it at once (never to a skill the user wrote).
        case proposal(SkillProposal, apply: Bool)
    }

    /// What the review's `answer` proposes (validated); a valid proposal is kept pending unless applied at once.
    mutating func received(_ answer: String) -> Reviewed {
        counter += 1
        let proposal: SkillProposal?
        do { proposal = try SkillReviewPrompt.parse(answer, id: "proposal-\(counter)", library: library) } catch {
            return .problem("skill review: \(error.message); nothing was written")
        }
        guard var proposal else { return .nothing }
        try? store.recordSkillEvent(skill: proposal.name, kind: "proposed", outcome: proposal.action.rawValue, sessionID: sessionID)
        if settings?.autoAccept == true, proposal.action == .create || isAgentCreated(proposal.name) {
            proposal.applied = true
            return .proposal(proposal, apply: true)
        }
        pending[proposal.id] = proposal
        return .proposal(proposal, apply: false)
    }

    private func isAgentCreated(_ name: String) -> Bool {
        guard let skill = library?.skill(named: name), let file = try? SkillFile.read(directory: skill.directory) else { return false }
        return file.frontMatter["metadata"]?["created-by"]?.string == "talaria"
    }

    /// The user's answer to a pending proposal (`content`: their edit of it).
    mutating func decide(_ id: String, accept: Bool, content: String?) -> SkillChange? {
        guard var proposal = pending.removeValue(forKey: id) else { return nil }
        guard accept else {
            try? store.recordSkillEvent(skill: proposal.name, kind: "rejected", outcome: nil, sessionID: sessionID)
            return SkillChange(proposalID: id, name: proposal.name, outcome: .rejected, message: "rejected \(proposal.name)")
        }
        if let content { proposal.content = content }
        return apply(proposal)
    }

    mutating func apply(_ proposal: SkillProposal) -> SkillChange {
        guard let settings else { return SkillChange(proposalID: proposal.id, name: proposal.name, outcome: .failed, message: "skills are off") }
        let writer = SkillWriter(root: settings.root)
        do {
            switch proposal.action {
            case .create:
                let dir = try writer.create(name: proposal.name, content: proposal.content, provenance: [
                    "created-by": "talaria", "created-at": ISO8601DateFormatter().string(from: Date()), "source-session": sessionID,
                ])
                applied[proposal.id] = AppliedSkillChange(name: proposal.name, directory: dir, previous: nil)
            case .patch:
                guard let skill = library?.skill(named: proposal.name) else { throw SkillError("\(proposal.name) no longer exists") }
                let previous = try? String(contentsOfFile: skill.file, encoding: .utf8)
                try writer.edit(directory: skill.directory, content: proposal.content)
                applied[proposal.id] = AppliedSkillChange(name: proposal.name, directory: skill.directory, previous: previous)
            }
            library?.refresh()
            try? store.recordSkillEvent(skill: proposal.name, kind: proposal.action == .create ? "create" : "patch", outcome: "ok", sessionID: sessionID)
            return SkillChange(proposalID: proposal.id, name: proposal.name, outcome: .applied,
                               message: proposal.action == .create ? "created skill \(proposal.name)" : "patched skill \(proposal.name)")
        } catch {
            return SkillChange(proposalID: proposal.id, name: proposal.name, outcome: .failed, message: "\(error)")
        }
    }

    /// Undoes an applied proposal; nil when there is nothing to undo for `id`.
    mutating func undo(_ id: String) -> SkillChange? {
        guard let settings, let change = applied.removeValue(forKey: id) else { return nil }
        let writer = SkillWriter(root: settings.root)
        do {
            if let previous = change.previous {
                try writer.edit(directory: change.directory, content: previous)
            } else {
                _ = try writer.delete(directory: change.directory)
            }
            library?.refresh()
            try? store.recordSkillEvent(skill: change.name, kind: "undo", outcome: "ok", sessionID: sessionID)
            return SkillChange(proposalID: id, name: change.name, outcome: .undone,
                               message: change.previous == nil ? "archived \(change.name) (undone)" : "restored \(change.name) (undone)")
        } catch {
            return SkillChange(proposalID: id, name: change.name, outcome: .failed, message: "\(error)")
        }
    }

    /// A call that used or changed a skill goes to `skill_event` (usage counts, last use,
    /// curation); a skill read with `skill_view` returns its `allowed-tools`, which apply from now on.
    func recordUse(_ call: ToolCall, output: ToolOutput) throws(StoreError) -> (skill: String, allowed: AllowedTools)? {
        guard call.name == "skill_view" || call.name == "skill_manage",
              let args = JSONValue.parse(call.arguments), let skill = args["name"]?.stringValue else { return nil }
        let kind = call.name == "skill_view" ? (args["file_path"]?.stringValue == nil ? "use" : "read_file") : (args["action"]?.stringValue ?? "manage")
        try store.recordSkillEvent(skill: skill, kind: kind, outcome: output.isError ? "failed" : "ok", sessionID: sessionID)
        guard kind == "use", !output.isError, let dir = library?.skill(named: skill)?.directory, let file = try? SkillFile.read(directory: dir) else { return nil }
        return (skill, AllowedTools(file.frontMatter["allowed-tools"]))
    }
}

/// What undoing an applied proposal needs.
struct AppliedSkillChange: Sendable {
    var name: String
    var directory: String
    /// The SKILL.md before a patch; nil when the skill was created.
    var previous: String?
}
