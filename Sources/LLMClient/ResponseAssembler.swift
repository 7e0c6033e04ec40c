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
    /// Calls the model tried to write as text that cannot run (cut off, malformed, naming no
    /// tool), by call id: what is wrong. They are in `toolCalls` so that the model gets the
    /// problem back as the call's failed result; their text is never shown as the answer.
    public var unreadableCalls: [String: String]

    public init(content: String = "", reasoning: String = "", toolCalls: [ToolCall] = [],
                finishReason: FinishReason? = nil, usage: Usage? = nil, textToolCalls: Int = 0,
                unreadableCalls: [String: String] = [:]) {
        self.content = content
        self.reasoning = reasoning
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.usage = usage
        self.textToolCalls = textToolCalls
        self.unreadableCalls = unreadableCalls
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
    /// `<tool_call>` blocks whose body is not a call, until `finish` gives them ids.
    private var unreadableHermes: [(attempt: TextToolCalls.AttemptedCall, body: String)] = []
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

    /// Ends the message: flushes held text and recognises text tool calls — and attempts at
    /// them that cannot run, which become failed calls instead of answer text.
    mutating func finish(makeID: () -> String) -> (events: [LLMStreamEvent], response: AssistantResponse) {
        var out: [LLMStreamEvent] = []
        for segment in splitter.finish() { out += apply(segment) }
        var toolCalls = calls.keys.sorted().compactMap { i -> ToolCall? in
            guard let p = calls[i], !p.name.isEmpty else { return nil }
            return ToolCall(id: p.id ?? makeID(), name: p.name, arguments: p.arguments.isEmpty ? "{}" : p.arguments)
        }
        var unreadable: [String: String] = [:]
        func addUnreadable(_ attempt: TextToolCalls.AttemptedCall, raw: String) {
            // Arguments that are valid JSON: servers render the history through templates that parse them.
            let call = ToolCall(id: makeID(), name: attempt.name, arguments: JSONValue.object(["unparsed": .string(raw)]).jsonText)
            toolCalls.append(call)
            unreadable[call.id] = attempt.problem
        }
        var textCalls = hermesCalls.count + unreadableHermes.count
        toolCalls += hermesCalls
        for (attempt, body) in unreadableHermes { addUnreadable(attempt, raw: "<tool_call>" + body + "</tool_call>") }
        if toolCalls.isEmpty, holding == true {
            let (found, remainder) = TextToolCalls.recognize(in: held, known: knownTools, makeID: makeID)
            if !found.isEmpty {
                toolCalls = found
                textCalls = found.count
                content += remainder
                if !remainder.isEmpty { out.append(.textDelta(remainder)) }
            } else if let attempt = TextToolCalls.attemptedCall(in: held, known: knownTools) {
                addUnreadable(attempt, raw: held)
                textCalls = 1
            } else {
                content += held
                out.append(.textDelta(held))
            }
        } else if !held.isEmpty {
            content += held
            out.append(.textDelta(held))
        } else if toolCalls.isEmpty, !knownTools.isEmpty {
            // A fenced call after some prose: the prose was shown, the call still runs (or, when
            // it cannot, goes back to the model as a failed call and leaves the answer).
            let (found, remainder) = TextToolCalls.recognize(in: content, known: knownTools, makeID: makeID)
            if !found.isEmpty {
                toolCalls = found
                textCalls = found.count
                content = remainder
            } else if let (block, attempt) = Self.attemptedBlock(in: content, known: knownTools) {
                addUnreadable(attempt, raw: String(content[block]))
                textCalls = 1
                content.removeSubrange(block)
                content = content.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        held = ""
        let finish: FinishReason? = !toolCalls.isEmpty && finishReason != .length ? .toolCalls : finishReason
        return (out, AssistantResponse(content: content, reasoning: reasoning, toolCalls: toolCalls,
                                       finishReason: finish, usage: usage, textToolCalls: textCalls, unreadableCalls: unreadable))
    }

    /// The last fenced block of `text` (closed or cut off at the end) that is an attempted call.
    static func attemptedBlock(in text: String, known: Set<String>) -> (Range<String.Index>, TextToolCalls.AttemptedCall)? {
        var found: (Range<String.Index>, TextToolCalls.AttemptedCall)?
        var cursor = text.startIndex
        while let open = text.range(of: "```", range: cursor..<text.endIndex) {
            let afterOpen = text[open.upperBound...].firstIndex(of: "\n") ?? text.endIndex
            let close = afterOpen < text.endIndex ? text.range(of: "```", range: afterOpen..<text.endIndex) : nil
            let block = open.lowerBound..<(close?.upperBound ?? text.endIndex)
            if let attempt = TextToolCalls.attemptedCall(in: String(text[block]), known: known) { found = (block, attempt) }
            guard let close else { break }
            cursor = close.upperBound
        }
        return found
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
            // The tags say it was meant as a call: the model hears what is wrong with it.
            unreadableHermes.append((TextToolCalls.unreadableHermes(body), body))
            return []
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
