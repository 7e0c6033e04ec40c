import AgentProtocol
import AgentTools
import Exec
import Foundation
import Testing

/// execute_code on a real backend: output, errors, limits.
@Suite("execute_code")
struct ExecuteCodeToolTests {
    let dir = NSTemporaryDirectory()

    func run(_ args: JSONValue) async -> ToolOutput {
        await ExecuteCodeTool().run(args, context: ToolContext(cwd: dir, backend: LocalBackend(killGrace: 0.3), callID: "x"))
    }

    @Test("stdout, stderr and the exit code, apart; bash too; heredoc-looking code survives")
    func output() async {
        let out = await run(["code": "import sys\nprint('sum', sum(range(10)))\nprint('oops', file=sys.stderr)\nsys.exit(3)"])
        #expect(out.text == "exit code 3\n--- stdout\nsum 45\n--- stderr\noops", "\(out.text)")
        #expect(out.status == .failed && out.exitCode == 3)
        let bash = await run(["code": "echo \"$((6 * 7))\"\ncat <<'EOF'\nliteral $HOME\nEOF", "language": "bash"])
        #expect(bash.text == "exit code 0\n--- stdout\n42\nliteral $HOME", "\(bash.text)")
        // The same failure reads the same each time (the script's folder is new every call).
        let a = await run(["code": "raise ValueError('boom')"]), b = await run(["code": "raise ValueError('boom')"])
        #expect(a.text == b.text && a.text.contains("File \"script.py\", line 1") && !a.text.contains("talaria-code."), "\(a.text)")
    }

    @Test("the time limit kills it; the memory limit stops a runaway allocation")
    func limits() async {
        let slow = await run(["code": "import time\ntime.sleep(30)", "timeout": 1])
        #expect(slow.status == .timedOut && slow.text.hasPrefix("killed after 1 s"), "\(slow.text)")
        let big = await run(["code": "x = bytearray(4 * 1024 * 1024 * 1024)\nprint('allocated')"])
        #expect(big.status == .failed && big.text.contains("MemoryError") && !big.text.contains("allocated"), "\(big.text)")
    }

    @Test("without a session a script's tool call fails with a clear error, and Python that deletes asks first")
    func noSessionAndApproval() async {
        let out = await run(["code": "from talaria_tools import read_file\ntry:\n    read_file('x')\nexcept Exception as e:\n    print('error:', e)"])
        #expect(out.text.contains("error: read_file: tool calls are not available here"), "\(out.text)")
        let context = ToolContext(cwd: dir, backend: LocalBackend(), callID: "x")
        #expect(ExecuteCodeTool().approvalReason(for: ["code": "import shutil\nshutil.rmtree('/tmp/x')"], context: context) == "runs Python that uses rmtree")
        #expect(ExecuteCodeTool().approvalReason(for: ["code": "print(1)"], context: context) == nil)
        #expect(ExecuteCodeTool().approvalReason(for: ["code": "rm -rf ~", "language": "bash"], context: context) != nil)
    }
}
