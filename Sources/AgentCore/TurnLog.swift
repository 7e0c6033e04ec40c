import AgentProtocol
import AgentTools
import Foundation
import Memory

/// What a turn's tool calls did, for the plain account the user gets when a turn stops (the
/// iteration limit, the loop guard) and the model gave no summary of its own.
struct TurnLog {
    private struct Entry {
        var tool: String
        var brief: String
        var times = 0
        var status: ToolStatus = .succeeded
        var exitCode: Int32?
        var firstLine = ""
    }

    private var entries: [Entry] = []

    mutating func record(_ call: ToolCall, output: ToolOutput) {
        let brief = LoopGuard.brief(call)
        var entry = entries.first { $0.tool == call.name && $0.brief == brief } ?? Entry(tool: call.name, brief: brief)
        entry.times += 1
        entry.status = output.status
        entry.exitCode = output.exitCode
        entry.firstLine = output.text.split(whereSeparator: \.isNewline).first.map { String($0.prefix(100)) } ?? ""
        if let i = entries.firstIndex(where: { $0.tool == call.name && $0.brief == brief }) { entries[i] = entry } else { entries.append(entry) }
    }

    /// The answer the turn gives when the model gave none: why it stopped, then each distinct
    /// call with how often it ran and how it ended.
    ///
    /// ```
    /// I stopped before finishing: the model made the same call 5 times with the same result (terminal `primes | head`).
    /// What this turn did:
    /// - terminal `primes | head` — 5 times, exit 0: bash: primes: command not found
    /// ```
    func plainAnswer(stoppedBecause reason: String) -> String {
        var lines = ["I stopped before finishing: \(reason)."]
        if entries.isEmpty {
            lines.append("No tool ran in this turn.")
        } else {
            lines.append("What this turn did:")
            for e in entries {
                var line = "- \(e.tool) \(e.brief)"
                line += e.times > 1 ? " — \(e.times) times" : ""
                let outcome = e.exitCode.map { "exit \($0)" } ?? e.status.rawValue
                line += (e.times > 1 ? ", " : " — ") + outcome
                if !e.firstLine.isEmpty { line += ": " + e.firstLine }
                lines.append(line)
            }
        }
        lines.append("Ask again with more detail, or tell me how to continue.")
        return lines.joined(separator: "\n")
    }
}
