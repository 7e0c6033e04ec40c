import CPTY
import Foundation
import Synchronization

/// Runs commands on this machine, on a pseudo-terminal, through the `CPTY` helper.
///
/// Each command gets its own session and process group; cancel and timeout send
/// SIGTERM to the group, then SIGKILL after `killGrace` seconds, so a `sleep` started
/// by the command dies with it. Output is read on a dedicated thread with `poll(2)`,
/// so a chatty command never blocks on a full pipe and the agent's actor never blocks.
public struct LocalBackend: ExecutionBackend {
    public var identity: String { "local" }
    public var shell: String
    public var killGrace: Double

    public init(shell: String? = nil, killGrace: Double = 2) {
        self.shell = shell ?? (FileManager.default.isExecutableFile(atPath: "/bin/bash") ? "/bin/bash" : "/bin/sh")
        self.killGrace = killGrace
    }

    public var filesAreLocal: Bool { true }

    public func run(_ spec: CommandSpec, onOutput: @escaping @Sendable (Data) -> Void) async throws(ExecError) -> CommandResult {
        try await Job.run(argv: [shell, "-c", spec.command], environment: Job.environment(for: spec), cwd: spec.cwd,
                          spec: spec, killGrace: killGrace, onOutput: onOutput)
    }

    public func readFile(_ path: String) async throws(ExecError) -> Data {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw ExecError("no such file: \(path)") }
        if isDir.boolValue { throw ExecError("\(path) is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else { throw ExecError("cannot read \(path) (permission denied?)") }
        return data
    }

    @discardableResult
    public func writeFile(_ path: String, contents: Data) async throws(ExecError) -> Bool {
        let existed = FileManager.default.fileExists(atPath: path)
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try contents.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ExecError("cannot write \(path): \(error.localizedDescription)")
        }
        return existed
    }
}

/// One running process and its output descriptor.
final class Job: Sendable {
    let pid: pid_t
    let fd: Int32
    let timeout: Double?
    let killGrace: Double
    let cancelled = Atomic<Bool>(false)

    private init(pid: pid_t, fd: Int32, timeout: Double?, killGrace: Double) {
        self.pid = pid
        self.fd = fd
        self.timeout = timeout
        self.killGrace = killGrace
    }

    /// The environment a command sees: this process's, with pagers off, `TERM` set on a
    /// terminal, and the spec's variables on top.
    static func environment(for spec: CommandSpec, base: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var env = base
        if spec.usePTY { env["TERM"] = env["TERM"].flatMap { $0 == "dumb" ? nil : $0 } ?? "xterm-256color" }
        env["PAGER"] = "cat"
        env["GIT_PAGER"] = "cat"
        for (k, v) in spec.env { env[k] = v }
        return env
    }

    /// Starts `argv` (the command, or the local program that carries it to its target) and
    /// pumps it to the end on a dedicated thread. `onKill` runs after a cancel or timeout killed
    /// the local process group (a remote target's own kill).
    static func run(argv: [String], environment: [String: String], cwd: String, spec: CommandSpec, killGrace: Double,
                    onKill: (@Sendable () -> Void)? = nil,
                    onOutput: @escaping @Sendable (Data) -> Void) async throws(ExecError) -> CommandResult {
        let job = try Job.start(argv: argv, environment: environment, cwd: cwd, spec: spec, killGrace: killGrace)
        let result: CommandResult = await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<CommandResult, Never>) in
                // A serial queue of its own drains on one of libdispatch's overcommit threads:
                // a blocking pump always gets a thread, and threads are reused between
                // commands (starting one, and unmapping its stack after, cost ~50 µs a command).
                DispatchQueue(label: "talaria.exec").async { c.resume(returning: job.pump(onOutput: onOutput)) }
            }
        } onCancel: {
            job.cancelled.store(true, ordering: .relaxed)
        }
        if result.cancelled || result.timedOut { onKill?() }
        return result
    }

    static func start(argv: [String], environment: [String: String], cwd: String, spec: CommandSpec,
                      killGrace: Double) throws(ExecError) -> Job {
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var fd: Int32 = -1
        let pid: pid_t = withCStrings(argv) { a in
            withCStrings(envp) { e in
                spec.usePTY ? tl_pty_spawn(a, e, cwd, spec.rows, spec.cols, &fd) : tl_pipe_spawn(a, e, cwd, &fd)
            }
        }
        guard pid > 0 else {
            let reason = String(cString: strerror(errno))
            var isDir: ObjCBool = false
            if !FileManager.default.fileExists(atPath: cwd, isDirectory: &isDir) || !isDir.boolValue {
                throw ExecError("cannot enter working directory \(cwd): \(reason)")
            }
            throw ExecError("cannot start \(argv[0]): \(reason)")
        }
        return Job(pid: pid, fd: fd, timeout: spec.timeout, killGrace: killGrace)
    }

    /// Reads until the process exits and its output is drained; kills on cancel/timeout.
    ///
    /// One `poll(2)` waits on the output and on a pidfd for the exit, so the end of a short
    /// command is noticed at once (no sleep-and-retry), and cancel/timeout are checked at
    /// least every 100 ms.
    func pump(onOutput: @Sendable (Data) -> Void) -> CommandResult {
        let start = Date()
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var status: Int32 = -1
        var exited = false
        var timedOut = false
        var killedAt: Date?
        var eof = false
        var drainDeadline = Date.distantFuture
        let pidfd = tl_pidfd_open(pid)
        defer {
            close(fd)
            if pidfd >= 0 { close(pidfd) }
        }
        func reap(block: Bool) {
            var st: Int32 = 0
            if tl_wait(pid, &st, block ? 0 : 1) == pid {
                exited = true
                status = st
                drainDeadline = Date().addingTimeInterval(0.2)
            }
        }
        while !(exited && (eof || Date() > drainDeadline)) {
            var fds = [pollfd(fd: eof ? -1 : fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: exited ? -1 : pidfd, events: Int16(POLLIN), revents: 0)]
            let wait: Int32 = exited ? 20 : (pidfd < 0 && eof ? 5 : 100)
            _ = poll(&fds, 2, wait)
            if fds[0].revents != 0 {
                let n = read(fd, &buffer, buffer.count)
                if n > 0 {
                    let chunk = Data(buffer[0..<n])
                    output.append(chunk)
                    onOutput(chunk)
                    continue
                }
                if n == 0 || (errno != EAGAIN && errno != EINTR) { eof = true } // EIO: the terminal's other side closed
            }
            if !exited { reap(block: fds[1].revents != 0) }
            let now = Date()
            if killedAt == nil {
                let expired = timeout.map { now.timeIntervalSince(start) > $0 } ?? false
                if expired || cancelled.load(ordering: .relaxed) {
                    timedOut = expired
                    _ = tl_killpg(pid, SIGTERM)
                    _ = tl_killpg(pid, SIGHUP)
                    killedAt = now
                }
            } else if let k = killedAt, now.timeIntervalSince(k) > killGrace {
                _ = tl_killpg(pid, SIGKILL)
                killedAt = .distantFuture
            }
        }
        // Anything the command left behind in its group goes with it.
        if killedAt != nil { _ = tl_killpg(pid, SIGKILL) }
        return CommandResult(exitCode: status, output: output, timedOut: timedOut,
                             cancelled: !timedOut && killedAt != nil, elapsed: Date().timeIntervalSince(start))
    }
}

/// Calls `body` with a NULL-terminated C array of the strings.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    var cStrings = strings.map { strdup($0) }
    cStrings.append(nil)
    defer { for p in cStrings { free(p) } }
    return cStrings.withUnsafeBufferPointer { buf in
        buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) { body($0) }
    }
}
