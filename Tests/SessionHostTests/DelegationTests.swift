import AgentProtocol
import Config
import Foundation
import SessionHost
import Store
import TestSupport
import Testing

/// `delegate_task` against the scripted server playing a parent and its children: each
/// child's requests carry its goal, and the server plays the steps of the first key it finds.
@Suite("Subagents", .serialized, .enabled(if: BenchFakeLLM.isAvailable, "the shared bench folder is not beside the repository"))
struct DelegationTests {
    static func script(_ steps: [(String, String)]) -> String {
        "{" + steps.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    static let twoChildren = script([
        ("CHILD-A", #"[{"tool": "terminal", "args": {"command": "sleep 2; echo A-output"}}, {"final": "A found 1"}]"#),
        ("CHILD-B", #"[{"tool": "terminal", "args": {"command": "sleep 2; echo B-output"}}, {"final": "B found 2"}]"#),
        ("PARENT", #"[{"tool": "delegate_task", "args": {"tasks": [{"goal": "CHILD-A count the files", "context": "the repo is here"}, {"goal": "CHILD-B list the tests"}]}}, {"final": "parent done"}]"#),
    ])

    func config(_ yaml: String) throws -> TalariaConfig {
        let dir = TempDir("delegation-config")
        dir.write("config.yaml", yaml)
        return try TalariaConfig.load(path: dir.file("config.yaml"))
    }

    @Test("two children run in parallel with fresh contexts; their answers and statuses come back; their sessions link to the parent")
    func parallelChildren() async throws {
        let f = try await HostFixture(script: Self.twoChildren)
        let s = try await f.host.open(f.request())
        let a = await s.attach(.driver)
        try await s.submit(.userTurn(UserTurn(text: "PARENT: split the work")), from: a.id)
        var progress = ""
        var phases: [String] = []
        let events = await untilTurnEnds(a.events) { e in
            switch e {
            case .toolOutputDelta(_, let chunk): progress += chunk
            case .subagent(let u):
                switch u.phase {
                case .working: phases.append("working \(u.index)")
                case .toolEnded(let status, _, _): phases.append("ended \(u.index) \(status)")
                case .said(let text): phases.append("said \(u.index) \(text)")
                case .finished: phases.append("finished \(u.index)")
                case .started: break
                }
            default: break
            }
        }
        #expect(finals(events).last == "parent done")
        let result = try #require(toolOutputs(events).first)
        #expect(result.contains("## Task 1: CHILD-A count the files\nstatus: done") && result.contains("A found 1"), "\(result)")
        #expect(result.contains("## Task 2: CHILD-B list the tests\nstatus: done") && result.contains("B found 2"), "\(result)")
        // In parallel: both were running their 2-second command before either finished (a
        // timing bound would depend on the machine's load; the order does not).
        let starts = phases.filter { $0.hasPrefix("working") || $0.hasPrefix("finished") }
        let firstEnd = try #require(starts.firstIndex { $0.hasPrefix("finished") })
        #expect(Set(starts[..<firstEnd]) == ["working 1", "working 2"], "the children ran one after the other: \(phases)")
        // Each child's card hears how its calls ended and what it said.
        #expect(phases.contains("ended 1 succeeded") && phases.contains("ended 2 succeeded"), "\(phases)")
        #expect(phases.contains("said 1 A found 1") && phases.contains("said 2 B found 2"), "\(phases)")
        #expect(progress.contains("[1/2] CHILD-A") && progress.contains("[2] terminal sleep 2; echo B-output"), "\(progress)")
        // The children are stored sessions of their own, linked to the parent; they saw only their goal.
        let children = try f.host.store.sessions(limit: 10).filter { $0.parentID == s.id }
        #expect(children.count == 2)
        #expect(children.allSatisfy { $0.source == "subagent" })
        for child in children {
            let users = try f.host.store.messages(sessionID: child.id).filter { $0.message.role == .user }.map(\.message.content)
            #expect(users.count == 1 && !users[0].contains("PARENT"), "a child saw the parent's conversation: \(users)")
        }
        #expect(await f.host.list().map(\.id) == [s.id], "children stay open after they answered")
        await f.host.closeAll()
    }

    @Test("a child past the depth limit is refused with the reason; a child out of budget is reported while its sibling finishes")
    func depthAndBudget() async throws {
        let script = Self.script([
            ("CHILD-DEEP", #"[{"tool": "delegate_task", "args": {"tasks": [{"goal": "GRANDCHILD anything"}]}}, {"final": "deep done"}]"#),
            ("CHILD-LONG", #"[{"tool": "terminal", "args": {"command": "echo 1"}}, {"tool": "terminal", "args": {"command": "echo 2"}}, {"tool": "terminal", "args": {"command": "echo 3"}}, {"final": "never"}]"#),
            ("PARENT", #"[{"tool": "delegate_task", "args": {"tasks": [{"goal": "CHILD-DEEP go down"}, {"goal": "CHILD-LONG take long"}]}}, {"final": "parent done"}]"#),
        ])
        let f = try await HostFixture(script: script, config: try config("delegation:\n  max_depth: 1\n  max_iterations: 2\n"))
        let s = try await f.host.open(f.request())
        let a = await s.attach(.driver)
        try await s.submit(.userTurn(UserTurn(text: "PARENT: go")), from: a.id)
        let events = await untilTurnEnds(a.events)
        let result = try #require(toolOutputs(events).first)
        #expect(result.contains("## Task 1: CHILD-DEEP go down\nstatus: done"), "\(result)")
        #expect(result.contains("## Task 2: CHILD-LONG take long\nstatus: out of budget"), "\(result)")
        let children = try f.host.store.sessions(limit: 10).filter { $0.parentID == s.id }
        let deep = try #require(try children.first { c in try f.host.store.messages(sessionID: c.id).contains { $0.message.content.contains("CHILD-DEEP") } })
        let refusal = try f.host.store.messages(sessionID: deep.id).first { $0.message.role == .tool }?.message.content ?? ""
        #expect(refusal.contains("subagents nest at most 1 deep"), "\(refusal)")
        await f.host.closeAll()
    }

    @Test("a child's approval request reaches the parent's front-end, and its answer reaches the child")
    func approvalsReachTheUser() async throws {
        let script = Self.script([
            ("CHILD-RESET", #"[{"tool": "terminal", "args": {"command": "git reset --hard 2>/dev/null; echo child-approved"}}, {"final": "reset done"}]"#),
            ("PARENT", #"[{"tool": "delegate_task", "args": {"tasks": [{"goal": "CHILD-RESET the tree"}]}}, {"final": "parent done"}]"#),
        ])
        let f = try await HostFixture(script: script)
        let s = try await f.host.open(f.request(approvals: .ask, interactive: true))
        let a = await s.attach(.driver)
        try await s.submit(.userTurn(UserTurn(text: "PARENT: reset")), from: a.id)
        var asked: ApprovalRequest?
        let events = await untilTurnEnds(a.events) { e in
            if case .approvalRequested(let r) = e {
                asked = r
                _ = try? await s.submit(.approveTool(callID: r.callID, decision: .once), from: a.id)
            }
        }
        #expect(asked?.tool == "subagent 1 · terminal")
        #expect(asked?.command.contains("git reset --hard") == true)
        #expect(toolOutputs(events).first?.contains("reset done") == true, "\(toolOutputs(events))")
        let child = try #require(try f.host.store.sessions(limit: 10).first { $0.parentID == s.id })
        let ran = try f.host.store.messages(sessionID: child.id).first { $0.message.role == .tool }?.message.content ?? ""
        #expect(ran.contains("child-approved"), "\(ran)")
        await f.host.closeAll()
    }

    @Test("isolation: worktree runs a child in a git worktree on a branch of its own; the parent's checkout is untouched")
    func worktree() async throws {
        let script = Self.script([
            ("CHILD-WT", #"[{"tool": "terminal", "args": {"command": "echo made-by-child > new.txt; git status --short"}}, {"final": "wrote new.txt"}]"#),
            ("PARENT", #"[{"tool": "delegate_task", "args": {"tasks": [{"goal": "CHILD-WT write a file", "isolation": "worktree"}]}}, {"final": "parent done"}]"#),
        ])
        let f = try await HostFixture(script: script)
        f.dir.write("README.md", "hello\n")
        for args in [["init", "-q"], ["-c", "user.email=t@t", "-c", "user.name=t", "add", "."], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "first"]] {
            _ = await runToEnd("/usr/bin/git", ["-C", f.dir.path] + args)
        }
        let s = try await f.host.open(f.request())
        let a = await s.attach(.driver)
        try await s.submit(.userTurn(UserTurn(text: "PARENT: isolate")), from: a.id)
        let events = await untilTurnEnds(a.events)
        let result = try #require(toolOutputs(events).first)
        let line = try #require(result.split(separator: "\n").first { $0.hasPrefix("worktree: ") }, "\(result)")
        let path = String(line.dropFirst("worktree: ".count).prefix { $0 != " " })
        #expect(line.contains("on branch talaria/subagent-1-"))
        #expect((try? String(contentsOfFile: path + "/new.txt", encoding: .utf8)) == "made-by-child\n", "the child did not work in its worktree")
        #expect(!FileManager.default.fileExists(atPath: f.dir.file("new.txt")), "the child wrote into the parent's checkout")
        await f.host.closeAll()
    }

    @Test("delegation.model and base_url send the children to another model on another server")
    func otherServer() async throws {
        let children = try await BenchFakeLLM(script: #"[{"final": "from the other server"}]"#)
        let parentScript = Self.script([("PARENT", #"[{"tool": "delegate_task", "args": {"tasks": [{"goal": "CHILD-X ask elsewhere"}]}}, {"final": "parent done"}]"#)])
        let f = try await HostFixture(script: parentScript, config: try config("delegation:\n  model: small-model\n  base_url: \(children.baseURL)\n"))
        let s = try await f.host.open(f.request())
        let a = await s.attach(.driver)
        try await s.submit(.userTurn(UserTurn(text: "PARENT: go")), from: a.id)
        let events = await untilTurnEnds(a.events)
        #expect(toolOutputs(events).first?.contains("from the other server") == true, "\(toolOutputs(events))")
        #expect(children.chatRequests.count >= 1)
        let child = try #require(try f.host.store.sessions(limit: 10).first { $0.parentID == s.id })
        #expect(child.model == "small-model")
        #expect(child.title == "CHILD-X ask elsewhere")
        await f.host.closeAll()
    }

    @Test("interrupting the parent cancels its running children")
    func cancel() async throws {
        let script = Self.script([
            ("CHILD-SLOW", #"[{"tool": "terminal", "args": {"command": "sleep 30"}}, {"final": "never"}]"#),
            ("PARENT", #"[{"tool": "delegate_task", "args": {"tasks": [{"goal": "CHILD-SLOW wait"}]}}, {"final": "parent done"}]"#),
        ])
        let f = try await HostFixture(script: script)
        let s = try await f.host.open(f.request())
        let a = await s.attach(.driver)
        try await s.submit(.userTurn(UserTurn(text: "PARENT: wait")), from: a.id)
        var interruptedAt: ContinuousClock.Instant?
        let events = await untilTurnEnds(a.events) { e in
            if case .toolOutputDelta(_, let chunk) = e, chunk.contains("[1] terminal sleep 30"), interruptedAt == nil {
                interruptedAt = .now
                _ = try? await s.submit(.interrupt)
            }
        }
        let took = try #require(interruptedAt.map { ContinuousClock.now - $0 })
        #expect(took < .seconds(10), "the interrupt took \(took)")
        #expect(events.contains { if case .turnAborted(let t) = $0 { t.reason == .interrupted } else { false } })
        try await Task.sleep(for: .milliseconds(300))
        #expect(await f.host.list().map(\.id) == [s.id], "a cancelled child is still open")
        await f.host.closeAll()
    }
}
