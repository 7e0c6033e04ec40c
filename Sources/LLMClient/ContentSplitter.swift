import Foundation

/// Splits streamed assistant `content` into answer text, reasoning and Hermes tool-call blocks.
///
/// Recognises `<think>…</think>`, `<thinking>…</thinking>` and `<tool_call>…</tool_call>`,
/// with tags split across chunks anywhere: a trailing `<thi` is held back until the next
/// chunk decides whether it is a tag. Text that merely looks like a tag (`a < b`,
/// `<div>`) is passed through unchanged.
///
/// ```
/// feed("Hi <thi")          -> [.text("Hi ")]
/// feed("nk>plan</think>ok") -> [.reasoning("plan"), .text("ok")]
/// feed("<tool_call>{…}")   -> []
/// feed("</tool_call>")     -> [.toolCall("{…}")]
/// ```
public struct ContentSplitter: Sendable {
    public enum Segment: Sendable, Hashable {
        case text(String)
        case reasoning(String)
        /// The raw text between `<tool_call>` and `</tool_call>`.
        case toolCall(String)
    }

    private enum Mode: Sendable { case text, reasoning(close: String), toolCall }

    private static let openTags: [(tag: String, mode: Mode)] = [
        ("<think>", .reasoning(close: "</think>")),
        ("<thinking>", .reasoning(close: "</thinking>")),
        ("<tool_call>", .toolCall),
    ]

    private var mode: Mode = .text
    private var pending = ""
    private var toolBuffer = ""

    public init() {}

    /// Whether the splitter is inside a reasoning block (used to label a stream cut mid-thought).
    public var isInReasoning: Bool { if case .reasoning = mode { return true }; return false }

    public mutating func feed(_ chunk: String) -> [Segment] {
        pending += chunk
        var out: [Segment] = []
        while !pending.isEmpty {
            switch mode {
            case .text:
                guard let lt = pending.firstIndex(of: "<") else {
                    out.append(.text(pending)); pending = ""; continue
                }
                if lt > pending.startIndex { out.append(.text(String(pending[..<lt]))) }
                let rest = pending[lt...]
                if let open = Self.openTags.first(where: { rest.hasPrefix($0.tag) }) {
                    mode = open.mode
                    pending = String(rest.dropFirst(open.tag.count))
                } else if Self.openTags.contains(where: { $0.tag.hasPrefix(rest) }) {
                    pending = String(rest) // an incomplete tag: wait for more
                    return Self.coalesce(out)
                } else {
                    out.append(.text("<"))
                    pending = String(rest.dropFirst())
                }
            case .reasoning(let close):
                if let r = pending.range(of: close) {
                    if r.lowerBound > pending.startIndex { out.append(.reasoning(String(pending[..<r.lowerBound]))) }
                    pending = String(pending[r.upperBound...])
                    mode = .text
                } else {
                    let keep = Self.heldSuffix(of: pending, closing: close)
                    let emit = pending.dropLast(keep)
                    if !emit.isEmpty { out.append(.reasoning(String(emit))) }
                    pending = String(pending.suffix(keep))
                    return Self.coalesce(out)
                }
            case .toolCall:
                if let r = pending.range(of: "</tool_call>") {
                    toolBuffer += pending[..<r.lowerBound]
                    out.append(.toolCall(toolBuffer))
                    toolBuffer = ""
                    pending = String(pending[r.upperBound...])
                    mode = .text
                } else {
                    let keep = Self.heldSuffix(of: pending, closing: "</tool_call>")
                    toolBuffer += pending.dropLast(keep)
                    pending = String(pending.suffix(keep))
                    return Self.coalesce(out)
                }
            }
        }
        return Self.coalesce(out)
    }

    /// Flushes held text at the end of the message. An unclosed `<tool_call>` is still
    /// offered as a call (models often stop before the closing tag).
    public mutating func finish() -> [Segment] {
        defer { pending = ""; toolBuffer = ""; mode = .text }
        switch mode {
        case .text: return pending.isEmpty ? [] : [.text(pending)]
        case .reasoning: return pending.isEmpty ? [] : [.reasoning(pending)]
        case .toolCall:
            let body = toolBuffer + pending
            return body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? [] : [.toolCall(body)]
        }
    }

    /// The length of the longest suffix of `text` that is a proper prefix of `closing`.
    private static func heldSuffix(of text: String, closing: String) -> Int {
        var n = min(closing.count - 1, text.count)
        while n > 0 {
            if closing.hasPrefix(text.suffix(n)) { return n }
            n -= 1
        }
        return 0
    }

    /// Merges adjacent text runs and adjacent reasoning runs (chunking may cut a run in two).
    static func coalesce(_ segments: [Segment]) -> [Segment] {
        guard segments.count > 1 else { return segments }
        var out: [Segment] = []
        for s in segments {
            switch (out.last, s) {
            case (.text(let a)?, .text(let b)): out[out.count - 1] = .text(a + b)
            case (.reasoning(let a)?, .reasoning(let b)): out[out.count - 1] = .reasoning(a + b)
            default: out.append(s)
            }
        }
        return out
    }
}
