import Foundation

/// What to run and how.
public struct CommandSpec: Sendable, Hashable {
    /// A shell command line, run with `bash -c` (or `sh -c` where bash is missing).
    public var command: String
    public var cwd: String
    /// Variables added to (or replacing) the inherited environment.
    public var env: [String: String]
    /// Seconds before the process group is killed; `nil` waits forever.
    public var timeout: Double?
    /// Run on a pseudo-terminal (colours, line buffering, progress bars) rather than pipes.
    public var usePTY: Bool
    public var rows: UInt16
    public var cols: UInt16

    public init(command: String, cwd: String, env: [String: String] = [:], timeout: Double? = 180, usePTY: Bool = true,
                rows: UInt16 = 40, cols: UInt16 = 120) {
        self.command = command
        self.cwd = cwd
        self.env = env
        self.timeout = timeout
        self.usePTY = usePTY
        self.rows = rows
        self.cols = cols
    }
}

/// How a command ended. A non-zero exit is a normal result, not an error.
public struct CommandResult: Sendable, Hashable {
    public var exitCode: Int32
    /// Everything the command printed (PTY: stdout and stderr interleaved, raw bytes).
    public var output: Data
    public var timedOut: Bool
    public var cancelled: Bool
    public var elapsed: Double

    public init(exitCode: Int32, output: Data, timedOut: Bool, cancelled: Bool, elapsed: Double) {
        self.exitCode = exitCode
        self.output = output
        self.timedOut = timedOut
        self.cancelled = cancelled
        self.elapsed = elapsed
    }
}

/// The one error type of this module: failures to *start* or *observe* a command.
public struct ExecError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where commands and file operations run: this machine, a sandbox, a container, a remote host.
///
/// Every tool that touches the system goes through the session's backend — the shell and the
/// file tools alike — so `backend: docker` means the agent's writes land in the container, not
/// beside it.
public protocol ExecutionBackend: Sendable {
    /// A short name for the status line (`local`, `sandbox`, `ssh user@host`, `docker python:3.12`).
    var identity: String { get }

    /// Whether this backend's files are this machine's own, so tools may use the file system
    /// directly (only `local`; a sandbox's view differs: most of it is read-only, secrets hidden).
    var filesAreLocal: Bool { get }

    /// Runs a command to completion, passing output bytes to `onOutput` as they arrive.
    ///
    /// Cancelling the calling task kills the command's whole process group (on the target too).
    /// - Throws: ``ExecError`` only when the command cannot be started.
    func run(_ spec: CommandSpec, onOutput: @escaping @Sendable (Data) -> Void) async throws(ExecError) -> CommandResult

    /// A file's bytes. - Throws: ``ExecError`` naming the path: missing, a directory, unreadable.
    func readFile(_ path: String) async throws(ExecError) -> Data

    /// Creates or replaces a file (and its parent directories); returns whether it existed.
    @discardableResult
    func writeFile(_ path: String, contents: Data) async throws(ExecError) -> Bool

    /// Connects, starts a container, checks the tools are installed: whatever makes the first
    /// command fast and its failure clear. Idempotent; `run` calls it too.
    func prepare() async throws(ExecError)

    /// Where commands start for a session begun in the local directory `local` (the same path
    /// where the workspace is shared or mounted; `workdir` or the remote home on a remote host).
    func directory(forSession local: String) async -> String

    /// The home directory on the target, where `~` in a tool's path points; nil when it is this
    /// machine's (or unknown).
    func homeDirectory() async -> String?

    /// Releases what `prepare` made (a session's container, a control connection).
    func shutdown() async
}

extension ExecutionBackend {
    public var filesAreLocal: Bool { false }
    public func prepare() async throws(ExecError) {}
    public func directory(forSession local: String) async -> String { local }
    public func homeDirectory() async -> String? { nil }
    public func shutdown() async {}
}
