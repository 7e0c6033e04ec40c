import AgentProtocol
import AgentTools
import Foundation
import Memory

/// When the loop guard steps in (config.yaml `loop_guard:`).
public struct LoopGuardSettings: Sendable, Hashable {
    /// After this many repeats of one call — same tool, same arguments, same result — its
    /// result tells the model so and asks it to change approach or answer.
    public var warnAfter: Int
    /// After this many repeats the turn ends: one last request without tools asks for the
    /// answer, and the user is told why it stopped.
    public var stopAfter: Int
    /// Consecutive failed calls (different ones) that count as a streak without progress:
    /// the model is told, and at twice the streak the turn ends as for `stopAfter`.
    public var failureStreak: Int

    public init(warnAfter: Int, stopAfter: Int, failureStreak: Int) {
        self.warnAfter = warnAfter
        self.stopAfter = stopAfter
        self.failureStreak = failureStreak
    }

    /// Never steps in.
    public static let off = LoopGuardSettings(warnAfter: .max, stopAfter: .max, failureStreak: .max)
}

/// Notices a turn going round in circles, from the calls it makes and what they return.
///
/// Small models repeat themselves: asked for primes, one called `primes | head -n 10` fifty
/// times and read "command not found" each time; asked "what is 2+2", it read a missing
/// `2+2.txt` fifty times. A *repeat* is a call identical to an earlier one of the turn in tool,
/// arguments (compared as JSON, key order ignored) and result — a call whose result changed
/// (a log that grew, a build that now passes) is never a repeat. What the guard returns:
///
/// | situation | verdict |
/// |---|---|
/// | a successful call repeated once | ``Verdict/answerNow`` — its result is known; the next request has `tool_choice: "none"` |
/// | a call repeated `warnAfter` times | ``Verdict/warn(model:user:)`` — a note on its result: change approach or answer |
/// | a call repeated `stopAfter` times | ``Verdict/stop(_:)`` — the turn ends (a last tool-less request asks for the answer) |
/// | `failureStreak` failures in a row | warn; at twice the streak, stop |
/// | a third call of the same *shape* with other numbers (arguments and result alike but for them: `echo 8` → `8`, `echo 12` → `12`) | ``Verdict/answerNow`` |
struct LoopGuard {
    enum Verdict: Equatable {
        case fine
        /// A note for the model on the call's result, and what the user is told.
        case warn(model: String, user: String)
        case answerNow
        case stop(String)

        /// The stronger of two verdicts (the round's calls each give one).
        func merged(_ other: Verdict) -> Verdict { other.rank > rank ? other : self }

        private var rank: Int {
            switch self {
            case .fine: 0
            case .answerNow: 1
            case .warn: 2
            case .stop: 3
            }
        }
    }

    private struct Key: Hashable {
        var tool: String
        var arguments: String
        var result: Int
    }

    let settings: LoopGuardSettings
    private var seen: [Key: Int] = [:]
    /// Calls by shape: numbers in the arguments and the result count as one (a small model
    /// counting up with `echo 8`, `echo 12`… goes round in circles too).
    /// By shape, the distinct arguments seen: the same call polled (`date +%N`) is not counting.
    private var shapes: [Key: Set<String>] = [:]
    private var failures = 0
    /// The latest repeated call, in a few words (`terminal \`echo 4\``).
    private(set) var lastRepeat: String?

    init(settings: LoopGuardSettings) { self.settings = settings }

    /// Records a finished call; what the turn should do about it.
    mutating func record(_ call: ToolCall, output: ToolOutput) -> Verdict {
        let arguments = JSONValue.parse(call.arguments)?.jsonText ?? call.arguments
        let key = Key(tool: call.name, arguments: arguments, result: output.text.hashValue ^ output.status.hashValue)
        let repeats = seen[key, default: -1] + 1
        seen[key] = repeats
        failures = output.isError ? failures + 1 : 0
        let what = "\(call.name) \(Self.brief(call))"
        let shape = Key(tool: call.name, arguments: Self.shape(arguments), result: Self.shape(String(output.text.prefix(4_000))).hashValue ^ output.status.hashValue)
        shapes[shape, default: []].insert(arguments)
        let similar = (shapes[shape]?.count ?? 1) - 1
        if repeats >= 1 || similar >= 2 { lastRepeat = what }
        if repeats >= settings.stopAfter {
            return .stop("the model made the same call \(repeats + 1) times with the same result (\(what))")
        }
        if failures / 2 >= settings.failureStreak { // twice the streak (no overflow with .off)
            return .stop("the model's last \(failures) tool calls all failed")
        }
        if repeats >= settings.warnAfter {
            return .warn(model: "You have made this exact call \(repeats + 1) times in this turn and got the same result each time. "
                + "Repeating it will not change the result: change your approach (another command, other arguments), "
                + "or answer the user now with what you know.",
                user: "\(what) ran \(repeats + 1) times with the same result; the model was asked to change approach")
        }
        if failures >= settings.failureStreak {
            return .warn(model: "Your last \(failures) tool calls all failed. Stop and think about why before the next one, "
                + "or answer the user with what you know and what went wrong.",
                user: "the last \(failures) tool calls failed; the model was asked to step back")
        }
        // A repeat with the same result: answer now (not when the guard is off — `loop_guard: {enabled: false}`).
        if repeats >= 1 || similar >= 2, !output.isError, settings != .off { return .answerNow }
        return .fine
    }

    /// Text with every run of digits as `#`.
    static func shape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var inNumber = false
        for c in text.unicodeScalars {
            if ("0"..."9").contains(c) {
                if !inNumber { out.unicodeScalars.append("#") }
                inNumber = true
            } else {
                inNumber = false
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// The call's arguments in a few words: the command or path when there is one.
    static func brief(_ call: ToolCall) -> String {
        let args = JSONValue.parse(call.arguments)
        let main = ["command", "path", "query", "name", "url"].lazy.compactMap { args?[$0]?.stringValue }.first
        let text = main ?? call.arguments
        return "`" + (text.count > 60 ? String(text.prefix(57)) + "…" : text) + "`"
    }
}
