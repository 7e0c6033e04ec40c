import AgentProtocol
import CurlTransport
import Foundation
import LLMClient
import TestSupport
import Testing

/// A running `talaria serve` on a free loopback port, and a client for it.
final class ServeProcess: @unchecked Sendable {
    let home: TalariaHome
    let process: Process
    let port: Int
    let token: String
    let transport = CurlTransport()
    var base: String { "http://127.0.0.1:\(port)" }

    init(home: TalariaHome, args: [String], extraEnv: [String: String] = [:]) async throws {
        self.home = home
        let (p, _, err) = try home.start(["serve", "--listen", "127.0.0.1:0"] + args, extraEnv: extraEnv)
        process = p
        let line = await Self.readUntil(err.fileHandleForReading, "listening on http://127.0.0.1:")
        guard let range = line.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
              let n = Int(line[range].split(separator: ":").last ?? "") else {
            p.terminate()
            throw NSError(domain: "serve", code: 1, userInfo: [NSLocalizedDescriptionKey: "serve did not start: \(line)"])
        }
        port = n
        token = ((try? String(contentsOfFile: home.home + "/serve.token", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Reads stderr until `marker` shows (at most 60 s); the text so far.
    static func readUntil(_ handle: FileHandle, _ marker: String) async -> String {
        await withCheckedContinuation { c in
            Thread {
                var text = ""
                let deadline = Date().addingTimeInterval(60)
                while !text.contains(marker), Date() < deadline {
                    let d = handle.availableData
                    if d.isEmpty { break }
                    text += String(decoding: d, as: UTF8.self)
                }
                c.resume(returning: text)
                // Keep draining so the server never blocks on a full pipe.
                while !handle.availableData.isEmpty {}
            }.start()
        }
    }

    func call(_ method: String, _ path: String, json: String? = nil, token: String? = nil, headers: [String: String] = [:]) async throws -> HTTPResponse {
        var h = headers
        h["Authorization"] = "Bearer \(token ?? self.token)"
        if json != nil { h["Content-Type"] = "application/json" }
        return try await transport.send(HTTPRequest(url: URL(string: base + path)!, method: method, headers: h, body: json.map { Data($0.utf8) }))
    }

    func object(_ r: HTTPResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: r.body) as? [String: Any]) ?? [:]
    }

    func newSession(_ json: String = "{}") async throws -> String {
        let r = try await call("POST", "/sessions", json: json)
        #expect(r.status == 201, "\(String(decoding: r.body, as: UTF8.self))")
        return try #require(object(r)["id"] as? String)
    }

    /// The session's events as they arrive (SSE parsed), from after `after` when given.
    func events(_ session: String, after: Int? = nil) -> AsyncThrowingStream<EventEnvelope, any Error> {
        var headers = ["Authorization": "Bearer \(token)", "Accept": "text/event-stream"]
        if let after { headers["Last-Event-ID"] = String(after) }
        let parts = transport.stream(HTTPRequest(url: URL(string: base + "/sessions/\(session)/events")!, headers: headers))
        return AsyncThrowingStream { continuation in
            let task = Task {
                var pending = ""
                do {
                    for try await part in parts {
                        guard case .body(let d) = part else { continue }
                        pending += String(decoding: d, as: UTF8.self)
                        while let end = pending.range(of: "\n\n") {
                            let frame = pending[..<end.lowerBound]
                            pending = String(pending[end.upperBound...])
                            for line in frame.split(separator: "\n") where line.hasPrefix("data: ") {
                                if let e = try? JSONDecoder().decode(EventEnvelope.self, from: Data(line.dropFirst(6).utf8)) { continuation.yield(e) }
                            }
                        }
                    }
                    continuation.finish()
                } catch { continuation.finish(throwing: error) }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    func stop() async {
        if process.isRunning { process.terminate() }
        await waitForExit(process)
    }

    deinit { if process.isRunning { process.terminate() } }
}

func text(of events: [EventEnvelope]) -> String {
    events.compactMap { e -> String? in if case .messageDelta(_, let t) = e.event { t } else { nil } }.joined()
}

@Suite("talaria serve", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct ServeEndToEndTests {
    @Test("every request needs the token (0600 file written on first start); non-loopback addresses are refused with the reason")
    func tokenAndListen() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: #"[{"final": "ok"}]"#)
        let server = try await ServeProcess(home: home, args: ["--base-url", fake.baseURL, "--model", "fake-model"])
        defer { server.process.terminate() }
        let mode = try FileManager.default.attributesOfItem(atPath: home.home + "/serve.token")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(server.token.count >= 32)
        for path in ["/sessions", "/openapi.json", "/v1/models"] {
            let none = try await server.transport.send(HTTPRequest(url: URL(string: server.base + path)!))
            #expect(none.status == 401, "\(path) without a token")
            #expect(try await server.call("GET", path, token: "wrong-token-wrong-token").status == 401, "\(path) with a wrong token")
            #expect(try await server.call("GET", path).status == 200, "\(path) with the token")
        }
        let doc = String(decoding: try await server.call("GET", "/openapi.json").body, as: UTF8.self)
        for path in ["/sessions", "/sessions/{id}", "/sessions/{id}/fork", "/sessions/{id}/events", "/sessions/{id}/ops", "/sessions/{id}/prompt",
                     "/sessions/{id}/approvals/{call}", "/sessions/{id}/questions/{call}", "/sessions/{id}/messages", "/v1/chat/completions", "/v1/models"] {
            #expect(doc.contains("\"\(path)\""), "openapi.json lacks \(path)")
        }
        #expect((try? JSONSerialization.jsonObject(with: Data(doc.utf8))) != nil, "openapi.json is not JSON")
        let bad = try await server.call("POST", "/sessions/nope/prompt", json: "{\"text\": 3}")
        #expect(bad.status == 400 || bad.status == 404)
        await server.stop()

        let open = try await home.run(["serve", "--listen", "0.0.0.0:0", "--base-url", fake.baseURL])
        #expect(open.status == 2)
        #expect(open.stderr.contains("refusing to listen on 0.0.0.0"), "\(open.stderr)")
        let tokenFile = home.dir.path + "/chosen.token"
        try "a-token-I-chose-myself-0123456789\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let noTLS = try await home.run(["serve", "--listen", "0.0.0.0:0", "--token-file", tokenFile, "--base-url", fake.baseURL])
        #expect(noTLS.status == 2)
        #expect(noTLS.stderr.contains("without TLS"), "\(noTLS.stderr)")
    }

    @Test("/v1/chat/completions runs the agent with its tools and answers with the final text, plain and streamed; a header continues a session")
    func chatCompletions() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: #"[{"tool": "terminal", "args": {"command": "echo from-the-tool > made.txt"}}, {"final": "I made the file."}]"#)
        let server = try await ServeProcess(home: home, args: ["--base-url", fake.baseURL, "--model", "fake-model"])
        defer { server.process.terminate() }
        let plain = try await server.call("POST", "/v1/chat/completions", json: #"{"model": "talaria", "messages": [{"role": "user", "content": "make a file"}]}"#)
        #expect(plain.status == 200, "\(String(decoding: plain.body, as: UTF8.self))")
        let body = server.object(plain)
        let choice = (body["choices"] as? [[String: Any]])?.first
        #expect((choice?["message"] as? [String: Any])?["content"] as? String == "I made the file.")
        #expect(choice?["finish_reason"] as? String == "stop")
        #expect(body["object"] as? String == "chat.completion")
        #expect(FileManager.default.fileExists(atPath: home.work + "/made.txt"), "the tool ran on the server, in its folder")
        let session = try #require(plain.headers["x-talaria-session"])

        // The same conversation, continued by naming its session: one more turn in it.
        let again = try await server.call("POST", "/v1/chat/completions", json: #"{"messages": [{"role": "user", "content": "make a file"}, {"role": "assistant", "content": "I made the file."}, {"role": "user", "content": "and again"}]}"#,
                                          headers: ["X-Talaria-Session": session])
        #expect(again.status == 200)
        #expect(again.headers["x-talaria-session"] == session)
        let shown = server.object(try await server.call("GET", "/sessions/\(session)"))
        let messages = server.object(try await server.call("GET", "/sessions/\(session)/messages"))["messages"] as? [[String: Any]] ?? []
        let users = messages.compactMap { ($0["message"] as? [String: Any]).flatMap { $0["role"] as? String == "user" ? $0["content"] as? String : nil } }
        #expect(users == ["make a file", "and again"], "\(shown)")

        // Streamed: chunks, the answer's text, then [DONE].
        let streamed = try await server.call("POST", "/v1/chat/completions", json: #"{"stream": true, "messages": [{"role": "user", "content": "make a file"}]}"#)
        let raw = String(decoding: streamed.body, as: UTF8.self)
        #expect(streamed.headers["content-type"]?.hasPrefix("text/event-stream") == true)
        #expect(raw.hasSuffix("data: [DONE]\n\n"), "\(raw.suffix(200))")
        let chunks = raw.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: {") }
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any] }
        let content = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }.joined()
        #expect(content == "I made the file.")
        #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
        #expect((chunks.last?["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String == "stop")

        // Sessions made over the API are ordinary sessions.
        let listed = try await home.run(["sessions", "list", "--json"])
        #expect(listed.stdout.contains(session))
    }

    @Test("a command that needs approval is refused through the facade without --yes, as in -p")
    func facadeRefusesDangerous() async throws {
        let home = TalariaHome()
        let dump = home.dir.path + "/last-request.json"
        let fake = try await BenchFakeLLM(script: #"[{"tool": "terminal", "args": {"command": "git reset --hard 2>/dev/null; echo ran > ran.txt"}}, {"final": "could not"}]"#,
                                          extra: ["--dump", dump])
        let server = try await ServeProcess(home: home, args: ["--base-url", fake.baseURL, "--model", "fake-model"])
        defer { server.process.terminate() }
        let r = try await server.call("POST", "/v1/chat/completions", json: #"{"messages": [{"role": "user", "content": "reset the repository"}]}"#)
        #expect(r.status == 200)
        #expect(!FileManager.default.fileExists(atPath: home.work + "/ran.txt"), "a command that needs approval ran without --yes")
        // What the model was told: the refusal, as the tool's result.
        let last = (try? String(contentsOfFile: dump, encoding: .utf8)) ?? ""
        #expect(last.contains("The user did not approve this command"), "\(last.suffix(300))")
    }

    @Test("approvals over the API: the event stream asks, a POST answers, the command runs")
    func approvals() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: #"[{"tool": "terminal", "args": {"command": "git reset --hard 2>/dev/null; echo approved-and-ran"}}, {"final": "done"}]"#)
        let server = try await ServeProcess(home: home, args: ["--base-url", fake.baseURL, "--model", "fake-model"])
        defer { server.process.terminate() }
        let id = try await server.newSession()
        let events = server.events(id)
        #expect(try await server.call("POST", "/sessions/\(id)/prompt", json: #"{"text": "reset it"}"#).status == 202)
        var output = ""
        var completed = false
        for try await e in events {
            switch e.event {
            case .approvalRequested(let request):
                let r = try await server.call("POST", "/sessions/\(id)/approvals/\(request.callID)", json: #"{"decision": "once"}"#)
                #expect(r.status == 202, "\(String(decoding: r.body, as: UTF8.self))")
            case .toolCallEnded(let ended): output = ended.output
            case .turnCompleted: completed = true
            default: break
            }
            if completed { break }
        }
        #expect(output.contains("approved-and-ran"))
    }

    @Test("the model's question over the API: the event stream asks, a POST answers with a choice's number, the model is told")
    func questions() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: #"[{"tool": "clarify", "args": {"question": "Which one?", "choices": ["red", "blue"]}}, {"final": "done"}]"#)
        let server = try await ServeProcess(home: home, args: ["--base-url", fake.baseURL, "--model", "fake-model"])
        defer { server.process.terminate() }
        let id = try await server.newSession()
        let events = server.events(id)
        #expect(try await server.call("POST", "/sessions/\(id)/prompt", json: #"{"text": "pick a colour"}"#).status == 202)
        var output = ""
        for try await e in events {
            if case .clarifyRequested(let q) = e.event {
                #expect(q.choices == ["red", "blue"])
                let r = try await server.call("POST", "/sessions/\(id)/questions/\(q.callID)", json: #"{"answer": "blue"}"#)
                #expect(r.status == 202, "\(String(decoding: r.body, as: UTF8.self))")
            }
            if case .toolCallEnded(let ended) = e.event { output = ended.output }
            if case .turnCompleted = e.event { break }
        }
        #expect(output == "The user answered: blue")
    }

    @Test("a client whose event stream is cut mid-turn reconnects with Last-Event-ID and misses nothing, gets nothing twice")
    func resume() async throws {
        let home = TalariaHome()
        let answer = (1...40).map { "word\($0)" }.joined(separator: " ")
        let fake = try await BenchFakeLLM(script: #"[{"tool": "terminal", "args": {"command": "echo first"}}, {"final": "\#(answer)"}]"#,
                                          extra: ["--token-delay-ms", "25", "--words-per-chunk", "1"])
        let server = try await ServeProcess(home: home, args: ["--base-url", fake.baseURL, "--model", "fake-model"])
        defer { server.process.terminate() }
        let id = try await server.newSession()
        var seen: [EventEnvelope] = []
        let first = server.events(id)
        #expect(try await server.call("POST", "/sessions/\(id)/prompt", json: #"{"text": "count"}"#).status == 202)
        var deltas = 0
        for try await e in first {
            seen.append(e)
            if case .messageDelta = e.event { deltas += 1 }
            if deltas == 5 { break } // the connection is dropped here, mid-answer
        }
        let last = try #require(seen.last?.seq)
        for try await e in server.events(id, after: last) {
            seen.append(e)
            if case .turnCompleted = e.event { break }
        }
        let seqs = seen.map(\.seq)
        #expect(Set(seqs).count == seqs.count, "an event came twice")
        #expect(seqs == seqs.sorted())
        #expect(text(of: seen) == answer)
        #expect(seen.contains { if case .toolCallEnded = $0.event { true } else { false } })
    }

    @Test("SIGTERM while clients hold event streams: the streams end, serve exits at once, the session is stored")
    func sigtermWithStreams() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: #"[{"final": "answered before the stop"}]"#)
        let server = try await ServeProcess(home: home, args: ["--base-url", fake.baseURL, "--model", "fake-model"])
        let id = try await server.newSession()
        let events = server.events(id)
        let idle = server.events(try await server.newSession()) // a second client that only listens
        #expect(try await server.call("POST", "/sessions/\(id)/prompt", json: #"{"text": "before the stop"}"#).status == 202)
        var iterator = events.makeAsyncIterator()
        while let e = try await iterator.next() { if case .turnCompleted = e.event { break } }
        let stopped = ContinuousClock.now
        kill(server.process.processIdentifier, SIGTERM)
        // Shutdown ends the streams rather than waiting for them (it used to wait forever).
        while server.process.isRunning, ContinuousClock.now - stopped < .seconds(10) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!server.process.isRunning, "serve still running 10 s after SIGTERM")
        if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) }
        await waitForExit(server.process)
        while try await iterator.next() != nil {}
        for try await _ in idle {}
        #expect(server.process.terminationStatus == 0)
        let shown = try await home.run(["sessions", "show", id])
        #expect(shown.stdout.contains("answered before the stop"), "\(shown.stdout) \(shown.stderr)")
    }

    @Test("a server killed with SIGKILL loses no committed message")
    func killNine() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: #"[{"final": "the committed answer"}]"#)
        let server = try await ServeProcess(home: home, args: ["--base-url", fake.baseURL, "--model", "fake-model"])
        let id = try await server.newSession()
        let events = server.events(id)
        #expect(try await server.call("POST", "/sessions/\(id)/prompt", json: #"{"text": "remember this prompt"}"#).status == 202)
        for try await e in events { if case .turnCompleted = e.event { break } }
        kill(server.process.processIdentifier, SIGKILL)
        await waitForExit(server.process)
        let shown = try await home.run(["sessions", "show", id])
        #expect(shown.stdout.contains("remember this prompt"), "\(shown.stdout) \(shown.stderr)")
        #expect(shown.stdout.contains("the committed answer"))
    }
}
