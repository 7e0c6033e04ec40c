import AgentProtocol
import AgentTools
import CurlTransport
import Foundation
import MCP
@testable import MCPClient
import Testing
import TestSupport

/// Against the real servers in ../shared/peers: the reference stdio servers and the
/// official SDK's streamable-HTTP server.
@Suite("MCP against the real peers", .enabled(if: Peers.available, "MCP peers not installed (make test installs them)"))
struct PeerTests {
    func stdio(_ name: String, _ command: String?, _ args: [String]) throws -> MCPServerSpec {
        let command = try #require(command, "CI=true but the MCP peers are not installed")
        return MCPServerSpec(name: name, transport: .stdio(command: command, arguments: args, environment: [:], cwd: nil))
    }

    func http(_ url: String, name: String = "web") -> MCPServerSpec {
        MCPServerSpec(name: name, transport: .http(url: url, headers: [:], bearerTokenEnv: nil), callTimeout: 30)
    }

    @Test("mcp-server-time over stdio: tools listed with schemas, calls answered, a bad zone is a tool error")
    func time() async throws {
        let c = connection(try stdio("time", Peers.time, ["--local-timezone", "UTC"]))
        await c.start()
        #expect(await eventually { await isReady(c) })
        #expect(await c.status.tools.sorted() == ["convert_time", "get_current_time"])
        let tool = try #require(await c.tools.first { $0.name == "get_current_time" })
        let parameters = JSONValue(mcpSchema: tool.inputSchema)
        #expect(parameters["properties"]?["timezone"] != nil)
        let out = await c.call(tool: "get_current_time", arguments: ["timezone": "Asia/Tokyo"], progress: { _ in })
        #expect(out.status == .succeeded)
        #expect(JSONValue.parse(out.text)?["timezone"] == "Asia/Tokyo")
        let converted = await c.call(tool: "convert_time", arguments: ["source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"],
                                     progress: { _ in })
        #expect(converted.text.contains("21:00"), "\(converted.text)")
        let bad = await c.call(tool: "get_current_time", arguments: ["timezone": "Nowhere/Nothing"], progress: { _ in })
        #expect(bad.status == .failed)
        #expect(bad.text.contains("Invalid timezone"))
        #expect(await c.status.serverInfo?.hasPrefix("mcp-time") == true)
        await c.stop()
    }

    @Test("mcp-server-git over stdio: status, add and log on a real repository")
    func git() async throws {
        let dir = TempDir("mcp-git")
        #expect(try await sh("cd \(dir.path) && git init -q && git config user.email t@example.com && git config user.name T && echo one > a.txt && git add a.txt && git commit -qm first && echo two > b.txt") == 0)
        let c = connection(try stdio("git", Peers.git, ["--repository", dir.path]))
        await c.start()
        #expect(await eventually { await isReady(c) })
        #expect(await c.status.tools.count == 12)
        let status = await c.call(tool: "git_status", arguments: ["repo_path": .string(dir.path)], progress: { _ in })
        #expect(status.text.contains("b.txt"), "\(status.text)")
        let add = await c.call(tool: "git_add", arguments: ["repo_path": .string(dir.path), "files": ["b.txt"]], progress: { _ in })
        #expect(add.status == .succeeded, "\(add.text)")
        let log = await c.call(tool: "git_log", arguments: ["repo_path": .string(dir.path), "max_count": 5], progress: { _ in })
        #expect(log.text.contains("first"), "\(log.text)")
        await c.stop()
    }

    @Test("streamable HTTP with SSE answers: calls, structured results, progress into the pane, tool and protocol errors")
    func httpSSE() async throws {
        let peer = try await HTTPPeer()
        let c = connection(http(peer.url))
        await c.start()
        #expect(await eventually { await isReady(c) })
        #expect(await Set(c.status.tools) == ["echo", "add", "slow_count", "fail", "protocol_error", "whoami"])
        #expect(await c.call(tool: "echo", arguments: ["text": "héllo"], progress: { _ in }).text == "héllo")
        #expect(await c.call(tool: "add", arguments: ["a": 2, "b": 40], progress: { _ in }).text == "42")
        let sink = OutputSink()
        let counted = await c.call(tool: "slow_count", arguments: ["n": 3, "delay": 0.05], progress: { sink.append($0) })
        #expect(counted.text == "counted to 3")
        #expect(sink.value.contains("[progress 1/3] step 1/3"))
        #expect(sink.value.contains("[progress 3/3] step 3/3"))
        let failed = await c.call(tool: "fail", arguments: ["message": "boom"], progress: { _ in })
        #expect(failed.status == .failed)
        #expect(failed.text.contains("boom"))
        let protocolError = await c.call(tool: "protocol_error", arguments: [:], progress: { _ in })
        #expect(protocolError.status == .failed)
        #expect(protocolError.text.contains("-32602"))
        // Neither kind of failure ends the session.
        #expect(await c.call(tool: "echo", arguments: ["text": "still here"], progress: { _ in }).text == "still here")
        await c.stop()
        await peer.down()
    }

    @Test("streamable HTTP with plain JSON answers, and a stateless server (no session id)")
    func httpJSONAndStateless() async throws {
        for flags in [["--json-response"], ["--stateless"]] {
            let peer = try await HTTPPeer(flags: flags)
            let c = connection(http(peer.url))
            await c.start()
            #expect(await eventually { await isReady(c) }, "\(flags)")
            #expect(await c.call(tool: "add", arguments: ["a": 1, "b": 2], progress: { _ in }).text == "3", "\(flags)")
            await c.stop()
            await peer.down()
        }
    }

    @Test("a restarted HTTP server forgets the session: 404, a new initialize, the call retried and answered")
    func httpRestart() async throws {
        let peer = try await HTTPPeer()
        let c = connection(http(peer.url))
        await c.start()
        #expect(await eventually { await isReady(c) })
        let before = JSONValue.parse(await c.call(tool: "whoami", arguments: [:], progress: { _ in }).text)?["boot_id"]
        await peer.down()
        try await peer.up()
        let out = await c.call(tool: "whoami", arguments: [:], progress: { _ in })
        #expect(out.status == .succeeded, "\(out.text)")
        let after = JSONValue.parse(out.text)?["boot_id"]
        #expect(before != nil && after != nil && before != after)
        #expect(await c.status.state == .ready)
        await c.stop()
        await peer.down()
    }

    @Test("an HTTP server that goes away: calls fail clearly, backoff runs, and it is used again once back")
    func httpDownAndBack() async throws {
        let peer = try await HTTPPeer()
        let sleeper = RecordingSleeper()
        let c = connection(http(peer.url), sleeper: sleeper)
        await c.start()
        #expect(await eventually { await isReady(c) })
        await peer.down()
        let out = await c.call(tool: "echo", arguments: ["text": "x"], progress: { _ in })
        #expect(out.status == .failed)
        // Refused at once, or the POST failed after the SDK had sent it: either way, the reason.
        #expect(out.text.contains("unreachable") || out.text.contains("not available")
                    || (out.text.contains("disconnected during the call") && out.text.contains("cannot reach")), "\(out.text)")
        // The recording sleeper runs the five retries at once; the server is then failed.
        #expect(await eventually { await c.status.state == .failed })
        #expect(sleeper.recorded == [1, 2, 4, 8, 16])
        try await peer.up()
        await c.restart()
        #expect(await eventually { await isReady(c) })
        #expect(await c.call(tool: "echo", arguments: ["text": "back"], progress: { _ in }).text == "back")
        await c.stop()
        await peer.down()
    }

    @Test("killing a stdio server mid-call: clear failure, backoff, tools registered again")
    func killStdioMidCall() async throws {
        let sleeper = RecordingSleeper()
        let log = StatusLog()
        let c = connection(try stdio("time", Peers.time, ["--local-timezone", "UTC"]), sleeper: sleeper, log: log)
        await c.start()
        #expect(await eventually { await isReady(c) })
        let pid = try #require(await c.serverProcessID())
        // Stopped, the server cannot answer: the call is in flight when it dies.
        kill(pid, SIGSTOP)
        let call = Task { await c.call(tool: "get_current_time", arguments: ["timezone": "UTC"], progress: { _ in }) }
        #expect(await eventually { await c.callsInFlight == 1 }, "the call was never sent")
        kill(pid, SIGKILL)
        let out = await call.value
        #expect(out.status == .failed)
        #expect(out.text.contains("disconnected during the call"), "\(out.text)")
        #expect(out.text.contains("killed by signal 9"), "\(out.text)")
        #expect(await eventually { await isReady(c) })
        #expect(sleeper.recorded == [1])
        #expect(log.all.contains { if case .retrying(1, _) = $0.state { true } else { false } })
        #expect(await c.status.tools.count == 2)
        let again = await c.call(tool: "get_current_time", arguments: ["timezone": "UTC"], progress: { _ in })
        #expect(again.status == .succeeded)
        await c.stop()
    }

    @Test("the hub starts servers in parallel: a slow one does not hold back the others")
    func parallelStart() async throws {
        let time = try stdio("time", Peers.time, ["--local-timezone", "UTC"])
        let mute = MCPServerSpec(name: "mute", transport: .stdio(command: "python3", arguments: [fakeServerPath, "--no-answer"],
                                                                 environment: [:], cwd: nil), connectTimeout: 120)
        let hub = MCPHub(specs: [mute, time], http: CurlTransport(), sleeper: RecordingSleeper())
        let start = ContinuousClock.now
        await hub.start()
        #expect(ContinuousClock.now - start < .seconds(10), "start waited for a server (the mute one would take 120 s)")
        #expect(await eventually(100) { await hub.currentTools().contains { $0.name == "mcp__time__get_current_time" } })
        #expect(await hub.statusList.first?.state == .connecting(attempt: 0))
        await hub.stop()
    }
}
