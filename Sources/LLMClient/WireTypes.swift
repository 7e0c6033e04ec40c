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

/// The JSON body of `POST /chat/completions`, written with ``JSONWriter``: `null` content on
/// assistant messages that only carry tool calls, no `reasoning_content` sent back, and the
/// tool schemas rendered once per tool list (they are the same on every iteration).
struct RequestBody {
    var model: String
    var messages: [ChatMessage]
    var toolsJSON: [UInt8]?
    var toolChoice: String?
    var stream: Bool
    var includeUsage: Bool
    var maxTokens: Int?
    var temperature: Double?
    var extra: [String: JSONValue]
    /// Each message already encoded (``encode(_:)``), when the caller keeps them from the last
    /// request; nil encodes them here.
    var messageBytes: [[UInt8]]? = nil

    /// Text and images as content parts (`image_url` with a data URL); an image whose stored
    /// copy is gone is said in words instead.
    static func parts(_ m: ChatMessage, into w: inout JSONWriter) {
        w.raw("[{\"type\":\"text\",\"text\":")
        w.string(m.content)
        w.raw("}")
        for image in m.images {
            guard let data = FileManager.default.contents(atPath: image.path) else {
                w.raw(",{\"type\":\"text\",\"text\":")
                w.string("[image \(image.source) is no longer available]")
                w.raw("}")
                continue
            }
            w.raw(",{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:")
            w.raw(image.mediaType)
            w.raw(";base64,")
            w.raw(data.base64EncodedString())
            w.raw("\"}}")
        }
        w.raw("]")
    }

    /// One message as the request carries it.
    static func encode(_ m: ChatMessage) -> [UInt8] {
        var w = JSONWriter(capacity: m.content.utf8.count + 64)
        write(m, into: &w)
        return w.bytes
    }

    static func write(_ m: ChatMessage, into w: inout JSONWriter) {
        w.raw("{\"role\":")
        w.string(m.role.rawValue)
        w.raw(",\"content\":")
        if m.role == .assistant && m.content.isEmpty && !m.toolCalls.isEmpty { w.raw("null") } else if !m.images.isEmpty {
            parts(m, into: &w)
        } else { w.string(m.content) }
        if !m.toolCalls.isEmpty {
            w.raw(",\"tool_calls\":")
            w.toolCalls(m.toolCalls)
        }
        if m.role == .tool, let id = m.toolCallID {
            w.raw(",\"tool_call_id\":")
            w.string(id)
        }
        w.raw("}")
    }

    func encoded() -> [UInt8] {
        var w = JSONWriter(capacity: 4096 + messages.count * 256)
        w.raw("{")
        w.key("model", first: true)
        w.string(model)
        w.key("messages")
        w.raw("[")
        for i in messages.indices {
            if i > 0 { w.raw(",") }
            if let messageBytes { w.raw(messageBytes[i]) } else { Self.write(messages[i], into: &w) }
        }
        w.raw("]")
        if let toolsJSON {
            w.key("tools")
            w.raw(toolsJSON)
            if let toolChoice {
                w.key("tool_choice")
                w.string(toolChoice)
            }
        }
        w.key("stream")
        w.raw(stream ? "true" : "false")
        if stream && includeUsage { w.raw(",\"stream_options\":{\"include_usage\":true}") }
        if let maxTokens {
            w.key("max_tokens")
            w.raw(String(maxTokens))
        }
        if let temperature {
            w.key("temperature")
            w.number(temperature)
        }
        for (k, v) in extra.sorted(by: { $0.key < $1.key }) {
            w.key(k)
            w.value(v)
        }
        w.raw("}")
        return w.bytes
    }

    /// `[{"type":"function","function":{"name","description","parameters"}}, …]`.
    static func renderTools(_ tools: [ToolSpec]) -> [UInt8] {
        var w = JSONWriter(capacity: 512 * tools.count)
        w.raw("[")
        for (i, t) in tools.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"type\":\"function\",\"function\":{\"name\":")
            w.string(t.name)
            w.raw(",\"description\":")
            w.string(t.description)
            w.raw(",\"parameters\":")
            w.value(t.parameters)
            w.raw("}}")
        }
        w.raw("]")
        return w.bytes
    }
}

// MARK: - Reading chunks with JSONReader

/// The stream's hot path reads each chunk with ``JSONReader`` (a few µs) instead of
/// `JSONDecoder` (tens of µs per chunk, three or more chunks per answer). Fields of the wrong
/// type count as absent; text that is not a JSON object is not a chunk.
extension CompletionChunk {
    init?(json text: String) {
        guard let object = JSONReader.parse(text)?.objectValue else { return nil }
        id = object["id"]?.stringValue
        choices = object["choices"]?.arrayValue?.compactMap { $0.objectValue.map(Choice.init(json:)) }
        usage = object["usage"]?.objectValue.map(WireUsage.init(json:))
        error = object["error"].flatMap(WireError.init(json:))
    }
}

extension CompletionChunk.Choice {
    init(json o: [String: JSONValue]) {
        index = o["index"]?.intValue
        delta = o["delta"]?.objectValue.map(CompletionChunk.Delta.init(json:))
        message = o["message"]?.objectValue.map(CompletionChunk.Delta.init(json:))
        finishReason = o["finish_reason"]?.stringValue
    }
}

extension CompletionChunk.Delta {
    init(json o: [String: JSONValue]) {
        role = o["role"]?.stringValue
        content = o["content"]?.stringValue
        reasoningContent = o["reasoning_content"]?.stringValue
        reasoning = o["reasoning"]?.stringValue
        toolCalls = o["tool_calls"]?.arrayValue?.compactMap { $0.objectValue.map(CompletionChunk.ToolCallDelta.init(json:)) }
    }
}

extension CompletionChunk.ToolCallDelta {
    init(json o: [String: JSONValue]) {
        index = o["index"]?.intValue
        id = o["id"]?.stringValue
        type = o["type"]?.stringValue
        function = o["function"]?.objectValue.map { Function(name: $0["name"]?.stringValue, arguments: $0["arguments"]?.stringValue) }
    }
}

extension CompletionChunk.WireUsage {
    init(json o: [String: JSONValue]) {
        promptTokens = o["prompt_tokens"]?.intValue
        completionTokens = o["completion_tokens"]?.intValue
        promptTokensDetails = o["prompt_tokens_details"]?.objectValue.map { Details(cachedTokens: $0["cached_tokens"]?.intValue) }
    }
}

extension WireError {
    init?(json v: JSONValue) {
        switch v {
        case .string(let s): message = s
        case .object(let o):
            message = o["message"]?.stringValue ?? "unknown error"
            type = o["type"]?.stringValue
            code = o["code"]?.stringValue ?? o["code"]?.intValue.map(String.init)
        default: return nil
        }
    }
}
