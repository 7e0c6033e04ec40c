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

/// Provider chaos through the whole agent: 500 turns with a tool round each, in 50 sessions
/// stored in one database, against a server failing 20 % of requests (429 with Retry-After, 500,
/// cut streams, malformed chunks, in-stream errors, no [DONE], resets, stalls past the idle
/// timeout, empty answers, tool arguments that are not JSON). Every turn ends answered or with
/// a clear error; what the turn showed is its answer exactly once; the store holds each turn
/// once — its prompt, one call, one result, one answer — and nothing of a turn that failed.
@Suite("agent chaos", .serialized)
struct AgentChaosTests {
    static let sessions = 50, turnsEach = 10, concurrent = 5

    struct Outcome: Sendable {
        var answered = 0, failed: [String] = [], wrongShown: [String] = [], wrongStored: [String] = []
        mutating func add(_ o: Outcome) {
            answered += o.answered; failed += o.failed; wrongShown += o.wrongShown; wrongStored += o.wrongStored
        }
    }

    @Test("500 turns with tools and 20 % faults: each answered once, stored once, or failed clearly")
    func chaos() async throws {
        let server = try await FakeLLMServer()
        let dir = TempDir("agent-chaos")
        let store = try SessionStore(path: dir.file("sessions.db"))
        let transport = CurlTransport()
        let started = Date()
        let total = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for lane in 0..<Self.concurrent {
                group.addTask {
                    var o = Outcome()
                    for s in stride(from: lane, to: Self.sessions, by: Self.concurrent) {
                        o.add(try await Self.session(s, server: server, transport: transport, store: store, cwd: dir.path))
                    }
                    return o
                }
            }
            var all = Outcome()
            for try await o in group { all.add(o) }
            return all
        }
        let served = try await transport.send(HTTPRequest(url: URL(string: server.baseURL.replacingOccurrences(of: "/v1", with: "") + "/chaos")!))
        let kinds = (try JSONSerialization.jsonObject(with: served.body) as? [String: Int]) ?? [:]
        let turns = Self.sessions * Self.turnsEach
        print("agent chaos: \(turns) turns in \(String(format: "%.1f", Date().timeIntervalSince(started))) s; \(total.answered) answered, "
              + "\(total.failed.count) failed clearly; faults served: \(kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        let wrongShown = total.wrongShown.count, wrongStored = total.wrongStored.count
        #expect(wrongShown == 0, "\(total.wrongShown.prefix(5))")
        #expect(wrongStored == 0, "\(total.wrongStored.prefix(5))")
        #expect(total.answered + total.failed.count == turns)
        let answered = total.answered
        #expect(answered >= turns - 10, "\(total.failed.prefix(5))")
        #expect(kinds["bad_json", default: 0] > 0 && kinds.count >= 9, "every kind of fault was served: \(kinds)")
    }

    /// One session's turns; then its stored conversation, turn by turn.
    static func session(_ s: Int, server: FakeLLMServer, transport: CurlTransport, store: SessionStore, cwd: String) async throws -> Outcome {
        let answer = "Session \(s) is done, with a few more words so the stream comes in pieces"
        let client = LLMClient(endpoint: Endpoint(baseURL: URL(string: server.baseURL)!, apiKey: nil, model: "fake"), transport: transport,
                               retry: RetryPolicy(maxRetries: 3, baseDelay: 0.05, maxDelay: 0.2, retryAfterCap: 0.3), idleTimeout: 1)
        let agent = try Agent(config: .test(baseURL: server.baseURL, cwd: cwd),
                              services: AgentServices(client: client, store: store, tools: ToolRegistry.builtIn(), backend: LocalBackend()))
        var o = Outcome()
        var prompts: [String] = []
        var answeredTurns: Set<Int> = []
        for t in 0..<turnsEach {
            // The server reads the first message of the conversation for its script: every turn
            // makes one terminal call, then answers.
            let prompt = t == 0 ? "session-\(s) chaos=20 rounds=1 cmd=echo%20ran stall=1.5 retry_after=0.2 final=" + answer.replacingOccurrences(of: " ", with: "_")
                : "session \(s), turn \(t)"
            prompts.append(prompt)
            await agent.submit(.userTurn(UserTurn(text: prompt)))
            var shown: [String: String] = [:], order: [String] = []
            loop: for await envelope in agent.events {
                switch envelope.event {
                case .messageDelta(let item, let text):
                    if shown[item] == nil { order.append(item) }
                    shown[item, default: ""] += text
                case .turnCompleted(let done):
                    o.answered += 1
                    answeredTurns.insert(t)
                    if done.finalText != answer || shown[order.last ?? ""] != answer {
                        o.wrongShown.append("session \(s) turn \(t): \(done.finalText.debugDescription) shown \(order.map { shown[$0] ?? "" })")
                    }
                    break loop
                case .turnAborted(let aborted):
                    if aborted.message.isEmpty { o.wrongShown.append("session \(s) turn \(t): aborted without a message") }
                    o.failed.append("session \(s) turn \(t): \(aborted.message)")
                    break loop
                default: continue
                }
            }
        }
        await agent.submit(.shutdown)
        await agent.waitUntilClosed()
        o.wrongStored = try stored(store.messages(sessionID: agent.sessionID).map(\.message), prompts: prompts, answered: answeredTurns, answer: answer)
            .map { "session \(s): \($0)" }
        return o
    }

    /// What is wrong with a stored conversation: each answered turn is its prompt, one terminal
    /// call, that call's result and the answer; a failed turn leaves at most its prompt and
    /// whole tool rounds (each call answered by one result), never a second answer.
    static func stored(_ messages: [ChatMessage], prompts: [String], answered: Set<Int>, answer: String) -> [String] {
        var problems: [String] = []
        let turns = messages.split(omittingEmptySubsequences: false) { $0.role == .user }.dropFirst()
        let users = messages.filter { $0.role == .user }.map(\.content)
        let expectedUsers = prompts.enumerated().filter { answered.contains($0.offset) || users.contains($0.element) }.map(\.element)
        if users != expectedUsers { problems.append("prompts stored \(users.count), expected \(expectedUsers.count)") }
        for (n, turn) in turns.enumerated() {
            let t = prompts.firstIndex(of: users[n]) ?? -1
            let calls = turn.flatMap(\.toolCalls).map(\.id)
            let results = turn.compactMap { $0.role == .tool ? $0.toolCallID : nil }
            if calls != results { problems.append("turn \(t): calls \(calls) answered by \(results)") }
            if Set(calls).count != calls.count { problems.append("turn \(t): a call stored twice") }
            let answers = turn.filter { $0.role == .assistant && $0.toolCalls.isEmpty }.map(\.content)
            if answered.contains(t) {
                if answers != [answer] || calls.count != 1 { problems.append("turn \(t): \(calls.count) calls, answers \(answers)") }
            } else if !answers.isEmpty {
                problems.append("turn \(t) failed but stored answers \(answers)")
            }
        }
        return problems
    }
}
