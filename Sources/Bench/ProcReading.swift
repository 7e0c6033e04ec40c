import Foundation

/// One reading of a process from /proc: resident memory, open descriptors, threads, CPU time.
struct ProcReading: Sendable {
    /// Resident memory in bytes (0 when the process is gone).
    var rss = 0
    /// The part of ``rss`` that is the process's own (heap, stacks: `RssAnon`); the rest is
    /// file-backed — the binary, its libraries and the database's memory-mapped pages, which
    /// rise as a search reads the index and are clean pages the kernel reclaims at will.
    var anonymous = 0
    var fds = 0
    var threads = 0
    /// CPU time of all its threads, in seconds.
    var cpuSeconds = 0.0

    init(_ pid: Int32) {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") {
            let value = Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? 0
            if line.hasPrefix("VmRSS:") { rss = value * 1024 } else if line.hasPrefix("RssAnon:") { anonymous = value * 1024 }
            else if line.hasPrefix("Threads:") { threads = value }
        }
        fds = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).count
        // Nanoseconds on the CPU per thread (schedstat), not clock ticks: an idle process's few
        // microseconds must not round to 0 or to 10 ms.
        for t in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? [] {
            if let s = try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/schedstat", encoding: .utf8),
               let first = s.split(separator: " ").first, let ns = Double(first) { cpuSeconds += ns / 1e9 }
        }
    }

    /// Processes (other than this one) whose environment holds `entry` (`NAME=value`): what a
    /// process started with it, and everything those started.
    static func processes(withEnvironment entry: String) -> [Int32] {
        let needle = Array(entry.utf8)
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let raw = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return raw.split(separator: 0).contains { Array($0) == needle }
        }
    }
}
