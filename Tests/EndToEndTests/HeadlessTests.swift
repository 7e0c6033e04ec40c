import AgentProtocol
import Foundation
import TestSupport
import Testing

@Suite("talaria -p against the scripted server", .serialized)
struct HeadlessTests {
    let server: FakeLLMServer
    init() async throws { server = try await FakeLLMServer(nCtx: 4096) }

    func oneShot(_ home: TalariaHome, _ prompt: String, _ extra: [String] = []) async throws -> TalariaRun {
        try await home.run(["-p", prompt, "--base-url", server.baseURL, "--model", "fake-model"] + extra)
    }

    @Test("sessions search finds a word inside Chinese text (超时 in 数据库连接超时)")
    func cjkSearch() async throws {
        let home = TalariaHome()
        #expect(try await oneShot(home, "数据库连接超时怎么办").status == 0)
        let r = try await home.run(["sessions", "search", "超时"])
        #expect(r.status == 0 && r.stdout.contains("数据库连接超时"), "\(r.stdout) \(r.stderr)")
        #expect(try await home.run(["sessions", "search", "时超"]).stdout.contains("数据库") == false)
    }

    @Test("tool rounds then the answer on stdout only; the session is stored and found by search")
    func answerAndSearch() async throws {
        let home = TalariaHome()
        let r = try await oneShot(home, "list the files here and count them rounds=2")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "Done. The answer is 42.\n")
        #expect(r.stderr == "")
        let list = try await home.run(["sessions", "list"])
        #expect(list.stdout.contains("list the files here and count them"))
        let search = try await home.run(["sessions", "search", "count files"])
        #expect(search.status == 0)
        // Not a terminal: plain text, never Markdown markers; one session with its count.
        #expect(search.stdout.contains("    user: list the files here and count them"), "\(search.stdout)")
        #expect(search.stdout.contains("· 1 matching message\n"), "\(search.stdout)")
        #expect(!search.stdout.contains("**"))
        let json = try await home.run(["sessions", "search", "count", "--json"])
        #expect(json.stdout.split(separator: "\n").count == 1)
        let group = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(group["matchCount"] as? Int == 1 && (group["hits"] as? [Any])?.count == 1)
        let id = String(list.stdout.prefix { $0 != " " })
        let show = try await home.run(["sessions", "show", String(id.prefix(15))])
        #expect(show.stdout.contains("▸ terminal"))
    }

    @Test("a model that repeats a failing call is stopped by the loop guard well before --max-iterations: exit 4 and a plain account on stdout",
          .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
    func loopGuard() async throws {
        // The shared scripted server asks for the same command every time, whatever tool_choice says.
        let fake = try await BenchFakeLLM(script: Self.repeating("primes"))
        let r = try await TalariaHome().run(["-p", "print the first ten primes", "--base-url", fake.baseURL, "--model", "fake-model", "--max-iterations", "15"])
        #expect(r.status == 4, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("I stopped before finishing: the model made the same call 5 times with the same result (terminal `primes`)."), "\(r.stdout)")
        #expect(r.stdout.contains("- terminal `primes` — 5 times, exit 127: "), "\(r.stdout)")
        #expect(r.stdout.contains("command not found"))
        #expect(!r.stdout.contains("{\""), "no raw tool call is shown as the answer")
        #expect(r.stderr.contains("loop guard: terminal `primes` ran 3 times with the same result"), "\(r.stderr)")
        #expect(r.stderr.contains("talaria: stopped: the model was repeating itself"))
        // Five calls and the last request (which allowed no tool): 6 of the 15 allowed.
        #expect(fake.chatRequests.count == 6, "\(fake.chatRequests.count) requests")
    }

    @Test("a repeated call that succeeds: the next request allows no tool; a model that writes one anyway is stopped at once",
          .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
    func loopGuardAfterSuccess() async throws {
        let fake = try await BenchFakeLLM(script: Self.repeating("primes | head -n 10"))
        let r = try await TalariaHome().run(["-p", "print the first ten primes", "--base-url", fake.baseURL, "--model", "fake-model", "--max-iterations", "15"])
        #expect(r.status == 4, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("I stopped before finishing: the model kept calling terminal `primes | head -n 10` after its result was known."), "\(r.stdout)")
        #expect(r.stdout.contains("- terminal `primes | head -n 10` — 2 times, exit 0: "), "\(r.stdout)")
        #expect(fake.chatRequests.count == 3)
    }

    static func repeating(_ command: String) -> String {
        let step = #"{"tool": "terminal", "args": {"command": "\#(command)"}}"#
        return "[" + Array(repeating: step, count: 30).joined(separator: ",") + "]"
    }

    @Test("with a server that honours tool_choice, a repeated successful call gets a text answer at once")
    func loopGuardAnswers() async throws {
        let r = try await oneShot(TalariaHome(), "count rounds=20 cmd=echo%20same", ["--max-iterations", "15"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "Done. The answer is 42.\n")
    }

    @Test("talaria --help shows the chat options itself; an unknown command or option says so, lists the commands and exits 2")
    func usage() async throws {
        let home = TalariaHome()
        let help = try await home.run(["--help"])
        #expect(help.status == 0)
        for option in ["-p, --prompt <prompt>", "--json", "-y, --yes, --yolo", "--base-url <base-url>", "--max-iterations"] {
            #expect(help.stdout.contains(option), "\(option) missing from talaria --help")
        }
        #expect(help.stdout.contains("SUBCOMMANDS:") && help.stdout.contains("sessions"))
        let unknown = try await home.run(["frobnicate"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("talaria: unknown command 'frobnicate'\nCommands: chat, tui, serve, attach, acp, sessions, checkpoints, skills, memory, import, mcp, config, local, gateway, cron, doctor, backup, restore, bench"), "\(unknown.stderr)")
        let option = try await home.run(["--frobnicate"])
        #expect(option.status == 2, "the documented exit code for bad usage, not the parser's 64")
        #expect(option.stderr.contains("Unknown option '--frobnicate'"))
        let value = try await home.run(["sessions", "list", "--limit", "many"])
        #expect(value.status == 2)
    }

    @Test("sessions resume continues a stored session with its history")
    func resume() async throws {
        let home = TalariaHome()
        #expect(try await oneShot(home, "remember the number seven").status == 0)
        let id = String(try await home.run(["sessions", "list"]).stdout.prefix { $0 != " " })
        let r = try await home.run(["sessions", "resume", id, "-p", "what was the number?", "--base-url", server.baseURL, "--model", "fake-model"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "Done. The answer is 42.\n")
        let show = try await home.run(["sessions", "show", id, "--json"])
        #expect(show.stdout.split(separator: "\n").count == 4)
        #expect(try await home.run(["sessions", "list"]).stdout.split(separator: "\n").count == 1)
    }

    @Test("--json prints one decodable AgentEvent envelope per line, ending with turnCompleted")
    func jsonLines() async throws {
        let r = try await oneShot(TalariaHome(), "hi rounds=1", ["--json"])
        let events = try r.stdout.split(separator: "\n").map { try JSONDecoder().decode(EventEnvelope.self, from: Data($0.utf8)).event }
        guard case .sessionConfigured(let s)? = events.first else { Issue.record("first event: \(String(describing: events.first))"); return }
        #expect(s.tools.contains("terminal"))
        guard case .turnCompleted(let c)? = events.last else { Issue.record("last event: \(String(describing: events.last))"); return }
        #expect(c.finalText == "Done. The answer is 42.")
        #expect(events.contains { if case .toolCallEnded = $0 { true } else { false } })
    }

    @Test("Hermes, fenced and bare text tool calls run; think tags never reach stdout", arguments: ["format=hermes", "format=fenced", "format=bare", "think=1", "reasoning=1"])
    func textFormats(mode: String) async throws {
        let r = try await oneShot(TalariaHome(), "tools \(mode) rounds=1 cmd=echo%20ran", ["--json"])
        #expect(r.status == 0)
        let events = try r.stdout.split(separator: "\n").map { try JSONDecoder().decode(EventEnvelope.self, from: Data($0.utf8)).event }
        let text = events.compactMap { if case .messageDelta(_, let t) = $0 { t } else { nil } }.joined()
        #expect(!text.contains("<think>") && !text.contains("<tool_call>") && !text.contains("\"arguments\""), "\(text)")
        if mode.hasPrefix("format") {
            let outputs = events.compactMap { if case .toolCallEnded(let e) = $0 { e.output } else { nil } }
            #expect(outputs == ["ran"])
        } else {
            #expect(events.contains { if case .reasoningDelta = $0 { true } else { false } })
        }
    }

    @Test("faults the server recovers from: correct answer once, exit 0", arguments: ["fault=429", "fault=truncated", "fault=no_done", "fault=malformed", "fault=empty", "fault=stream_error", "fault=bad_json rounds=1", "usage_reject=1"])
    func recoverable(mode: String) async throws {
        let r = try await oneShot(TalariaHome(), "recover \(mode)")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "Done. The answer is 42.\n")
        if mode == "fault=429" {
            #expect(r.elapsed >= 1.0, "Retry-After: 1 was not honoured")
            #expect(r.stderr.contains("retrying in 1.0 s"))
        }
    }

    @Test("faults that persist: non-zero exit, the server's message on stderr, nothing on stdout", arguments: ["fault=stream_error faults=-1", "fault=http400"])
    func fatal(mode: String) async throws {
        let r = try await oneShot(TalariaHome(), "fatal \(mode)")
        #expect(r.status == 1)
        #expect(r.stdout == "")
        #expect(r.stderr.contains("talaria: error:"))
    }

    @Test("the iteration limit stops the loop, prints the summary and exits 4")
    func iterationLimit() async throws {
        // A command whose output changes every time: never a repeat, so only the limit stops it.
        let r = try await oneShot(TalariaHome(), "forever rounds=50 cmd=date%20+%N", ["--max-iterations", "3"])
        #expect(r.status == 4)
        #expect(r.stdout == "Done. The answer is 42.\n")
        #expect(r.stderr.contains("iteration"))
    }

    @Test("a dangerous command is refused in -p without --yes and runs with it")
    func approvals() async throws {
        let home = TalariaHome()
        let refused = try await oneShot(home, "danger rounds=1 cmd=git%20reset%20--hard")
        #expect(refused.status == 0)
        #expect(refused.stderr.contains("denied"))
        let allowed = try await oneShot(home, "danger2 rounds=1 cmd=git%20reset%20--hard", ["--yes", "-v"])
        #expect(!allowed.stderr.contains("denied"))
    }

    @Test("the prompt can come from stdin")
    func stdinPrompt() async throws {
        let r = try await TalariaHome().run(["--base-url", server.baseURL], stdin: "hello from stdin\n")
        #expect(r.status == 0)
        #expect(r.stdout == "Done. The answer is 42.\n")
    }

    @Test("Ctrl-C interrupts the turn and exits 130")
    func sigint() async throws {
        let home = TalariaHome()
        let (p, _, err) = try home.start(["-p", "slow rounds=1 cmd=sleep%2030", "--base-url", server.baseURL])
        try await Task.sleep(for: .seconds(1.5))
        kill(p.processIdentifier, SIGINT)
        let start = Date()
        await waitForExit(p)
        #expect(Date().timeIntervalSince(start) < 15, "Ctrl-C waited for the 30 s command")
        #expect(p.terminationStatus == 130)
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(e.contains("interrupted"))
    }

    @Test("kill -9 mid-stream leaves a sound database with every completed message")
    func killNine() async throws {
        let home = TalariaHome()
        let (p, _, _) = try home.start(["-p", "crash test rounds=1 slow=100 final=a_long_answer_that_streams_slowly_token_by_token", "--base-url", server.baseURL])
        // Wait until the tool round is committed, then kill while the final answer streams.
        let db = home.home + "/state.db"
        let deadline = Date().addingTimeInterval(20)
        var toolRows = 0
        while Date() < deadline && toolRows == 0 {
            try await Task.sleep(for: .milliseconds(100))
            toolRows = Int(sqlite(db, "SELECT COUNT(*) FROM message WHERE role = 'tool'")) ?? 0
        }
        try await Task.sleep(for: .milliseconds(500))
        kill(p.processIdentifier, SIGKILL)
        await waitForExit(p)
        #expect(toolRows == 1)
        #expect(sqlite(db, "PRAGMA integrity_check") == "ok")
        #expect(sqlite(db, "SELECT group_concat(role, ',') FROM (SELECT role FROM message ORDER BY id)") == "user,assistant,tool")
        // The next run catches up the index and finds the crashed session.
        let search = try await home.run(["sessions", "search", "crash"])
        #expect(search.stdout.contains("user: crash test"), "\(search.stdout)")
    }

    @Test("kill -9 while a command runs: the command (and what it started) goes with the agent")
    func noOrphans() async throws {
        let home = TalariaHome()
        let mark = "orphan-check-\(UUID().uuidString)"
        // A pipeline whose first part ignores the hangup that the terminal's closing sends: the shell and
        // both children must all go.
        let (p, _, _) = try home.start(["-p", "orphans rounds=1 cmd=nohup%20sleep%2060%20|%20cat", "--base-url", server.baseURL],
                                       extraEnv: ["TALARIA_TEST_LINEAGE": mark])
        func lineage() -> [Int32] {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init).filter { pid in
                pid != p.processIdentifier && (FileManager.default.contents(atPath: "/proc/\(pid)/environ").map {
                    $0.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "TALARIA_TEST_LINEAGE=\(mark)" }
                } ?? false)
            }
        }
        var running: [Int32] = []
        for _ in 0..<200 where running.count < 2 {
            try await Task.sleep(for: .milliseconds(50))
            running = lineage()
        }
        #expect(running.count >= 2, "the command never started (\(running))")
        kill(p.processIdentifier, SIGKILL)
        await waitForExit(p)
        var left = lineage()
        for _ in 0..<100 where !left.isEmpty {
            try await Task.sleep(for: .milliseconds(50))
            left = lineage()
        }
        #expect(left.isEmpty, "processes outlived the killed agent: \(left)")
        for pid in left { kill(pid, SIGKILL) }
    }

    @Test("a bad config names file, line and key, and exits 2")
    func badConfig() async throws {
        let home = TalariaHome()
        try "model: x\nbase_ur: http://x\n".write(toFile: home.home + "/config.yaml", atomically: true, encoding: .utf8)
        let r = try await home.run(["-p", "hi"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("config.yaml:2: 'base_ur': unknown key (did you mean 'base_url'?)"), "\(r.stderr)")
    }

    @Test("no endpoint anywhere: exit 3 with instructions")
    func noEndpoint() async throws {
        let r = try await TalariaHome().run(["-p", "hi"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("no model endpoint found"))
        #expect(r.stderr.contains("talaria local up"))
    }

    @Test("config init writes a template that loads; --version answers")
    func configInit() async throws {
        let home = TalariaHome()
        #expect(try await home.run(["config", "init"]).status == 0)
        #expect(try await home.run(["config", "check"]).stdout.hasSuffix(": ok\n"))
        #expect(try await home.run(["config", "init"]).status == 2)
        #expect(try await home.run(["--version"]).stdout.hasPrefix("0."))
    }
}

/// Reads one value with the sqlite3 CLI, as an outside observer of the file.
func sqlite(_ db: String, _ sql: String) -> String {
    spawnAndRead(["sqlite3", db, sql]).trimmingCharacters(in: .whitespacesAndNewlines)
}
