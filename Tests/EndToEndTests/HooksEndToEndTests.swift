import Foundation
import TestSupport
import Testing

/// A Claude Code hook, pasted into config.yaml, guards a real `talaria -p` run; and `@file`
/// reaches the model from `-p` as from the interface.
@Suite("talaria -p with hooks and @file", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct HooksEndToEndTests {
    /// A guard in the style of Claude Code's docs: reads the event from stdin and blocks
    /// `rm` with exit 2, its reason on stderr.
    static let guardScript = """
        #!/bin/sh
        input=$(cat)
        echo "$input" >> "$(dirname "$0")/seen.jsonl"
        case "$input" in
          *'"command":"rm '*) echo "rm is not allowed in this project; move files to trash/ instead" >&2; exit 2 ;;
        esac
        exit 0
        """

    @Test("a PreToolUse hook from config.yaml blocks a command: it never runs, the model is told, stderr says which hook")
    func blocksACommand() async throws {
        let home = TalariaHome()
        let hookPath = home.home + "/guard.sh"
        FileManager.default.createFile(atPath: hookPath, contents: Data(Self.guardScript.utf8), attributes: [.posixPermissions: 0o755])
        try """
            hooks:
              PreToolUse:
                - matcher: Bash
                  hooks:
                    - type: command
                      command: \(hookPath)
                      timeout: 10
            """.write(toFile: home.home + "/config.yaml", atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: home.work + "/precious.txt", contents: Data("keep me".utf8))
        let dump = home.dir.path + "/last-request.json"
        let fake = try await BenchFakeLLM(script: #"[{"tool": "terminal", "args": {"command": "rm precious.txt"}}, {"final": "I could not delete it."}]"#,
                                          extra: ["--dump", dump])
        let r = try await home.run(["-p", "delete precious.txt", "--yes", "--base-url", fake.baseURL, "--model", "fake-model"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: home.work + "/precious.txt"), "the blocked command ran")
        #expect(r.stdout == "I could not delete it.\n")
        #expect(r.stderr.contains("hook PreToolUse (\(hookPath)): blocked: rm is not allowed in this project"), "\(r.stderr)")
        // The model's next (and last) request carries the reason as the tool's result.
        #expect(fake.chatRequests.count == 2)
        let last = (try? String(contentsOfFile: dump, encoding: .utf8)) ?? ""
        #expect(last.contains("A hook blocked this call: rm is not allowed in this project"), "\(last.suffix(400))")
        let seen = (try? String(contentsOfFile: home.home + "/seen.jsonl", encoding: .utf8)) ?? ""
        let event = try #require(seen.split(separator: "\n").first.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(event["hook_event_name"] as? String == "PreToolUse" && event["tool_name"] as? String == "terminal")
        #expect(event["permission_mode"] as? String == "bypassPermissions")
        let transcript = try #require(event["transcript_path"] as? String)
        #expect(FileManager.default.fileExists(atPath: transcript), "transcript_path \(transcript) does not exist")
    }

    @Test("@file in -p attaches the file's text for the model")
    func mentionInOneShot() async throws {
        let home = TalariaHome()
        FileManager.default.createFile(atPath: home.work + "/notes.txt", contents: Data("the launch code is blue-falcon\n".utf8))
        let dump = home.dir.path + "/request.json"
        let fake = try await BenchFakeLLM(script: #"[{"final": "It says blue-falcon."}]"#, extra: ["--dump", dump])
        let r = try await home.run(["-p", "what does @notes.txt say?", "--base-url", fake.baseURL, "--model", "fake-model"])
        #expect(r.status == 0, "\(r.stderr)")
        let body = (try? String(contentsOfFile: dump, encoding: .utf8)) ?? ""
        #expect(body.contains("blue-falcon") && body.contains(#"<file path=\"notes.txt\">"#), "\(body.prefix(400))")
    }
}
