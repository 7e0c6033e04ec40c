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
    public var archived = false
    public var tags: [String] = []

    public static let highlightStart = "\u{2}"
    public static let highlightEnd = "\u{3}"

    /// The snippet with its matches between `start` and `end` (terminal bold, or nothing).
    public func snippet(markingWith start: String, _ end: String) -> String {
        snippet.replacingOccurrences(of: Self.highlightStart, with: start).replacingOccurrences(of: Self.highlightEnd, with: end)
    }
}

/// One session's matches for a query (``SessionStore/searchSessions(_:sessions:hitsPerSession:includeArchived:now:)``).
public struct SessionMatches: Sendable, Hashable, Codable {
    public var sessionID: String
    public var sessionTitle: String?
    public var archived: Bool
    public var tags: [String]
    /// How many of the session's messages match; a lower bound when `isCountComplete` is false
    /// (only the most recent matches of a very common query are counted).
    public var matchCount: Int
    public var isCountComplete: Bool
    /// When its newest matching message was written.
    public var newest: Date
    /// The best matching messages, best first.
    public var hits: [SearchHit]
}

extension SessionStore {
    /// How many of the most recent matches are scored; bounds the cost of very common words.
    static let searchWindow = 200
    /// The shortest last word that matches as a prefix.
    static let minPrefix = 3

    /// Full-text search over every indexed message, best matches first.
    ///
    /// `query` is user text, never FTS syntax: it is split into words, each quoted so `AND(`,
    /// `"foo` or `-x` are plain text; all words must match, and the last one (from 3
    /// characters) matches as a prefix (search as you type: `count fil` finds "count the files").
    ///
    /// Ranking is two-phase so cost does not grow with the corpus: FTS5 returns the
    /// ``searchWindow`` most recent matches (a backwards walk of the doclists, no scoring,
    /// first over the newest 100k messages, then over all of them if too few matched),
    /// they are scored here with BM25's term-frequency and length normalisation and a gentle
    /// recency factor, and `snippet()` runs only for the `limit` winners. (FTS5's own `bm25()`
    /// counts every match of every term to compute IDF, which at 1M messages costs tens of
    /// milliseconds for common words; all terms must match anyway, so IDF adds little here.)
    public func search(_ query: String, limit: Int = 20, includeArchived: Bool = false, now: Date = Date()) throws(StoreError) -> [SearchHit] {
        guard let matcher = Self.matcher(query) else { return [] }
        return try read { db in
            let ranked = try Self.ranked(db, query, matcher: matcher, needed: limit, includeArchived: includeArchived, now: now)
            return ranked.matches.prefix(limit).map { Self.hit($0, matcher: matcher) }
        }
    }

    /// Full-text search grouped by session: the sessions whose messages match, best first,
    /// each with how many of its messages match and its best `hitsPerSession` of them — a list
    /// of sessions to open, not fifty rows of one. Same ranking as ``search(_:limit:includeArchived:now:)``.
    public func searchSessions(_ query: String, sessions: Int = 20, hitsPerSession: Int = 3, includeArchived: Bool = false,
                               now: Date = Date()) throws(StoreError) -> [SessionMatches] {
        guard let matcher = Self.matcher(query) else { return [] }
        return try read { db in
            let ranked = try Self.ranked(db, query, matcher: matcher, needed: Self.searchWindow, includeArchived: includeArchived, now: now)
            var order: [String] = []
            var groups: [String: [Ranked]] = [:]
            for m in ranked.matches {
                if groups[m.sessionID] == nil { order.append(m.sessionID) }
                groups[m.sessionID, default: []].append(m)
            }
            return order.prefix(sessions).compactMap { id in
                guard let group = groups[id], let best = group.first else { return nil }
                return SessionMatches(sessionID: id, sessionTitle: best.title, archived: best.archived, tags: best.tags,
                                      matchCount: group.count, isCountComplete: !ranked.windowFull,
                                      newest: group.map(\.createdAt).max() ?? best.createdAt,
                                      hits: group.prefix(hitsPerSession).map { Self.hit($0, matcher: matcher) })
            }
        }
    }

    /// A scored match with what the hit and its group need.
    struct Ranked {
        var id: Int64
        var content: String
        var createdAt: Date
        var score: Double
        var sessionID: String
        var role: String
        var title: String?
        var archived: Bool
        var tags: [String]
    }

    static func matcher(_ query: String) -> TermMatcher? {
        ftsQuery(query) == nil ? nil : TermMatcher(terms: searchTerms(query))
    }

    static func hit(_ m: Ranked, matcher: TermMatcher) -> SearchHit {
        SearchHit(messageID: m.id, sessionID: m.sessionID, sessionTitle: m.title, role: m.role, createdAt: m.createdAt,
                  snippet: matcher.snippet(of: m.content), score: m.score, archived: m.archived, tags: m.tags)
    }

    /// The candidates scored and sorted, with their sessions, archived ones dropped unless asked
    /// for; `needed` bounds how many get their session looked up. `windowFull`: the candidate
    /// window was full, so older matches exist that were not scored.
    static func ranked(_ db: Database, _ query: String, matcher: TermMatcher, needed: Int, includeArchived: Bool,
                       now: Date) throws -> (matches: [Ranked], windowFull: Bool) {
        let terms = searchTerms(query)
        guard let match = ftsQuery(query) else { return ([], false) }
        var candidates: [Row]
        if let pairs = Unsegmented.query(terms) {
            // Chinese, Japanese, Thai…: any substring, through the pair index; the other terms
            // (and the exact substrings) are checked on the candidates' text.
            candidates = try Self.candidates(db, pairs, table: "message_pairs").filter { matcher.matchesAll($0["content"]) }
        } else if let last = terms.last, last.count > minPrefix, let short = ftsQuery(query, shortenLastTo: minPrefix) {
            // A long prefix (`that*`) would make FTS5 merge every matching term's whole
            // doclist; its 3-letter prefix is served by the prefix index lazily. Keep the
            // candidates that really have the long prefix; if too few do, ask exactly.
            candidates = try Self.candidates(db, short).filter { matcher.matchesAll($0["content"]) }
            if candidates.count < needed { candidates = try Self.candidates(db, match) }
        } else {
            candidates = try Self.candidates(db, match)
        }
        let nowT = now.timeIntervalSince1970
        var scored: [(row: Row, score: Double)] = candidates.map { r in
            let ageDays = max(0, (nowT - (r["created_at"] as Double)) / 86_400)
            return (r, matcher.relevance(of: r["content"]) / (1 + ageDays / 30))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : ($0.row["id"] as Int64) > ($1.row["id"] as Int64) }
        // Archived sessions' hits are dropped after ranking: take extra to still fill `needed`.
        let top = scored.prefix(includeArchived ? needed : needed * 3)
        guard !top.isEmpty else { return ([], false) }
        var meta: [Int64: Row] = [:]
        for r in try Row.fetchAll(db, sql: """
            SELECT m.id, m.session_id, m.role, s.title, s.archived, s.tags FROM message m JOIN session s ON s.id = m.session_id
            WHERE m.id IN (\(top.map { String($0.row["id"] as Int64) }.joined(separator: ",")))
            """) { meta[r["id"]] = r }
        let matches = top.compactMap { r, score -> Ranked? in
            guard let m = meta[r["id"]], includeArchived || (m["archived"] as Int) == 0 else { return nil }
            return Ranked(id: r["id"], content: r["content"], createdAt: Date(timeIntervalSince1970: r["created_at"]), score: score,
                          sessionID: m["session_id"], role: m["role"], title: m["title"], archived: (m["archived"] as Int) != 0,
                          tags: (m["tags"] as String).split(separator: " ").map(String.init))
        }
        return (matches, candidates.count >= searchWindow)
    }

    /// The ``searchWindow`` newest matches: first among the newest 100k messages, then among
    /// all of them if too few matched there.
    static func candidates(_ db: Database, _ match: String, table: String = "message_fts") throws -> [Row] {
        let maxID = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM message") ?? 0
        var lower = maxID - 100_000
        while true {
            let rows = try Row.fetchAll(db, sql: """
                SELECT m.id, m.content, m.created_at
                FROM (SELECT rowid FROM \(table) WHERE \(table) MATCH ? AND rowid > ? ORDER BY rowid DESC LIMIT ?) h
                JOIN message m ON m.id = h.rowid
                """, arguments: [match, lower, searchWindow])
            if rows.count >= searchWindow / 4 || lower <= 0 { return rows }
            lower = 0
        }
    }

    /// Turns user text into a safe FTS5 query; `nil` when it has no searchable word.
    public static func ftsQuery(_ text: String, shortenLastTo: Int? = nil) -> String? {
        var words = searchTerms(text)
        if let n = shortenLastTo, let last = words.last { words[words.count - 1] = String(last.prefix(n)) }
        guard !words.isEmpty else { return nil }
        // Only the last word is a prefix, and only from 3 characters: the index stores 3-letter
        // prefixes, so the query never expands into a doclist of half the corpus.
        return words.enumerated().map { i, w in i == words.count - 1 && w.count >= Self.minPrefix ? "\"\(w)\"*" : "\"\(w)\"" }
            .joined(separator: " ")
    }

    /// Query words: letters, digits and `_`, at most 16.
    static func searchTerms(_ text: String) -> [String] {
        text.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" }).prefix(16).map(String.init)
    }

    /// Kept for callers that score one text; see ``TermMatcher``.
    static func relevance(of content: String, terms: [String]) -> Double {
        TermMatcher(terms: terms).relevance(of: content)
    }
}

/// Matches query terms against message text the way the index tokenizer does.
///
/// Works on UTF-8 bytes: ASCII is lowercased in place, and only words with non-ASCII letters
/// are folded through Foundation (as `remove_diacritics` does), so scoring 500 candidates
/// and cutting 20 snippets costs well under a millisecond.
struct TermMatcher {
    private let terms: [[UInt8]]
    private let lastIsPrefix: Bool
    /// Terms in a script written without spaces match inside a word (`超时` in `数据库连接超时`).
    private let inside: [Bool]

    init(terms: [String]) {
        self.terms = terms.map { Array(Self.fold($0).utf8) }
        lastIsPrefix = terms.last.map { $0.count >= SessionStore.minPrefix } ?? false
        inside = terms.map { $0.unicodeScalars.contains(where: Unsegmented.isUnsegmented) }
    }

    static func contains(_ word: [UInt8], _ part: [UInt8]) -> Bool {
        guard !part.isEmpty, part.count <= word.count else { return part.isEmpty }
        for start in 0...(word.count - part.count) where word[start] == part[0] && word[start..<(start + part.count)].elementsEqual(part) {
            return true
        }
        return false
    }

    /// Calls `body(range, matchedTerms)` for every word of `text`, in order (a word of
    /// unsegmented text may hold several terms).
    private func scan(_ text: String, _ body: (Range<Int>, [Int]) -> Void) {
        var text = text
        text.withUTF8 { scan(bytes: $0, body) }
    }

    private func scan(bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>, [Int]) -> Void) {
        var word: [UInt8] = []
        word.reserveCapacity(64)
        var start = 0
        var nonASCII = false
        func finish(_ end: Int) {
            guard !word.isEmpty else { return }
            let text = nonASCII ? Self.fold(String(decoding: word, as: UTF8.self)) : ""
            let w = nonASCII ? Array(text.utf8) : word
            // A word with unsegmented text in it (`调用api请求超时`) holds other words: any term may be inside.
            let mixed = nonASCII && text.unicodeScalars.contains(where: Unsegmented.isUnsegmented)
            var hits: [Int] = []
            for i in terms.indices where inside[i] || mixed ? Self.contains(w, terms[i]) : i == terms.count - 1 && lastIsPrefix ? w.starts(with: terms[i]) : w == terms[i] {
                hits.append(i)
                if !mixed { break }
            }
            body(start..<end, hits)
            word.removeAll(keepingCapacity: true)
            nonASCII = false
        }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            var width = 1
            let isWord: Bool
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                isWord = true
            case 0x80...:
                // Like unicode61: letters, digits and marks join words; other symbols separate.
                width = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                width = min(width, bytes.count - i)
                var scalar: Unicode.Scalar?
                var decoder = UTF8()
                var it = UnsafeBufferPointer(rebasing: bytes[i..<(i + width)]).makeIterator()
                if case .scalarValue(let v) = decoder.decode(&it) { scalar = v }
                if let p = scalar?.properties {
                    isWord = p.isAlphabetic || p.numericType != nil || p.generalCategory == .nonspacingMark || p.generalCategory == .spacingMark
                } else {
                    isWord = false
                }
            default:
                isWord = false
            }
            if isWord {
                if word.isEmpty { start = i }
                for k in i..<(i + width) { word.append(bytes[k] >= 0x41 && bytes[k] <= 0x5A ? bytes[k] | 0x20 : bytes[k]) }
                if b >= 0x80 { nonASCII = true }
            } else {
                finish(i)
            }
            i += width
        }
        finish(bytes.count)
    }

    /// Whether every term occurs in `text`.
    func matchesAll(_ text: String) -> Bool {
        var seen = [Bool](repeating: false, count: terms.count)
        scan(text) { _, hits in for h in hits { seen[h] = true } }
        return !seen.contains(false)
    }

    /// BM25's saturating term frequency with length normalisation (k1 = 1.2, b = 0.75), without IDF.
    func relevance(of text: String) -> Double {
        guard !terms.isEmpty else { return 0 }
        var counts = [Int](repeating: 0, count: terms.count)
        var length = 0
        scan(text) { _, hits in
            length += 1
            for h in hits { counts[h] += 1 }
        }
        let norm = 1.2 * (0.25 + 0.75 * Double(max(length, 1)) / 40)
        return counts.reduce(0.0) { $0 + Double($1) * 2.2 / (Double($1) + norm) }
    }

    /// About `words` words around the first match, matches marked, newlines as spaces.
    func snippet(of text: String, words: Int = 16) -> String {
        var ranges: [(Range<Int>, Bool)] = []
        scan(text) { r, hits in ranges.append((r, !hits.isEmpty)) }
        guard !ranges.isEmpty else { return String(text.prefix(120)) }
        let first = ranges.firstIndex { $0.1 } ?? 0
        let from = max(0, min(first - 3, ranges.count - words))
        let to = min(ranges.count, from + words)
        let bytes = Array(text.utf8)
        // Start after the previous word, not at this one: `/bin/bash: primes` keeps its slashes.
        var out: [UInt8] = from > 0 ? Array("…".utf8) : []
        var cursor = from > 0 ? ranges[from - 1].0.upperBound : 0
        while cursor < ranges[from].0.lowerBound, bytes[cursor] == UInt8(ascii: " ") || bytes[cursor] == UInt8(ascii: "\n") || bytes[cursor] == UInt8(ascii: "\t") {
            cursor += 1
        }
        for (r, hit) in ranges[from..<to] {
            out += bytes[cursor..<r.lowerBound]
            if hit { out += Array(SearchHit.highlightStart.utf8) }
            out += bytes[r]
            if hit { out += Array(SearchHit.highlightEnd.utf8) }
            cursor = r.upperBound
        }
        if to < ranges.count { out += Array("…".utf8) } else { out += bytes[cursor...] }
        return String(decoding: out, as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
    }

    static func fold(_ s: String) -> String {
        s.allSatisfy(\.isASCII) ? s.lowercased() : s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }
}
