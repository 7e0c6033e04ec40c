import AgentProtocol
import Foundation
import LLMClient
import TestSupport
import Testing

/// Against the real llama.cpp peer (`make test` starts it and exports LLM_BASE_URL).
/// Outside CI a missing peer skips these; under CI=true it fails them.
let llmBaseURL = ProcessInfo.processInfo.environment["LLM_BASE_URL"]
let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

@Suite("talaria -p against the real llama.cpp peer", .serialized, .llmPeer, .timeLimit(.minutes(peerQueueLimitMinutes)), .enabled(if: llmBaseURL != nil || isCI, "LLM peer not running: make test starts it"))
struct RealModelTests {
    @Test("a real model answers, runs tools within the iteration limit, and the session is searchable")
    func listAndCount() async throws {
        let base = try #require(llmBaseURL, "CI=true but LLM_BASE_URL is not set: the peer did not start")
        let home = TalariaHome()
        for name in ["a.txt", "b.txt", "c.txt"] { _ = FileManager.default.createFile(atPath: home.work + "/" + name, contents: Data("x".utf8)) }
        let r = try await home.run(["-p", "list the files here and count them", "--base-url", base, "--max-iterations", "3", "--max-tokens", "128"])
        #expect([0, 4].contains(r.status), "exit \(r.status): \(r.stderr)")
        #expect(!r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        let search = try await home.run(["sessions", "search", "count files"])
        #expect(search.stdout.contains("user: list the files here and count them"), "\(search.stdout)")
        let json = try await home.run(["sessions", "list", "--json"])
        #expect(json.stdout.contains("\"model\":\"qwen2.5-coder-0.5b-instruct\""))
    }

    @Test("a small model that repeats itself is stopped by the loop guard well before the iteration limit, and no raw tool call is the answer")
    func loopGuard() async throws {
        let base = try #require(llmBaseURL)
        let home = TalariaHome()
        let r = try await home.run(["-p", "what is 2+2", "--base-url", base, "--max-iterations", "15", "--max-tokens", "128", "--json"])
        #expect([0, 4].contains(r.status), "exit \(r.status): \(r.stderr)")
        let events = r.stdout.split(separator: "\n").compactMap { try? JSONDecoder().decode(EventEnvelope.self, from: Data($0.utf8)).event }
        // Background passes (skill review, user model) may report after the turn's end, so the turn's
        // completion is the last `turnCompleted`, not necessarily the last event.
        let completions = events.compactMap { event -> TurnCompleted? in
            if case .turnCompleted(let done) = event { return done } else { return nil }
        }
        guard let done = completions.last else { Issue.record("the turn did not complete: \(r.stdout.suffix(500))"); return }
        #expect(done.iterations <= 7, "\(done.iterations) model requests for 'what is 2+2'")
        #expect(!done.finalText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(TextToolCalls.attemptedCall(in: done.finalText, known: ["terminal", "read_file", "write_file", "patch", "list_dir", "search_files"]) == nil,
                "a tool call was shown as the answer: \(done.finalText)")
        #expect(!done.finalText.contains("\"arguments\""), "\(done.finalText)")
    }

    @Test("the context window is read from the server, not guessed")
    func contextWindow() async throws {
        let base = try #require(llmBaseURL)
        let r = try await TalariaHome().run(["-p", "Say hi in three words.", "--base-url", base, "--json", "--max-tokens", "16", "--max-iterations", "1"])
        #expect(r.stdout.contains("\"contextWindow\":8192"), "usage events should carry n_ctx from /props")
    }
}
