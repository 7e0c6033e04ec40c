import AgentCore
import AgentProtocol
import Foundation
import LLMClient
import Synchronization
import TestSupport
import Testing

/// Background model requests wait for the foreground and give way to it.
@Suite("Background lane")
struct BackgroundLaneTests {
    final class Log: Sendable {
        private let items = Mutex<[String]>([])
        func add(_ s: String) { items.withLock { $0.append(s) } }
        var all: [String] { items.withLock { $0 } }
    }

    @Test("a background request waits while a foreground request runs, then runs")
    func waitsForIdle() async throws {
        let lane = BackgroundLane()
        let log = Log()
        await lane.beginForeground()
        let job = Task { await lane.run { log.add("ran"); return 1 } }
        try await Task.sleep(for: .milliseconds(50))
        #expect(log.all.isEmpty, "it ran during the foreground")
        await lane.endForeground()
        #expect(await job.value == 1)
        #expect(log.all == ["ran"])
    }

    @Test("a foreground request that starts cancels the running background request, which runs again once idle")
    func preemptedAndRetried() async throws {
        let lane = BackgroundLane()
        let log = Log()
        let attempts = Mutex(0)
        let job = Task {
            await lane.run { () async throws -> String in
                let n = attempts.withLock { $0 += 1; return $0 }
                log.add("start \(n)")
                try await Task.sleep(for: n == 1 ? .seconds(30) : .milliseconds(1))
                log.add("done \(n)")
                return "answer \(n)"
            }
        }
        while log.all.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        await lane.beginForeground()
        try await Task.sleep(for: .milliseconds(50))
        #expect(log.all == ["start 1"], "the first attempt was not cancelled, or ran again during the foreground")
        await lane.endForeground()
        #expect(await job.value == "answer 2")
        #expect(log.all == ["start 1", "start 2", "done 2"])
    }

    @Test("cancelling the caller (a session ending with a deadline) gives up at once")
    func callerCancelled() async throws {
        let lane = BackgroundLane()
        await lane.beginForeground()
        let job = Task { await lane.run { 1 } }
        job.cancel()
        await lane.endForeground()
        #expect(await job.value == nil)
    }

    @Test("the skill review waits for the turn that started after it, and its request comes after that turn's")
    func reviewAfterTurn() async throws {
        // Turn 1 (a correction starts a review), then turn 2 sent at once: the review's request
        // must not go out while turn 2 runs.
        let h = try Harness([SSE.answer("first")], reviewAfter: 100, fallback: SSE.answer("NONE"))
        _ = await h.turn("no, that's wrong: use tabs")
        #expect(names(await h.turn("and spaces after")).last == "turnCompleted")
        await h.agent.waitUntilIdle()
        // The review may have started before turn 2 did; then turn 2 cancelled it and it ran again.
        let bodies = h.transport.requestBodies
        #expect(bodies.count >= 3)
        let review = try #require(bodies.last?["messages"] as? [[String: Any]])
        #expect((review.last?["content"] as? String)?.contains("Review the finished task above") == true)
        #expect(review.contains { $0["content"] as? String == "and spaces after" }, "the review that counted ran after turn 2")
    }
}
