import Foundation
import TestSupport
import Testing

/// The repo's scripted stdio MCP server (stdlib Python), so these tests need no peer.
let fakeMCPServer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fake-mcp/fake_mcp_stdio.py").path

func writeMCPConfig(_ home: TalariaHome, trust: String = "ask") {
    let config = """
        mcp_servers:
          fake:
            command: python3
            args: [\(fakeMCPServer)]
            trust: \(trust)
          broken:
            command: /nonexistent/mcp-server
        """
    _ = FileManager.default.createFile(atPath: home.home + "/config.yaml", contents: Data(config.utf8))
}

@Suite("MCP servers end to end", .serialized)
struct MCPEndToEndTests {
    let server: FakeLLMServer
    init() async throws { server = try await FakeLLMServer() }

    @Test("talaria mcp list shows each server's state and tools; a failed one makes the exit status 1")
    func list() async throws {
        let home = TalariaHome()
        writeMCPConfig(home)
        let r = try await home.run(["mcp", "list"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("fake  ready, 4 tools"), "\(r.stdout)")
        #expect(r.stdout.contains("• mcp__fake__ping_tool"))
        #expect(r.stdout.contains("broken  failed: cannot start /nonexistent/mcp-server: No such file or directory"))
        let call = try await home.run(["mcp", "call", "fake", "ping_tool"])
        #expect(call.status == 0 && call.stdout == "pong\n")
    }

    @Test("talaria -p: the model calls an MCP tool (trust: always) and gets its result; the failed server is reported")
    func headless() async throws {
        let home = TalariaHome()
        writeMCPConfig(home, trust: "always")
        let r = try await home.run(["-p", "use it rounds=1 tool=mcp__fake__ping_tool", "--base-url", server.baseURL, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("MCP server broken: failed: cannot start /nonexistent/mcp-server"), "\(r.stderr)")
        #expect(r.stdout.contains(#""name":"mcp__fake__ping_tool","output":"pong","status":"succeeded""#), "\(r.stdout)")
        let sessions = try await home.run(["sessions", "search", "pong"])
        #expect(sessions.stdout.contains("pong"))
    }

    @Test("talaria -p without --yes: an MCP tool with trust ask is refused, and the model is told")
    func headlessDenied() async throws {
        let home = TalariaHome()
        writeMCPConfig(home)
        let r = try await home.run(["-p", "use it rounds=1 tool=mcp__fake__ping_tool", "--base-url", server.baseURL, "--json"])
        #expect(r.stdout.contains("did not approve this command (runs ping_tool on the MCP server 'fake')"), "\(r.stdout)")
        #expect(r.stdout.contains(#""status":"denied""#))
        #expect(!r.stdout.contains(#""output":"pong""#))
    }

    @Test("in the TUI: the status line counts servers; /mcp shows states and tools; d disables; the approval dialog guards an MCP call")
    func tui() async throws {
        let home = TalariaHome()
        writeMCPConfig(home)
        let t = Tmux(command: "unset NO_COLOR; cd \(home.work) && TALARIA_HOME=\(home.home) TALARIA_LOCAL_PORTS=9 \(TalariaHome.binary) --base-url \(server.baseURL)",
                     cols: 100, rows: 30)
        #expect(await t.waitFor("Ask anything") != nil)
        #expect(await t.waitFor("mcp 1/2 ✗") != nil, "\(t.screen())")
        #expect(await t.waitFor("MCP server broken failed") != nil, "no toast for the failed server: \(t.screen())")
        t.keys("/mcp", "Enter")
        let view = await t.waitFor("MCP servers · 2 (1 ready)")
        #expect(view?.contains("● fake") == true, "\(t.screen())")
        #expect(view?.contains("ready, 4 tools") == true)
        #expect(view?.contains("ping_tool") == true)
        #expect(view?.contains("✗ broken") == true)
        t.keys("d")
        #expect(await t.waitFor("○ fake") != nil, "\(t.screen())")
        #expect(await t.waitFor("mcp 0/1 ✗") != nil)
        t.keys("d")
        #expect(await t.waitFor("● fake") != nil, "\(t.screen())")
        t.keys("Escape")
        #expect(await t.waitFor("Ask anything") != nil)
        t.keys("call it rounds=1 tool=mcp__fake__ping_tool", "Enter")
        let dialog = await t.waitFor("runs ping_tool on the MCP server 'fake'")
        #expect(dialog != nil, "\(t.screen())")
        t.keys("y")
        let done = await t.waitFor("Done. The answer is 42.")
        #expect(done?.contains("pong") == true, "\(t.screen())")
        t.keys("C-c")
        #expect(await t.waitFor("EXITED-0") != nil)
        #expect(t.flag("alternate_on") == "0")
    }
}

@Suite("Approvals in line mode", .serialized)
struct LineApprovalTests {
    let server: FakeLLMServer
    init() async throws { server = try await FakeLLMServer() }

    @Test("--line asks once/session/always/deny; 'always' is remembered, and a later -p run honours it")
    func always() async throws {
        let home = TalariaHome()
        let t = Tmux(command: "cd \(home.work) && TALARIA_HOME=\(home.home) TALARIA_LOCAL_PORTS=9 \(TalariaHome.binary) --line --base-url \(server.baseURL)")
        // Generous waits: this runs beside the real-model tests, which keep both cores busy.
        #expect(await t.waitFor("Type a request", timeout: 60) != nil, "\(t.screen())")
        t.keys("go rounds=1 cmd=sudo%20-n%20true", "Enter")
        let asked = await t.waitFor("[a] always", timeout: 60)
        #expect(asked?.contains("reason: runs a command as root (sudo)") == true, "\(t.screen())")
        t.keys("a")
        t.keys("Enter")
        #expect(await t.waitFor("Done. The answer is 42.", timeout: 60) != nil, "\(t.screen())")
        t.keys("C-d")
        #expect(await t.waitFor("EXITED-0", timeout: 60) != nil, "\(t.screen())")
        let saved = try String(contentsOfFile: home.home + "/approvals.json", encoding: .utf8)
        #expect(saved.contains("runs a command as root (sudo)"))
        let r = try await home.run(["-p", "again rounds=1 cmd=sudo%20-n%20true", "--base-url", server.baseURL, "--json"])
        #expect(!r.stdout.contains(#""status":"denied""#), "\(r.stdout)")
        #expect(r.stdout.contains("toolCallEnded"))
    }
}
