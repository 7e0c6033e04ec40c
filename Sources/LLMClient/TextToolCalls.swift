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

    /// A tool call the model tried to write that cannot run.
    public struct AttemptedCall: Sendable, Hashable {
        /// The tool it names.
        public var name: String
        /// What is wrong, for the model ("the JSON ends before its closing brackets").
        public var problem: String
    }

    /// Whether `text` — a whole message, or one fenced block — is an attempt at a tool call that
    /// did not come out as one: JSON (possibly cut off or malformed) naming a tool the agent
    /// offered, or shaped like a call (`"name"` and `"arguments"`) naming one it did not.
    /// Such text is never an answer: the model is told what is wrong instead.
    ///
    /// JSON the user asked for (`{"name": "Alice", "age": 3}`) is not an attempt: its name is
    /// no tool and it has no arguments. Nothing is an attempt when no tools are known.
    public static func attemptedCall(in text: String, known: Set<String>) -> AttemptedCall? {
        guard !known.isEmpty else { return nil }
        var body = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        if body.hasPrefix("```") {
            body = body.drop { $0 != "\n" }.dropFirst()
            if let close = body.range(of: "```", options: .backwards) { body = body[..<close.lowerBound] }
            body = Substring(body.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard body.first == "{" || body.first == "[" else { return nil }
        guard let nameMatch = body.firstMatch(of: /"name"\s*:\s*"([^"\\]{1,80})"/) else { return nil }
        let name = String(nameMatch.1)
        let hasArguments = body.contains(/"(arguments|parameters)"\s*:/)
        guard known.contains(name) || hasArguments else { return nil }
        let problem: String
        if JSONValue.parse(String(body)) != nil {
            problem = known.contains(name) ? "it is not in the form of a tool call" :
                "there is no tool named '\(name)' (the tools are: \(known.sorted().joined(separator: ", ")))"
        } else if isCutOff(body) {
            problem = "the JSON ends before its closing brackets (the call was cut off)"
        } else {
            problem = "it is not valid JSON (check the quotes, commas and brackets)"
        }
        return AttemptedCall(name: name, problem: problem)
    }

    /// A `<tool_call>` block whose body is not a call: the tool it seems to name, and why.
    public static func unreadableHermes(_ body: String) -> AttemptedCall {
        let trimmed = Substring(body.trimmingCharacters(in: .whitespacesAndNewlines))
        let name = trimmed.firstMatch(of: /"name"\s*:\s*"([^"\\]{1,80})"/).map { String($0.1) } ?? "unknown"
        let problem = trimmed.isEmpty ? "the <tool_call> block is empty"
            : isCutOff(trimmed) ? "the JSON ends before its closing brackets (the call was cut off)"
            : "the <tool_call> block does not hold a JSON object with \"name\" and \"arguments\""
        return AttemptedCall(name: name, problem: problem)
    }

    /// Whether JSON text ends inside a string or with brackets still open.
    static func isCutOff(_ text: Substring) -> Bool {
        var depth = 0, inString = false, escaped = false
        for c in text.utf8 {
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch c {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return inString || depth > 0
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
