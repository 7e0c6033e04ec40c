import AgentProtocol
import Foundation

/// The tools offered to the model, by name.
public struct ToolRegistry: Sendable {
    private var tools: [String: any Tool] = [:]
    private var order: [String] = []
    /// The tools' schemas in order, built once (every model request carries them).
    public private(set) var specs: [ToolSpec] = []

    public init(_ tools: [any Tool] = []) {
        for t in tools { register(t) }
    }

    /// The built-in tools of this issue: terminal, files, search.
    public static func builtIn() -> ToolRegistry {
        ToolRegistry([TerminalTool(), ReadFileTool(), WriteFileTool(), PatchTool(), ListDirTool(), SearchFilesTool()])
    }

    public mutating func register(_ tool: any Tool) {
        let name = tool.name, spec = tool.spec
        if let i = order.firstIndex(of: name) { specs[i] = spec } else { order.append(name); specs.append(spec) }
        tools[name] = tool
    }

    /// Only the tools named in `names` (a subagent's allowed toolsets).
    public func keeping(_ names: Set<String>) -> ToolRegistry {
        var kept = ToolRegistry()
        for name in order where names.contains(name) { if let t = tools[name] { kept.register(t) } }
        return kept
    }

    public var names: [String] { order }
    public subscript(name: String) -> (any Tool)? { tools[name] }

    /// Parses a call's argument text, reporting invalid JSON as a tool error for the model.
    public static func parseArguments(_ text: String) -> Result<JSONValue, ToolArgumentError> {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .success(.object([:])) }
        guard let value = JSONValue.parse(trimmed) else {
            return .failure(ToolArgumentError("the arguments are not valid JSON (\(trimmed.prefix(200))). Call the tool again with a JSON object."))
        }
        // Some models double-encode: "{\"command\": …}".
        if case .string(let inner) = value, let nested = JSONValue.parse(inner), nested.objectValue != nil { return .success(nested) }
        guard value.objectValue != nil else {
            return .failure(ToolArgumentError("the arguments must be a JSON object, got \(trimmed.prefix(100))"))
        }
        return .success(value)
    }
}

/// Tools that come and go while the agent runs (MCP servers connect, reconnect, fail).
///
/// The agent asks before every model request, so a server that becomes ready mid-turn is
/// offered at the next iteration and one that fails is withdrawn.
public protocol ToolSource: Sendable {
    /// The tools available now.
    func currentTools() async -> [any Tool]
    /// A line for the system prompt about tools that are unavailable and why, or nil.
    func promptNote() async -> String?
    /// A number that changes whenever ``currentTools()`` would answer differently, read without
    /// waiting (the agent asks before every request); nil when the source cannot tell.
    var toolsVersion: Int? { get }
}

extension ToolSource {
    public var toolsVersion: Int? { nil }
}
