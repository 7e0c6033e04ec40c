import CPTY
import Foundation
import Synchronization

/// A long-running child spoken to over its stdin and stdout (an MCP stdio server).
///
/// The child runs in its own session and process group with a default signal mask, so
/// ``terminate(grace:)`` reaches everything it started. Stdout is read on a dedicated
/// thread and split into lines; stderr is drained on another (a child whose stderr pipe
/// fills up would block) and its last lines are kept for error messages.
public final class StdioProcess: Sendable {
    public let pid: pid_t
    private let inFD: Int32
    private let outFD: Int32
    private let errFD: Int32
    private let state = Mutex(State())

    private struct State {
        var stdinOpen = true
        var exitStatus: Int32?
        var stderrTail: [String] = []
        var partialErr: [UInt8] = []
        var stderrClosed = false
    }

    private init(pid: pid_t, inFD: Int32, outFD: Int32, errFD: Int32) {
        self.pid = pid
        self.inFD = inFD
        self.outFD = outFD
        self.errFD = errFD
    }

    deinit {
        closeStdin()
    }

    /// Starts `command` (searched in PATH) with `arguments`, the current environment plus
    /// `environment`, in `cwd` (or the current directory).
    public static func start(command: String, arguments: [String], environment: [String: String] = [:],
                             cwd: String? = nil) throws(ExecError) -> StdioProcess {
        ignoreSIGPIPE
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let argv = [command] + arguments
        let envp = env.map { "\($0.key)=\($0.value)" }
        var i: Int32 = -1, o: Int32 = -1, e: Int32 = -1
        let pid = withCStrings(argv) { a in withCStrings(envp) { p in tl_stdio_spawn(a, p, cwd, &i, &o, &e) } }
        guard pid > 0 else {
            let reason = String(cString: strerror(errno))
            if let cwd, !FileManager.default.fileExists(atPath: cwd) {
                throw ExecError("cannot enter working directory \(cwd): \(reason)")
            }
            throw ExecError("cannot start \(command): \(reason)")
        }
        let process = StdioProcess(pid: pid, inFD: i, outFD: o, errFD: e)
        process.drainStderr()
        return process
    }

    /// Writes all of `data` to the child's stdin; fails once the child has closed it or exited.
    public func write(_ data: Data) throws(ExecError) {
        // Under the lock, so closeStdin cannot close (and the fd number be reused) mid-write.
        let failure: Int32? = state.withLock { s in
            guard s.stdinOpen else { return EBADF }
            return data.withUnsafeBytes { raw -> Int32? in
                guard var p = raw.baseAddress else { return nil }
                var left = raw.count
                while left > 0 {
                    let n = Foundation.write(inFD, p, left)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    p += n
                    left -= n
                }
                return nil
            }
        }
        switch failure {
        case nil: return
        case EBADF: throw ExecError("the process's input is closed")
        case EPIPE: throw ExecError("the process exited")
        case let f?: throw ExecError("cannot write to the process: \(String(cString: strerror(f)))")
        }
    }

    /// Closes the child's stdin (a stdio server's cue to exit).
    public func closeStdin() {
        let wasOpen = state.withLock { s in
            defer { s.stdinOpen = false }
            return s.stdinOpen
        }
        if wasOpen { close(inFD) }
    }

    /// The child's stdout as lines (without the newline), read on a dedicated thread.
    /// Finishes when the child closes stdout. Call once.
    public func lines() -> AsyncStream<Data> {
        let fd = outFD
        return AsyncStream { continuation in
            let thread = Thread {
                var buffer = [UInt8](repeating: 0, count: 65536)
                var line: [UInt8] = []
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    var start = 0
                    for i in 0..<n where buffer[i] == 0x0A {
                        line.append(contentsOf: buffer[start..<i])
                        if line.last == 0x0D { line.removeLast() }
                        if !line.isEmpty { continuation.yield(Data(line)) }
                        line.removeAll(keepingCapacity: true)
                        start = i + 1
                    }
                    line.append(contentsOf: buffer[start..<n])
                }
                if !line.isEmpty { continuation.yield(Data(line)) }
                close(fd)
                continuation.finish()
            }
            thread.name = "talaria.stdio.out"
            thread.stackSize = 256 * 1024
            thread.start()
        }
    }

    /// Whether the child (and everything holding its stderr) has closed stderr.
    public var stderrClosed: Bool { state.withLock { $0.stderrClosed } }

    /// The last lines the child wrote to stderr (at most 20).
    public var stderrTail: [String] { state.withLock { $0.stderrTail } }

    /// The exit status once the child has exited (128+signal when signalled), else nil.
    public func exitStatus() -> Int32? {
        state.withLock { s in
            if s.exitStatus == nil {
                var st: Int32 = 0
                if tl_wait(pid, &st, 1) == pid { s.exitStatus = st }
            }
            return s.exitStatus
        }
    }

    /// Stops the child: closes stdin, waits up to `grace` seconds, then SIGTERM to the whole
    /// process group, then SIGKILL after another `grace`. Returns once the child is reaped.
    public func terminate(grace: Double = 2) async {
        closeStdin()
        if await waitExit(within: grace) { tl_killpg(pid, SIGKILL); return } // stragglers in its group
        tl_killpg(pid, SIGTERM)
        if await waitExit(within: grace) { tl_killpg(pid, SIGKILL); return }
        tl_killpg(pid, SIGKILL)
        _ = await waitExit(within: 5)
    }

    private func waitExit(within seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if exitStatus() != nil { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return exitStatus() != nil
    }

    private func drainStderr() {
        let fd = errFD
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 16384)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                appendStderr(buffer[0..<n])
            }
            close(fd)
            state.withLock { s in
                if !s.partialErr.isEmpty { s.stderrTail.append(String(decoding: s.partialErr.prefix(500), as: UTF8.self)) }
                s.partialErr.removeAll()
                s.stderrClosed = true
            }
        }
        thread.name = "talaria.stdio.err"
        thread.stackSize = 128 * 1024
        thread.start()
    }

    private func appendStderr(_ bytes: ArraySlice<UInt8>) {
        state.withLock { s in
            for b in bytes {
                if b == 0x0A {
                    let line = String(decoding: s.partialErr, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                    if !line.isEmpty { s.stderrTail.append(String(line.prefix(500))) }
                    if s.stderrTail.count > 20 { s.stderrTail.removeFirst(s.stderrTail.count - 20) }
                    s.partialErr.removeAll(keepingCapacity: true)
                } else if s.partialErr.count < 4096 {
                    s.partialErr.append(b)
                }
            }
        }
    }
}

/// Writing to a pipe whose reader has exited must fail with EPIPE, not kill Talaria.
private let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN); return () }()
