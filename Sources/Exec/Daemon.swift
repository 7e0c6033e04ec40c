import CPTY
import Foundation

/// Starts long-running helper servers (the local model) detached from the terminal.
public enum Daemon {
    /// Starts `argv` in its own session with output to `logFile`; returns its pid.
    ///
    /// - Throws: ``ExecError`` when the program cannot be started.
    public static func start(_ argv: [String], logFile: String, cwd: String = "/") throws(ExecError) -> Int32 {
        let env = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        let pid = withCStrings(argv) { a in withCStrings(env) { e in tl_spawn_detached(a, e, cwd, logFile) } }
        guard pid > 0 else { throw ExecError("cannot start \(argv.first ?? "?"): \(String(cString: strerror(errno)))") }
        return pid
    }

    /// Whether `pid` is alive (and not a zombie we have yet to reap).
    public static func isRunning(_ pid: Int32) -> Bool {
        var status: Int32 = 0
        if tl_wait(pid, &status, 1) == pid { return false }
        return kill(pid, 0) == 0
    }
}

/// Programs that take over the terminal for a while (the user's `$EDITOR`).
public enum Foreground {
    /// Runs `argv` on this terminal and waits; returns its exit status.
    ///
    /// - Throws: ``ExecError`` when the program cannot be started.
    public static func run(_ argv: [String]) throws(ExecError) -> Int32 {
        let rc = withCStrings(argv) { tl_run_foreground($0) }
        guard rc >= 0 else { throw ExecError("cannot start \(argv.first ?? "?"): \(String(cString: strerror(errno)))") }
        return rc
    }
}
