import Foundation

/// The text formats of memory, parsed without touching the store (and fuzzed: `make fuzz`):
/// entries in a Markdown or Hermes file, and the user-model pass's answer.
public enum MemoryText {
    /// Entries in `text`: Hermes' `§`-separated blocks, else Markdown bullets (trailing HTML
    /// comments dropped), else paragraphs (headings and comments skipped). Never an empty entry.
    public static func entries(in text: String) -> [String] {
        if text.contains("\n§\n") || text.hasPrefix("§") || text.contains("\n§ ") {
            return text.components(separatedBy: "§").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        }
        var out: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("- ") || t.hasPrefix("* ") else { continue }
            var body = String(t.dropFirst(2))
            if let c = body.range(of: "<!--") { body = String(body[..<c.lowerBound]) }
            body = body.trimmingCharacters(in: .whitespaces)
            if !body.isEmpty { out.append(body) }
        }
        if out.isEmpty {
            out = text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") && !$0.hasPrefix("<!--") }
        }
        return out
    }

    /// One line of a user-model answer.
    public enum FactChange: Sendable, Hashable {
        case new(confidence: Double, text: String)
        case confirm(id: Int64)
        case contradict(id: Int64, confidence: Double, text: String)
    }

    /// The changes in a user-model answer (`NEW c fact`, `CONFIRM id`, `CONTRADICT id c fact`);
    /// anything else is ignored. Confidences are clamped to 0...1; texts are never empty.
    public static func factChanges(in answer: String) -> [FactChange] {
        var out: [FactChange] = []
        for raw in answer.split(whereSeparator: \.isNewline) {
            let words = raw.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true).map(String.init)
            guard let verb = words.first?.uppercased() else { continue }
            func confidence(_ s: String) -> Double? { Double(s).flatMap { $0.isFinite ? min(1, max(0, $0)) : nil } }
            switch verb {
            case "NEW" where words.count >= 3:
                guard let c = confidence(words[1]) else { continue }
                let text = words.dropFirst(2).joined(separator: " ").trimmingCharacters(in: .whitespaces)
                if !text.isEmpty { out.append(.new(confidence: c, text: text)) }
            case "CONFIRM" where words.count >= 2:
                if let id = Int64(words[1]) { out.append(.confirm(id: id)) }
            case "CONTRADICT" where words.count >= 4:
                guard let id = Int64(words[1]), let c = confidence(words[2]) else { continue }
                let text = words[3].trimmingCharacters(in: .whitespaces)
                if !text.isEmpty { out.append(.contradict(id: id, confidence: c, text: text)) }
            default:
                continue
            }
        }
        return out
    }
}
