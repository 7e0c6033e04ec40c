import Foundation
import TestSupport
import Testing

/// The model's question from the outside: `-p` tells the model nobody is there, line mode asks
/// on the terminal, the TUI shows it above the editor.
@Suite("clarify end to end", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct ClarifyEndToEndTests {
    static let script = """
        {"STORAGE": [{"tool": "clarify", "args": {"question": "Which database should it use?", "choices": ["PostgreSQL", "SQLite"]}},
                     {"final": "storage planned"}],
         "*": [{"final": "ok"}]}
        """

    @Test("-p: nobody to ask, so the model is told to go on with its best judgment and say so; the run succeeds")
    func headless() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: Self.script)
        let r = try await home.run(["-p", "plan the STORAGE", "--base-url", fake.baseURL, "--model", "fake-model"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("storage planned"))
        let told = try await home.lastToolMessage()
        #expect(told?.contains("No user is available to answer") == true, "\(told ?? "nil")")
    }

    @Test("line mode: the question and its numbered choices on the terminal; a number answers with that choice")
    func lineMode() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: Self.script)
        let r = try await home.run(["--line", "--base-url", fake.baseURL, "--model", "fake-model"], stdin: "plan the STORAGE\n2\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("? Which database should it use?\n  1 PostgreSQL\n  2 SQLite"), "\(r.stderr)")
        let told = try await home.lastToolMessage()
        #expect(told == "The user answered: SQLite", "\(told ?? "nil")")
        #expect(r.stdout.contains("storage planned"))
    }

    @Test("in the TUI: the question above the editor; own words answer it; the tool card says what the model was told")
    func tui() async throws {
        let home = TalariaHome()
        let fake = try await BenchFakeLLM(script: Self.script)
        let t = Tmux(command: "cd \(home.work) && TALARIA_HOME=\(home.home) TALARIA_LOCAL_PORTS=9 \(TalariaHome.binary) --base-url \(fake.baseURL) --model fake-model",
                     cols: 100, rows: 30)
        #expect(await t.waitFor("Ask anything") != nil, "\(t.screen())")
        t.keys("-l", "plan the STORAGE")
        t.keys("Enter")
        #expect(await t.waitFor("? Talaria asks", "Which database should it use?", "1 PostgreSQL", "2 SQLite") != nil, "\(t.screen())")
        t.keys("-l", "MySQL, we already run one")
        t.keys("Enter")
        #expect(await t.waitFor("storage planned") != nil, "\(t.screen())")
        #expect(!t.screen().contains("Talaria asks"), "the question stayed: \(t.screen())")
        let told = try await home.lastToolMessage()
        #expect(told == "The user answered: MySQL, we already run one", "\(told ?? "nil")")
        t.keys("C-c")
        #expect(await t.waitFor("EXITED-0") != nil)
    }
}
