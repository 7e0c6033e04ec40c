import Foundation

/// Scripts written without spaces between words — Chinese, Japanese, Korean's attached
/// particles, Thai, Lao, Khmer, Myanmar. The main index's tokenizer (unicode61) makes a whole run
/// of them one token, so a word inside the run could not be found. Such runs are indexed a
/// second time, as overlapping pairs of characters (`数据库` → `数据 据库 库`), in a small
/// table of their own that only messages holding such text enter; a query's run becomes the
/// phrase of its pairs, so any substring matches.
enum Unsegmented {
    static func isUnsegmented(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FA1F, // kana, CJK
             0xAC00...0xD7AF, 0x1100...0x11FF, 0x3130...0x318F, // Hangul
             0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF: // Thai, Lao, Myanmar, Khmer
            true
        default: false
        }
    }

    /// SQLite GLOB for "holds such text" (the indexer's filter; the ranges above, by their main blocks).
    static let glob = "*[぀-ヿ㐀-䶿一-鿿豈-﫿가-힯ᄀ-ᇿ㄰-㆏฀-໿က-႟ក-៿]*"

    /// The maximal runs of such characters in `text`.
    static func runs(_ text: String) -> [[Character]] {
        var out: [[Character]] = []
        var run: [Character] = []
        for ch in text {
            if let s = ch.unicodeScalars.first, isUnsegmented(s) { run.append(ch) } else if !run.isEmpty {
                out.append(run)
                run = []
            }
        }
        if !run.isEmpty { out.append(run) }
        return out
    }

    /// What the pair index holds for `text`: each run's pairs and its last character; nil
    /// when there is no run.
    static func indexText(_ text: String) -> String? {
        let all = runs(text)
        guard !all.isEmpty else { return nil }
        return all.map(tokens).joined(separator: " . ")
    }

    static func tokens(_ run: [Character]) -> String {
        guard run.count > 1 else { return String(run) }
        var t = (0..<(run.count - 1)).map { String(run[$0...$0 + 1]) }
        t.append(String(run[run.count - 1]))
        return t.joined(separator: " ")
    }

    /// The pair index's query for `terms`: every run of each term, as the phrase of its pairs
    /// (a run of one character: any pair starting with it); nil when no term has a run.
    static func query(_ terms: [String]) -> String? {
        let phrases = terms.flatMap(runs).map { run -> String in
            if run.count == 1 { return "\"\(String(run))\"*" }
            return "\"" + (0..<(run.count - 1)).map { String(run[$0...$0 + 1]) }.joined(separator: " ") + "\""
        }
        return phrases.isEmpty ? nil : phrases.joined(separator: " ")
    }
}
