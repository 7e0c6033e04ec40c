import AgentProtocol
import Foundation
import MCP

// What an MCP server sends, as Talaria reads it: the SDK's values as JSON, a tool's input
// schema, a tool result as the text the model sees. Apart from the tool (which needs the
// agent's tool protocol) so `make fuzz` builds it with the SDK's message types alone.

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

extension JSONValue {
    /// A tool's input schema as the model gets it; a server that sends none (or no object)
    /// gets an empty object schema, one without a type gets `"type": "object"`.
    init(mcpSchema schema: MCP.Value) {
        guard let v = JSONValue(mcp: schema), var o = v.objectValue else {
            self = ["type": "object", "properties": .object([:])]
            return
        }
        if o["type"] == nil { o["type"] = "object" }
        self = .object(o)
    }
}

/// The names MCP tools get in the model's tool list.
public enum MCPNames {
    /// `mcp__<server>__<tool>` with every character outside `[A-Za-z0-9_-]` as `_`: the
    /// names OpenAI-compatible endpoints accept. The `__` separators make the server part
    /// unambiguous, so two servers' tools never collide with each other or a built-in.
    /// Names past the 64 characters OpenAI-compatible endpoints accept keep their first 55 and
    /// end in a hash of the whole name, so they stay unique.
    public static func qualified(server: String, tool: String) -> String {
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
}
