import Foundation
import TestSupport
import Testing

/// Drives `talaria tui` in a real terminal (tmux) against the scripted server.
final class Tmux: @unchecked Sendable {
    let name = "talaria-e2e-\(UUID().uuidString.prefix(8))"

    /// Runs a tmux client command. `capture: false` for commands that may start the tmux server:
    /// it inherits the client's stdout, so reading that pipe to EOF would never end.
    @discardableResult
    static func run(_ args: [String], capture: Bool = true) -> String {
        spawnAndRead(["tmux"] + args, capture: capture)
    }

    init(command: String, cols: Int = 80, rows: Int = 24) {
        Self.run(["new-session", "-d", "-s", name, "-x", String(cols), "-y", String(rows), command + "; echo EXITED-$?; sleep 60"],
                 capture: false)
    }

    deinit { Self.run(["kill-session", "-t", name], capture: false) }

    func keys(_ keys: String...) { Self.run(["send-keys", "-t", name] + keys) }
    func screen() -> String { Self.run(["capture-pane", "-p", "-t", name]) }
    func flag(_ f: String) -> String { Self.run(["display", "-p", "-t", name, "#{\(f)}"]).trimmingCharacters(in: .whitespacesAndNewlines) }
    func resize(_ cols: Int, _ rows: Int) { Self.run(["resize-window", "-t", name, "-x", String(cols), "-y", String(rows)]) }

    /// Waits until the screen contains `text`; returns the screen.
    func waitFor(_ text: String, timeout: Double = 15) async -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let s = screen()
            if s.contains(text) { return s }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }
}

@Suite("talaria tui in tmux", .serialized)
struct TUITests {
    let server: FakeLLMServer
    init() throws { server = try FakeLLMServer() }

    func start(_ home: TalariaHome) -> Tmux {
        Tmux(command: "cd \(home.work) && TALARIA_HOME=\(home.home) TALARIA_LOCAL_PORTS=9 \(TalariaHome.binary) tui --base-url \(server.baseURL)")
    }

    @Test("a prompt streams an answer with a tool card and a thought; resize reflows; Ctrl-C restores the terminal")
    func session() async throws {
        let home = TalariaHome()
        let t = start(home)
        #expect(await t.waitFor("Ask anything") != nil, "the first frame never appeared")
        #expect(t.flag("alternate_on") == "1")
        t.keys("check think=1 rounds=1 cmd=echo%20from-the-tool", "Enter")
        let done = await t.waitFor("Done. The answer is 42.")
        #expect(done != nil)
        #expect(done?.contains("▸ terminal echo from-the-tool  [ok") == true, "\(done ?? "")")
        #expect(done?.contains("│ from-the-tool") == true)
        #expect(done?.contains("▸ thought for 1 line") == true)
        t.keys("C-t")
        #expect(await t.waitFor("▾ The user wants the answer.") != nil)
        for (c, r) in [(50, 15), (100, 30), (40, 12), (80, 24)] { t.resize(c, r) }
        let after = await t.waitFor("Done. The answer is 42.")
        #expect(after != nil, "content lost after resizing")
        t.keys("C-c")
        #expect(await t.waitFor("EXITED-0") != nil)
        #expect(t.flag("alternate_on") == "0")
        #expect(t.flag("mouse_any_flag") == "0")
        let search = try await home.run(["sessions", "search", "check"])
        #expect(search.stdout.contains("**check**"))
    }

    @Test("SIGTERM ends the TUI with the terminal restored")
    func sigterm() async throws {
        let home = TalariaHome()
        let t = start(home)
        #expect(await t.waitFor("Ask anything") != nil)
        let pids = Tmux.run(["list-panes", "-t", t.name, "-F", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        // The pane runs `sh -c "…talaria…; echo; sleep"`: signal its talaria child.
        if let pid = Self.child(of: pids, named: "talaria") { kill(pid, SIGTERM) }
        #expect(await t.waitFor("EXITED-0") != nil)
        #expect(t.flag("alternate_on") == "0")
    }

    @Test("closing the terminal ends the TUI instead of leaving it spinning")
    func hangup() async throws {
        let home = TalariaHome()
        let t = start(home)
        #expect(await t.waitFor("Ask anything") != nil)
        let pane = Tmux.run(["list-panes", "-t", t.name, "-F", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = Self.child(of: pane, named: "talaria")
        #expect(pid != nil)
        Tmux.run(["kill-session", "-t", t.name], capture: false)
        let deadline = Date().addingTimeInterval(10)
        while let pid, kill(pid, 0) == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        if let pid { #expect(kill(pid, 0) != 0, "talaria \(pid) survived its terminal") }
    }

    /// The pid of `parent`'s child process called `name`, read from /proc.
    static func child(of parent: String, named name: String) -> Int32? {
        guard let parentPID = Int32(parent), let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for e in entries {
            guard let pid = Int32(e), let stat = try? String(contentsOfFile: "/proc/\(e)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
            let comm = stat[stat.index(after: open)..<close]
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if comm == name, fields.count > 1, Int32(fields[1]) == parentPID { return pid }
        }
        return nil
    }
}
