import CPTY
import Foundation

/// A short program's whole result: exit status, stdout and stderr apart.
public struct Captured: Sendable, Hashable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    /// It ran past its timeout and was killed (with its whole process group).
    public var timedOut = false

    public init(status: Int32, stdout: Data, stderr: Data, timedOut: Bool = false) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }

    /// The exit code, as a shell reports it (128 + N when signal N ended the program); nil
    /// when it could not be read. (`status` is already decoded by `tl_wait`.)
    public var exitCode: Int32? { status >= 0 ? status : nil }

    /// stderr's text, trimmed (what a failure message quotes).
    public var errorText: String {
        String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public enum Capture {
    /// Runs `argv` with `input` on its stdin (then closed), collecting stdout and stderr apart;
    /// for file transfers and one-off checks, not for live output. Runs on its own threads, so
    /// the caller's executor never blocks.
    ///
    /// - Parameter timeout: seconds after which the program and its process group get SIGTERM,
    ///   then SIGKILL a second later (``Captured/timedOut``); nil waits as long as it runs.
    /// - Throws: ``ExecError`` when the program cannot be started.
    public static func run(_ argv: [String], environment: [String: String]? = nil, cwd: String = "/",
                           input: Data = Data(), timeout: Double? = nil) async throws(ExecError) -> Captured {
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var inFD: Int32 = -1, outFD: Int32 = -1, errFD: Int32 = -1
        let pid = withCStrings(argv) { a in withCStrings(env) { e in tl_stdio_spawn(a, e, cwd, &inFD, &outFD, &errFD) } }
        guard pid > 0 else {
            throw ExecError("cannot start \(argv.first ?? "?"): \(String(cString: strerror(errno)))")
        }
        let (i, o, e) = (inFD, outFD, errFD)
        return await withCheckedContinuation { (c: CheckedContinuation<Captured, Never>) in
            let writer = Thread {
                signal(SIGPIPE, SIG_IGN)
                input.withUnsafeBytes { raw in
                    var off = 0
                    while off < raw.count {
                        let n = write(i, raw.baseAddress! + off, raw.count - off)
                        if n <= 0 { if errno == EINTR { continue }; break }
                        off += n
                    }
                }
                close(i)
            }
            writer.stackSize = 128 * 1024
            writer.start()
            let reader = Thread {
                var out = Data(), err = Data()
                var buffer = [UInt8](repeating: 0, count: 65536)
                var open = [o, e]
                let deadline = timeout.map { Date().addingTimeInterval($0) }
                var killedAt: Date?
                while !open.isEmpty {
                    var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                    let wait: Int32 = deadline.map { d in Int32(max(0, min(1000, d.timeIntervalSinceNow * 1000))) } ?? -1
                    let ready = poll(&fds, nfds_t(fds.count), killedAt == nil ? wait : 100)
                    if ready < 0 { if errno == EINTR { continue }; break }
                    if let d = deadline, Date() >= d {
                        if killedAt == nil {
                            _ = tl_killpg(pid, SIGTERM)
                            killedAt = Date()
                        } else if let k = killedAt, Date().timeIntervalSince(k) > 1 {
                            _ = tl_killpg(pid, SIGKILL)
                            // Killed, yet its output is still open: another process holds the
                            // pipe (something it started that left its group). Stop waiting.
                            if Date().timeIntervalSince(k) > 3 {
                                for fd in open { close(fd) }
                                open.removeAll()
                                break
                            }
                        }
                    }
                    for p in fds where p.revents != 0 {
                        let n = read(p.fd, &buffer, buffer.count)
                        if n > 0 {
                            if p.fd == o { out.append(contentsOf: buffer[0..<n]) } else { err.append(contentsOf: buffer[0..<n]) }
                        } else if n == 0 || errno != EINTR {
                            close(p.fd)
                            open.removeAll { $0 == p.fd }
                        }
                    }
                }
                var status: Int32 = -1
                if killedAt == nil || tl_wait(pid, &status, 1) == 0 {
                    _ = tl_wait(pid, &status, 0)
                }
                c.resume(returning: Captured(status: status, stdout: out, stderr: err, timedOut: killedAt != nil))
            }
            reader.stackSize = 256 * 1024
            reader.start()
        }
    }

    /// Whether `program` can be run: an executable path, or a name found in `PATH`.
    public static func isInstalled(_ program: String) -> Bool {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(program)") }
    }
}

/// Quotes `s` for a POSIX shell: one word whatever it holds.
public func shellQuote(_ s: String) -> String {
    if !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:@%+,".contains($0)) }) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
