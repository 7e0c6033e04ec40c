import Foundation

/// A backend whose commands run through a local program: `bwrap`, `ssh`, `docker exec`,
/// `apptainer exec`, `modal container exec`, `daytona exec`.
///
/// Each command becomes one small POSIX `sh` script — enter the directory, export the
/// variables, run the line with bash (sh where bash is missing) — handed to the program that
/// carries it to the target. Output, timeouts and cancel then work exactly as locally, on the
/// local program's process group; where killing that program does not reach the target's
/// processes (a container, a remote host), the script records its process group on the target
/// and a second small script kills it. File operations are small scripts through the same
/// program, so the file tools see exactly what commands see.
public protocol WrappingBackend: ExecutionBackend {
    /// The local program line that runs the `sh` script `script` on the target, on a terminal when `tty`.
    func wrap(_ script: String, tty: Bool) -> [String]

    /// Whether the target's processes outlive their local carrier (so cancel must kill them there).
    var killsOnTarget: Bool { get }

    /// The environment the local program runs with (default: this process's).
    var localEnvironment: [String: String] { get }

    /// Seconds between SIGTERM and SIGKILL on cancel.
    var killGrace: Double { get }
}

extension WrappingBackend {
    public var localEnvironment: [String: String] { ProcessInfo.processInfo.environment }
    public var killGrace: Double { 2 }

    public func run(_ spec: CommandSpec, onOutput: @escaping @Sendable (Data) -> Void) async throws(ExecError) -> CommandResult {
        try await prepare()
        let jobFile = killsOnTarget ? "/tmp/.talaria-job-\(UUID().uuidString.prefix(12))" : nil
        let script = TargetScript.command(spec, jobFile: jobFile)
        let kill: (@Sendable () -> Void)? = jobFile.map { file in
            let argv = wrap(TargetScript.kill(jobFile: file), tty: false)
            let env = localEnvironment
            return { Task.detached { _ = try? await Capture.run(argv, environment: env) } }
        }
        return try await Job.run(argv: wrap(script, tty: spec.usePTY), environment: localEnvironment, cwd: "/", spec: spec,
                                 killGrace: killGrace, onKill: kill, onOutput: onOutput)
    }

    public func readFile(_ path: String) async throws(ExecError) -> Data {
        try await prepare()
        let r = try await Capture.run(wrap(TargetScript.read(path), tty: false), environment: localEnvironment)
        switch r.status {
        case 0: return r.stdout
        case 2: throw ExecError("no such file: \(path)")
        case 3: throw ExecError("\(path) is a directory")
        default: throw ExecError("cannot read \(path) on \(identity): \(r.errorText.isEmpty ? "exit status \(r.status)" : r.errorText)")
        }
    }

    @discardableResult
    public func writeFile(_ path: String, contents: Data) async throws(ExecError) -> Bool {
        try await prepare()
        let r = try await Capture.run(wrap(TargetScript.write(path), tty: false), environment: localEnvironment, input: contents)
        guard r.status == 0 else {
            throw ExecError("cannot write \(path) on \(identity): \(r.errorText.isEmpty ? "exit status \(r.status)" : r.errorText)")
        }
        return String(decoding: r.stdout, as: UTF8.self).hasPrefix("1")
    }
}

/// The `sh` scripts a wrapping backend runs on its target.
public enum TargetScript {
    /// Enters `cwd`, exports the variables, records the process group (for a remote kill), runs
    /// the command with bash (or sh), and removes the record.
    public static func command(_ spec: CommandSpec, jobFile: String?) -> String {
        var env = spec.env
        env["PAGER"] = env["PAGER"] ?? "cat"
        env["GIT_PAGER"] = env["GIT_PAGER"] ?? "cat"
        if spec.usePTY { env["TERM"] = env["TERM"] ?? "xterm-256color" }
        var s = "cd \(shellQuote(spec.cwd)) || exit 1\n"
        for (k, v) in env.sorted(by: { $0.key < $1.key }) where isName(k) { s += "export \(k)=\(shellQuote(v))\n" }
        if let jobFile {
            // Field 5 of /proc/PID/stat is the process group (the command's comm is `sh`: no spaces).
            s += "read -r _ _ _ _ pg _ < /proc/$$/stat && echo \"$pg\" > \(jobFile)\n"
        }
        s += "if command -v bash >/dev/null 2>&1; then bash -c \(shellQuote(spec.command)); else sh -c \(shellQuote(spec.command)); fi\n"
        s += "st=$?\n"
        if let jobFile { s += "rm -f \(jobFile)\n" }
        s += "exit $st\n"
        return s
    }

    /// Kills the process group a command's script recorded (never group 1 or less).
    public static func kill(jobFile: String) -> String {
        "pg=$(cat \(jobFile) 2>/dev/null); rm -f \(jobFile); [ -n \"$pg\" ] && [ \"$pg\" -gt 1 ] && kill -KILL -\"$pg\"; exit 0"
    }

    /// Prints a file; exit 2 when missing, 3 for a directory.
    public static func read(_ path: String) -> String {
        let p = shellQuote(path)
        return "if [ -d \(p) ]; then exit 3; fi; if [ ! -e \(p) ]; then exit 2; fi; exec cat -- \(p)"
    }

    /// Replaces a file with stdin through a temporary file beside it (atomic), creating its
    /// directories; prints 1 when it existed, 0 when not.
    public static func write(_ path: String) -> String {
        let p = shellQuote(path)
        let dir = shellQuote((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent)
        return "e=0; [ -e \(p) ] && e=1; mkdir -p -- \(dir) && cat > \(p).talaria-tmp.$$ && mv -f -- \(p).talaria-tmp.$$ \(p) && echo $e"
    }

    static func isName(_ s: String) -> Bool {
        guard let f = s.first, f == "_" || (f.isASCII && f.isLetter) else { return false }
        return s.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}

/// Runs a backend's one-time setup once, however many callers ask at the same time; a failure
/// is remembered for `retryAfter` seconds (so a missing program is reported once per command
/// burst, not retried in a tight loop), then tried again.
public actor Preparation {
    private var done = false
    private var running: Task<ExecError?, Never>?
    private var failure: (ExecError, Date)?
    private let retryAfter: Double

    public init(retryAfter: Double = 5) { self.retryAfter = retryAfter }

    public func run(_ body: @escaping @Sendable () async throws(ExecError) -> Void) async throws(ExecError) {
        if done { return }
        if let (e, at) = failure, Date().timeIntervalSince(at) < retryAfter { throw e }
        let task = running ?? Task { () async -> ExecError? in
            do throws(ExecError) { try await body(); return nil } catch { return error }
        }
        running = task
        let error = await task.value
        running = nil
        if let error {
            failure = (error, Date())
            throw error
        }
        done = true
    }

    /// Forgets the setup (after `shutdown`, or when the target went away).
    public func reset() {
        done = false
        failure = nil
    }
}
