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
public protocol ExecutionBackend: Sendable {
    /// A short name for the status line (`local`, `ssh user@host`).
    var identity: String { get }

    /// Runs a command to completion, passing output bytes to `onOutput` as they arrive.
    ///
    /// Cancelling the calling task kills the command's whole process group.
    /// - Throws: ``ExecError`` only when the command cannot be started.
    func run(_ spec: CommandSpec, onOutput: @escaping @Sendable (Data) -> Void) async throws(ExecError) -> CommandResult
}
