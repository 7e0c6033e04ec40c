import AgentProtocol
import AgentTools
import Foundation
import MCP

/// One MCP server tool offered to the model as `mcp__<server>__<tool>`.
///
/// The server's JSON schema goes to the model unchanged; a call goes through the server's
/// ``MCPServerConnection`` (which waits out a reconnect, times out and cancels).
public struct MCPTool: AgentTools.Tool {
    public let spec: ToolSpec
    public let server: String
    public let remoteName: String
    let trust: MCPTrust
    let connection: MCPServerConnection

    init(server: String, tool: MCP.Tool, trust: MCPTrust, connection: MCPServerConnection) {
        self.server = server
        self.remoteName = tool.name
        self.trust = trust
        self.connection = connection
        let description = (tool.description ?? tool.title ?? tool.name).trimmingCharacters(in: .whitespacesAndNewlines)
        spec = ToolSpec(name: Self.qualifiedName(server: server, tool: tool.name),
                        description: "[MCP server \(server)] \(description)",
                        parameters: Self.parameters(tool.inputSchema))
    }

    /// `mcp__<server>__<tool>` with every character outside `[A-Za-z0-9_-]` as `_`: the
    /// names OpenAI-compatible endpoints accept. The `__` separators make the server part
    /// unambiguous, so two servers' tools never collide with each other or a built-in.
    /// Names past the 64 characters OpenAI-compatible endpoints accept keep their first 55 and
    /// end in a hash of the whole name, so they stay unique.
    public static func qualifiedName(server: String, tool: String) -> String {
        let name = "mcp__\(sanitize(server))__\(sanitize(tool))"
        guard name.utf8.count > 64 else { return name }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 // FNV-1a
        for b in name.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(name.prefix(55)) + "_" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex.suffix(8)
    }

    static func sanitize(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { c in
            (c.isASCII && (CharacterSet.alphanumerics.contains(c) || c == "_" || c == "-")) ? c : "_"
        }))
    }

    /// The input schema as JSON; a server that sends none gets an empty object schema.
    static func parameters(_ schema: MCP.Value) -> JSONValue {
        guard let v = JSONValue(mcp: schema), v.objectValue != nil else {
            return ["type": "object", "properties": .object([:])]
        }
        if v["type"] == nil { var o = v.objectValue!; o["type"] = "object"; return .object(o) }
        return v
    }

    public func approvalReason(for arguments: JSONValue, context: ToolContext) -> String? {
        switch trust {
        case .always: return nil
        // One reason per server: approving for the session covers all its tools.
        case .session: return "runs tools of the MCP server '\(server)'"
        // One reason per tool: approving for the session covers this tool only.
        case .ask: return "runs \(remoteName) on the MCP server '\(server)'"
        }
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        await connection.call(tool: remoteName, arguments: arguments, progress: context.emitOutput)
    }
}

extension JSONValue {
    /// Converts an MCP SDK value case by case (schemas, arguments and structured results pass
    /// here on every call: no detour through JSON text).
    init?(mcp value: MCP.Value) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let n): self = .number(Double(n))
        case .double(let d): self = .number(d)
        case .string(let s): self = .string(s)
        case .data:
            // Binary data travels as a data: URL string; the SDK's own encoding says which.
            guard let data = try? JSONEncoder().encode(value), let v = JSONValue.parse(String(decoding: data, as: UTF8.self)) else { return nil }
            self = v
        case .array(let items):
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for item in items {
                guard let v = JSONValue(mcp: item) else { return nil }
                out.append(v)
            }
            self = .array(out)
        case .object(let fields):
            var out: [String: JSONValue] = [:]
            out.reserveCapacity(fields.count)
            for (k, item) in fields {
                guard let v = JSONValue(mcp: item) else { return nil }
                out[k] = v
            }
            self = .object(out)
        }
    }

    /// The MCP SDK value for this JSON (integral numbers as integers, as JSON decoding would).
    var mcpValue: MCP.Value? {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let d):
            if d.rounded() == d, abs(d) < 9.0e15 { return .int(Int(d)) }
            return d.isFinite ? .double(d) : nil
        case .string(let s): return .string(s)
        case .array(let items):
            var out: [MCP.Value] = []
            for item in items {
                guard let v = item.mcpValue else { return nil }
                out.append(v)
            }
            return .array(out)
        case .object(let fields):
            var out: [String: MCP.Value] = [:]
            for (k, item) in fields {
                guard let v = item.mcpValue else { return nil }
                out[k] = v
            }
            return .object(out)
        }
    }
}

/// Turns a `tools/call` result into what the model sees.
enum MCPResultText {
    static func render(_ content: [MCP.Tool.Content], structured: MCP.Value?) -> String {
        var parts: [String] = []
        for item in content {
            switch item {
            case .text(let text, _, _):
                parts.append(text)
            case .image(let data, let mimeType, _, _):
                parts.append("[image \(mimeType), \(data.count * 3 / 4) bytes — not shown]")
            case .audio(let data, let mimeType, _, _):
                parts.append("[audio \(mimeType), \(data.count * 3 / 4) bytes — not shown]")
            case .resource(let resource, _, _):
                if let text = resource.text { parts.append(text) } else { parts.append("[resource \(resource.uri)]") }
            case .resourceLink(let uri, let name, _, _, _, _):
                parts.append("[resource link \(name): \(uri)]")
            }
        }
        // Structured content usually repeats the text; show it when there is nothing else.
        if parts.isEmpty, let structured, let json = JSONValue(mcp: structured) {
            parts.append(json.jsonText)
        }
        return parts.isEmpty ? "(no output)" : parts.joined(separator: "\n")
    }
}
