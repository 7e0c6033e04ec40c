import AgentProtocol
import Exec
import Foundation

/// What a tool may use while it runs.
public struct ToolContext: Sendable {
    /// The session's working directory; relative paths resolve against it.
    public var cwd: String
    public var backend: any ExecutionBackend
    public var callID: String
    /// Live output for the UI (raw terminal bytes decoded as UTF-8).
    public var emitOutput: @Sendable (String) -> Void
    /// The session the call belongs to (provenance of what tools create).
    public var sessionID: String
    /// Where `~` points on the backend; nil: this machine's home.
    public var home: String?
    /// Asks the session's model a side question (a summary a tool needs) as a fork of the
    /// conversation, so the server's prompt cache keeps serving it; nil where there is no session.
    public var askModel: (@Sendable (_ instructions: String, _ maxTokens: Int) async -> String?)?
    /// Asks the person using the session a question and waits for the answer; nil where
    /// nobody can answer (`-p`, a subagent, an API call).
    public var askUser: (@Sendable (ClarifyRequest) async -> ClarifyAnswer)?
    /// Runs another of the session's tools on this call's behalf (`execute_code`'s scripts),
    /// through the same approvals and hooks; nil where there is no session.
    public var callTool: (@Sendable (_ name: String, _ arguments: JSONValue) async -> ToolOutput)?

    public init(cwd: String, backend: any ExecutionBackend, callID: String, sessionID: String = "",
                emitOutput: @escaping @Sendable (String) -> Void = { _ in }) {
        self.sessionID = sessionID
        self.cwd = cwd
        self.backend = backend
        self.callID = callID
        self.emitOutput = emitOutput
    }

    /// Resolves `path` (absolute, `~/…` or relative to `cwd`) to a standardized absolute path.
    public func resolve(_ path: String) -> String {
        var expanded: String
        if let home, path == "~" || path.hasPrefix("~/") {
            expanded = home + path.dropFirst()
        } else {
            expanded = UserHome.expand(path)
        }
        let abs = expanded.hasPrefix("/") ? expanded : (cwd as NSString).appendingPathComponent(expanded)
        return (abs as NSString).standardizingPath
    }
}

/// A tool's result. Failure is data: it goes back to the model, it does not throw.
public struct ToolOutput: Sendable, Hashable {
    /// What the model sees (capped by the agent).
    public var text: String
    public var status: ToolStatus
    public var exitCode: Int32?
    /// A change the tool made to memory (the UI shows a card with undo).
    public var memoryUpdate: MemoryUpdate?
    /// The plan after a `todo` call (the UI's plan pane).
    public var plan: [PlanItem]?
    /// Image files (on this machine) the model should see after the result (`read_file` of a PNG).
    public var images: [String] = []

    public init(text: String, status: ToolStatus = .succeeded, exitCode: Int32? = nil, memoryUpdate: MemoryUpdate? = nil, plan: [PlanItem]? = nil) {
        self.text = text
        self.status = status
        self.exitCode = exitCode
        self.memoryUpdate = memoryUpdate
        self.plan = plan
    }

    public static func error(_ text: String) -> ToolOutput { ToolOutput(text: text, status: .failed) }
    public var isError: Bool { status != .succeeded }
}

/// A capability the model can call.
public protocol Tool: Sendable {
    var spec: ToolSpec { get }
    /// Whether a call may change the workspace's files (a checkpoint is taken before the
    /// turn's first such call).
    var changesFiles: Bool { get }
    /// Why this call needs the user's approval, or `nil` when it can run at once.
    func approvalReason(for arguments: JSONValue, context: ToolContext) -> String?
    func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput
}

extension Tool {
    public var name: String { spec.name }
    public var changesFiles: Bool { false }
    public func approvalReason(for arguments: JSONValue, context: ToolContext) -> String? { nil }
}

/// Typed access to a call's arguments with clear messages for the model.
public struct ToolArguments: Sendable {
    public let value: JSONValue
    public init(_ value: JSONValue) { self.value = value }

    public func string(_ key: String) throws(ToolArgumentError) -> String {
        guard let v = value[key] else { throw ToolArgumentError("missing required argument '\(key)'") }
        if let s = v.stringValue { return s }
        if let n = v.doubleValue { return n.rounded() == n ? String(Int(n)) : String(n) }
        throw ToolArgumentError("argument '\(key)' must be a string")
    }

    public func optionalString(_ key: String) throws(ToolArgumentError) -> String? {
        guard let v = value[key], v != .null else { return nil }
        return try string(key)
    }

    public func optionalInt(_ key: String) throws(ToolArgumentError) -> Int? {
        guard let v = value[key], v != .null else { return nil }
        if let n = v.doubleValue { return Int(n) }
        if let s = v.stringValue, let n = Int(s.trimmingCharacters(in: .whitespaces)) { return n }
        throw ToolArgumentError("argument '\(key)' must be an integer")
    }

    public func optionalBool(_ key: String) throws(ToolArgumentError) -> Bool? {
        guard let v = value[key], v != .null else { return nil }
        if let b = v.boolValue { return b }
        if let s = v.stringValue { return ["true", "yes", "1"].contains(s.lowercased()) }
        throw ToolArgumentError("argument '\(key)' must be true or false")
    }
}

public struct ToolArgumentError: Error, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// Builds a JSON Schema object for a tool's parameters.
public func schema(_ properties: [String: JSONValue], required: [String]) -> JSONValue {
    ["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) })]
}

extension ToolContext {
    /// Why writing `raw` needs the user's yes: it is outside the workspace (the session's
    /// directory; `/tmp` counts as inside), the same rule the terminal's commands follow.
    func writeApproval(_ raw: String?) -> String? {
        guard let raw, !raw.isEmpty else { return nil }
        let policy = CommandPolicy(workspace: cwd)
        if policy.isProtected(resolve(raw)) { return "changes Talaria's own settings (\(raw)): approvals, hooks and secrets are the user's to change" }
        return policy.isOutside(resolve(raw)) ? "writes \(raw), outside the workspace" : nil
    }

    /// Why reading `raw` needs the user's yes: it is a credential file (ssh keys, cloud credentials).
    func readApproval(_ raw: String?) -> String? {
        guard let raw, CommandPolicy(workspace: cwd).isCredentialFile(resolve(raw)) else { return nil }
        return "reads credential files (\(raw))"
    }
}
