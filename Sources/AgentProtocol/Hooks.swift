import Foundation

/// When a lifecycle hook runs — Claude Code's events, by the same names (users move their
/// `settings.json` hooks between tools).
public enum HookEvent: String, Sendable, Hashable, Codable, CaseIterable {
    /// A session starts; stdout becomes context for the model.
    case sessionStart = "SessionStart"
    /// The user sent a prompt; exit 2 blocks it, stdout becomes context.
    case userPromptSubmit = "UserPromptSubmit"
    /// Before a tool call; exit 2 blocks it (stderr tells the model why), JSON may allow, deny or ask.
    case preToolUse = "PreToolUse"
    /// After a tool call; exit 2 or `decision: block` sends the reason to the model.
    case postToolUse = "PostToolUse"
    /// The turn is about to end; exit 2 or `decision: block` makes the agent continue with the reason.
    case stop = "Stop"
    /// Before a context compression.
    case preCompact = "PreCompact"
    /// The session ends.
    case sessionEnd = "SessionEnd"
    /// The agent needs the user (an approval) or has finished a turn.
    case notification = "Notification"

    /// What the event's matchers are tried on, as in Claude Code: the tool's name for tool
    /// events, the source (`startup`, `resume`) for SessionStart, the trigger (`manual`,
    /// `auto`) for PreCompact; nil: the event has no matcher and every group runs.
    public var matcherSubject: MatcherSubject? {
        switch self {
        case .preToolUse, .postToolUse: .tool
        case .sessionStart: .source
        case .preCompact: .trigger
        case .userPromptSubmit, .stop, .sessionEnd, .notification: nil
        }
    }

    public enum MatcherSubject: Sendable { case tool, source, trigger }
}

/// One command a hook runs.
public struct HookCommand: Sendable, Hashable {
    public var command: String
    /// Seconds before the command (and its process group) is killed.
    public var timeout: Double

    public init(command: String, timeout: Double) {
        self.command = command
        self.timeout = timeout
    }
}

/// Commands for an event, for tools whose name matches `matcher` (a regular expression; nil or
/// empty: every tool, as in Claude Code).
public struct HookGroup: Sendable, Hashable {
    public var matcher: String?
    public var hooks: [HookCommand]

    public init(matcher: String?, hooks: [HookCommand]) {
        self.matcher = matcher
        self.hooks = hooks
    }
}

/// config.yaml `hooks:`: event name → groups, the structure of Claude Code's `settings.json`.
public struct HookSettings: Sendable, Hashable {
    public var events: [HookEvent: [HookGroup]]

    public init(events: [HookEvent: [HookGroup]] = [:]) { self.events = events }

    public var isEmpty: Bool { events.values.allSatisfy { $0.allSatisfy(\.hooks.isEmpty) } }
}

/// A hook the user should hear about: it blocked something, it failed, or it stopped the session.
public struct HookReport: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// It blocked a prompt or a tool call, or made the turn go on.
        case blocked
        /// It exited with an error, timed out, or answered JSON that makes no sense.
        case failed
        /// It asked for the session to stop (`continue: false`).
        case stopped
        /// It has a message for the user (`systemMessage`).
        case message
    }

    public var event: HookEvent
    public var command: String
    public var outcome: Outcome
    public var message: String

    public init(event: HookEvent, command: String, outcome: Outcome, message: String) {
        self.event = event
        self.command = command
        self.outcome = outcome
        self.message = message
    }
}
