import Foundation
import Store

/// Memory to and from Markdown: `talaria memory export/import` and the Hermes importer.
public enum MemoryTransfer {
    /// One Markdown file per target: a bullet per entry, its id, source session and date in a comment.
    public static func markdown(_ entries: [MemoryEntry], target: MemoryTarget) -> String {
        var s = "# Talaria memory: \(target.rawValue)\n\n"
        s += "<!-- One entry per bullet. `talaria memory import FILE --target \(target.rawValue)` loads a file like this one. -->\n\n"
        for e in entries {
            let text = e.text.replacingOccurrences(of: "\n", with: " ")
            s += "- \(text)  <!-- id \(e.id) · \(e.sourceSessionID.map { "session \($0)" } ?? "no session") · \(day(e.createdAt))\(e.isActive ? "" : " · removed") -->\n"
        }
        return s
    }

    /// Entries in `text` (see ``MemoryText/entries(in:)``).
    public static func entries(in text: String) -> [String] { MemoryText.entries(in: text) }

    public struct Report: Sendable, Hashable {
        public var added = 0
        public var archived = 0
        public var duplicates = 0
        public var refused: [String] = []
    }

    /// Adds `texts` to `target`: duplicates skipped, secrets refused, entries past the prompt limit
    /// archived (still searchable) rather than lost.
    public static func load(_ texts: [String], into target: MemoryTarget, book: MemoryBook) throws(StoreError) -> Report {
        var report = Report()
        var existing = Set(try book.store.memory(target, includeRemoved: true).map { $0.text.lowercased() })
        for text in texts {
            guard !existing.contains(text.lowercased()) else { report.duplicates += 1; continue }
            if book.secretReason(text) != nil { report.refused.append(String(text.prefix(40)) + "… (looks like a secret)"); continue }
            let used = try book.used(target)
            let entry = try book.store.addMemory(target, text, sessionID: nil)
            if used + 3 + text.count > book.limits.limit(target) {
                try book.store.removeMemory(id: entry.id, sessionID: nil)
                report.archived += 1
            } else {
                report.added += 1
            }
            existing.insert(text.lowercased())
        }
        return report
    }

    public static func day(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: d)
    }
}
