import AgentProtocol
import Foundation

/// Recognises tool calls that a model wrote as text instead of native `tool_calls`.
///
/// Forms: a Hermes `<tool_call>` body, a whole message that is a bare JSON object (or array
/// of them), and ```` ```json ```` fenced blocks — each `{"name": …, "arguments": …}`
/// (`parameters` is accepted for `arguments`, and arguments may be an object or a JSON
/// string). Bare and fenced forms count only when `name` is a tool the agent offered, so
/// a JSON answer the user asked for is never executed.
public enum TextToolCalls {
    /// Parses the body of one `<tool_call>` block. Returns `nil` when it is not JSON of that shape.
    public static func parseHermes(_ body: String, id: String) -> ToolCall? {
        guard let value = JSONValue.parse(body.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        return call(from: value, id: id, known: nil)
    }

    /// Finds bare or fenced JSON tool calls naming one of `known` in a complete message.
    ///
    /// - Returns: the calls and the message text with the recognised blocks removed.
    public static func recognize(in text: String, known: Set<String>, makeID: () -> String) -> (calls: [ToolCall], remainder: String) {
        guard !known.isEmpty, text.contains("{") else { return ([], text) }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.first == "{" || trimmed.first == "[", let value = JSONValue.parse(trimmed) {
            let calls = calls(from: value, known: known, makeID: makeID)
            if !calls.isEmpty { return (calls, "") }
        }
        var calls: [ToolCall] = []
        var remainder = ""
        var cursor = text.startIndex
        while let open = text.range(of: "```", range: cursor..<text.endIndex) {
            guard let newline = text[open.upperBound...].firstIndex(of: "\n"),
                  let close = text.range(of: "```", range: text.index(after: newline)..<text.endIndex) else { break }
            let lang = text[open.upperBound..<newline].trimmingCharacters(in: .whitespaces).lowercased()
            let body = String(text[text.index(after: newline)..<close.lowerBound])
            let found: [ToolCall]
            if ["", "json", "tool_call", "tool"].contains(lang), let value = JSONValue.parse(body) {
                found = Self.calls(from: value, known: known, makeID: makeID)
            } else {
                found = []
            }
            if found.isEmpty {
                remainder += text[cursor..<close.upperBound]
            } else {
                remainder += text[cursor..<open.lowerBound]
                calls += found
            }
            cursor = close.upperBound
        }
        remainder += text[cursor...]
        if calls.isEmpty { return ([], text) }
        return (calls, remainder.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func calls(from value: JSONValue, known: Set<String>, makeID: () -> String) -> [ToolCall] {
        let items = value.arrayValue ?? [value]
        var out: [ToolCall] = []
        for item in items {
            guard let c = call(from: item, id: makeID(), known: known) else { return [] }
            out.append(c)
        }
        return out
    }

    private static func call(from value: JSONValue, id: String, known: Set<String>?) -> ToolCall? {
        guard let obj = value.objectValue else { return nil }
        // {"function": {"name":…, "arguments":…}} (OpenAI shape written as text)
        if let fn = obj["function"], obj["name"] == nil { return call(from: fn, id: id, known: known) }
        guard let name = obj["name"]?.stringValue, !name.isEmpty else { return nil }
        if let known, !known.contains(name) { return nil }
        let args = obj["arguments"] ?? obj["parameters"] ?? .object([:])
        let argText: String
        switch args {
        case .string(let s): argText = s
        default: argText = args.jsonText
        }
        return ToolCall(id: id, name: name, arguments: argText)
    }
}
