import AgentProtocol
import AgentTools
import CurlTransport
import Exec
import Foundation
import MCPClient
import Synchronization
import TestSupport
import Testing

let environment = ProcessInfo.processInfo.environment
let isCI = environment["CI"] == "true"

/// The MCP peers `make test` installs (../shared/peers/mcp-setup.sh) and exports.
enum Peers {
    static var time: String? { environment["TALARIA_MCP_SERVER_TIME"] }
    static var git: String? { environment["TALARIA_MCP_SERVER_GIT"] }
    static var python: String? { environment["TALARIA_MCP_PYTHON"] }
    static var source: String? { environment["TALARIA_PEERS_SRC"] }
    /// Tests against peers run when they are installed, and must run under CI.
    static var available: Bool { time != nil || isCI }
}

/// Records the reconnect delays instead of sleeping them (31 s of backoff in no time).
final class RecordingSleeper: MCPSleeper {
    let delays = Mutex<[Double]>([])
    func sleep(seconds: Double) async throws {
        delays.withLock { $0.append(seconds) }
        try await Task.sleep(for: .milliseconds(5))
    }
    var recorded: [Double] { delays.withLock { $0 } }
}

/// Every status a connection published, in order.
final class StatusLog: Sendable {
    let entries = Mutex<[MCPServerStatus]>([])
    var all: [MCPServerStatus] { entries.withLock { $0 } }
    var last: MCPServerStatus? { all.last }
    func add(_ s: MCPServerStatus) { entries.withLock { $0.append(s) } }
}

/// Collects live output (progress lines) from a call.
final class OutputSink: Sendable {
    let text = Mutex("")
    var value: String { text.withLock { $0 } }
    func append(_ s: String) { text.withLock { $0 += s } }
}

/// The scripted stdio server in Tests/fake-mcp (stdlib Python).
var fakeServerPath: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fake-mcp/fake_mcp_stdio.py").path
}

func connection(_ spec: MCPServerSpec, sleeper: any MCPSleeper = RecordingSleeper(), log: StatusLog = StatusLog()) -> MCPServerConnection {
    MCPServerConnection(spec: spec, http: CurlTransport(), sleeper: sleeper) { status, _ in log.add(status) }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
/// Generous by default: it returns as soon as the condition holds, and under the whole suite's
/// load (2 cores) a Python server can take many seconds to start.
func eventually(_ seconds: Double = 60, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

func isReady(_ c: MCPServerConnection) async -> Bool { await c.status.state == .ready }

let context = ToolContext(cwd: "/tmp", backend: LocalBackend(), callID: "t")


/// The peers' streamable-HTTP test server on its own port, started and stopped with the
/// peers' scripts (`--json-response`, `--stateless` as flags). The scripts run through our
/// own spawn: a child of Foundation's Process here would inherit Swift's blocked signals,
/// and the server could then not be stopped with SIGTERM.
final class HTTPPeer: Sendable {
    let port: Int
    let flags: [String]
    var url: String { "http://127.0.0.1:\(port)/mcp" }

    init(flags: [String] = []) async throws {
        port = freePort()
        self.flags = flags
        try await up()
    }

    func up() async throws {
        let src = try #require(Peers.source, "TALARIA_PEERS_SRC is not set: run through make test")
        try await Self.script(src + "/mcp-http-up.sh", [String(port)] + flags)
    }

    func down() async {
        if let src = Peers.source { try? await Self.script(src + "/mcp-http-down.sh", [String(port)]) }
    }

    private static func script(_ path: String, _ args: [String]) async throws {
        let command = (["bash", path] + args).map { "'\($0)'" }.joined(separator: " ")
        guard try await sh(command + " >/dev/null 2>&1") == 0 else { throw PeerError(message: "\(path) \(args) failed") }
    }
}

struct PeerError: Error { var message: String }

func processExists(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    return stat.split(separator: ")").last?.split(separator: " ").first != "Z"
}

/// Runs a shell command through our own spawn (a thread waits, never the cooperative pool;
/// the child gets a clean signal mask) and returns its exit status.
@discardableResult
func sh(_ command: String) async throws -> Int32 {
    try await LocalBackend().run(CommandSpec(command: command, cwd: "/", usePTY: false)) { _ in }.exitCode
}
