import Foundation
import TestSupport
import Testing

/// `delegate_task` from a real `talaria -p`: the children's sessions are ordinary sessions,
/// linked to their parent in `sessions list --json` and `sessions show`.
@Suite("talaria -p with subagents", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct DelegationEndToEndTests {
    @Test("a one-shot run delegates two tasks; the answer uses theirs; the children are listed with their parentId")
    func oneShot() async throws {
        let home = TalariaHome()
        let script = """
            {"CHILD-A": [{"final": "A: three files"}], "CHILD-B": [{"final": "B: two tests"}],
             "PARENT": [{"tool": "delegate_task", "args": {"tasks": [{"goal": "CHILD-A count files"}, {"goal": "CHILD-B count tests"}]}}, {"final": "parent done"}]}
            """
        let fake = try await BenchFakeLLM(script: script)
        let r = try await home.run(["-p", "PARENT: count things", "--base-url", fake.baseURL, "--model", "fake-model"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "parent done\n")
        let lines = try await home.run(["sessions", "list", "--json"]).stdout.split(separator: "\n")
        let sessions = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let parent = try #require(sessions.first { $0["source"] as? String == "cli" })
        let children = sessions.filter { $0["parentId"] as? String == parent["id"] as? String }
        #expect(children.count == 2, "\(lines)")
        #expect(children.allSatisfy { $0["source"] as? String == "subagent" })
        let childID = try #require(children.first?["id"] as? String)
        let shown = try await home.run(["sessions", "show", childID])
        #expect(shown.stdout.contains("subagent of \(parent["id"] as? String ?? "?")"), "\(shown.stdout)")
    }
}
