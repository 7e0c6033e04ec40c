import AgentProtocol
import Foundation

/// Why the model stopped, normalised across servers.
public enum FinishReason: String, Sendable, Hashable, Codable {
    case stop, length, toolCalls, contentFilter, other

    init(wire: String) {
        switch wire {
        case "stop", "eos", "end_turn": self = .stop
        case "length", "max_tokens": self = .length
        case "tool_calls", "function_call", "tool_use": self = .toolCalls
        case "content_filter": self = .contentFilter
        default: self = .other
        }
    }
}

/// A complete assistant response.
public struct AssistantResponse: Sendable, Hashable {
    public var content: String
    public var reasoning: String
    public var toolCalls: [ToolCall]
    public var finishReason: FinishReason?
    public var usage: Usage?
    /// How many of `toolCalls` were recognised in text rather than sent natively.
    public var textToolCalls: Int

    public init(content: String = "", reasoning: String = "", toolCalls: [ToolCall] = [],
                finishReason: FinishReason? = nil, usage: Usage? = nil, textToolCalls: Int = 0) {
        self.content = content
        self.reasoning = reasoning
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.usage = usage
        self.textToolCalls = textToolCalls
    }
}

/// What the stream shows while it is running.
public enum LLMStreamEvent: Sendable, Hashable {
    case textDelta(String)
    case reasoningDelta(String)
    /// A native tool call's name became known (for a "calling …" indicator).
    case toolCallStarted(index: Int, name: String)
    case retrying(Retrying)
    /// The final event of a successful stream.
    case completed(AssistantResponse)
}

/// Folds decoded chunks into deltas and, at the end, one ``AssistantResponse``.
///
/// Native `tool_calls` fragments are merged by `index`; `content` goes through a
/// ``ContentSplitter`` so `<think>` and `<tool_call>` blocks never show as answer
/// text; `reasoning_content`/`reasoning` fields are reasoning. When the agent offers
/// tools, a message that *starts* like JSON or a code fence is held back until the end,
/// where it is either recognised as text tool calls or released as text.
struct ResponseAssembler {
    private struct PartialCall { var id: String?; var name = ""; var arguments = "" }

    private let knownTools: Set<String>
    private var splitter = ContentSplitter()
    private var calls: [Int: PartialCall] = [:]
    private var hermesCalls: [ToolCall] = []
    private var content = ""
    private var reasoning = ""
    private var held = ""
    private var holding: Bool?
    private(set) var finishReason: FinishReason?
    private(set) var usage: Usage?
    private(set) var receivedChars = 0

    init(knownTools: Set<String>) {
        self.knownTools = knownTools
    }

    mutating func consume(_ chunk: CompletionChunk) throws(LLMError) -> [LLMStreamEvent] {
        if let error = chunk.error { throw .streamError(message: error.description) }
        if let u = chunk.usage { usage = u.usage }
        var out: [LLMStreamEvent] = []
        for choice in chunk.choices ?? [] where (choice.index ?? 0) == 0 {
            if let delta = choice.delta ?? choice.message {
                if let r = delta.reasoningContent ?? delta.reasoning, !r.isEmpty {
                    reasoning += r
                    receivedChars += r.count
                    out.append(.reasoningDelta(r))
                }
                if let c = delta.content, !c.isEmpty {
                    receivedChars += c.count
                    for segment in splitter.feed(c) { out += apply(segment) }
                }
                for (position, d) in (delta.toolCalls ?? []).enumerated() {
                    let index = d.index ?? position
                    var p = calls[index] ?? PartialCall()
                    let isNew = p.name.isEmpty
                    if let id = d.id, !id.isEmpty { p.id = id }
                    if let n = d.function?.name, !n.isEmpty {
                        // Some servers repeat the whole name on every fragment; others split it.
                        if !p.name.hasSuffix(n) || p.name.isEmpty { p.name = p.name == n ? n : p.name + n }
                    }
                    if let a = d.function?.arguments { p.arguments += a; receivedChars += a.count }
                    calls[index] = p
                    if isNew && !p.name.isEmpty { out.append(.toolCallStarted(index: index, name: p.name)) }
                }
            }
            if let f = choice.finishReason { finishReason = FinishReason(wire: f) }
        }
        return out
    }

    /// Ends the message: flushes held text and recognises text tool calls.
    mutating func finish(makeID: () -> String) -> (events: [LLMStreamEvent], response: AssistantResponse) {
        var out: [LLMStreamEvent] = []
        for segment in splitter.finish() { out += apply(segment) }
        var toolCalls = calls.keys.sorted().compactMap { i -> ToolCall? in
            guard let p = calls[i], !p.name.isEmpty else { return nil }
            return ToolCall(id: p.id ?? makeID(), name: p.name, arguments: p.arguments.isEmpty ? "{}" : p.arguments)
        }
        var textCalls = hermesCalls.count
        toolCalls += hermesCalls
        if toolCalls.isEmpty, holding == true {
            let (found, remainder) = TextToolCalls.recognize(in: held, known: knownTools, makeID: makeID)
            if found.isEmpty {
                content += held
                out.append(.textDelta(held))
            } else {
                toolCalls = found
                textCalls = found.count
                content += remainder
                if !remainder.isEmpty { out.append(.textDelta(remainder)) }
            }
        } else if !held.isEmpty {
            content += held
            out.append(.textDelta(held))
        } else if toolCalls.isEmpty, !knownTools.isEmpty {
            // A fenced call after some prose: the prose was shown, the call still runs.
            let (found, remainder) = TextToolCalls.recognize(in: content, known: knownTools, makeID: makeID)
            if !found.isEmpty {
                toolCalls = found
                textCalls = found.count
                content = remainder
            }
        }
        held = ""
        let finish: FinishReason? = !toolCalls.isEmpty && finishReason != .length ? .toolCalls : finishReason
        return (out, AssistantResponse(content: content, reasoning: reasoning, toolCalls: toolCalls,
                                       finishReason: finish, usage: usage, textToolCalls: textCalls))
    }

    private mutating func apply(_ segment: ContentSplitter.Segment) -> [LLMStreamEvent] {
        switch segment {
        case .reasoning(let r):
            reasoning += r
            return [.reasoningDelta(r)]
        case .toolCall(let body):
            if let call = TextToolCalls.parseHermes(body, id: "call_h\(hermesCalls.count)_\(UUID().uuidString.prefix(8))") {
                hermesCalls.append(call)
                return []
            }
            // Not JSON: show it rather than lose it.
            return appendText("<tool_call>" + body + "</tool_call>")
        case .text(let t):
            return appendText(t)
        }
    }

    private mutating func appendText(_ t: String) -> [LLMStreamEvent] {
        if holding == nil {
            let lead = (held + t).drop(while: { $0.isWhitespace })
            if lead.isEmpty { held += t; return [] }
            holding = !knownTools.isEmpty && (lead.hasPrefix("{") || lead.hasPrefix("[{") || "```".hasPrefix(lead.prefix(3)) && lead.first == "`")
            if holding == false {
                let text = held + t
                held = ""
                content += text
                return [.textDelta(text)]
            }
        }
        if holding == true { held += t; return [] }
        content += t
        return [.textDelta(t)]
    }
}
