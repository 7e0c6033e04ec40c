import AgentProtocol
import Exec
import Foundation
import Synchronization

/// `execute_code`: a Python (or bash) snippet run through the session's backend with a time
/// and a memory limit; stdout, stderr and the exit code come back. From Python the script may
/// call Talaria's read-only tools (`from talaria_tools import read_file, search_files, …`), so
/// one call can do many steps; each such call passes the session's approvals like any other.
public struct ExecuteCodeTool: Tool {
    public static let defaultTimeout = 60
    public static let memoryMB = 1024
    /// What a script may call: tools that only read.
    public static let callable = ["read_file", "list_dir", "search_files", "web_fetch", "web_search", "session_search", "skills_list", "skill_view"]
    public var changesFiles: Bool { true }

    public init() {}

    public var spec: ToolSpec {
        ToolSpec(name: "execute_code", description: """
            Run a Python 3 (or bash) script and get its stdout, stderr and exit code — for work of \
            many small steps in one call: parsing, counting, transforming data. From Python, \
            `from talaria_tools import read_file, list_dir, search_files, web_fetch, web_search` calls \
            those tools with keyword arguments and returns their text. Limits: `timeout` seconds \
            (default \(Self.defaultTimeout), max 600) and \(Self.memoryMB) MB of memory.
            """, parameters: schema([
                "code": ["type": "string", "description": "The script."],
                "language": ["type": "string", "enum": ["python", "bash"], "description": "Default python."],
                "timeout": ["type": "integer", "description": "Seconds before it is killed."],
            ], required: ["code"]))
    }

    public func approvalReason(for arguments: JSONValue, context: ToolContext) -> String? {
        guard let code = arguments["code"]?.stringValue else { return nil }
        if arguments["language"]?.stringValue == "bash" { return CommandPolicy(workspace: context.cwd).reason(code) }
        // Python that deletes, or starts commands (which the shell policy cannot see into).
        let risky = ["subprocess", "os.system", "os.popen", "rmtree", "os.remove", "os.unlink", "os.rmdir", ".unlink(", "pty.spawn", "os.exec"]
        if let hit = risky.first(where: code.contains) { return "runs Python that uses \(hit)" }
        return nil
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        let code: String, language: String, timeout: Int
        do {
            code = try args.string("code")
            language = try args.optionalString("language") ?? "python"
            timeout = min(600, max(1, try args.optionalInt("timeout") ?? Self.defaultTimeout))
        } catch { return .error(error.message) }
        guard language == "python" || language == "bash" else { return .error("language must be python or bash") }
        guard !code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return .error("the code is empty") }
        // A sandbox gives each command its own /tmp: the answer could not reach the script there.
        let script = Self.wrapper(code: code, language: language, rpc: !context.backend.identity.hasPrefix("sandbox"))
        let rpc = RPCChannel(context: context)
        let result: CommandResult
        do {
            result = try await context.backend.run(CommandSpec(command: script, cwd: context.cwd, timeout: Double(timeout), usePTY: false)) { rpc.feed($0) }
        } catch { return .error("cannot run the code: \(error.message)") }
        await rpc.drain()
        var (stdout, stderr, exit) = Self.split(rpc.output)
        // Tracebacks name the script by its private folder, new every call: name it the same
        // way each time, so a repeated failure reads (and is seen by the loop guard) as one.
        if let dir = rpc.folder.path.withLock({ $0 }) {
            stderr = stderr.replacingOccurrences(of: dir + "/main", with: language == "python" ? "script.py" : "script.sh")
                .replacingOccurrences(of: dir + "/", with: "")
            stdout = stdout.replacingOccurrences(of: dir + "/", with: "")
        }
        var text = "exit code \(exit ?? result.exitCode)"
        if result.timedOut { text = "killed after \(timeout) s (the time limit)" }
        if result.cancelled { text = "cancelled by the user" }
        if rpc.calls > 0 { text += " · \(rpc.calls) tool call\(rpc.calls == 1 ? "" : "s")" }
        text += "\n--- stdout\n" + (stdout.isEmpty ? "(empty)" : stdout)
        if !stderr.isEmpty { text += "\n--- stderr\n" + stderr }
        let status: ToolStatus = result.timedOut ? .timedOut : result.cancelled ? .cancelled : (exit ?? result.exitCode) == 0 ? .succeeded : .failed
        return ToolOutput(text: text, status: status, exitCode: exit ?? result.exitCode)
    }

    static let stderrMark = "\u{1E}TALARIA_STDERR"
    static let exitMark = "\u{1E}TALARIA_EXIT "
    static let rpcMark = "\u{1E}TALARIA_RPC "
    static let dirMark = "\u{1E}TALARIA_DIR "

    /// The shell script that writes the code and the helper to a private folder, sets the limits,
    /// runs it, and reports stderr and the exit code after its stdout.
    static func wrapper(code: String, language: String, rpc: Bool) -> String {
        var tag = "TALARIA_CODE_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        while code.contains(tag) || helper.contains(tag) { tag += "X" }
        let channel = rpc ? "TALARIA_RPC_IN=\"$d/rpc\" " : ""
        let run = language == "python" ? "PYTHONPATH=\"$d\" \(channel)python3 -u \"$d/main\"" : "bash \"$d/main\""
        return """
            d=$(mktemp -d /tmp/talaria-code.XXXXXX) || exit 97
            trap 'rm -rf "$d"' EXIT
            mkfifo -m 600 "$d/rpc"
            printf '\(dirMark)%s\\n' "$d"
            cat > "$d/main" <<'\(tag)'
            \(code)
            \(tag)
            cat > "$d/talaria_tools.py" <<'\(tag)'
            \(helper)
            \(tag)
            ulimit -v \(memoryMB * 1024) 2>/dev/null
            (\(run)) 2> "$d/stderr" < /dev/null
            code=$?
            printf '\\n\(stderrMark)\\n'
            cat "$d/stderr"
            printf '\\n\(exitMark)%s\\n' "$code"
            """
    }

    /// The Python side of the tool calls: a request line on stdout, the answer from a FIFO.
    static let helper = #"""
        import json, os, sys
        _n = 0
        _answers = None
        def call(tool, **args):
            global _n
            if "TALARIA_RPC_IN" not in os.environ:
                raise RuntimeError("Talaria's tools cannot be called from a script on this backend")
            _n += 1
            sys.stdout.flush()
            sys.__stdout__.write("\x1eTALARIA_RPC " + json.dumps({"id": _n, "tool": tool, "args": args}) + "\n")
            sys.__stdout__.flush()
            global _answers
            if _answers is None:
                # Held open read-write for the whole script: no end-of-file between answers.
                _answers = os.fdopen(os.open(os.environ["TALARIA_RPC_IN"], os.O_RDWR), "r")
            reply = json.loads(_answers.readline())
            if reply.get("error"):
                raise RuntimeError(tool + ": " + reply["error"])
            return reply["output"]
        def read_file(path, **kw): return call("read_file", path=path, **kw)
        def list_dir(path=".", **kw): return call("list_dir", path=path, **kw)
        def search_files(pattern, **kw): return call("search_files", pattern=pattern, **kw)
        def web_fetch(url, **kw): return call("web_fetch", url=url, **kw)
        def web_search(query, **kw): return call("web_search", query=query, **kw)
        def session_search(query, **kw): return call("session_search", query=query, **kw)
        """#

    /// stdout, stderr and the exit code from what the wrapper printed.
    static func split(_ all: String) -> (String, String, Int32?) {
        guard let s = all.range(of: "\n" + stderrMark + "\n", options: .backwards) else { return (all, "", nil) }
        var stdout = String(all[..<s.lowerBound])
        var rest = String(all[s.upperBound...])
        var exit: Int32?
        if let e = rest.range(of: "\n" + exitMark, options: .backwards) {
            exit = Int32(rest[e.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines))
            rest = String(rest[..<e.lowerBound])
        }
        while stdout.hasSuffix("\n") { stdout.removeLast() }
        while rest.hasSuffix("\n") { rest.removeLast() }
        return (stdout, rest, exit)
    }
}

/// Reads the script's output as it comes: request lines are answered (through the session's
/// tool calls, then a write into the script's FIFO), everything else is the script's stdout.
final class RPCChannel: Sendable {
    private struct State {
        var pending = Data()
        var output = ""
        var calls = 0
    }
    /// The script's private folder (its FIFO is `rpc` there), as the wrapper said.
    final class Folder: Sendable { let path = Mutex<String?>(nil) }
    private let state = Mutex(State())
    let folder = Folder()
    private let requests: AsyncStream<String>.Continuation
    private let worker: Task<Void, Never>

    init(context: ToolContext) {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        requests = continuation
        let folder = folder
        worker = Task {
            for await line in stream {
                let reply = await Self.answer(line, context: context)
                guard let dir = folder.path.withLock({ $0 }) else { continue }
                // The script waits on its FIFO for this line.
                _ = try? await context.backend.run(CommandSpec(command: "printf '%s\\n' \(shellQuote(reply)) > \(shellQuote(dir + "/rpc"))",
                                                               cwd: "/", timeout: 10, usePTY: false)) { _ in }
            }
        }
    }

    var output: String { state.withLock { $0.output } }
    var calls: Int { state.withLock { $0.calls } }

    func feed(_ data: Data) {
        let lines: [String] = state.withLock { s in
            s.pending.append(data)
            var found: [String] = []
            while let nl = s.pending.firstIndex(of: 0x0A) {
                let line = String(decoding: s.pending[s.pending.startIndex..<nl], as: UTF8.self)
                s.pending.removeSubrange(s.pending.startIndex...nl)
                if line.hasPrefix(ExecuteCodeTool.rpcMark) {
                    found.append(String(line.dropFirst(ExecuteCodeTool.rpcMark.count)))
                    s.calls += 1
                } else if line.hasPrefix(ExecuteCodeTool.dirMark), folder.path.withLock({ $0 == nil }) {
                    let dir = String(line.dropFirst(ExecuteCodeTool.dirMark.count))
                    folder.path.withLock { $0 = dir }
                } else {
                    s.output += line + "\n"
                }
            }
            return found
        }
        for line in lines { requests.yield(line) }
    }

    /// Takes what is left after the script ended.
    func drain() async {
        state.withLock { s in
            if !s.pending.isEmpty { s.output += String(decoding: s.pending, as: UTF8.self) }
            s.pending = Data()
        }
        requests.finish()
        await worker.value
    }

    static func answer(_ line: String, context: ToolContext) async -> String {
        guard let request = JSONValue.parse(line), let tool = request["tool"]?.stringValue else {
            return JSONValue.object(["error": "the request is not JSON"]).jsonText
        }
        guard ExecuteCodeTool.callable.contains(tool) else {
            return JSONValue.object(["error": .string("scripts may call only \(ExecuteCodeTool.callable.joined(separator: ", "))")]).jsonText
        }
        guard let callTool = context.callTool else { return JSONValue.object(["error": "tool calls are not available here"]).jsonText }
        context.emitOutput("→ \(tool) \(request["args"]?.jsonText.prefix(120) ?? "")\n")
        let out = await callTool(tool, request["args"] ?? .object([:]))
        return out.isError ? JSONValue.object(["error": .string(out.text)]).jsonText : JSONValue.object(["output": .string(out.text)]).jsonText
    }
}
