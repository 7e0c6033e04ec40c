import AgentProtocol
import Exec
import Foundation

/// `process`: commands that keep running in the background — a dev server, a watcher, a long
/// build — started, read, written to, waited on and killed across calls and turns.
public struct ProcessTool: Tool {
    public let table: ProcessTable
    /// Characters of output one call returns (the newest kept).
    public static let shown = 8_000
    public var changesFiles: Bool { true }

    public init(table: ProcessTable) { self.table = table }

    public var spec: ToolSpec {
        ToolSpec(name: "process", description: """
            Run commands in the background (servers, watchers, long builds) and manage them across \
            calls: action start (command, optional cwd and env; returns an id at once), read (output \
            since the last read, or the last `lines`), write (text to its stdin; `enter` adds a \
            newline), wait (until it ends or `timeout` seconds, default 30), kill, list (state, exit \
            code, run time, listening ports). Processes end with the session. Use terminal for \
            commands that finish by themselves.
            """, parameters: schema([
                "action": ["type": "string", "enum": ["start", "read", "write", "wait", "kill", "list"]],
                "command": ["type": "string", "description": "start: the shell command."],
                "cwd": ["type": "string", "description": "start: where it runs (default: the session's directory)."],
                "env": ["type": "object", "description": "start: environment variables to set.", "additionalProperties": ["type": "string"]],
                "id": ["type": "integer", "description": "read, write, wait, kill: the process."],
                "lines": ["type": "integer", "description": "read: the last N lines instead of what is new."],
                "text": ["type": "string", "description": "write: what to send."],
                "enter": ["type": "boolean", "description": "write: end with a newline (default true)."],
                "timeout": ["type": "integer", "description": "wait: seconds (default 30, max 600)."],
            ], required: ["action"]))
    }

    public func approvalReason(for arguments: JSONValue, context: ToolContext) -> String? {
        guard arguments["action"]?.stringValue == "start", let command = arguments["command"]?.stringValue else { return nil }
        return CommandPolicy(workspace: context.cwd).reason(command)
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        do {
            switch try args.string("action") {
            case "start":
                let command = try args.string("command")
                guard !command.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return .error("the command is empty") }
                let cwd = try args.optionalString("cwd").map(context.resolve) ?? context.cwd
                let env = (arguments["env"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
                let id = try await table.start(command, cwd: cwd, env: env, backend: context.backend)
                // A moment for what it prints first (an error, a port) to arrive.
                _ = try await table.wait(id, timeout: 1)
                let first = try await table.read(id)
                let state = await table.snapshot().first { $0.id == id }
                let status = state?.state == .running ? "running" : "already ended, exit code \(state?.exitCode.map(String.init) ?? "?")"
                return ToolOutput(text: "process \(id) started (\(status)): \(command)" + Self.output(first))
            case "read":
                let id = try Self.id(args)
                let tail = try args.optionalInt("lines")
                let text = try await table.read(id, tail: tail)
                return ToolOutput(text: await describe(id) + Self.output(text, empty: tail == nil ? "(nothing new)" : "(no output)"))
            case "write":
                let id = try Self.id(args)
                let text = try args.string("text") + ((try args.optionalBool("enter")) ?? true ? "\n" : "")
                try await table.write(id, text)
                _ = try await table.wait(id, timeout: 0.5)
                return ToolOutput(text: "sent \(text.utf8.count) bytes to process \(id)" + Self.output(try await table.read(id)))
            case "wait":
                let id = try Self.id(args)
                let seconds = Double(min(600, max(1, try args.optionalInt("timeout") ?? 30)))
                let ended = try await table.wait(id, timeout: seconds)
                let text = try await table.read(id)
                return ToolOutput(text: (ended ? "" : "still running after \(Int(seconds)) s · ") + (await describe(id)) + Self.output(text))
            case "kill":
                let id = try Self.id(args)
                try await table.kill(id)
                return ToolOutput(text: "killed process \(id) and its children" + Self.output(try await table.read(id)))
            case "list":
                let all = await table.snapshot()
                guard !all.isEmpty else { return ToolOutput(text: "no background processes") }
                var lines: [String] = []
                for p in all {
                    let ports = await table.ports(p.id)
                    lines.append("\(p.id) · \(Self.state(p)) · \(Self.duration(p.elapsedMs))" + (ports.isEmpty ? "" : " · listening on \(ports.map(String.init).joined(separator: ", "))")
                        + " · \(p.command)")
                }
                return ToolOutput(text: lines.joined(separator: "\n"))
            case let other:
                return .error("unknown action '\(other)' (start, read, write, wait, kill, list)")
            }
        } catch { return .error(error.message) }
    }

    static func id(_ args: ToolArguments) throws(ToolArgumentError) -> Int {
        guard let id = try args.optionalInt("id") else { throw ToolArgumentError("missing required argument 'id'") }
        return id
    }

    func describe(_ id: Int) async -> String {
        guard let p = await table.snapshot().first(where: { $0.id == id }) else { return "process \(id)" }
        return "process \(id) \(Self.state(p)) after \(Self.duration(p.elapsedMs))"
    }

    static func state(_ p: ProcessRecord) -> String {
        switch p.state {
        case .running: "running"
        case .exited: "exited with code \(p.exitCode.map(String.init) ?? "?")"
        case .killed: "killed"
        }
    }

    static func duration(_ ms: Int) -> String { ms < 60_000 ? String(format: "%.1f s", Double(ms) / 1000) : "\(ms / 60_000) min \(ms / 1000 % 60) s" }

    /// Output for the model: the newest ``shown`` characters, with a note when more came.
    static func output(_ text: String, empty: String? = nil) -> String {
        var t = text
        while t.hasSuffix("\n") { t.removeLast() }
        if t.isEmpty { return empty.map { "\n" + $0 } ?? "" }
        if t.count > shown { t = "[… \(t.count - shown) earlier characters not shown; the store keeps them all]\n" + t.suffix(shown) }
        return "\n" + t
    }
}
