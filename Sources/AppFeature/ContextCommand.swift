import Foundation

// `/context`: the instruction files the session's prompt is built with, and their weight.

/// One instruction file the prompt is built with (`/context`).
public struct ContextFileRow: Sendable, Hashable {
    public var label: String
    public var bytes: Int
    public var tokens: Int
    public var truncated: Bool
    /// Why the model does not read it.
    public var withheld: String?

    public init(label: String, bytes: Int, tokens: Int, truncated: Bool = false, withheld: String? = nil) {
        self.label = label
        self.bytes = bytes
        self.tokens = tokens
        self.truncated = truncated
        self.withheld = withheld
    }
}

/// `/context`'s answer: each file with its size and share of the context window.
func contextListing(_ rows: [ContextFileRow], window: Int?) -> String {
    guard !rows.isEmpty else {
        return "no instruction files: AGENTS.md (or CLAUDE.md, .hermes.md, .cursorrules, .cursor/rules/*.mdc) in the repository's folders down to this one, or ~/.talaria/AGENTS.md for every project, are read into the prompt"
    }
    let total = rows.reduce(0) { $0 + $1.tokens }
    func share(_ tokens: Int) -> String { window.map { w in " (\(max(tokens > 0 ? 1 : 0, tokens * 100 / max(1, w)))% of the window)" } ?? "" }
    let lines = rows.map { r in
        let size = r.bytes >= 1000 ? String(format: "%.1f KB", Double(r.bytes) / 1000) : "\(r.bytes) B"
        if let why = r.withheld { return "  ✗ \(r.label) — \(size), withheld: \(why)" }
        return "  \(r.label) — \(size), ~\(r.tokens) tokens\(share(r.tokens))\(r.truncated ? ", cut at its limit" : "")"
    }
    return "instruction files in the prompt, most general first (~\(total) tokens\(share(total))):\n" + lines.joined(separator: "\n")
}
