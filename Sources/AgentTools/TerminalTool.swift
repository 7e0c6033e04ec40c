import AgentProtocol
import Exec
import Foundation

/// `terminal`: runs a shell command on the session's backend, on a PTY, with live output.
public struct TerminalTool: Tool {
    public var changesFiles: Bool { true }
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
        return CommandPolicy(workspace: context.cwd).reason(command)
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

/// Judges a command without a workspace (every absolute or home path counts as outside).
/// Kept for callers that have no session; tools use ``CommandPolicy`` with the session's cwd.
public enum DangerousCommand {
    public static func reason(_ command: String) -> String? {
        CommandPolicy(workspace: nil).reason(command)
    }
}
