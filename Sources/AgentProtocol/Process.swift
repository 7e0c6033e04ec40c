import Foundation

/// A background process the model started with the `process` tool: it outlives the call and
/// the turn, not the session.
public struct ProcessUpdate: Sendable, Hashable, Codable {
    public var id: Int
    public var command: String
    public var state: ProcessState
    public var exitCode: Int32?
    public var startedAt: Date
    /// Output since the previous update (raw terminal text), if any.
    public var output: String?

    public init(id: Int, command: String, state: ProcessState, exitCode: Int32? = nil, startedAt: Date, output: String? = nil) {
        self.id = id
        self.command = command
        self.state = state
        self.exitCode = exitCode
        self.startedAt = startedAt
        self.output = output
    }
}

public enum ProcessState: String, Sendable, Hashable, Codable {
    case running
    /// It ended by itself (its exit code says how).
    case exited
    /// It was killed (`process kill`, the user, the session's end).
    case killed
}
