import AgentProtocol
import Foundation
import TestSupport
import Testing

/// `talaria acp` as an editor runs it: JSON-RPC lines on its stdin and stdout.
final class ACPProcess: @unchecked Sendable {
    let process: Process
    private let input: FileHandle
    let messages: AsyncStream<JSONValue>
    private var iterator: AsyncStream<JSONValue>.AsyncIterator
    private var nextID = 1

    init(home: TalariaHome, args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TalariaHome.binary)
        p.arguments = ["acp"] + args
        p.currentDirectoryURL = URL(fileURLWithPath: home.work)
        p.environment = home.environment
        let stdin = Pipe(), stdout = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        input = stdin.fileHandleForWriting
        let (stream, continuation) = AsyncStream<JSONValue>.makeStream()
        messages = stream
        iterator = stream.makeAsyncIterator()
        let reader = stdout.fileHandleForReading
        Thread {
            var pending = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let nl = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...nl)
                    continuation.yield(JSONValue.parse(line) ?? .string("NOT JSON: " + line))
                }
            }
            continuation.finish()
        }.start()
    }

    func send(_ message: JSONValue) { input.write(Data((message.jsonText + "\n").utf8)) }
    func sendRaw(_ line: String) { input.write(Data((line + "\n").utf8)) }

    /// Sends a request; its id.
    @discardableResult
    func request(_ method: String, _ params: JSONValue) -> Int {
        let id = nextID
        nextID += 1
        send(["jsonrpc": "2.0", "id": .number(Double(id)), "method": .string(method), "params": params])
        return id
    }

    /// The next message from the agent (nil when it closed stdout).
    func next() async -> JSONValue? { await iterator.next() }

    /// Messages until the response to `id`; the notifications and requests before it go to `each`.
    func response(to id: Int, each: (JSONValue) async -> Void = { _ in }) async -> JSONValue? {
        while let m = await next() {
            if m["id"]?.intValue == id, m["method"] == nil { return m }
            await each(m)
        }
        return nil
    }

    func close() async {
        try? input.close()
        await waitForExit(process)
    }

    deinit { if process.isRunning { process.terminate() } }
}

extension JSONValue {
    var updateKind: String? { self["params"]?["update"]?["sessionUpdate"]?.stringValue }
}

@Suite("talaria acp", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct ACPEndToEndTests {
    static var clientPython: String? {
        let env = ProcessInfo.processInfo.environment
        if let p = env["TALARIA_ACP_PYTHON"], FileManager.default.isExecutableFile(atPath: p) { return p }
        let cache = env["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
        let p = cache + "/talaria-peers/acp-venv/bin/python"
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }

    static var clientScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("acp-client/acp_client.py").path
    }

    @Test("the PyPI agent-client-protocol client drives a turn: tool call, permission, message chunks, end_turn — every message validated by its schema",
          .enabled(if: clientPython != nil || isCI, "the ACP client venv is missing (scripts/acp-client-setup.sh)"))
    func officialClient() async throws {
        let python = try #require(Self.clientPython, "run scripts/acp-client-setup.sh")
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: #"[{"tool": "terminal", "args": {"command": "git reset --hard 2>/dev/null; echo approved-ran"}}, {"final": "all finished"}]"#)
        let argv = ["/usr/bin/env", "TALARIA_HOME=\(home.home)", "NO_COLOR=1", python, Self.clientScript, home.work, "reset please", "--",
                    TalariaHome.binary, "acp", "--base-url", fake.baseURL, "--model", "fake-model"]
        let out = await withCheckedContinuation { c in Thread { c.resume(returning: spawnAndRead(argv)) }.start() }
        let result = try #require(JSONValue.parse(out.split(separator: "\n").last.map(String.init) ?? ""), "client said: \(out.suffix(800))")
        #expect(result["protocolVersion"]?.intValue == 1)
        #expect(result["loadSession"]?.boolValue == true)
        #expect(result["stopReason"]?.stringValue == "end_turn")
        let updates = result["updates"]?.arrayValue ?? []
        let kinds = updates.compactMap { $0["sessionUpdate"]?.stringValue }
        #expect(kinds.contains("tool_call") && kinds.contains("tool_call_update") && kinds.contains("agent_message_chunk"), "\(kinds)")
        let text = updates.filter { $0["sessionUpdate"]?.stringValue == "agent_message_chunk" }.compactMap { $0["content"]?["text"]?.stringValue }.joined()
        #expect(text == "all finished")
        let done = updates.last { $0["sessionUpdate"]?.stringValue == "tool_call_update" && $0["status"]?.stringValue == "completed" }
        #expect(done?["content"]?.arrayValue?.first?["content"]?["text"]?.stringValue?.contains("approved-ran") == true)
        #expect(updates.first { $0["sessionUpdate"]?.stringValue == "tool_call" }?["kind"]?.stringValue == "execute")
        #expect(result["permissions"]?.arrayValue?.count == 1, "the command needing approval was not asked about")
    }

    @Test("the model's question with choices is a permission request whose options are the choices; the one picked is the answer")
    func clarify() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: #"[{"tool": "clarify", "args": {"question": "Which one?", "choices": ["red", "blue"]}}, {"final": "noted"}]"#)
        let acp = try ACPProcess(home: home, args: ["--base-url", fake.baseURL, "--model", "fake-model"])
        _ = await acp.response(to: acp.request("initialize", ["protocolVersion": 1]))
        let created = await acp.response(to: acp.request("session/new", ["cwd": .string(home.work), "mcpServers": []]))
        let sid = try #require(created?["result"]?["sessionId"]?.stringValue)
        let prompt = acp.request("session/prompt", ["sessionId": .string(sid), "prompt": [["type": "text", "text": "pick a colour"]]])
        var options: [String] = []
        var finished = ""
        let answer = await acp.response(to: prompt) { m in
            if m["method"]?.stringValue == "session/request_permission", let id = m["id"] {
                options = (m["params"]?["options"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
                #expect(m["params"]?["toolCall"]?["title"]?.stringValue == "Which one?")
                acp.send(["jsonrpc": "2.0", "id": id, "result": ["outcome": ["outcome": "selected", "optionId": "choice-2"]]])
            }
            if m.updateKind == "tool_call_update", let text = m["params"]?["update"]?["content"]?.arrayValue?.first?["content"]?["text"]?.stringValue {
                finished = text
            }
        }
        #expect(options == ["red", "blue", "Skip the question"], "\(options)")
        #expect(answer?["result"]?["stopReason"]?.stringValue == "end_turn", "\(String(describing: answer))")
        #expect(try await home.lastToolMessage() == "The user answered: blue", "\(finished)")
        await acp.close()
    }

    @Test("session/cancel stops a running turn: the prompt answers cancelled, promptly")
    func cancel() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: #"[{"tool": "terminal", "args": {"command": "sleep 30"}}, {"final": "never"}]"#)
        let acp = try ACPProcess(home: home, args: ["--base-url", fake.baseURL, "--model", "fake-model", "--yes"])
        _ = await acp.response(to: acp.request("initialize", ["protocolVersion": 1]))
        let created = await acp.response(to: acp.request("session/new", ["cwd": .string(home.work), "mcpServers": []]))
        let sid = try #require(created?["result"]?["sessionId"]?.stringValue)
        let prompt = acp.request("session/prompt", ["sessionId": .string(sid), "prompt": [["type": "text", "text": "wait a long time"]]])
        var started: ContinuousClock.Instant?
        let answer = await acp.response(to: prompt) { m in
            if m.updateKind == "tool_call", started == nil {
                started = .now
                acp.send(["jsonrpc": "2.0", "method": "session/cancel", "params": ["sessionId": .string(sid)]])
            }
        }
        #expect(answer?["result"]?["stopReason"]?.stringValue == "cancelled", "\(String(describing: answer))")
        let elapsed = try #require(started.map { ContinuousClock.now - $0 })
        #expect(elapsed < .seconds(10), "cancelling took \(elapsed)")
        await acp.close()
    }

    @Test("session/load replays the stored conversation, then the session goes on; bad messages get JSON-RPC errors")
    func loadAndErrors() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: #"[{"final": "the first answer"}]"#)
        let args = ["--base-url", fake.baseURL, "--model", "fake-model"]
        var sid = ""
        do {
            let acp = try ACPProcess(home: home, args: args)
            _ = await acp.response(to: acp.request("initialize", ["protocolVersion": 1]))
            sid = try #require(await acp.response(to: acp.request("session/new", ["cwd": .string(home.work), "mcpServers": []]))?["result"]?["sessionId"]?.stringValue)
            let done = await acp.response(to: acp.request("session/prompt", ["sessionId": .string(sid), "prompt": [["type": "text", "text": "remember the first prompt"]]]))
            #expect(done?["result"]?["stopReason"]?.stringValue == "end_turn")
            await acp.close()
        }
        let acp = try ACPProcess(home: home, args: args)
        _ = await acp.response(to: acp.request("initialize", ["protocolVersion": 1]))
        var replay: [JSONValue] = []
        let loaded = await acp.response(to: acp.request("session/load", ["sessionId": .string(sid), "cwd": .string(home.work), "mcpServers": []])) { replay.append($0) }
        #expect(loaded?["result"] != nil, "\(String(describing: loaded))")
        #expect(replay.contains { $0.updateKind == "user_message_chunk" && $0["params"]?["update"]?["content"]?["text"]?.stringValue == "remember the first prompt" })
        #expect(replay.contains { $0.updateKind == "agent_message_chunk" && $0["params"]?["update"]?["content"]?["text"]?.stringValue == "the first answer" })
        let again = await acp.response(to: acp.request("session/prompt", ["sessionId": .string(sid), "prompt": [["type": "text", "text": "and now?"]]]))
        #expect(again?["result"]?["stopReason"]?.stringValue == "end_turn")

        #expect(await acp.response(to: acp.request("session/fly", [:]))?["error"]?["code"]?.intValue == -32601)
        #expect(await acp.response(to: acp.request("session/prompt", ["sessionId": "nope", "prompt": []]))?["error"]?["code"]?.intValue == -32602)
        #expect(await acp.response(to: acp.request("session/new", ["cwd": "relative/path"]))?["error"]?["code"]?.intValue == -32602)
        acp.sendRaw("{not json")
        let parseError = await acp.next()
        #expect(parseError?["error"]?["code"]?.intValue == -32700)
        await acp.close()
    }
}
