import CPTY
import Foundation
import Synchronization

/// A program on its own pseudo-terminal that a caller drives like a user: write keys, read
/// the screen's bytes (benchmarks of the TUI measure what a real terminal would receive).
public final class PTYProcess: @unchecked Sendable {
    public let pid: Int32
    private let fd: Int32

    /// Starts `argv` on a `cols`×`rows` terminal.
    ///
    /// - Throws: ``ExecError`` when it cannot start.
    public init(_ argv: [String], environment: [String: String], cwd: String, cols: Int, rows: Int) throws(ExecError) {
        var master: Int32 = -1
        let env = environment.map { "\($0.key)=\($0.value)" }
        let pid = withCStrings(argv) { a in withCStrings(env) { e in tl_pty_spawn(a, e, cwd, UInt16(rows), UInt16(cols), &master) } }
        guard pid > 0 else { throw ExecError("cannot start \(argv.first ?? "?"): \(String(cString: strerror(errno)))") }
        self.pid = pid
        fd = master
    }

    private let reaped = Atomic<Bool>(false)

    deinit {
        if !reaped.load(ordering: .relaxed) {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = tl_wait(pid, &status, 0)
        }
        close(fd)
    }

    /// Reads everything until the program closes its terminal, then waits for it; returns
    /// the output and the exit status. (The least any agent does with a short command.)
    public func runToEnd() -> (output: [UInt8], status: Int32) {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, -1) < 0 { if errno == EINTR { continue }; break }
            let n = Foundation.read(fd, &buf, buf.count)
            if n > 0 { out += buf[0..<n]; continue }
            if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
            break // 0 or EIO: the other side closed
        }
        var status: Int32 = 0
        _ = tl_wait(pid, &status, 0)
        reaped.store(true, ordering: .relaxed)
        return (out, status)
    }

    public func write(_ text: String) {
        var bytes = Array(text.utf8)
        while !bytes.isEmpty {
            let n = Foundation.write(fd, bytes, bytes.count)
            if n <= 0 { return }
            bytes.removeFirst(n)
        }
    }

    /// Reads what arrives until `quiet` seconds pass with nothing, or `limit` seconds in all.
    public func read(quiet: Double, limit: Double) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        let end = Date().addingTimeInterval(limit)
        while Date() < end {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let wait = min(quiet, end.timeIntervalSinceNow)
            guard poll(&p, 1, Int32(max(0, wait) * 1000)) > 0 else { break }
            let n = Foundation.read(fd, &buf, buf.count)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    /// Reads until `marker` appears in the output (or `limit` seconds pass); returns all read.
    public func read(until marker: String, limit: Double) -> [UInt8]? {
        var out: [UInt8] = []
        let needle = Array(marker.utf8)
        var buf = [UInt8](repeating: 0, count: 65_536)
        let end = Date().addingTimeInterval(limit)
        while Date() < end {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(max(1, end.timeIntervalSinceNow * 1000))) > 0 else { continue }
            let n = Foundation.read(fd, &buf, buf.count)
            if n <= 0 { return nil }
            out += buf[0..<n]
            if out.count >= needle.count, out.suffix(n + needle.count).firstRange(of: needle) != nil { return out }
        }
        return nil
    }

    /// CPU time used by all its threads, in seconds (from /proc, nanosecond precision).
    public var cpuSeconds: Double {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        var ns = 0.0
        for t in tasks {
            if let s = try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/schedstat", encoding: .utf8),
               let first = s.split(separator: " ").first, let v = Double(first) { ns += v }
        }
        return ns / 1e9
    }

    /// Context switches per thread (thread id and name → count): each one is a wake-up.
    /// Compare two readings with ``wakeups(since:)``.
    public var contextSwitches: [String: Int] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        var out: [String: Int] = [:]
        for t in tasks {
            guard let s = try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/status", encoding: .utf8) else { continue }
            let name = (try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            for line in s.split(separator: "\n") where line.hasPrefix("voluntary_ctxt_switches") || line.hasPrefix("nonvoluntary_ctxt_switches") {
                out[t + " " + name, default: 0] += Int(line.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
            }
        }
        return out
    }

    /// Wake-ups since an earlier ``contextSwitches`` reading (threads started since count whole).
    public func wakeups(since before: [String: Int], thread: String? = nil) -> Int {
        contextSwitches.filter { thread == nil || $0.key.hasSuffix(" " + thread!) }.reduce(0) { $0 + $1.value - (before[$1.key] ?? 0) }
    }

    /// Resident memory in bytes.
    public var rss: Int {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        return 0
    }
}
