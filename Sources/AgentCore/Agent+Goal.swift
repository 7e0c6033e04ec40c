import AgentProtocol
import Exec
import Foundation

/// A goal being worked toward: what it is, what it has spent.
struct GoalRun {
    var goal: Goal
    var submission: Int
    let started = ContinuousClock.now
    /// The session's total tokens when it was set.
    var tokensAtStart: Int
    var turns = 0
    /// A turn toward it ran since the last check.
    var turnRan = false

    func spent(total: Int) -> Int { max(0, total - tokensAtStart) }
    var elapsedMs: Int { (ContinuousClock.now - started).wholeMilliseconds }

    /// What ran out, if anything did.
    func exhausted(total: Int) -> String? {
        if turns >= goal.maxTurns { return "\(turns) turns, its budget" }
        if let t = goal.maxTokens, spent(total: total) >= t { return "\(spent(total: total)) tokens of its \(t)" }
        if let m = goal.maxMinutes, Double(elapsedMs) / 60_000 >= m { return "\(Int(Double(elapsedMs) / 60_000)) minutes of its \(m.formatted())" }
        return nil
    }
}

/// `/goal`: turns toward a stated end until a check says it holds or the budget is spent.
extension Agent {
    var tokensSoFar: Int { totalUsage.promptTokens + totalUsage.completionTokens }

    func startGoal(_ goal: Goal, submission: Int) {
        goalRun = GoalRun(goal: goal, submission: submission, tokensAtStart: tokensSoFar)
        let check = goal.check.map { "until `\($0)` exits 0" } ?? "until it is met"
        reportGoal(.working, "working toward it \(check), within \(goal.maxTurns) turns")
        enqueue(UserTurn(text: Self.goalPrompt(goal)), submission: submission)
    }

    /// Ends the goal (when there is one) and says how.
    func endGoal(_ state: GoalUpdate.State, _ message: String) {
        guard goalRun != nil else { return }
        reportGoal(state, message)
        goalRun = nil
    }

    private func reportGoal(_ state: GoalUpdate.State, _ message: String) {
        guard let run = goalRun else { return }
        emitter.emit(.goal(GoalUpdate(goal: run.goal, state: state, turns: run.turns, tokens: run.spent(total: tokensSoFar),
                                      elapsedMs: run.elapsedMs, message: message)))
    }

    /// After a turn toward the goal: done, out of budget, or the next turn.
    func advanceGoal() async {
        guard let run = goalRun else { return }
        if lastTurnAborted { return endGoal(.stopped, "the turn did not complete") }
        let (met, verdict) = await checkGoal(run.goal)
        guard goalRun != nil else { return } // stopped while it was checked
        if met { return endGoal(.met, verdict) }
        if let spent = run.exhausted(total: tokensSoFar) { return endGoal(.outOfBudget, "not met after \(spent): \(verdict)") }
        reportGoal(.working, "not met yet: \(verdict) — turn \(run.turns + 1) of \(run.goal.maxTurns) next")
        enqueue(UserTurn(text: "The goal is not met yet: \(verdict)\n\nKeep working toward it: \(run.goal.text)"), submission: run.submission)
    }

    /// Whether the goal holds, and why: its command's exit status, or the model's verdict.
    func checkGoal(_ goal: Goal) async -> (Bool, String) {
        if let command = goal.check {
            let cwd = await backend.directory(forSession: config.cwd)
            do {
                let r = try await backend.run(CommandSpec(command: command, cwd: cwd, timeout: 900, usePTY: false)) { _ in }
                let tail = String(decoding: r.output, as: UTF8.self).split(whereSeparator: \.isNewline).suffix(3).joined(separator: " / ")
                if r.exitCode == 0 { return (true, "`\(command)` exited 0") }
                return (false, "`\(command)` exited \(r.exitCode)" + (tail.isEmpty ? "" : ": \(String(tail.prefix(300)))"))
            } catch {
                return (false, "`\(command)` could not run: \(error.message)")
            }
        }
        let question = """
            Judge whether this goal is met, from the conversation alone: \(goal.text)
            Answer with one line: DONE or NOT DONE, then a dash and the reason in a few words.
            """
        guard let answer = await sideAnswer(question, maxTokens: 60)?.trimmingCharacters(in: .whitespacesAndNewlines), !answer.isEmpty else {
            return (false, "the model could not be asked whether it is met")
        }
        let line = String(answer.split(whereSeparator: \.isNewline).first ?? "")
        let upper = line.uppercased()
        let met = upper.hasPrefix("DONE") || upper.hasPrefix("**DONE") || upper.hasPrefix("YES")
        let reason = line.drop { $0 != "-" && $0 != "—" && $0 != ":" }.dropFirst().trimmingCharacters(in: .whitespaces)
        return (met, reason.isEmpty ? (met ? "the model judges it met" : "the model judges it not met") : String(reason.prefix(200)))
    }

    static func goalPrompt(_ goal: Goal) -> String {
        var text = "Work toward this goal until it is met, using your tools: \(goal.text)"
        if let check = goal.check { text += "\n\nIt is met when `\(check)` exits 0; that is checked after each of your turns." }
        text += "\n\nWhen you stop, say what you did and what remains."
        return text
    }
}
