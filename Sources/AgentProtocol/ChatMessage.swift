import Foundation

/// The role of one message in a conversation, as OpenAI-compatible servers name it.
public enum Role: String, Sendable, Codable, CaseIterable {
    case system, user, assistant, tool
}

/// A tool invocation requested by the model.
///
/// `arguments` is the raw JSON text the model produced; it is parsed only when
/// the tool runs, so invalid JSON reaches the tool layer and goes back to the
/// model as a tool error instead of failing the turn.
public struct ToolCall: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// One message of a conversation, independent of any wire format.
public struct ChatMessage: Sendable, Hashable, Codable {
    public var role: Role
    public var content: String
    /// Reasoning text (`<think>` / `reasoning_content`); never sent back as `content`.
    public var reasoning: String?
    public var toolCalls: [ToolCall]
    /// For `role == .tool`: the call this message answers.
    public var toolCallID: String?
    /// For `role == .tool`: the tool's name (stored for display and search).
    public var name: String?
    /// Images sent with the text (a user's `@shot.png`, an image `read_file` read).
    public var images: [ImageRef]

    public init(role: Role, content: String, reasoning: String? = nil, toolCalls: [ToolCall] = [],
                toolCallID: String? = nil, name: String? = nil, images: [ImageRef] = []) {
        self.images = images
        self.role = role
        self.content = content
        self.reasoning = reasoning
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.name = name
    }

    enum CodingKeys: String, CodingKey { case role, content, reasoning, toolCalls, toolCallID, name, images }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        role = try c.decode(Role.self, forKey: .role)
        content = try c.decode(String.self, forKey: .content)
        reasoning = try c.decodeIfPresent(String.self, forKey: .reasoning)
        toolCalls = try c.decodeIfPresent([ToolCall].self, forKey: .toolCalls) ?? []
        toolCallID = try c.decodeIfPresent(String.self, forKey: .toolCallID)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        images = try c.decodeIfPresent([ImageRef].self, forKey: .images) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(role, forKey: .role)
        try c.encode(content, forKey: .content)
        try c.encodeIfPresent(reasoning, forKey: .reasoning)
        try c.encode(toolCalls, forKey: .toolCalls)
        try c.encodeIfPresent(toolCallID, forKey: .toolCallID)
        try c.encodeIfPresent(name, forKey: .name)
        if !images.isEmpty { try c.encode(images, forKey: .images) }
    }

    public static func system(_ text: String) -> ChatMessage { .init(role: .system, content: text) }
    public static func user(_ text: String) -> ChatMessage { .init(role: .user, content: text) }
    public static func assistant(_ text: String, reasoning: String? = nil, toolCalls: [ToolCall] = []) -> ChatMessage {
        .init(role: .assistant, content: text, reasoning: reasoning, toolCalls: toolCalls)
    }
    public static func tool(callID: String, name: String, content: String) -> ChatMessage {
        .init(role: .tool, content: content, toolCallID: callID, name: name)
    }
}

/// Token accounting reported by the server (or estimated when it reports none).
public struct Usage: Sendable, Hashable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var cachedTokens: Int

    public init(promptTokens: Int = 0, completionTokens: Int = 0, cachedTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
    }

    public var totalTokens: Int { promptTokens + completionTokens }

    public static func + (a: Usage, b: Usage) -> Usage {
        Usage(promptTokens: a.promptTokens + b.promptTokens,
              completionTokens: a.completionTokens + b.completionTokens,
              cachedTokens: a.cachedTokens + b.cachedTokens)
    }
}

/// A tool as the model sees it: name, description and JSON Schema of its arguments.
public struct ToolSpec: Sendable, Hashable, Codable {
    public var name: String
    public var description: String
    public var parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

extension JSONWriter {
    /// `[{"id":…,"type":"function","function":{"name":…,"arguments":…}}, …]`, the wire and storage form of tool calls.
    public mutating func toolCalls(_ calls: [ToolCall]) {
        raw("[")
        for (i, c) in calls.enumerated() {
            if i > 0 { raw(",") }
            raw("{\"id\":")
            string(c.id)
            raw(",\"type\":\"function\",\"function\":{\"name\":")
            string(c.name)
            raw(",\"arguments\":")
            string(c.arguments)
            raw("}}")
        }
        raw("]")
    }
}
