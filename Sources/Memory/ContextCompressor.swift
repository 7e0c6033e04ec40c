import AgentProtocol
import Foundation

/// Decides what a context compression keeps and what it summarises.
///
/// Kept verbatim, always: everything up to the session's first user request, the latest user
/// message, and a tail of recent messages (within `tailTokens`, starting at a clean boundary: a
/// tool result is never separated from the call that asked for it). The middle is summarised.
package struct CompressionPlan: Equatable {
    /// Indices kept at the start (through the first user message).
    package var head: ClosedRange<Int>
    /// The latest user message, when it is not in the head or the tail.
    package var latestUser: Int?
    /// Summarised ranges: before the latest user message, and after it (inside the current turn).
    package var before: Range<Int>
    package var after: Range<Int>
    /// First index of the verbatim tail.
    package var tailStart: Int

    /// The newest plan the agent wrote in the middle (a numbered or checkbox list, or a "Plan"
    /// heading): kept verbatim where it was.
    package var keptPlan: Int?

    /// What leaves the context: the middle without the kept plan, as ranges in time order, and
    /// whether each carries the summary (the last range that will be replaced: the one after the
    /// latest user message when there is one, so the summary follows that message).
    package var removals: [(range: Range<Int>, carriesSummary: Bool)] {
        func split(_ r: Range<Int>) -> [Range<Int>] {
            guard let p = keptPlan, r.contains(p) else { return r.isEmpty ? [] : [r] }
            return [r.lowerBound..<p, (p + 1)..<r.upperBound].filter { !$0.isEmpty }
        }
        let before = split(self.before), after = split(self.after)
        let carrier = after.first ?? before.first
        return (before + after).map { ($0, $0 == carrier) }
    }

    package var compressedCount: Int { before.count + after.count - (keptPlan == nil ? 0 : 1) }

    package static func == (a: CompressionPlan, b: CompressionPlan) -> Bool {
        a.head == b.head && a.latestUser == b.latestUser && a.before == b.before && a.after == b.after && a.tailStart == b.tailStart
            && a.keptPlan == b.keptPlan
    }
}

package enum ContextCompressor {
    /// The characters a message puts into a request: text, reasoning, tool calls.
    package static func characters(_ m: ChatMessage) -> Int {
        m.content.utf8.count + (m.reasoning?.utf8.count ?? 0) + m.toolCalls.reduce(0) { $0 + $1.arguments.utf8.count + $1.name.utf8.count }
    }

    /// Rough tokens of a message: ~4 characters a token, plus framing.
    package static func tokens(_ m: ChatMessage) -> Int { characters(m) / 4 + 6 }

    package static func plan(_ history: [ChatMessage], tailTokens: Int) -> CompressionPlan? {
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
        var withPlan = plan
        withPlan.keptPlan = (Array(plan.after) + Array(plan.before)).sorted(by: >).first { isPlan(history[$0]) }
        if withPlan.compressedCount < 2 { return nil }
        return withPlan
    }

    /// Whether an assistant message lays out a plan: a "Plan" heading, or two or more numbered or
    /// checkbox lines.
    package static func isPlan(_ m: ChatMessage) -> Bool {
        guard m.role == .assistant, !m.content.isEmpty else { return false }
        var items = 0
        for line in m.content.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            let lower = t.lowercased()
            if lower.hasPrefix("plan:") || lower.hasPrefix("## plan") || lower.hasPrefix("# plan") || lower.hasPrefix("**plan") { return true }
            if t.hasPrefix("- [ ]") || t.hasPrefix("- [x]") || t.range(of: #"^\d+[.)] "#, options: .regularExpression) != nil { items += 1 }
        }
        return items >= 2
    }

    /// `items` with the plan's removals applied: each removed range gone, the summary (if any) at
    /// the start of the range that carries it. The store's `contextMessages` does the same with
    /// the recorded ranges, so a resumed session sees what the live one saw.
    package static func apply<T>(_ plan: CompressionPlan, to items: [T], summary: T?) -> [T] {
        let removals = plan.removals
        var out: [T] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            if let r = removals.first(where: { $0.range.contains(i) }) {
                if i == r.range.lowerBound, r.carriesSummary, let summary { out.append(summary) }
                continue
            }
            out.append(item)
        }
        return out
    }

    /// What the record holds.
    package static let contents = """
        Write a concise record in Markdown:
        - The task and the user's requirements, constraints and preferences stated so far (quote them).
        - What was done: commands run, files read or changed (with paths), and their results.
        - Facts learned (versions, paths, errors and their causes, decisions and why).
        - What remains to do (the agent's latest plan is kept separately, word for word).
        Write only the record. Do not address the user, do not answer or continue the task.
        """

    /// The summary as a request of its own, over a transcript of the middle.
    package static let instructions = """
        You compress the middle of a conversation between a user and an AI agent that uses tools, so \
        the agent can continue the same task with less context. \(contents)
        """

    /// The summary as the last message of a fork of the conversation (see `Agent.forkRequest`):
    /// the server's cache already holds the conversation, so only this is read — a standalone
    /// summary request read the whole middle again first (minutes for a long session on a CPU).
    package static let forkInstructions = """
        <system-reminder>
        This is not a message from the user, and calls for no tool. The conversation above is being \
        compressed: everything after the user's first request will be replaced by your record (the \
        latest messages are also kept as they are), so the agent can continue the same task from it. \(contents)
        </system-reminder>
        """

    /// The messages to summarise, as text (long tool output shortened).
    package static func transcript(_ messages: ArraySlice<ChatMessage>) -> String {
        messages.map { m in
            var body = m.content
            if m.role == .tool, body.count > 2000 { body = String(body.prefix(1200)) + "\n[…]\n" + String(body.suffix(600)) }
            let calls = m.toolCalls.map { "→ \($0.name)(\($0.arguments.prefix(400)))" }.joined(separator: "\n")
            return "[\(m.role.rawValue)\(m.name.map { " \($0)" } ?? "")]\n\(body)\(calls.isEmpty ? "" : "\n" + calls)"
        }.joined(separator: "\n\n")
    }

    /// Whether the model's summary can stand in for `messages`: it must be clearly shorter than
    /// what it replaces (a small model sometimes copies the transcript out verbatim, and the
    /// compression then frees nothing and repeats every turn). A few hundred characters always
    /// do: what they replace was small.
    package static func isUsableSummary(_ summary: String, for messages: [ChatMessage]) -> Bool {
        let replaced = messages.reduce(0) { $0 + characters($1) }
        return !summary.isEmpty && (summary.utf8.count <= replaced * 6 / 10 || summary.utf8.count <= 500)
    }

    /// A record of `messages` without the model, when its summary failed or was too long: the
    /// user's requests, the files touched, the commands run with how they ended, and what the
    /// agent said — each shortened, the whole within `limit` characters.
    ///
    /// ```
    /// Requests: "fix the build"
    /// Files touched: Sources/main.swift (patch), Package.swift (read_file)
    /// Commands run:
    /// - `swift build` → exit 1: error: cannot find 'foo' in scope
    /// Agent notes:
    /// - The build fails because foo was renamed.
    /// ```
    package static func extract(_ messages: [ChatMessage], limit: Int) -> String {
        var requests: [String] = []
        var files: [(String, String)] = []
        var commands: [String] = []
        var notes: [String] = []
        var calls: [String: ToolCall] = [:]
        func short(_ text: String, _ n: Int) -> String {
            let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
            return flat.count > n ? String(flat.prefix(n - 1)) + "…" : flat
        }
        for m in messages {
            switch m.role {
            case .user:
                requests.append("\"" + short(m.content, 200) + "\"")
            case .assistant:
                if !m.content.isEmpty, !isSummary(m) { notes.append("- " + short(m.content, 200)) }
                for c in m.toolCalls {
                    calls[c.id] = c
                    if let path = JSONValue.parse(c.arguments)?["path"]?.stringValue, !files.contains(where: { $0.0 == path }) {
                        files.append((path, c.name))
                    }
                }
            case .tool:
                guard let id = m.toolCallID, let call = calls[id], call.name == "terminal",
                      let command = JSONValue.parse(call.arguments)?["command"]?.stringValue else { continue }
                let exit = m.content.firstMatch(of: /\[exit code (-?\d+)\]/).map { "exit \($0.1)" } ?? "ok"
                let first = m.content.split(whereSeparator: \.isNewline).first.map { short(String($0), 120) } ?? ""
                commands.append("- `\(short(command, 120))` → \(exit)\(first.isEmpty ? "" : ": " + first)")
            case .system:
                continue
            }
        }
        var parts: [String] = []
        if !requests.isEmpty { parts.append("Requests: " + requests.joined(separator: "; ")) }
        if !files.isEmpty { parts.append("Files touched: " + files.map { "\($0.0) (\($0.1))" }.joined(separator: ", ")) }
        if !commands.isEmpty { parts.append("Commands run:\n" + commands.suffix(20).joined(separator: "\n")) }
        if !notes.isEmpty { parts.append("Agent notes:\n" + notes.suffix(10).joined(separator: "\n")) }
        let text = parts.isEmpty ? "(nothing but tool output)" : parts.joined(separator: "\n")
        return text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    package static let summaryPrefix = "[Summary of "

    /// Whether `m` is a summary standing in for compressed messages.
    package static func isSummary(_ m: ChatMessage) -> Bool { m.role == .assistant && m.content.hasPrefix(summaryPrefix) }

    package static func summaryNote(_ summary: String, messages: Int) -> String {
        summaryPrefix + "\(messages) earlier messages of this session, written when the context filled up. It is a record of what already happened, not a new request; the full messages remain in the session store.]\n\n" + summary
    }
}
