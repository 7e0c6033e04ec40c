import AgentProtocol
import Exec
import Foundation

/// `terminal`: runs a shell command on the session's backend, on a PTY, with live output.
public struct TerminalTool: Tool {
    public static let description = """
        Run a shell command (bash) in the working directory and return its output and exit code. \
        Use it to inspect and change the system: list files, run builds and tests, use git. \
        Commands run non-interactively on a pseudo-terminal; do not start programs that wait for input \
        (editors, pagers, REPLs) and pass flags such as -y where a command would prompt. \
        Long output is shortened to its beginning and end. Default timeout 180 s (max 3600).
        """

    public var defaultTimeout: Double
    public init(defaultTimeout: Double = 180) { self.defaultTimeout = defaultTimeout }

    public var spec: ToolSpec {
        ToolSpec(name: "terminal", description: Self.description, parameters: schema([
            "command": ["type": "string", "description": "The shell command to run."],
            "timeout": ["type": "integer", "description": "Seconds before the command is killed (default 180)."],
            "workdir": ["type": "string", "description": "Directory to run in (default: the session's working directory)."],
        ], required: ["command"]))
    }

    public func approvalReason(for arguments: JSONValue, context: ToolContext) -> String? {
        guard let command = arguments["command"]?.stringValue else { return nil }
        return DangerousCommand.reason(command)
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        let command: String
        let timeout: Double
        let cwd: String
        do {
            command = try args.string("command")
            timeout = Double(min(max(try args.optionalInt("timeout") ?? Int(defaultTimeout), 1), 3600))
            cwd = try args.optionalString("workdir").map(context.resolve) ?? context.cwd
        } catch { return .error(error.message) }
        guard !command.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return .error("the command is empty") }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: cwd, isDirectory: &isDir), isDir.boolValue else {
            return .error("working directory does not exist: \(cwd)")
        }
        let chunker = ChunkForwarder(emit: context.emitOutput)
        let result: CommandResult
        do {
            result = try await context.backend.run(CommandSpec(command: command, cwd: cwd, timeout: timeout)) { chunker.feed($0) }
        } catch { return .error("cannot run the command: \(error.message)") }
        var text = TerminalText.clean(result.output)
        if text.hasSuffix("\n") { text.removeLast() }
        if result.timedOut {
            return ToolOutput(text: text + "\n[timed out after \(Int(timeout)) s; the command and its children were killed]",
                              status: .timedOut, exitCode: result.exitCode)
        }
        if result.cancelled {
            return ToolOutput(text: text + "\n[cancelled by the user]", status: .cancelled, exitCode: result.exitCode)
        }
        let body = text.isEmpty ? "(no output)" : text
        return ToolOutput(text: result.exitCode == 0 ? body : body + "\n[exit code \(result.exitCode)]",
                          status: result.exitCode == 0 ? .succeeded : .failed, exitCode: result.exitCode)
    }
}

/// Decodes output bytes into whole UTF-8 strings before forwarding them.
final class ChunkForwarder: @unchecked Sendable {
    // Called only from the backend's single reader thread.
    private var chunker = UTF8Chunker()
    private let emit: @Sendable (String) -> Void
    init(emit: @escaping @Sendable (String) -> Void) { self.emit = emit }
    func feed(_ data: Data) {
        let s = chunker.feed(data)
        if !s.isEmpty { emit(s) }
    }
}

/// A first, conservative classifier of commands that must not run without the user's yes.
///
/// The full approval model (policies, remembered decisions) builds on this; here it
/// catches the commands that destroy data or escalate privileges.
public enum DangerousCommand {
    /// Each rule's pattern and a word that must appear for it to match (a cheap pre-filter:
    /// most commands contain none, and then no regular expression runs at all).
    static let rules: [(pattern: String, reason: String)] = [
        (#"(^|[;&|(`$]\s*)sudo\b"#, "runs a command as root (sudo)"),
        (#"(^|[;&|(`$]\s*)su(\s|$)"#, "switches user (su)"),
        (#"\brm\s+(-[a-zA-Z]*\s+)*-[a-zA-Z]*[rR][a-zA-Z]*\s+(-[a-zA-Z-]+\s+)*(/|~|\$HOME|\*|\.\.?/?)(\s|$|\*)"#, "recursively deletes a top-level, home or whole-directory path"),
        (#"\brm\s+(-[a-zA-Z]*\s+)*(-[a-zA-Z]*[rR][a-zA-Z]*[fF]|-[a-zA-Z]*[fF][a-zA-Z]*[rR])[a-zA-Z]*\s+/"#, "force-deletes an absolute path recursively"),
        (#"\bmkfs(\.\w+)?\b"#, "formats a filesystem (mkfs)"),
        (#"\bdd\b.*\bof=/dev/"#, "writes raw data to a device (dd)"),
        (#">\s*/dev/(sd|nvme|hd|vd|xvd|mmcblk)"#, "overwrites a block device"),
        (#"\bchmod\s+(-[a-zA-Z]*R[a-zA-Z]*\s+)?0?777\b"#, "makes files world-writable (chmod 777)"),
        (#"\bchown\s+-[a-zA-Z]*R"#, "recursively changes ownership"),
        (#"\b(curl|wget)\b[^|]*\|\s*(sudo\s+)?(ba|z|da)?sh\b"#, "pipes a download into a shell"),
        (#"\bgit\s+push\b.*(--force\b|-f\b|--force-with-lease)"#, "force-pushes, rewriting remote history"),
        (#"\bgit\s+reset\s+--hard\b"#, "discards uncommitted changes (git reset --hard)"),
        (#"\bgit\s+clean\s+-[a-zA-Z]*f"#, "deletes untracked files (git clean -f)"),
        (#"(^|[;&|]\s*)(shutdown|reboot|halt|poweroff)\b"#, "shuts down or reboots the machine"),
        (#":\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:"#, "a fork bomb"),
        (#"\bkill\s+-9\s+-1\b|\bkillall\b|\bpkill\s+-9"#, "kills many processes"),
        (#">\s*~?/?\.?(ssh/|bashrc|profile|zshrc)"#, "overwrites shell or ssh configuration"),
        (#"\b(cat|less|more|head|tail|cp|scp)\b[^;&|]*(\.ssh/id_|\.aws/credentials|\.netrc|/etc/shadow)"#, "reads credential files"),
    ]

    static let triggers = ["sudo", "su", "rm", "mkfs", "dd", "/dev/", "chmod", "chown", "curl", "wget", "git", "shutdown",
                           "reboot", "halt", "poweroff", ":()", "kill", ">", "ssh", ".aws", ".netrc", "shadow"]

    private static let compiled: [(NSRegularExpression, String)] = rules.compactMap { rule in
        (try? NSRegularExpression(pattern: rule.pattern)).map { ($0, rule.reason) }
    }

    /// Why `command` is dangerous, or `nil`.
    public static func reason(_ command: String) -> String? {
        guard triggers.contains(where: { command.contains($0) }) else { return nil }
        let range = NSRange(command.startIndex..., in: command)
        for (re, reason) in compiled where re.firstMatch(in: command, range: range) != nil { return reason }
        return nil
    }
}
