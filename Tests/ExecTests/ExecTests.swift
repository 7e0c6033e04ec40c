import Exec
import Foundation
import Synchronization
import Testing

final class OutputLog: Sendable {
    let data = Mutex(Data())
    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
}

/// Alive and not a zombie (a container's PID 1 may never reap the killed orphan).
func processExists(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    let state = stat.split(separator: ")").last?.split(separator: " ").first
    return state != "Z"
}

@Suite("Local PTY backend")
struct ExecTests {
    let backend = LocalBackend(killGrace: 0.5)

    @Test("output streams live and the exit code is returned; the command runs on a terminal")
    func basic() async throws {
        let log = OutputLog()
        let r = try await backend.run(CommandSpec(command: "printf 'a\\n'; test -t 1 && echo tty; exit 3", cwd: "/tmp")) { d in
            log.data.withLock { $0.append(d) }
        }
        #expect(r.exitCode == 3)
        #expect(TerminalText.clean(r.output) == "a\ntty\n")
        #expect(log.text == String(decoding: r.output, as: UTF8.self))
        #expect(!r.timedOut && !r.cancelled)
    }

    @Test("cwd and extra environment apply; pipes mode merges stderr")
    func cwdEnvPipes() async throws {
        let r = try await backend.run(CommandSpec(command: "pwd; echo $FOO; echo err >&2", cwd: "/usr", env: ["FOO": "bar"], usePTY: false)) { _ in }
        #expect(String(decoding: r.output, as: UTF8.self) == "/usr\nbar\nerr\n")
    }

    @Test("a timeout kills the whole process group, leaving no orphan")
    func timeoutKillsGroup() async throws {
        let dir = FileManager.default.temporaryDirectory.path
        let pidFile = dir + "/talaria-orphan-\(UUID().uuidString)"
        let r = try await backend.run(CommandSpec(command: "sleep 300 & echo $! > \(pidFile); wait", cwd: "/tmp", timeout: 0.5)) { _ in }
        #expect(r.timedOut)
        let child = Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        try await Task.sleep(for: .milliseconds(200))
        #expect(!processExists(child), "background child \(child) survived")
    }

    @Test("cancelling the task kills the command promptly")
    func cancel() async throws {
        let task = Task { try await backend.run(CommandSpec(command: "sleep 60", cwd: "/tmp")) { _ in } }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let r = try await task.value
        #expect(r.cancelled)
        // The command's own run time, measured on the thread that pumps it: 0.2 s before the
        // cancel plus the kill. The wall clock around `task.value` would also count however
        // long a loaded machine's cooperative pool takes to resume this test.
        #expect(r.elapsed < 5, "cancel waited for the 60 s command: it ran \(r.elapsed) s")
    }

    @Test("a chatty command never blocks: 5 MB of output arrives whole")
    func chatty() async throws {
        let r = try await backend.run(CommandSpec(command: "head -c 5000000 /dev/zero | tr '\\0' 'x'", cwd: "/tmp", usePTY: false)) { _ in }
        #expect(r.output.count == 5_000_000)
    }

    @Test("a missing working directory fails to start with a message, not a crash")
    func badCwd() async throws {
        await #expect(throws: ExecError("cannot enter working directory /nonexistent/dir: No such file or directory")) {
            _ = try await backend.run(CommandSpec(command: "true", cwd: "/nonexistent/dir")) { _ in }
        }
    }

    @Test("signals blocked in the parent are not inherited: the child dies of SIGTERM")
    func signalMask() async throws {
        let r = try await backend.run(CommandSpec(command: "kill -TERM $$; sleep 5", cwd: "/tmp", timeout: 10)) { _ in }
        #expect(r.exitCode == 128 + SIGTERM)
    }

    @Test("the PTY is the controlling terminal: /dev/tty opens and job control signals reach the group")
    func controllingTerminal() async throws {
        let r = try await backend.run(CommandSpec(command: "echo hi > /dev/tty && tty", cwd: "/tmp")) { _ in }
        #expect(r.exitCode == 0)
        #expect(TerminalText.clean(r.output).hasPrefix("hi\n/dev/pts/"))
    }
}

@Suite("Terminal text")
struct TerminalTextTests {
    @Test("escape sequences go, CRLF becomes LF, carriage-return progress keeps the last state")
    func clean() {
        #expect(TerminalText.clean("\u{1B}[1;31mred\u{1B}[0m\r\n") == "red\n")
        #expect(TerminalText.clean("10%\r55%\r100%\ndone") == "100%\ndone")
        #expect(TerminalText.clean("\u{1B}]0;title\u{07}x") == "x")
        #expect(TerminalText.clean("ab\u{08}c") == "ac")
    }

    @Test("UTF-8 split across chunks decodes whole", arguments: Array(1..<10))
    func chunker(cut: Int) {
        let bytes = Array("é🌍世".utf8)
        var c = UTF8Chunker()
        let a = c.feed(Data(bytes[..<min(cut, bytes.count)]))
        let b = c.feed(Data(bytes[min(cut, bytes.count)...]))
        #expect(a + b == "é🌍世")
        #expect(!a.contains("\u{FFFD}") && !b.contains("\u{FFFD}"))
    }
}
