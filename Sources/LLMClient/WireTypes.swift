import AgentProtocol
import Foundation

// MARK: - Responses

/// One `chat.completion.chunk` (streaming) or `chat.completion` (non-streaming) body.
///
/// Every field is optional: servers differ, and a chunk may carry only `usage`
/// (empty `choices`) or only an `error` object.
struct CompletionChunk: Decodable {
    struct Choice: Decodable {
        var index: Int?
        var delta: Delta?
        var message: Delta?
        var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case index, delta, message
            case finishReason = "finish_reason"
        }
    }

    struct Delta: Decodable {
        var role: String?
        var content: String?
        var reasoningContent: String?
        var reasoning: String?
        var toolCalls: [ToolCallDelta]?

        enum CodingKeys: String, CodingKey {
            case role, content, reasoning
            case reasoningContent = "reasoning_content"
            case toolCalls = "tool_calls"
        }
    }

    struct ToolCallDelta: Decodable {
        struct Function: Decodable {
            var name: String?
            var arguments: String?
        }
        var index: Int?
        var id: String?
        var type: String?
        var function: Function?
    }

    struct WireUsage: Decodable {
        struct Details: Decodable {
            var cachedTokens: Int?
            enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
        }
        var promptTokens: Int?
        var completionTokens: Int?
        var promptTokensDetails: Details?

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case promptTokensDetails = "prompt_tokens_details"
        }

        var usage: Usage {
            Usage(promptTokens: promptTokens ?? 0, completionTokens: completionTokens ?? 0,
                  cachedTokens: promptTokensDetails?.cachedTokens ?? 0)
        }
    }

    var id: String?
    var choices: [Choice]?
    var usage: WireUsage?
    var error: WireError?
}

/// `{"error": {...}}` as OpenAI, llama.cpp, vLLM and Ollama send it; `error` may also be a plain string.
struct WireError: Decodable {
    var message: String
    var type: String?
    var code: String?

    enum CodingKeys: String, CodingKey { case message, type, code }

    init(from decoder: any Decoder) throws {
        if let s = try? decoder.singleValueContainer().decode(String.self) {
            message = s
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        message = (try? c.decode(String.self, forKey: .message)) ?? "unknown error"
        type = try? c.decode(String.self, forKey: .type)
        if let s = try? c.decode(String.self, forKey: .code) { code = s }
        else if let n = try? c.decode(Int.self, forKey: .code) { code = String(n) }
    }

    var description: String {
        var parts = [message]
        if let type { parts.append("(\(type))") }
        return parts.joined(separator: " ")
    }
}

struct ErrorBody: Decodable {
    var error: WireError
}

/// Extracts a human-readable message from an HTTP error body (JSON or plain text).
func errorMessage(fromBody body: Data) -> String {
    if let e = try? JSONDecoder().decode(ErrorBody.self, from: body) { return e.error.description }
    let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return text.isEmpty ? "no response body" : text
}

// MARK: - Requests

/// The JSON body of `POST /chat/completions`, encoded by hand for a stable key order and
/// for `null` content on assistant messages that only carry tool calls.
struct RequestBody: Encodable {
    var model: String
    var messages: [ChatMessage]
    var tools: [ToolSpec]
    var toolChoice: String?
    var stream: Bool
    var includeUsage: Bool
    var maxTokens: Int?
    var temperature: Double?
    var extra: [String: JSONValue]

    enum Keys: String, CodingKey {
        case model, messages, tools, stream, temperature
        case toolChoice = "tool_choice"
        case streamOptions = "stream_options"
        case maxTokens = "max_tokens"
    }

    struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(model, forKey: .model)
        try c.encode(messages.map(WireMessage.init), forKey: .messages)
        if !tools.isEmpty {
            try c.encode(tools.map(WireTool.init), forKey: .tools)
            if let toolChoice { try c.encode(toolChoice, forKey: .toolChoice) }
        }
        try c.encode(stream, forKey: .stream)
        if stream && includeUsage { try c.encode(["include_usage": true], forKey: .streamOptions) }
        if let maxTokens { try c.encode(maxTokens, forKey: .maxTokens) }
        if let temperature { try c.encode(temperature, forKey: .temperature) }
        if !extra.isEmpty {
            var d = encoder.container(keyedBy: DynamicKey.self)
            for (k, v) in extra.sorted(by: { $0.key < $1.key }) { try d.encode(v, forKey: DynamicKey(stringValue: k)) }
        }
    }
}

struct WireMessage: Encodable {
    var message: ChatMessage
    init(_ m: ChatMessage) { message = m }

    enum Keys: String, CodingKey {
        case role, content, name
        case toolCalls = "tool_calls"
        case toolCallID = "tool_call_id"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(message.role.rawValue, forKey: .role)
        if message.role == .assistant && message.content.isEmpty && !message.toolCalls.isEmpty {
            try c.encodeNil(forKey: .content)
        } else {
            try c.encode(message.content, forKey: .content)
        }
        if !message.toolCalls.isEmpty {
            try c.encode(message.toolCalls.map(WireToolCall.init), forKey: .toolCalls)
        }
        if message.role == .tool, let id = message.toolCallID {
            try c.encode(id, forKey: .toolCallID)
        }
    }
}

struct WireToolCall: Encodable {
    struct Function: Encodable { var name: String; var arguments: String }
    var id: String
    var type = "function"
    var function: Function
    init(_ call: ToolCall) {
        id = call.id
        function = Function(name: call.name, arguments: call.arguments)
    }
}

struct WireTool: Encodable {
    struct Function: Encodable { var name: String; var description: String; var parameters: JSONValue }
    var type = "function"
    var function: Function
    init(_ spec: ToolSpec) {
        function = Function(name: spec.name, description: spec.description, parameters: spec.parameters)
    }
}
