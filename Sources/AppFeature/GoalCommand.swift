import AgentProtocol
import Foundation

// `/goal`: set a goal (`/goal [--check CMD] [--turns N] [--tokens N] [--minutes N] TEXT`), see it
// (`/goal`), stop it (`/goal stop`). Its progress arrives as `.goal` events.

func goalCommand(_ argument: String, _ state: inout AppState) -> [AppEffect] {
    let words = argument.trimmingCharacters(in: .whitespaces)
    if words.isEmpty {
        guard let g = state.goal else {
            append(&state, .notice(Notice(.info, "no goal — /goal TEXT works toward it across turns (checked by the model), /goal --check \"make test\" TEXT until a command exits 0; --turns N (default \(Goal.defaultTurns)), --tokens N, --minutes N bound it; Esc stops it")))
            return []
        }
        append(&state, .notice(Notice(.info, "goal (\(g.state.rawValue.replacingOccurrences(of: "_", with: " "))): \(g.goal.text) — \(goalProgress(g)); \(g.message)")))
        return []
    }
    if words == "stop" || words == "clear" {
        guard state.goal?.state == .working else { toast(&state, .info, "no goal is being worked toward"); return [] }
        return [.submit(.clearGoal)]
    }
    guard !state.isBusy else { toast(&state, .warning, "busy — press Esc to interrupt first"); return [] }
    switch parseGoal(words) {
    case .success(let goal):
        append(&state, .user("/goal " + words))
        return [.submit(.setGoal(goal))]
    case .failure(let problem):
        toast(&state, .error, problem.description)
        return []
    }
}

struct GoalProblem: Error, CustomStringConvertible { var description: String }

/// The options, then the goal's text; `--check` takes one word or a quoted command.
func parseGoal(_ text: String) -> Result<Goal, GoalProblem> {
    var goal = Goal(text: "")
    var rest = Substring(text)
    func word() -> String? {
        rest = rest.drop { $0 == " " }
        guard let first = rest.first else { return nil }
        if first == "\"" || first == "'" {
            let body = rest.dropFirst()
            guard let end = body.firstIndex(of: first) else { return nil }
            defer { rest = body[body.index(after: end)...] }
            return String(body[..<end])
        }
        let end = rest.firstIndex(of: " ") ?? rest.endIndex
        defer { rest = rest[end...] }
        return String(rest[..<end])
    }
    while true {
        let before = rest
        guard let w = word(), w.hasPrefix("--") else { rest = before; break }
        let (name, inline) = w.contains("=") ? (String(w.prefix { $0 != "=" }), String(w.drop { $0 != "=" }.dropFirst())) : (w, nil)
        guard let value = inline ?? word(), !value.isEmpty else { return .failure(GoalProblem(description: "\(name) needs a value")) }
        switch name {
        case "--check": goal.check = value
        case "--turns":
            guard let n = Int(value), n >= 1 else { return .failure(GoalProblem(description: "--turns needs a whole number of at least 1")) }
            goal.maxTurns = n
        case "--tokens":
            guard let n = Int(value), n >= 1 else { return .failure(GoalProblem(description: "--tokens needs a whole number")) }
            goal.maxTokens = n
        case "--minutes":
            guard let m = Double(value), m > 0 else { return .failure(GoalProblem(description: "--minutes needs a number")) }
            goal.maxMinutes = m
        default: return .failure(GoalProblem(description: "/goal knows --check, --turns, --tokens and --minutes, not \(name)"))
        }
    }
    goal.text = rest.trimmingCharacters(in: .whitespaces)
    guard !goal.text.isEmpty else { return .failure(GoalProblem(description: "say what the goal is: /goal [--check CMD] TEXT")) }
    return .success(goal)
}

/// `turn 2/10 · 1m20s` (and tokens when bounded).
func goalProgress(_ g: GoalUpdate) -> String {
    var parts = ["turn \(g.turns)/\(g.goal.maxTurns)"]
    if let t = g.goal.maxTokens { parts.append("\(g.tokens)/\(t) tokens") }
    parts.append(formatElapsed(Double(g.elapsedMs) / 1000))
    return parts.joined(separator: " · ")
}

func goalEvent(_ state: inout AppState, _ g: GoalUpdate) {
    state.goal = g
    state.goalUpdatedAt = state.now
    if g.state != .working, !state.isBusy { state.isInterrupting = false }
    switch g.state {
    case .working:
        if g.turns > 0 { append(&state, .notice(Notice(.info, "goal: \(g.message)"))) }
    case .met:
        append(&state, .notice(Notice(.info, "goal met: \(g.message) (\(goalProgress(g)))")))
        toast(&state, .info, "goal met")
    case .outOfBudget:
        append(&state, .notice(Notice(.warning, "goal not met, budget spent: \(g.message)")))
        toast(&state, .warning, "goal: budget spent")
    case .stopped:
        append(&state, .notice(Notice(.info, "goal stopped: \(g.message)")))
    }
}

/// The status line's part while a goal is worked toward: `goal 2/10 · 1m20s`.
func goalStatus(_ state: AppState) -> String? {
    guard let g = state.goal, g.state == .working else { return nil }
    let elapsed = Double(g.elapsedMs) / 1000 + max(0, state.now - state.goalUpdatedAt)
    // The turn running now counts: the event before it left `turns` at those finished.
    var text = "goal \(min(g.goal.maxTurns, g.turns + (state.isBusy ? 1 : 0)))/\(g.goal.maxTurns)"
    if let t = g.goal.maxTokens { text += " · \(g.tokens * 100 / max(1, t))% tokens" }
    return text + " · " + formatElapsed(elapsed)
}
