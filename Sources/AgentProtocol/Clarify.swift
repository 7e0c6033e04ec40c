import Foundation

/// A question the model asks the user (the `clarify` tool), with choices to pick from or none
/// (free text). Answered with ``Op/answerClarify(callID:answer:)``.
public struct ClarifyRequest: Sendable, Hashable, Codable {
    public var callID: String
    public var question: String
    /// What the user may pick; empty: they answer in their own words (they may always).
    public var choices: [String]

    public init(callID: String, question: String, choices: [String] = []) {
        self.callID = callID
        self.question = question
        self.choices = choices
    }

    /// The answer `typed` stands for: a choice's number picks it, anything else is the
    /// user's own words. Nil for blank input.
    public func answer(for typed: String) -> String? {
        let t = typed.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !t.isEmpty else { return nil }
        if let n = Int(t), n >= 1, n <= choices.count { return choices[n - 1] }
        return t
    }
}

/// How a question was answered.
public enum ClarifyAnswer: Sendable, Hashable, Codable {
    /// The user's words (or the choice they picked).
    case answered(String)
    /// The user dismissed the question without answering.
    case declined
    /// Nobody can answer: `-p`, a subagent, an API call without a person behind it.
    case noUser
    /// The turn was interrupted while it waited.
    case cancelled
}

/// Something the agent waits on the user for.
public enum UserAsk: Sendable, Hashable {
    case approval(ApprovalRequest)
    case question(ClarifyRequest)

    public var callID: String {
        switch self {
        case .approval(let r): r.callID
        case .question(let q): q.callID
        }
    }
}
