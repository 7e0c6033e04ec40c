import AgentProtocol
import AgentTools
import Exec
import Foundation
import Testing

/// The file tools on a backend whose files are not this machine's (the sandbox: every read,
/// write and walk goes through bwrap) answer exactly as they do locally.
@Suite("File tools through a backend")
struct BackendFileToolsTests {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.path + "/talaria-bft-\(UUID().uuidString.prefix(8))"
        let fm = FileManager.default
        for d in ["src/app", "src/lib", ".git/objects", "node_modules/x", ".hidden", ".github"] {
            try fm.createDirectory(atPath: dir + "/" + d, withIntermediateDirectories: true)
        }
        let files = [
            "README.md": "# Demo\nTODO: write more\n",
            "src/app/main.swift": "let x = 1\n// TODO first\nprint(x)\n",
            "src/lib/util.py": "def f():\n    return 42  # todo lower\n",
            "src/lib/data.bin": "\u{0}\u{1}binary TODO",
            ".git/objects/o": "TODO in git",
            "node_modules/x/i.js": "TODO in deps",
            ".hidden/h.txt": "TODO hidden",
            ".github/ci.yml": "on: push # TODO ci\n",
        ]
        for (p, c) in files { try c.write(toFile: dir + "/" + p, atomically: true, encoding: .utf8) }
    }

    func run(_ tool: any Tool, _ args: JSONValue, _ backend: any ExecutionBackend) async -> ToolOutput {
        await tool.run(args, context: ToolContext(cwd: dir, backend: backend, callID: "c"))
    }

    static let cases: [(String, JSONValue)] = [
        ("list_dir", ["depth": 3]),
        ("list_dir", ["path": "src", "depth": 2, "show_hidden": true]),
        ("list_dir", ["show_hidden": true]),
        ("list_dir", ["path": "nowhere"]),
        ("search_files", ["pattern": "TODO"]),
        ("search_files", ["pattern": "todo", "ignore_case": true, "glob": "*.py"]),
        ("search_files", ["pattern": "T.DO\\s+\\w+"]),
        ("search_files", ["pattern": "*.swift", "target": "files"]),
        ("search_files", ["pattern": "nothing-matches-this"]),
        ("read_file", ["path": "src/app/main.swift", "offset": 2]),
        ("read_file", ["path": "src"]),
        ("read_file", ["path": "missing.txt"]),
    ]

    @Test("list_dir, search_files, read_file: the sandbox's answers equal the local ones", arguments: cases)
    func sameAnswers(tool: String, args: JSONValue) async throws {
        let tools: [String: any Tool] = ["list_dir": ListDirTool(), "search_files": SearchFilesTool(), "read_file": ReadFileTool()]
        let local = await run(tools[tool]!, args, LocalBackend())
        let sandboxed = await run(tools[tool]!, args, SandboxBackend(workspace: dir))
        #expect(sandboxed == local, "\(tool) \(args)\n--- local:\n\(local.text)\n--- sandbox:\n\(sandboxed.text)")
    }

    @Test("~ in a path points at the backend's home when it has its own")
    func remoteHome() {
        var context = ToolContext(cwd: "/srv/app", backend: LocalBackend(), callID: "c")
        #expect(context.resolve("~/notes.txt") == NSHomeDirectory() + "/notes.txt")
        context.home = "/home/remote"
        #expect(context.resolve("~/notes.txt") == "/home/remote/notes.txt")
        #expect(context.resolve("~") == "/home/remote")
        #expect(context.resolve("src/../a.txt") == "/srv/app/a.txt")
    }

    @Test("write_file and patch act inside the backend: the workspace changes, a read-only path refuses")
    func writes() async throws {
        let sandbox = SandboxBackend(workspace: dir)
        let created = await run(WriteFileTool(), ["path": "new/dir/a.txt", "content": "alpha\nbeta\n"], sandbox)
        #expect(created.text == "Created \(dir)/new/dir/a.txt (11 bytes, 3 lines)")
        let patched = await run(PatchTool(), ["path": "new/dir/a.txt", "old_string": "beta", "new_string": "gamma"], sandbox)
        #expect(patched.text == "Patched \(dir)/new/dir/a.txt: 1 replacement (first at line 2)")
        #expect(try String(contentsOfFile: dir + "/new/dir/a.txt", encoding: .utf8) == "alpha\ngamma\n")
        let replaced = await run(WriteFileTool(), ["path": "new/dir/a.txt", "content": "x"], sandbox)
        #expect(replaced.text.hasPrefix("Replaced "))
        let refused = await run(WriteFileTool(), ["path": "/usr/talaria-should-not-exist", "content": "x"], sandbox)
        #expect(refused.isError && refused.text.contains("Read-only file system"), "\(refused.text)")
    }
}
