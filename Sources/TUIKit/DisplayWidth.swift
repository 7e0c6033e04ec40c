/// Terminal column widths of text: what a terminal really advances for each grapheme.
///
/// Rules, per grapheme cluster (a Swift `Character`):
/// - control characters: 0;
/// - a cluster whose scalars include one with emoji presentation, or a text-presentation
///   emoji followed by VS16 (U+FE0F): 2;
/// - East Asian Wide and Fullwidth (CJK, Hangul, kana, fullwidth forms): 2;
/// - combining marks and zero-width joiners ride on their base: the cluster counts as its base.
///
/// ```
/// width("a")   == 1      width("é") == 1 (e + U+0301)
/// width("漢")  == 2      width("👍🏽") == 2     width("👨‍👩‍👧") == 2
/// width("❤")   == 1      width("❤️") == 2 (VS16)
/// ```
public enum DisplayWidth {
    public static func of(_ c: Character) -> Int {
        let scalars = c.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if first.value < 0x20 || (0x7F..<0xA0).contains(first.value) { return 0 }
        if first.value < 0x300 { return 1 } // fast path: Latin
        if scalars.contains(where: { $0.properties.isEmojiPresentation }) { return 2 }
        if scalars.contains(where: { $0.value == 0xFE0F }) && first.properties.isEmoji { return 2 }
        let p = first.properties
        if p.generalCategory == .nonspacingMark || p.generalCategory == .enclosingMark || first.value == 0x200B { return 0 }
        return isWide(first.value) ? 2 : 1
    }

    /// The columns `text` occupies.
    public static func of(_ text: some StringProtocol) -> Int {
        var n = 0
        for c in text { n += of(c) }
        return n
    }

    /// East Asian Wide (W) and Fullwidth (F) ranges outside emoji (Unicode 15).
    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1B000...0x1B2FF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
