import AgentProtocol
import AgentTools
import Exec
import Foundation
import Testing

/// Background processes on real backends: they outlive the call, take input, report ports,
/// and die with their whole process group when killed or when the session ends.
@Suite("The process tool", .serialized)
struct ProcessToolTests {
    let dir = NSTemporaryDirectory() + "proc-\(UUID().uuidString.prefix(8))"

    func run(_ tool: ProcessTool, _ args: JSONValue, backend: any ExecutionBackend = LocalBackend(killGrace: 0.3)) async -> ToolOutput {
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return await tool.run(args, context: ToolContext(cwd: dir, backend: backend, callID: "p"))
    }

    /// Whether any process whose command line holds `marker` is alive (a grandchild included).
    static func alive(_ marker: String) -> Bool {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.contains { pid in
            guard Int(pid) != nil, let cmd = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let text = String(decoding: cmd, as: UTF8.self)
            return text.contains(marker) && !text.contains("pgrep")
        }
    }

    static func eventually(_ seconds: Double = 5, _ check: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if check() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return check()
    }

    @Test("start returns at once with the first output; read gives what is new; write reaches stdin; wait sees the exit code")
    func lifecycle() async throws {
        let tool = ProcessTool(table: ProcessTable())
        let out = await run(tool, ["action": "start", "command": "echo ready; while read line; do echo \"got:$line\"; [ \"$line\" = bye ] && exit 3; done"])
        #expect(out.text.hasPrefix("process 1 started (running)") && out.text.contains("ready"), "\(out.text)")
        #expect(await run(tool, ["action": "read", "id": 1]).text.contains("(nothing new)"))
        let wrote = await run(tool, ["action": "write", "id": 1, "text": "abc"])
        #expect(wrote.text.contains("got:abc"), "\(wrote.text)")
        _ = await run(tool, ["action": "write", "id": 1, "text": "bye"])
        let waited = await run(tool, ["action": "wait", "id": 1, "timeout": 10])
        #expect(waited.text.contains("process 1 exited with code 3"), "\(waited.text)")
        let tail = await run(tool, ["action": "read", "id": 1, "lines": 2]).text
        #expect(tail.contains("got:abc\ngot:bye"), "\(tail)")
        let bad = await run(tool, ["action": "read", "id": 7])
        #expect(bad.isError && bad.text.contains("no process 7"))
    }

    @Test("kill ends the process and its children; list shows state, time and the port a server listens on")
    func killAndList() async throws {
        let marker = "talaria-test-\(UUID().uuidString.prefix(8))"
        let tool = ProcessTool(table: ProcessTable())
        _ = await run(tool, ["action": "start", "command": .string("bash -c 'sleep 300; : \(marker)' & python3 -u -m http.server 0 --bind 127.0.0.1")])
        #expect(await Self.eventually { Self.alive(marker) })
        var listed = ""
        for _ in 0..<50 {
            listed = await run(tool, ["action": "list"]).text
            if listed.contains("listening on") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(listed.hasPrefix("1 · running · ") && listed.contains("listening on ") && listed.contains("http.server"), "\(listed)")
        let killed = await run(tool, ["action": "kill", "id": 1])
        #expect(killed.text.hasPrefix("killed process 1"), "\(killed.text)")
        #expect(await Self.eventually { !Self.alive(marker) }, "a child outlived the kill")
        #expect(await run(tool, ["action": "list"]).text.hasPrefix("1 · killed"))
    }

    @Test("the session's end kills every process it started, on the local and the sandbox backend")
    func stopAll() async throws {
        for backend in [LocalBackend(killGrace: 0.3), SandboxBackend(workspace: dir)] as [any ExecutionBackend] {
            if backend is SandboxBackend, !FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap") { continue }
            let marker = "talaria-end-\(UUID().uuidString.prefix(8))"
            let table = ProcessTable()
            let tool = ProcessTool(table: table)
            let out = await run(tool, ["action": "start", "command": .string("sleep 300; : \(marker)")], backend: backend)
            #expect(out.text.contains("(running)"), "\(backend.identity): \(out.text)")
            #expect(await Self.eventually { Self.alive(marker) }, "\(backend.identity)")
            await table.stopAll()
            #expect(await Self.eventually { !Self.alive(marker) }, "\(backend.identity): a process outlived its session")
            let late = await run(tool, ["action": "start", "command": "true"], backend: backend)
            #expect(late.isError && late.text.contains("the session is ending"))
        }
    }

    @Test("updates for the front-ends: started, output, ended with the exit code")
    func updates() async throws {
        let table = ProcessTable()
        let tool = ProcessTool(table: table)
        _ = await run(tool, ["action": "start", "command": "echo one; exit 4"])
        var seen: [ProcessUpdate] = []
        for await u in table.updates {
            seen.append(u)
            if u.state != .running { break }
        }
        #expect(seen.first?.state == .running && seen.first?.output == nil)
        #expect(seen.compactMap(\.output).joined().contains("one"))
        #expect(seen.last?.state == .exited && seen.last?.exitCode == 4)
    }
}
