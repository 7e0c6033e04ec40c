import AgentProtocol
import Exec
import Foundation

/// Runs the user's lifecycle hooks (config.yaml `hooks:`) the way Claude Code documents them,
/// so a hook written for it works here.
///
/// Each command runs with `/bin/sh -c` in the session's folder, the event as JSON on stdin
/// (`hook_event_name`, `session_id`, `cwd`, `transcript_path`, `permission_mode`, and for tool
/// events `tool_name`, `tool_input`, `tool_response`), `CLAUDE_PROJECT_DIR` and
/// `TALARIA_PROJECT_DIR` set, and a timeout (its process group is killed past it). What it
/// answers:
///
/// | exit | meaning |
/// |---|---|
/// | 0 | go on; JSON on stdout is read (`decision`/`reason`, `continue`/`stopReason`, `systemMessage`, `hookSpecificOutput.permissionDecision`/`additionalContext`); plain stdout is context for `UserPromptSubmit` and `SessionStart` |
/// | 2 | block: stderr is the reason (to the model for tool calls and Stop, to the user for a prompt) |
/// | other | the hook failed: reported, nothing blocked |
///
/// The groups of one event run concurrently. Matchers are regular expressions over the tool's
/// name, tried on Talaria's name (`terminal`, `mcp__git__git_status`) and on Claude Code's for
/// the same tool (`Bash`, `Edit`…). A hook is policy: only config files add one.
public struct HookRunner: Sendable {
    public let settings: HookSettings
    /// The folder the hooks run in, and that their input names.
    public let cwd: String
    /// What `permission_mode` says: Claude Code's names for the approval mode.
    let permissionMode: String
    /// The session as JSONL for `transcript_path`; nil: the field is empty.
    let transcript: HookTranscript?

    /// Claude Code's names for Talaria's tools, so its matchers match the same tools here.
    static let claudeNames = ["terminal": "Bash", "read_file": "Read", "write_file": "Write", "patch": "Edit",
                              "list_dir": "LS", "search_files": "Grep"]

    public init(settings: HookSettings, cwd: String, approvalMode: ApprovalMode, transcript: HookTranscript?) {
        self.settings = settings
        self.cwd = cwd
        self.transcript = transcript
        permissionMode = switch approvalMode {
        case .ask: "default"
        case .approveAll: "bypassPermissions"
        case .denyAll: "dontAsk"
        }
    }

    /// PreToolUse's say over the approval dialog.
    public enum Permission: String, Sendable {
        case allow, deny, ask
    }

    /// What the hooks of one event decided together.
    public struct Verdict: Sendable {
        /// The first block's reason (exit 2, `decision: block`, `permissionDecision: deny`).
        public var blocked: String?
        /// PreToolUse: the strongest permission any hook gave (deny > ask > allow).
        public var permission: Permission?
        /// Context for the model (plain stdout of prompt and session hooks, `additionalContext`).
        public var context: [String] = []
        /// A hook asked the session to stop (`continue: false`), with its reason.
        public var stop: String?
        /// What the user should see: blocks, failures, messages.
        public var reports: [HookReport] = []

        public static let none = Verdict()
    }

    /// The commands of `event` whose group matches `subject` (the tool's name, SessionStart's
    /// source, PreCompact's trigger).
    func commands(for event: HookEvent, subject: String?) -> [HookCommand] {
        (settings.events[event] ?? []).filter { group in
            guard let kind = event.matcherSubject, let matcher = group.matcher, !matcher.isEmpty, matcher != "*" else { return true }
            guard let subject else { return false }
            let names = [subject] + (kind == .tool ? Self.claudeNames[subject].map { [$0] } ?? [] : [])
            return names.contains { Self.matches(matcher, $0) }
        }.flatMap(\.hooks)
    }

    /// Whether any hook would run for `event`.
    public func has(_ event: HookEvent) -> Bool { settings.events[event].map { $0.contains { !$0.hooks.isEmpty } } ?? false }

    /// Whether `pattern` matches all of `name` (as Claude Code's matchers do: `Edit|Write`).
    static func matches(_ pattern: String, _ name: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else { return pattern == name }
        return regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }

    /// Runs the hooks of `event` (for `subject`: see ``commands(for:subject:)``) with `fields` added to
    /// the common input; nothing runs when none matches.
    public func run(_ event: HookEvent, sessionID: String, subject: String? = nil, fields: [String: JSONValue] = [:]) async -> Verdict {
        let commands = commands(for: event, subject: subject)
        guard !commands.isEmpty else { return .none }
        var input: [String: JSONValue] = ["hook_event_name": .string(event.rawValue), "session_id": .string(sessionID),
                                          "cwd": .string(cwd), "transcript_path": .string(transcript?.sync(sessionID) ?? ""),
                                          "permission_mode": .string(permissionMode)]
        input.merge(fields) { _, new in new }
        let stdin = Data(JSONValue.object(input).jsonText.utf8)
        var env = ProcessInfo.processInfo.environment
        env["CLAUDE_PROJECT_DIR"] = cwd
        env["TALARIA_PROJECT_DIR"] = cwd
        let results = await withTaskGroup(of: (Int, HookCommand, Result<Captured, ExecError>).self) { group in
            for (i, c) in commands.enumerated() {
                group.addTask { [cwd, env] in
                    do throws(ExecError) {
                        return (i, c, .success(try await Capture.run(["/bin/sh", "-c", c.command], environment: env, cwd: cwd, input: stdin,
                                                                     timeout: c.timeout)))
                    } catch {
                        return (i, c, .failure(error))
                    }
                }
            }
            var all: [(Int, HookCommand, Result<Captured, ExecError>)] = []
            for await r in group { all.append(r) }
            return all.sorted { $0.0 < $1.0 }
        }
        var verdict = Verdict()
        for (_, command, result) in results { Self.read(result, of: command, event: event, into: &verdict) }
        return verdict
    }

    /// Folds one hook's result into the verdict.
    static func read(_ result: Result<Captured, ExecError>, of command: HookCommand, event: HookEvent, into verdict: inout Verdict) {
        func report(_ outcome: HookReport.Outcome, _ message: String) {
            verdict.reports.append(HookReport(event: event, command: command.command, outcome: outcome, message: message))
        }
        let captured: Captured
        switch result {
        case .failure(let e): report(.failed, e.message); return
        case .success(let c): captured = c
        }
        let stdout = String(decoding: captured.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let stderr = captured.errorText
        if captured.timedOut { report(.failed, "timed out after \(Int(command.timeout)) s"); return }
        switch captured.exitCode {
        case 0?:
            break
        case 2?:
            let reason = stderr.isEmpty ? "blocked by a hook (exit 2)" : stderr
            if [.userPromptSubmit, .preToolUse, .postToolUse, .stop].contains(event) {
                if verdict.blocked == nil { verdict.blocked = reason }
                report(.blocked, reason)
            } else {
                report(.message, reason)
            }
            return
        case let code?:
            report(.failed, "exited \(code)" + (stderr.isEmpty ? "" : ": " + String(stderr.prefix(300))))
            return
        case nil:
            report(.failed, "its exit status could not be read")
            return
        }
        // Exit 0: JSON, or plain text that is context where the event takes it.
        guard stdout.hasPrefix("{") else {
            if !stdout.isEmpty, event == .userPromptSubmit || event == .sessionStart { verdict.context.append(stdout) }
            return
        }
        guard let json = JSONValue.parse(stdout)?.objectValue else {
            report(.failed, "printed something that is not a JSON object: \(stdout.prefix(120))")
            return
        }
        let specific = json["hookSpecificOutput"]?.objectValue ?? [:]
        if let context = specific["additionalContext"]?.stringValue, !context.isEmpty { verdict.context.append(context) }
        if let message = json["systemMessage"]?.stringValue, !message.isEmpty { report(.message, message) }
        if json["continue"]?.boolValue == false {
            let reason = json["stopReason"]?.stringValue ?? "a hook stopped the session"
            verdict.stop = verdict.stop ?? reason
            report(.stopped, reason)
        }
        let reason = json["reason"]?.stringValue ?? specific["permissionDecisionReason"]?.stringValue
        if let decision = specific["permissionDecision"]?.stringValue ?? json["decision"]?.stringValue.flatMap(legacyPermission) {
            switch Permission(rawValue: decision) {
            case .deny?:
                let why = reason ?? "denied by a hook"
                if verdict.blocked == nil { verdict.blocked = why }
                verdict.permission = .deny
                report(.blocked, why)
            case .ask?:
                if verdict.permission != .deny { verdict.permission = .ask }
            case .allow?:
                if verdict.permission == nil { verdict.permission = .allow }
            case nil:
                if decision == "block" {
                    let why = reason ?? "blocked by a hook"
                    if verdict.blocked == nil { verdict.blocked = why }
                    report(.blocked, why)
                } else {
                    report(.failed, "unknown decision '\(decision)'")
                }
            }
        }
    }

    /// Claude Code's older `decision: approve | block` for PreToolUse.
    static func legacyPermission(_ decision: String) -> String {
        switch decision {
        case "approve": "allow"
        case "block": "block"
        default: decision
        }
    }
}
