import AgentProtocol
import AgentTools
import CurlTransport
import Foundation
import MCP
@testable import MCPClient
import TestSupport
import Testing

@Suite("MCP tools as Talaria tools")
struct BridgeTests {
    @Test("names are mcp__server__tool with anything outside [A-Za-z0-9_-] replaced")
    func names() {
        #expect(MCPNames.qualified(server: "git", tool: "git_status") == "mcp__git__git_status")
        #expect(MCPNames.qualified(server: "my-srv", tool: "files/read.v2") == "mcp__my-srv__files_read_v2")
        let long1 = MCPNames.qualified(server: "server", tool: String(repeating: "a", count: 70) + "1")
        let long2 = MCPNames.qualified(server: "server", tool: String(repeating: "a", count: 70) + "2")
        #expect(long1.count == 64 && long2.count == 64 && long1 != long2)
        #expect(long1.hasPrefix("mcp__server__aaaa"))
    }

    @Test("results: text joined, images as a placeholder line, structured content when there is no text")
    func results() {
        let content: [MCP.Tool.Content] = [.text(text: "one", annotations: nil, _meta: nil),
                                           .image(data: String(repeating: "A", count: 400), mimeType: "image/png", annotations: nil, _meta: nil)]
        #expect(MCPResultText.render(content, structured: nil) == "one\n[image image/png, 300 bytes — not shown]")
        #expect(MCPResultText.render([], structured: .object(["sum": .int(5)])) == #"{"sum":5}"#)
        #expect(MCPResultText.render([], structured: nil) == "(no output)")
    }

    @Test("trust: ask asks per tool, session once per server, always never; the server's description is kept")
    func trust() {
        let c = connection(MCPServerSpec(name: "git", transport: .stdio(command: "x", arguments: [], environment: [:], cwd: nil)))
        let remote = MCP.Tool(name: "git_status", description: "Shows the status", inputSchema: .object(["type": "object"]))
        func reason(_ t: MCPTrust) -> String? {
            MCPTool(server: "git", tool: remote, trust: t, connection: c).approvalReason(for: [:], context: context)
        }
        #expect(reason(.ask) == "runs git_status on the MCP server 'git'")
        #expect(reason(.session) == "runs tools of the MCP server 'git'")
        #expect(reason(.always) == nil)
        let tool = MCPTool(server: "git", tool: remote, trust: .ask, connection: c)
        #expect(tool.spec.name == "mcp__git__git_status")
        #expect(tool.spec.description == "[MCP server git] Shows the status")
    }

    @Test("a schema without a type becomes an object schema; none at all becomes an empty one")
    func schemas() {
        #expect(JSONValue(mcpSchema: .object(["properties": .object([:])]))["type"] == "object")
        #expect(JSONValue(mcpSchema: .null) == ["type": "object", "properties": .object([:])])
    }
}

@Suite("MCP connection life: backoff, timeouts, failures", .serialized)
struct LifeTests {
    @Test("a server that keeps dying is retried after 1, 2, 4, 8, 16 s, then marked failed with its last error")
    func backoff() async throws {
        let sleeper = RecordingSleeper()
        let log = StatusLog()
        let c = connection(MCPServerSpec(name: "dies", transport: .stdio(command: "/bin/sh", arguments: ["-c", "echo bye >&2; exit 3"],
                                                                         environment: [:], cwd: nil)),
                           sleeper: sleeper, log: log)
        await c.start()
        let finished = await eventually { await c.status.state == .failed }
        let states = log.all.map { "\($0.state)" }
        #expect(finished, "\(states)")
        #expect(sleeper.recorded == [1, 2, 4, 8, 16])
        let status = await c.status
        #expect(status.lastError?.contains("exited with status 3") == true)
        #expect(status.lastError?.contains("stderr: bye") == true)
        // Every wait was visible: retrying 1…5, each with its due time.
        let attempts = log.all.compactMap { s -> Int? in if case .retrying(let n, _) = s.state { return n }; return nil }
        #expect(attempts == [1, 2, 3, 4, 5])
        #expect(status.summary().hasPrefix("failed: "))
    }

    @Test("a missing program fails at once: retrying cannot fix it")
    func missingProgram() async throws {
        let sleeper = RecordingSleeper()
        let c = connection(MCPServerSpec(name: "none", transport: .stdio(command: "/nonexistent/mcp", arguments: [], environment: [:], cwd: nil)),
                           sleeper: sleeper)
        await c.start()
        #expect(await eventually { await c.status.state == .failed })
        #expect(sleeper.recorded.isEmpty)
        #expect(await c.status.lastError?.contains("cannot start /nonexistent/mcp") == true)
    }

    @Test("a server that never answers initialize times out, and its process is gone")
    func initializeTimeout() async throws {
        let sleeper = RecordingSleeper()
        let marker = "/tmp/mute-\(UUID().uuidString.prefix(8))"
        let c = connection(MCPServerSpec(name: "mute", transport: .stdio(command: "python3", arguments: [fakeServerPath, "--no-answer", "--log", marker],
                                                                         environment: [:], cwd: nil),
                                         connectTimeout: 0.5), sleeper: sleeper)
        let start = ContinuousClock.now
        await c.start()
        #expect(await eventually { sleeper.recorded.count >= 1 })
        #expect(ContinuousClock.now - start < .seconds(20), "the 0.5 s connect timeout was not applied (the default is 30 s)")
        let error = await c.status.lastError ?? ""
        #expect(error.contains("initialize got no answer within 0.5 s"), "\(error)")
        await c.stop()
        // "[-]-log": the pattern matches the server's command line but not pgrep's own (or its shell's).
        #expect(await eventually(30) { (try? await sh("pgrep -f 'fake_mcp_stdio.py --no-answer [-]-log \(marker)'")) == 1 })
    }

    @Test("a stdio transport stopped before it connected never starts its server")
    func disconnectFirst() async throws {
        let marker = "/tmp/early-\(UUID().uuidString.prefix(8))"
        let t = StdioTransport(command: "python3", arguments: [fakeServerPath, "--no-answer", "--log", marker], environment: [:], cwd: nil)
        await t.disconnect()
        await #expect(throws: MCPClientError.self) { try await t.connect() }
        #expect(await t.pid == nil)
    }

    @Test("stopping a connection at any moment of its start leaves no server process behind")
    func stopWhileStarting() async throws {
        let marker = "/tmp/churn-\(UUID().uuidString.prefix(8))"
        for round in 0..<12 {
            let c = connection(MCPServerSpec(name: "churn", transport: .stdio(command: "python3", arguments: [fakeServerPath, "--no-answer", "--log", marker],
                                                                              environment: [:], cwd: nil),
                                             connectTimeout: 0.2))
            await c.start()
            try await Task.sleep(for: .milliseconds(round * 40)) // before, during and after the timeouts and retries
            await c.stop()
        }
        #expect(await eventually(30) { (try? await sh("pgrep -f 'fake_mcp_stdio.py --no-answer [-]-log \(marker)'")) == 1 },
                "a stopped connection left its server running")
    }

    @Test("a protocol version Talaria does not speak fails with a message naming both")
    func badVersion() async throws {
        let c = connection(MCPServerSpec(name: "future", transport: .stdio(command: "python3", arguments: [fakeServerPath, "--version", "2099-01-01"],
                                                                           environment: [:], cwd: nil)))
        await c.start()
        #expect(await eventually { await c.status.state == .failed })
        #expect(await c.status.lastError?.contains("speaks MCP 2099-01-01") == true)
    }

    @Test("an HTTP server that is not there is retried, then failed with the connection error")
    func unreachableHTTP() async throws {
        let sleeper = RecordingSleeper()
        let c = connection(MCPServerSpec(name: "gone", transport: .http(url: "http://127.0.0.1:\(freePort())/mcp", headers: [:], bearerTokenEnv: nil)),
                           sleeper: sleeper)
        await c.start()
        #expect(await eventually { await c.status.state == .failed })
        #expect(sleeper.recorded == [1, 2, 4, 8, 16])
        #expect(await c.status.lastError?.contains("cannot reach http://127.0.0.1:") == true)
    }

    @Test("an unset bearer token variable is a clear, immediate failure")
    func missingToken() async throws {
        let c = connection(MCPServerSpec(name: "auth", transport: .http(url: "http://127.0.0.1:9/mcp", headers: [:], bearerTokenEnv: "TALARIA_TEST_UNSET_TOKEN")))
        await c.start()
        #expect(await eventually { await c.status.state == .failed })
        #expect(await c.status.lastError == "bearer_token_env names TALARIA_TEST_UNSET_TOKEN, which is not set")
    }
}

@Suite("MCP faults with the scripted stdio server", .serialized)
struct FakeServerTests {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-fake-\(UUID().uuidString.prefix(8))").path

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }

    func spec(timeout: Double = 120) -> MCPServerSpec {
        MCPServerSpec(name: "fake", transport: .stdio(command: "python3", arguments: [fakeServerPath, "--log", dir + "/log.jsonl"],
                                                      environment: [:], cwd: nil), callTimeout: timeout)
    }

    var received: [JSONValue] {
        let text = (try? String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { JSONValue.parse(String($0)) }
    }

    @Test("tools/list_changed refreshes the tool list")
    func listChanged() async throws {
        let c = connection(spec())
        await c.start()
        #expect(await eventually { await isReady(c) })
        #expect(await !c.status.tools.contains("fresh"))
        let out = await c.call(tool: "add_tool", arguments: ["name": "fresh"], progress: { _ in })
        #expect(out.text == "added")
        #expect(await eventually(5) { await c.status.tools.contains("fresh") })
        await c.stop()
    }

    @Test("a call past its timeout returns timedOut and the server is sent notifications/cancelled")
    func timeout() async throws {
        let c = connection(spec(timeout: 0.5))
        await c.start()
        #expect(await eventually { await isReady(c) })
        let out = await c.call(tool: "hang", arguments: [:], progress: { _ in })
        #expect(out.status == .timedOut)
        #expect(out.text.contains("did not answer within 0.5 s"))
        #expect(await eventually(5) { received.contains { $0["method"]?.stringValue == "notifications/cancelled" } })
        // The connection survives: a later call works (a few tries: under a loaded suite a call
        // can itself pass the 0.5 s this test sets).
        var answered = false
        for _ in 0..<5 where !answered { answered = await c.call(tool: "ping_tool", arguments: [:], progress: { _ in }).text == "pong" }
        #expect(answered, "the connection did not survive the timed-out call")
        await c.stop()
    }

    @Test("interrupting a call cancels it on the server at once")
    func cancel() async throws {
        let c = connection(spec())
        await c.start()
        #expect(await eventually { await isReady(c) })
        let call = Task { await c.call(tool: "hang", arguments: [:], progress: { _ in }) }
        #expect(await eventually { await c.callsInFlight == 1 }, "the call was never sent")
        let start = ContinuousClock.now
        call.cancel()
        let out = await call.value
        #expect(out.status == .cancelled)
        #expect(ContinuousClock.now - start < .seconds(30), "the call was not cancelled (it would wait for its 120 s timeout)")
        let cancelled = await eventually(5) { received.contains { $0["method"]?.stringValue == "notifications/cancelled" } }
        #expect(cancelled)
        await c.stop()
    }

    @Test("a server that exits mid-call: the call fails with a clear message, the server comes back with its tools")
    func crashMidCall() async throws {
        let sleeper = RecordingSleeper()
        let log = StatusLog()
        let c = connection(spec(), sleeper: sleeper, log: log)
        await c.start()
        #expect(await eventually { await isReady(c) })
        let first = try #require(await c.serverProcessID())
        let out = await c.call(tool: "crash", arguments: [:], progress: { _ in })
        #expect(out.status == .failed)
        #expect(out.text.contains("disconnected during the call"), "\(out.text)")
        #expect(out.text.contains("exited with status 7"), "\(out.text)")
        #expect(await eventually { await isReady(c) })
        #expect(sleeper.recorded == [1])
        let second = try #require(await c.serverProcessID())
        #expect(first != second)
        #expect(await c.status.tools.contains("ping_tool"))
        #expect(await c.call(tool: "ping_tool", arguments: [:], progress: { _ in }).text == "pong")
        await c.stop()
        #expect(await eventually(5) { !processExists(second) })
    }

    @Test("the hub offers ready servers' tools, withdraws a failed one's, and tells the agent why")
    func hub() async throws {
        let specs = [spec(), MCPServerSpec(name: "broken", transport: .stdio(command: "/nonexistent/x", arguments: [], environment: [:], cwd: nil))]
        let hub = MCPHub(specs: specs, http: CurlTransport(), sleeper: RecordingSleeper())
        await hub.start()
        await hub.waitUntilSettled(seconds: 20)
        let names = await hub.currentTools().map(\.name)
        #expect(names.contains("mcp__fake__ping_tool"))
        #expect(!names.contains { $0.hasPrefix("mcp__broken__") })
        let note = try #require(await hub.promptNote())
        #expect(note.contains("broken: failed: cannot start /nonexistent/x"))
        await hub.setEnabled("fake", false)
        #expect(await eventually(5) { await hub.currentTools().isEmpty })
        #expect(await hub.statusList.first?.state == .disabled)
        await hub.setEnabled("fake", true)
        #expect(await eventually { await hub.currentTools().count == 4 })
        await hub.stop()
    }
}

@Suite("JSON values to and from the MCP SDK")
struct MCPValueTests {
    @Test("schemas, arguments and results convert case by case and round-trip; integral numbers go as integers")
    func roundTrip() throws {
        let json = try #require(JSONValue.parse(#"{"a":1,"b":2.5,"c":[true,null,"x",{"d":-3}],"e":{},"f":1e20}"#))
        let mcp = try #require(json.mcpValue)
        guard case .object(let o) = mcp else { Issue.record("not an object"); return }
        #expect(o["a"] == .int(1) && o["b"] == .double(2.5) && o["f"] == .double(1e20))
        #expect(o["c"] == .array([.bool(true), .null, .string("x"), .object(["d": .int(-3)])]))
        #expect(JSONValue(mcp: mcp) == json)
        // The same as going through JSON text, the way the SDK would decode it.
        let viaText = try JSONDecoder().decode(MCP.Value.self, from: Data(json.jsonText.utf8))
        #expect(JSONValue(mcp: viaText) == json)
        #expect(JSONValue.number(.infinity).mcpValue == nil)
    }
}
