import AgentCore
import AgentProtocol
import ArgumentParser
import Config
import CurlTransport
import Foundation
import LLMClient
import SessionHost
import Store

/// `talaria bench cache`: how many prompt tokens a real llama.cpp server evaluates for each
/// turn of a conversation, with the background passes (skill review, user model) running
/// between the turns — against the floor, the tokens the turn itself adds.
///
/// Two runs: the agent as it is (background passes are forks of the conversation), and the
/// same turns with one standalone background request between them, as the passes used to be.
/// Requests are pinned to one slot (`id_slot`), so a two-slot server behaves like the one-slot
/// server `talaria local` starts, where a standalone request evicts the conversation.
struct CacheBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Prompt tokens evaluated per turn against a real llama.cpp server, background passes between turns.")

    @Option(name: .customLong("base-url"), help: "A llama.cpp server (default: $LLM_BASE_URL).") var baseURL: String?
    @Option var turns = 5
    @Option(help: "Pin every request to this slot (-1: let the server choose).") var slot = 0
    @Option(help: "Seconds between a turn's end and the next prompt (a quick reply).") var delay = 2.0

    static let prompts = [
        "In one short sentence: what is a prime number? Do not use tools.",
        "In one short sentence: is 7 prime? Do not use tools.",
        "In one short sentence: is 9 prime? Do not use tools.",
        "In one short sentence: name the prime after 7. Do not use tools.",
        "In one short sentence: is 2 the only even prime? Do not use tools.",
        "In one short sentence: is 1 prime? Do not use tools.",
    ]

    struct Request { var usage: Usage; var turn: Int; var first: Bool }

    func run() async throws {
        guard let base = baseURL ?? ProcessInfo.processInfo.environment["LLM_BASE_URL"], let url = URL(string: base) else {
            printError("talaria bench cache: give --base-url of a llama.cpp server (or set LLM_BASE_URL)")
            throw ExitStatus.usage
        }
        let transport = CurlTransport()
        let model = await ModelLister(transport: transport, baseURL: url, apiKey: nil).firstModel() ?? "default"
        print("each prompt \(delay) s after the previous turn ended, its background work running; \(model) at \(base)\(slot >= 0 ? ", pinned to slot \(slot)" : "")")
        let forked = try await conversation(base: base, model: model, transport: transport, forks: true)
        let standalone = try await conversation(base: base, model: model, transport: transport, forks: false)
        let f = Self.later(forked), s = Self.later(standalone)
        print(String(format: "FIGURE cache: turns 2–%d evaluated %d prompt tokens for %d new ones (%.2f×), first token after %.1f s median, with forked background passes that give way",
                     turns, f.evaluated, f.new, Double(f.evaluated) / Double(max(1, f.new)), f.wait))
        print(String(format: "FIGURE cache (before): %d prompt tokens for %d new ones (%.2f×), first token after %.1f s median, with standalone background requests",
                     s.evaluated, s.new, Double(s.evaluated) / Double(max(1, s.new)), s.wait))
    }

    struct Row { var evaluated: Int; var new: Int; var wait: Double }

    /// Turns 2…: evaluated and new tokens of their first requests, the median wait for the first token.
    static func later(_ rows: [Row]) -> (evaluated: Int, new: Int, wait: Double) {
        let rest = rows.dropFirst()
        return (rest.reduce(0) { $0 + $1.evaluated }, rest.reduce(0) { $0 + $1.new }, Stats(rest.map(\.wait)).median)
    }

    /// One conversation; per turn, its first request's evaluated tokens, the new tokens it added,
    /// and how long it waited for its first token.
    func conversation(base: String, model: String, transport: CurlTransport, forks: Bool) async throws -> [Row] {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("talaria-cache-bench-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        var config = TalariaConfig()
        if slot >= 0 { config.extraBody = ["id_slot": .number(Double(slot))] }
        config.memory.factsEvery = 1          // a user-model pass after every turn
        config.skills.reviewAfter = 0         // and a skill review
        if !forks { config.memory.deriveFacts = false; config.skills.review = false }
        let settings = Settings(paths: TalariaPaths(environment: ["TALARIA_HOME": home]), config: config, baseURL: base, model: model,
                                apiKey: nil, maxIterations: 2, contextWindow: nil, maxTokens: 40)
        let store = try SessionStore(path: home + "/state.db")
        let agent = try SessionBuilder(settings: settings, store: store, transport: transport)
            .build(SessionRequest(cwd: home, source: .bench, approvals: .deny, interactive: false)).agent
        let client = LLMClient(endpoint: Endpoint(baseURL: URL(string: base)!, apiKey: nil, model: model), transport: transport)
        var requests: [Request] = []
        var events = agent.events.makeAsyncIterator()
        print(forks ? "\n  forked background passes, given way to (the agent as it is):" : "\n  standalone background requests (as the passes used to be):")
        print("  turn  prompt  evaluated  new tokens  (evaluated / new)  first token")
        var rows: [Row] = []
        var background: Task<Void, Never>?
        for turn in 0..<min(turns, Self.prompts.count) {
            if turn > 0 {
                if !forks {
                    // What the passes used to send: a prompt of their own, as long as the passes ask for.
                    let transcript = SkillReviewPrompt.transcript(await agent.messages, existing: [])
                    let request = LLMRequest(messages: [.system(SkillReviewPrompt.system), .user(transcript)], maxTokens: 400, temperature: 0.2,
                                             extra: config.extraBody)
                    background = Task { _ = try? await client.answer(request) }
                }
                try await Task.sleep(for: .seconds(delay)) // a quick reply: the background work may still run
            }
            let sent = ContinuousClock.now
            await agent.submit(.userTurn(UserTurn(text: Self.prompts[turn])))
            var first = true
            var wait = 0.0
            while let envelope = await events.next() {
                switch envelope.event {
                case .messageDelta, .reasoningDelta, .toolCallBegan:
                    if wait == 0 { wait = (ContinuousClock.now - sent).milliseconds / 1000 }
                case .usage(let u) where u.purpose == .turn:
                    requests.append(Request(usage: u.last, turn: turn, first: first))
                    first = false
                default: break
                }
                if case .turnCompleted = envelope.event { break }
                if case .turnAborted(let a) = envelope.event { printError("turn \(turn + 1): \(a.message)"); break }
            }
            await background?.value
            guard let head = requests.first(where: { $0.turn == turn && $0.first }) else { continue }
            let evaluated = head.usage.promptTokens - head.usage.cachedTokens
            let previous = requests.last { $0.turn == turn - 1 }
            let new = previous.map { head.usage.promptTokens - $0.usage.promptTokens - $0.usage.completionTokens } ?? head.usage.promptTokens
            rows.append(Row(evaluated: evaluated, new: new, wait: wait))
            print(String(format: "  %4d  %6d  %9d  %10d  (%.2f×)            %5.1f s", turn + 1, head.usage.promptTokens, evaluated, new,
                         Double(evaluated) / Double(max(1, new)), wait))
        }
        if forks { try await compression(agent, &events, requests: requests) }
        await agent.submit(.shutdown)
        await agent.waitUntilClosed()
        return rows
    }

    /// `/compress` after the turns: what its summary request and the next turn evaluate.
    func compression(_ agent: Agent, _ events: inout AsyncStream<EventEnvelope>.Iterator, requests: [Request]) async throws {
        await agent.waitForBackground()
        await agent.submit(.compress)
        var summary: Usage?
        while let envelope = await events.next() {
            if case .usage(let u) = envelope.event, u.purpose == .compression { summary = u.last }
            if case .contextCompressed = envelope.event { break }
            if case .warning(let w) = envelope.event, w.contains("compress") { printError("compression: \(w)"); return }
        }
        await agent.submit(.userTurn(UserTurn(text: Self.prompts[min(turns, Self.prompts.count - 1)])))
        var next: Usage?
        while let envelope = await events.next() {
            if case .usage(let u) = envelope.event, u.purpose == .turn, next == nil { next = u.last }
            if case .turnCompleted = envelope.event { break }
            if case .turnAborted = envelope.event { break }
        }
        guard let summary, let next, let before = requests.last?.usage else { return }
        print(String(format: "  /compress: its summary request evaluated %d of %d prompt tokens (the conversation came from the cache; a request of its own re-reads all of it); the next turn re-read %d of %d (the compressed prompt)",
                     summary.promptTokens - summary.cachedTokens, summary.promptTokens, next.promptTokens - next.cachedTokens, next.promptTokens))
        _ = before
    }
}
