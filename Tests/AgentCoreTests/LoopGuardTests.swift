import AgentCore
import AgentProtocol
import Foundation
import LLMClient
import TestSupport
import Testing

/// The loop guard against scripted models that repeat themselves.
@Suite("Loop guard")
struct LoopGuardTests {
    /// The same terminal call, `n` times.
    static func same(_ command: String, _ n: Int) -> [ScriptedTransport.Reply] {
        (0..<n).map { SSE.callTool("terminal", arguments: #"{"command":"\#(command)"}"#, id: "c\($0)") }
    }

    func warnings(_ events: [AgentEvent]) -> [String] { events.compactMap { if case .warning(let w) = $0 { w } else { nil } } }

    @Test("a failing call repeated: the third result tells the model, the fifth ends the turn well before the limit with a plain account")
    func failingRepeats() async throws {
        let h = try Harness(Self.same("primes | head -n 10; exit 127", 20), maxIterations: 50)
        let events = await h.turn("print primes")
        guard case .turnCompleted(let done)? = events.last else { Issue.record("no completion: \(names(events))"); return }
        #expect(done.stoppedBy == .loopGuard)
        #expect(done.iterations == 6, "5 calls and one last request, not 50")
        let bodies = h.transport.requestBodies
        #expect(bodies.count == 6)
        // The third identical result carries the note; the first two do not.
        let tools = messages(bodies[5]).filter { $0["role"] as? String == "tool" }.compactMap { $0["content"] as? String }
        #expect(tools.count == 5)
        #expect(!tools[1].contains("You have made this exact call"))
        #expect(tools[2].contains("You have made this exact call 3 times"))
        // The last request may call nothing and asks for the answer; the scripted model gives
        // another call instead, so the user gets the plain account.
        #expect(bodies[5]["tool_choice"] as? String == "none")
        #expect(done.finalText.contains("the model made the same call 5 times with the same result"))
        #expect(done.finalText.contains("- terminal `primes | head -n 10; exit 127` — 5 times, exit 127"), "\(done.finalText)")
        #expect(warnings(events).contains { $0.hasPrefix("loop guard: terminal") && $0.contains("ran 3 times") })
        #expect(warnings(events).contains { $0.contains("asking the model for its answer") })
    }

    @Test("a successful call repeated once: the next request has tool_choice none, and the model's text answer ends the turn normally")
    func successfulRepeat() async throws {
        let h = try Harness([SSE.callTool("read_file", arguments: #"{"path":"a.txt","offset":1}"#, id: "r1"),
                             SSE.callTool("read_file", arguments: #"{"offset":1,"path":"a.txt"}"#, id: "r2"),
                             SSE.answer("It says x.")])
        h.dir.write("a.txt", "x\n")
        let events = await h.turn("read it")
        guard case .turnCompleted(let done)? = events.last else { Issue.record("no completion"); return }
        #expect(done.stoppedBy == nil)
        #expect(done.finalText == "It says x.")
        let bodies = h.transport.requestBodies
        #expect(bodies.count == 3)
        #expect(bodies[1]["tool_choice"] == nil)
        #expect(bodies[2]["tool_choice"] as? String == "none", "argument order does not make it another call")
    }

    @Test("a model counting up (echo 8, echo 12, echo 14…, each printing its number) is asked for its answer at the third such call")
    func countingUp() async throws {
        let calls = [8, 12, 14, 16, 18, 20].map { SSE.callTool("terminal", arguments: #"{"command":"echo \#($0)"}"#, id: "e\($0)") }
        let h = try Harness(calls + [SSE.answer("4")], maxIterations: 20)
        let events = await h.turn("what is 2+2")
        guard case .turnCompleted(let done)? = events.last else { Issue.record("no completion"); return }
        let bodies = h.transport.requestBodies
        #expect(bodies.count == 4 && bodies[3]["tool_choice"] as? String == "none", "\(bodies.count) requests")
        #expect(done.iterations <= 5, "\(done.iterations)")
    }

    @Test("a call whose result changes is never a repeat")
    func changingResult() async throws {
        let h = try Harness(Self.same("date +%N", 8) + [SSE.answer("done")], maxIterations: 20)
        let events = await h.turn("poll")
        guard case .turnCompleted(let done)? = events.last else { Issue.record("no completion"); return }
        #expect(done.stoppedBy == nil)
        #expect(done.finalText == "done")
        #expect(warnings(events).isEmpty, "\(warnings(events))")
        #expect(h.transport.requestBodies.allSatisfy { $0["tool_choice"] == nil })
    }

    @Test("different calls that all fail: a streak warns at 6 and ends the turn at 12")
    func failureStreak() async throws {
        let calls = (0..<14).map { SSE.callTool("read_file", arguments: #"{"path":"missing-\#($0).txt"}"#, id: "r\($0)") }
        let h = try Harness(calls, maxIterations: 50)
        let events = await h.turn("read them")
        guard case .turnCompleted(let done)? = events.last else { Issue.record("no completion"); return }
        #expect(done.stoppedBy == .loopGuard)
        #expect(done.iterations == 13)
        #expect(warnings(events).contains("loop guard: the last 6 tool calls failed; the model was asked to step back"))
    }

    @Test("thresholds come from the configuration; off never steps in")
    func thresholds() async throws {
        var loose = try Harness(Self.same("false", 6) + [SSE.answer("gave up")], maxIterations: 20)
        loose = try Harness(Self.same("false", 6) + [SSE.answer("gave up")], maxIterations: 20, loopGuard: .off)
        let events = await loose.turn("try")
        guard case .turnCompleted(let done)? = events.last else { Issue.record("no completion"); return }
        #expect(done.stoppedBy == nil)
        #expect(done.finalText == "gave up")
        // Off: a successful call repeated is not cut short either (no tool_choice none).
        let repeated = try Harness(Self.same("true", 6) + [SSE.answer("done")], maxIterations: 20, loopGuard: .off)
        guard case .turnCompleted(let all)? = await repeated.turn("again").last else { Issue.record("no completion"); return }
        #expect(all.finalText == "done" && all.stoppedBy == nil)
        #expect(!repeated.transport.requestBodies.contains { $0["tool_choice"] as? String == "none" })
        let strict = try Harness(Self.same("false", 6), maxIterations: 20, loopGuard: LoopGuardSettings(warnAfter: 1, stopAfter: 2, failureStreak: 10))
        let strictEvents = await strict.turn("try")
        guard case .turnCompleted(let stopped)? = strictEvents.last else { Issue.record("no completion"); return }
        #expect(stopped.stoppedBy == .loopGuard)
        #expect(stopped.iterations == 4)
    }

    @Test("an unreadable call goes back to the model as a failed call; its text is never the answer")
    func unreadableCall() async throws {
        let h = try Harness([SSE.answer(#"{"name": "skill_view", "arguments": {"name": "x""#), SSE.answer("Hello!")])
        let events = await h.turn("hello")
        guard case .turnCompleted(let done)? = events.last else { Issue.record("no completion"); return }
        #expect(done.finalText == "Hello!")
        let ended = events.compactMap { if case .toolCallEnded(let e) = $0 { e } else { nil } }
        #expect(ended.count == 1)
        #expect(ended.first?.status == .failed)
        #expect(ended.first?.output.contains("could not be read") == true)
        let texts = events.compactMap { if case .messageCompleted(let m) = $0 { m.text } else { nil } }
        #expect(texts == ["", "Hello!"])
        let tool = messages(h.transport.requestBodies[1]).first { $0["role"] as? String == "tool" }
        #expect((tool?["content"] as? String)?.contains("Nothing ran") == true)
    }
}
