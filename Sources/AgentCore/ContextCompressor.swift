import AgentProtocol
import Foundation

/// Decides what a context compression keeps and what it summarises.
///
/// Kept verbatim, always: everything up to the session's first user request, the latest user
/// message, and a tail of recent messages (within `tailTokens`, starting at a clean boundary: a
/// tool result is never separated from the call that asked for it). The middle is summarised.
struct CompressionPlan: Equatable {
    /// Indices kept at the start (through the first user message).
    var head: ClosedRange<Int>
    /// The latest user message, when it is not in the head or the tail.
    var latestUser: Int?
    /// Summarised ranges: before the latest user message, and after it (inside the current turn).
    var before: Range<Int>
    var after: Range<Int>
    /// First index of the verbatim tail.
    var tailStart: Int

    var compressedCount: Int { before.count + after.count }
}

enum ContextCompressor {
    /// Rough tokens of a message: ~4 characters a token, plus framing.
    static func tokens(_ m: ChatMessage) -> Int {
        (m.content.utf8.count + (m.reasoning?.utf8.count ?? 0) + m.toolCalls.reduce(0) { $0 + $1.arguments.utf8.count + $1.name.utf8.count }) / 4 + 6
    }

    static func plan(_ history: [ChatMessage], tailTokens: Int) -> CompressionPlan? {
        guard let first = history.firstIndex(where: { $0.role == .user }),
              let latest = history.lastIndex(where: { $0.role == .user }) else { return nil }
        // The tail: recent messages within the budget (always the last one).
        var t = history.count - 1
        var used = tokens(history[t])
        while t - 1 > first, used + tokens(history[t - 1]) <= tailTokens {
            t -= 1
            used += tokens(history[t])
        }
        // Never start with tool results: take in the assistant message that called them.
        while t > first + 1, history[t].role == .tool { t -= 1 }
        guard t > first + 1 else { return nil }
        let plan: CompressionPlan
        if t > latest, latest > first {
            plan = CompressionPlan(head: 0...first, latestUser: latest, before: (first + 1)..<latest, after: (latest + 1)..<t, tailStart: t)
        } else if t > latest {
            plan = CompressionPlan(head: 0...first, latestUser: nil, before: (first + 1)..<(first + 1), after: (first + 1)..<t, tailStart: t)
        } else {
            plan = CompressionPlan(head: 0...first, latestUser: nil, before: (first + 1)..<t, after: t..<t, tailStart: t)
        }
        if plan.compressedCount < 2 { return nil }
        return plan
    }

    /// The history after compression: head, latest user message and summary in time order, tail.
    static func apply(_ plan: CompressionPlan, to history: [ChatMessage], summary: String?) -> [ChatMessage] {
        var out = Array(history[plan.head])
        let note = summary.map { ChatMessage.assistant($0) }
        if let u = plan.latestUser {
            if plan.after.isEmpty {
                if let note { out.append(note) }
                out.append(history[u])
            } else {
                out.append(history[u])
                if let note { out.append(note) }
            }
        } else if let note {
            out.append(note)
        }
        out += history[plan.tailStart...]
        return out
    }

    static let instructions = """
        You compress the middle of a conversation between a user and an AI agent that uses tools, so \
        the agent can continue the same task with less context. Write a concise record in Markdown:
        - The task and the user's requirements, constraints and preferences stated so far (quote them).
        - What was done: commands run, files read or changed (with paths), and their results.
        - Facts learned (versions, paths, errors and their causes, decisions and why).
        - The current plan and what remains to do, verbatim where the agent wrote one.
        Write only the record. Do not address the user, do not answer or continue the task.
        """

    /// The messages to summarise, as text (long tool output shortened).
    static func transcript(_ messages: ArraySlice<ChatMessage>) -> String {
        messages.map { m in
            var body = m.content
            if m.role == .tool, body.count > 2000 { body = String(body.prefix(1200)) + "\n[…]\n" + String(body.suffix(600)) }
            let calls = m.toolCalls.map { "→ \($0.name)(\($0.arguments.prefix(400)))" }.joined(separator: "\n")
            return "[\(m.role.rawValue)\(m.name.map { " \($0)" } ?? "")]\n\(body)\(calls.isEmpty ? "" : "\n" + calls)"
        }.joined(separator: "\n\n")
    }

    static func summaryNote(_ summary: String, messages: Int) -> String {
        "[Summary of \(messages) earlier messages of this session, written when the context filled up. It is a record of what already happened, not a new request; the full messages remain in the session store.]\n\n" + summary
    }
}
