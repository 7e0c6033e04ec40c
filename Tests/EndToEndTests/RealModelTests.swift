import Foundation
import TestSupport
import Testing

/// Against the real llama.cpp peer (`make test` starts it and exports LLM_BASE_URL).
/// Outside CI a missing peer skips these; under CI=true it fails them.
let llmBaseURL = ProcessInfo.processInfo.environment["LLM_BASE_URL"]
let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

@Suite("talaria -p against the real llama.cpp peer", .serialized, .llmPeer, .timeLimit(.minutes(10)), .enabled(if: llmBaseURL != nil || isCI, "LLM peer not running: make test starts it"))
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
        #expect(search.stdout.contains("**count**"), "\(search.stdout)")
        let json = try await home.run(["sessions", "list", "--json"])
        #expect(json.stdout.contains("\"model\":\"qwen2.5-coder-0.5b-instruct\""))
    }

    @Test("the context window is read from the server, not guessed")
    func contextWindow() async throws {
        let base = try #require(llmBaseURL)
        let r = try await TalariaHome().run(["-p", "Say hi in three words.", "--base-url", base, "--json", "--max-tokens", "16", "--max-iterations", "1"])
        #expect(r.stdout.contains("\"contextWindow\":8192"), "usage events should carry n_ctx from /props")
    }
}
