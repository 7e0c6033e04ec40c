import AgentCore
import AgentProtocol
import Config
import Foundation
import TestSupport
import Testing

/// Hooks as a user writes them in config.yaml (Claude Code's shape), run by the real agent
/// with real shell commands; the model is scripted.
@Suite("Lifecycle hooks")
struct HookTests {
    static func hooks(_ yaml: String) throws -> HookSettings {
        try TalariaConfig.parse(yaml, file: "config.yaml").hooks
    }

    static func reports(_ events: [AgentEvent]) -> [HookReport] {
        events.compactMap { if case .hook(let r) = $0 { r } else { nil } }
    }

    static func ended(_ events: [AgentEvent]) -> [ToolCallEnded] {
        events.compactMap { if case .toolCallEnded(let e) = $0 { e } else { nil } }
    }

    @Test("PreToolUse exit 2 blocks the call: the command never runs, the model and the user are told why")
    func preToolExit2() async throws {
        let hooks = try Self.hooks("""
            hooks:
              PreToolUse:
                - matcher: Bash
                  hooks:
                    - type: command
                      command: "cat > pre-input.json; echo 'no deleting here' >&2; exit 2"
            """)
        let h = try Harness([SSE.callTool("terminal", arguments: #"{"command":"touch made-it"}"#, id: "t1"), SSE.answer("ok")], hooks: hooks)
        let events = await h.turn("make a file")
        #expect(!FileManager.default.fileExists(atPath: h.dir.file("made-it")))
        let call = try #require(Self.ended(events).first)
        #expect(call.status == .denied && call.output.contains("no deleting here"))
        let toModel = messages(h.transport.requestBodies[1]).last?["content"] as? String ?? ""
        #expect(toModel.contains("A hook blocked this call: no deleting here"))
        #expect(Self.reports(events).map(\.outcome) == [.blocked], "\(Self.reports(events))")
        // The hook saw what Claude Code's hooks see.
        let input = try #require(FileManager.default.contents(atPath: h.dir.file("pre-input.json")))
        let json = try #require(try JSONSerialization.jsonObject(with: input) as? [String: Any])
        #expect(json["hook_event_name"] as? String == "PreToolUse")
        #expect(json["tool_name"] as? String == "terminal")
        #expect((json["tool_input"] as? [String: Any])?["command"] as? String == "touch made-it")
        #expect(json["session_id"] as? String == h.agent.sessionID)
        #expect(json["cwd"] as? String == h.dir.path)
        #expect(json["permission_mode"] as? String == "bypassPermissions")
    }

    @Test("a JSON permissionDecision: deny blocks with its reason; allow skips the approval dialog")
    func permissionDecisions() async throws {
        let deny = try Self.hooks("""
            hooks:
              PreToolUse:
                - matcher: "terminal|write_file"
                  hooks:
                    - {type: command, command: "echo '{\\"hookSpecificOutput\\": {\\"hookEventName\\": \\"PreToolUse\\", \\"permissionDecision\\": \\"deny\\", \\"permissionDecisionReason\\": \\"policy says no\\"}}'"}
            """)
        let h = try Harness([SSE.callTool("terminal", arguments: #"{"command":"echo ran"}"#, id: "d"), SSE.answer("ok")], hooks: deny)
        let denied = Self.ended(await h.turn("go"))
        #expect(denied.map(\.status) == [.denied] && denied.first?.output.contains("policy says no") == true)

        let allow = try Self.hooks("""
            hooks:
              PreToolUse:
                - hooks: [{type: command, command: "echo '{\\"hookSpecificOutput\\": {\\"permissionDecision\\": \\"allow\\"}}'"}]
            """)
        // `sudo` would ask; the hook's allow answers for the user (the approval mode is ask, nobody answers).
        let a = try Harness([SSE.callTool("terminal", arguments: #"{"command":"sudo -n true 2>/dev/null; echo passed"}"#, id: "s"), SSE.answer("ok")],
                            approval: .ask, hooks: allow)
        let events = await a.turn("go")
        #expect(!events.contains { if case .approvalRequested = $0 { true } else { false } })
        #expect(Self.ended(events).map(\.output) == ["passed"])
    }

    @Test("a matcher for another tool leaves the call alone")
    func matcherMisses() async throws {
        let hooks = try Self.hooks("""
            hooks:
              PreToolUse:
                - matcher: "Write|Edit"
                  hooks: [{type: command, command: "exit 2"}]
            """)
        let h = try Harness([SSE.callTool("terminal", arguments: #"{"command":"echo free"}"#, id: "m"), SSE.answer("ok")], hooks: hooks)
        let events = await h.turn("go")
        #expect(Self.ended(events).map(\.output) == ["free"])
        #expect(Self.reports(events).isEmpty)
    }

    @Test("UserPromptSubmit: plain stdout is context for the model; exit 2 blocks the prompt with the reason")
    func promptSubmit() async throws {
        let context = try Self.hooks("""
            hooks:
              UserPromptSubmit:
                - hooks: [{type: command, command: "echo 'the build server is down today'"}]
            """)
        let h = try Harness([SSE.answer("noted")], hooks: context)
        _ = await h.turn("deploy it")
        let sent = messages(h.transport.requestBodies[0]).map { $0["content"] as? String ?? "" }.joined(separator: "\n")
        #expect(sent.contains("the build server is down today"))

        let block = try Self.hooks("""
            hooks:
              UserPromptSubmit:
                - hooks: [{type: command, command: "echo 'prompts mentioning prod are not allowed' >&2; exit 2"}]
            """)
        let b = try Harness([SSE.answer("never")], hooks: block)
        let events = await b.turn("deploy to prod")
        guard case .turnAborted(let aborted)? = events.last else { Issue.record("the turn was not stopped: \(names(events))"); return }
        #expect(aborted.message.contains("prompts mentioning prod are not allowed"))
        #expect(b.transport.requestBodies.isEmpty, "the blocked prompt reached the model")
    }

    @Test("a hook that fails or times out is reported and blocks nothing")
    func failuresAndTimeouts() async throws {
        let hooks = try Self.hooks("""
            hooks:
              PreToolUse:
                - hooks:
                    - {type: command, command: "echo broken >&2; exit 1"}
                    - {type: command, command: "echo $$ > hook.pid; exec sleep 600", timeout: 0.5}
            """)
        let h = try Harness([SSE.callTool("terminal", arguments: #"{"command":"echo still-ran"}"#, id: "f"), SSE.answer("ok")], hooks: hooks)
        let started = ContinuousClock.now
        let events = await h.turn("go")
        // What proves the kill is the hook's process being gone; the bound only says the turn did not
        // wait for it (the suite's start on a loaded two-core machine has made this take 45 s).
        #expect(ContinuousClock.now - started < .seconds(300), "the turn waited for the hook past its timeout")
        let pid = try #require(Int32((try? String(contentsOfFile: h.dir.file("hook.pid"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        var alive = true
        for _ in 0..<100 where alive {
            alive = kill(pid, 0) == 0
            if alive { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(!alive, "the hook past its timeout was not stopped (pid \(pid))")
        #expect(Self.ended(events).map(\.output) == ["still-ran"])
        let reports = Self.reports(events)
        #expect(reports.count == 2 && reports.allSatisfy { $0.outcome == .failed })
        #expect(reports.contains { $0.message.contains("broken") })
        #expect(reports.contains { $0.message.contains("timed out") })
    }

    @Test("PostToolUse additionalContext reaches the model with the result")
    func postToolContext() async throws {
        let hooks = try Self.hooks("""
            hooks:
              PostToolUse:
                - matcher: terminal
                  hooks: [{type: command, command: "echo '{\\"hookSpecificOutput\\": {\\"additionalContext\\": \\"lint found 3 warnings\\"}}'"}]
            """)
        let h = try Harness([SSE.callTool("terminal", arguments: #"{"command":"echo built"}"#, id: "p"), SSE.answer("ok")], hooks: hooks)
        _ = await h.turn("build")
        let toModel = messages(h.transport.requestBodies[1]).last?["content"] as? String ?? ""
        #expect(toModel.contains("built") && toModel.contains("lint found 3 warnings"))
    }

    @Test("a Stop hook that blocks makes the turn go on once, with its reason as the next instruction")
    func stopContinues() async throws {
        let hooks = try Self.hooks("""
            hooks:
              Stop:
                - hooks: [{type: command, command: "cat >> stop-inputs.jsonl; echo >> stop-inputs.jsonl; echo 'run the tests first' >&2; exit 2"}]
            """)
        let h = try Harness([SSE.answer("all done"), SSE.answer("tests pass, done")], hooks: hooks)
        let events = await h.turn("fix it")
        guard case .turnCompleted(let done)? = events.last else { Issue.record("no completion: \(names(events))"); return }
        #expect(done.finalText == "tests pass, done")
        #expect(h.transport.requestBodies.count == 2)
        let second = messages(h.transport.requestBodies[1]).map { $0["content"] as? String ?? "" }
        #expect(second.contains { $0.contains("run the tests first") })
        let inputs = (try? String(contentsOfFile: h.dir.file("stop-inputs.jsonl"), encoding: .utf8)) ?? ""
        let active = inputs.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .map { $0["stop_hook_active"] as? Bool }
        #expect(active == [false, true])
    }

    @Test("SessionStart and SessionEnd run with the session's id; SessionStart's output joins the prompt")
    func sessionStartAndEnd() async throws {
        let hooks = try Self.hooks("""
            hooks:
              SessionStart:
                - hooks: [{type: command, command: "echo 'branch: feature/hooks'"}]
              SessionEnd:
                - hooks: [{type: command, command: "cat > end.json"}]
            """)
        let h = try Harness([SSE.answer("hi")], hooks: hooks)
        _ = await h.turn("hello")
        let system = messages(h.transport.requestBodies[0]).first?["content"] as? String ?? ""
        #expect(system.contains("branch: feature/hooks"))
        await h.agent.submit(.shutdown)
        await h.agent.waitUntilClosed()
        let end = try #require(FileManager.default.contents(atPath: h.dir.file("end.json")))
        let json = try JSONSerialization.jsonObject(with: end) as? [String: Any]
        #expect(json?["hook_event_name"] as? String == "SessionEnd")
        #expect(json?["session_id"] as? String == h.agent.sessionID)
    }
}

@Suite("config.yaml: hooks")
struct HooksConfigTests {
    @Test("Claude Code's settings.json hooks object pastes in as it is")
    func claudeShape() throws {
        let c = try TalariaConfig.parse("""
            hooks: {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "check.sh", "timeout": 30}]}],
                    "Stop": [{"hooks": [{"type": "command", "command": "notify"}]}]}
            """, file: "c")
        let pre = try #require(c.hooks.events[.preToolUse]?.first)
        #expect(pre.matcher == "Bash" && pre.hooks.map(\.command) == ["check.sh"] && pre.hooks.first?.timeout == 30)
        #expect(c.hooks.events[.stop]?.first?.hooks.first?.timeout == Defaults.hookTimeout)
    }

    @Test("mistakes name the place", arguments: [
        ("hooks: {PreToolUs: []}\n", "did you mean 'PreToolUse'?"),
        ("hooks: {Stop: {command: x}}\n", "must be a list"),
        ("hooks: {PreToolUse: [{matcher: '(', hooks: []}]}\n", "not a regular expression"),
    ])
    func mistakes(yaml: String, says: String) {
        do {
            _ = try TalariaConfig.parse(yaml, file: "c")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.contains(says), "\(error)")
        }
    }
}
