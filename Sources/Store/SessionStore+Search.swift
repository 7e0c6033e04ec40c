import Foundation
import GRDB

/// One search hit: a message, its session, and a snippet with the matches marked.
public struct SearchHit: Sendable, Hashable, Codable {
    public var messageID: Int64
    public var sessionID: String
    public var sessionTitle: String?
    public var role: String
    public var createdAt: Date
    /// The matched text with each hit between ``SearchHit/highlightStart`` and ``SearchHit/highlightEnd``.
    public var snippet: String
    /// bm25 score (lower is better), adjusted for recency.
    public var score: Double

    public static let highlightStart = "\u{2}"
    public static let highlightEnd = "\u{3}"
}

extension SessionStore {
    /// How many of the most recent matches are scored; bounds the cost of very common terms.
    static let searchWindow = 2000

    /// Full-text search over every indexed message, best matches first.
    ///
    /// `query` is user text, never FTS syntax: it is split into words, each word is
    /// quoted so `AND(`, `"foo` or `-x` are plain text, and each matches as a prefix
    /// (`file` finds `files`). All words must match. (The index keeps no token
    /// positions, which halves its size; phrases therefore match as all-words.)
    /// The most recent ``searchWindow`` matches are ranked by bm25, nudged towards
    /// recent messages.
    public func search(_ query: String, limit: Int = 20, now: Date = Date()) throws(StoreError) -> [SearchHit] {
        guard let match = Self.ftsQuery(query) else { return [] }
        return try read { db in
            let rows = try Row.fetchAll(db, sql: """
                WITH hits AS (
                    SELECT rowid AS id, bm25(message_fts) AS rank,
                           snippet(message_fts, 0, ?, ?, '…', 16) AS snip
                    FROM message_fts WHERE message_fts MATCH ?
                    ORDER BY rowid DESC LIMIT ?
                )
                SELECT h.id, h.rank, h.snip, m.session_id, m.role, m.created_at, s.title
                FROM hits h JOIN message m ON m.id = h.id JOIN session s ON s.id = m.session_id
                """, arguments: [SearchHit.highlightStart, SearchHit.highlightEnd, match, Self.searchWindow])
            let nowT = now.timeIntervalSince1970
            var hits = rows.map { r -> SearchHit in
                let created: Double = r["created_at"]
                let ageDays = max(0, (nowT - created) / 86_400)
                // bm25 is negative (better = more negative); shrink it gently with age.
                let score = (r["rank"] as Double) / (1 + ageDays / 30)
                return SearchHit(messageID: r["id"], sessionID: r["session_id"], sessionTitle: r["title"], role: r["role"],
                                 createdAt: Date(timeIntervalSince1970: created), snippet: r["snip"], score: score)
            }
            hits.sort { $0.score != $1.score ? $0.score < $1.score : $0.messageID > $1.messageID }
            return Array(hits.prefix(limit))
        }
    }

    /// Turns user text into a safe FTS5 query; `nil` when it has no searchable word.
    public static func ftsQuery(_ text: String) -> String? {
        let words = text.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" })
        guard !words.isEmpty else { return nil }
        return words.prefix(32).map { "\"\($0)\"*" }.joined(separator: " ")
    }
}
