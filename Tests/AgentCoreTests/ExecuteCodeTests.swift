import AgentCore
import AgentProtocol
import AgentTools
import Foundation
import TestSupport
import Testing

/// A script's calls to the session's tools: they run, they pass approvals, and only read-only
/// tools may be called.
@Suite("execute_code's tool calls in a session")
struct ExecuteCodeTests {
    static func script(_ code: String) -> String { JSONValue.object(["code": .string(code)]).jsonText }

    @Test("read_file and list_dir from Python; a tool that is not read-only is refused; a credential read is denied without approval")
    func calls() async throws {
        let code = """
            from talaria_tools import read_file, list_dir, call
            print(read_file("notes.txt").strip())
            print("listed:", "notes.txt" in list_dir("."))
            print("same twenty times:", len({read_file("notes.txt") for _ in range(20)}))
            for name, args in (("terminal", {"command": "echo hi"}), ("read_file", {"path": "~/.ssh/id_rsa"})):
                try:
                    call(name, **args)
                except Exception as e:
                    print("refused:", str(e)[:60])
            """
        let h = try Harness([SSE.callTool("execute_code", arguments: Self.script(code), id: "c1"), SSE.answer("done")],
                            approval: .denyAll, executeCode: true)
        try "1: hello from the file\n".write(toFile: h.dir.path + "/notes.txt", atomically: true, encoding: .utf8)
        _ = await h.turn("run the script")
        let result = messages(h.transport.requestBodies.last ?? [:]).last { $0["role"] as? String == "tool" }?["content"] as? String ?? ""
        #expect(result.contains("· 24 tool calls") && result.contains("hello from the file"), "\(result)")
        #expect(result.contains("listed: True") && result.contains("same twenty times: 1"), "\(result)")
        #expect(result.contains("refused: terminal: scripts may call only read_file"), "\(result)")
        #expect(result.contains("refused: read_file: ") && result.contains("approv"), "\(result)")
    }
}
