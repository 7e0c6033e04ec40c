import Foundation
import TestSupport
import Testing

/// execute_code from the outside: a script that reads the workspace through Talaria's tools.
@Suite("execute_code end to end", .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct ExecuteCodeEndToEndTests {
    @Test("-p: a Python script counts lines of files it reads with read_file; the model gets stdout and the exit code")
    func script() async throws {
        let home = TalariaHome()
        for (name, lines) in [("a.txt", 3), ("b.txt", 5)] {
            try (1...lines).map { "line \($0)" }.joined(separator: "\n").write(toFile: home.work + "/" + name, atomically: true, encoding: .utf8)
        }
        let code = #"from talaria_tools import read_file\nfor f in ['a.txt', 'b.txt']:\n    print(f, len(read_file(f).strip().splitlines()))"#
        let fake = try await BenchFakeLLM(script: #"[{"tool": "execute_code", "args": {"code": "\#(code)"}}, {"final": "counted"}]"#)
        let r = try await home.run(["-p", "count the lines", "--base-url", fake.baseURL, "--model", "fake-model"])
        #expect(r.status == 0, "\(r.stderr)")
        let told = try await home.lastToolMessage()
        #expect(told == "exit code 0 · 2 tool calls\n--- stdout\na.txt 3\nb.txt 5", "\(told ?? "nil")")
    }
}
