import Foundation
import TestSupport
import Testing

/// Checkpoints from the outside: `-p` takes one, `talaria checkpoints list | restore` read and
/// use it; in the TUI, /undo, /redo, the rewind picker (Esc Esc) and /retry in a branch.
@Suite("Checkpoints end to end", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct CheckpointsEndToEndTests {
    static let script = """
        {"WRITE": [{"tool": "write_file", "args": {"path": "notes.txt", "content": "after\\n"}},
                   {"tool": "write_file", "args": {"path": "made/new.txt", "content": "new\\n"}},
                   {"final": "wrote notes"}],
         "*": [{"final": "ok"}]}
        """

    static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    @Test("-p takes a checkpoint; checkpoints list --json shows it with its files; restore --dry-run changes nothing; restore puts the files back")
    func cli() async throws {
        let home = TalariaHome()
        try "before\n".write(toFile: home.work + "/notes.txt", atomically: true, encoding: .utf8)
        let fake = try await BenchFakeLLM(script: Self.script)
        let r = try await home.run(["-p", "WRITE the notes", "--base-url", fake.baseURL, "--model", "fake-model", "--yes"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.read(home.work + "/notes.txt") == "after\n")
        let listed = try await home.run(["checkpoints", "list", "--json"])
        let lines = listed.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 1, "\(listed.stdout) \(listed.stderr)")
        let id = try #require(lines.first?["id"] as? String)
        #expect(lines.first?["createdAt"] is String && lines.first?["sessionId"] is String && lines.first?["turn"] as? Int == 1)
        #expect(lines.first?["filesChanged"] as? Int == 2, "\(listed.stdout)")

        let dry = try await home.run(["checkpoints", "restore", id, "--dry-run"])
        #expect(dry.stdout.contains("restore  notes.txt") && dry.stdout.contains("remove   made/new.txt") && dry.stdout.contains("dry run"), "\(dry.stdout)")
        #expect(Self.read(home.work + "/notes.txt") == "after\n", "a dry run changed a file")

        let done = try await home.run(["checkpoints", "restore", String(id.prefix(6))])
        #expect(done.status == 0, "\(done.stderr)")
        #expect(done.stdout.contains("restored 2 files"), "\(done.stdout)")
        #expect(Self.read(home.work + "/notes.txt") == "before\n")
        #expect(!FileManager.default.fileExists(atPath: home.work + "/made"))
        let bad = try await home.run(["checkpoints", "restore", "ffffffff"])
        #expect(bad.status != 0 && bad.stderr.contains("no checkpoint ffffffff"), "\(bad.stderr)")
    }

    @Test("in the TUI: /undo puts the files back and says which, /redo takes it back, Esc Esc opens the picker where f restores, /retry runs again in a branch")
    func tui() async throws {
        let home = TalariaHome()
        try "before\n".write(toFile: home.work + "/notes.txt", atomically: true, encoding: .utf8)
        let fake = try await BenchFakeLLM(script: Self.script)
        let t = Tmux(command: "cd \(home.work) && TALARIA_HOME=\(home.home) TALARIA_LOCAL_PORTS=9 \(TalariaHome.binary) --base-url \(fake.baseURL) --model fake-model --yes",
                     cols: 120, rows: 40)
        #expect(await t.waitFor("Ask anything") != nil, "\(t.screen())")
        t.keys("-l", "WRITE the notes")
        t.keys("Enter")
        #expect(await t.waitFor("wrote notes") != nil, "\(t.screen())")
        #expect(Self.read(home.work + "/notes.txt") == "after\n")

        t.keys("-l", "/undo")
        t.keys("Enter")
        #expect(await t.waitFor("undid turn 1's file changes: restored notes.txt; removed made/new.txt") != nil, "\(t.screen())")
        #expect(Self.read(home.work + "/notes.txt") == "before\n")
        t.keys("-l", "/redo")
        t.keys("Enter")
        #expect(await t.waitFor("redid the file changes /undo had taken back") != nil, "\(t.screen())")
        #expect(Self.read(home.work + "/notes.txt") == "after\n" && Self.read(home.work + "/made/new.txt") == "new\n")

        t.keys("Escape", "Escape")
        #expect(await t.waitFor("Rewind · your messages", "› WRITE the notes", "checkpoint ", "-after", "+before") != nil, "\(t.screen())")
        t.keys("f")
        #expect(await t.waitFor("restored the files of checkpoint") != nil, "\(t.screen())")
        #expect(Self.read(home.work + "/notes.txt") == "before\n")

        t.keys("-l", "/retry")
        t.keys("Enter")
        #expect(await t.waitFor("retrying in a branch") != nil, "\(t.screen())")
        // The branch opens empty, so "wrote notes" below it is the retried turn's, not the old one's.
        #expect(await t.waitFor("resumed WRITE the notes (fork)", "wrote notes", timeout: 20) != nil, "\(t.screen())")
        #expect(await eventually { Self.read(home.work + "/notes.txt") == "after\n" }, "the retried turn did not run")
        #expect(await t.waitWhile("working", timeout: 20), "the retried turn did not end: \(t.screen())")
        // /branch: the conversation goes on in a copy; the browser shows it under its original.
        t.keys("-l", "/branch")
        t.keys("Enter")
        #expect(await t.waitFor("(fork 2) — the conversation continues") != nil, "\(t.screen())")
        t.keys("C-r")
        #expect(await t.waitFor("↳ WRITE the notes (fork)", "WRITE the notes (fork 2)") != nil, "the session browser does not nest the branches: \(t.screen())")
        t.keys("Escape")
        #expect(await t.waitWhile("Sessions · 3 recent"), "the browser did not close: \(t.screen())")
        t.keys("C-c")
        #expect(await t.waitFor("EXITED-0") != nil)
        // Each branch is a session of its own, its parent the one it was cut from.
        let json = try await home.run(["sessions", "list", "--json"])
        let sessions = json.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(sessions.count == 3, "\(json.stdout)")
        let ids = Set(sessions.compactMap { $0["id"] as? String })
        let parents = sessions.compactMap { $0["parentId"] as? String }
        #expect(parents.count == 2 && parents.allSatisfy(ids.contains), "\(json.stdout)")
    }

    func eventually(_ check: () -> Bool) async -> Bool {
        for _ in 0..<100 {
            if check() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return check()
    }
}
