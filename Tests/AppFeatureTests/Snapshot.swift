import Foundation
import Testing
import TUIKit

/// Compares a rendered screen with `__Snapshots__/<name>.<cols>x<rows>.txt`: the text, then
/// the same rows as style letters (`.` plain; a legend names each letter's colours and
/// attributes), so a changed colour or attribute fails as surely as changed text.
///
/// A missing file, or `RECORD_SNAPSHOTS=1`, records the screen and fails the test, so a
/// snapshot is never created silently in CI; review the new file and run again.
func assertSnapshot(_ buffer: ScreenBuffer, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("__Snapshots__")
    let file = dir.appendingPathComponent("\(name).\(buffer.cols)x\(buffer.rows).txt")
    let actual = snapshotText(buffer)
    let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
    if record || !FileManager.default.fileExists(atPath: file.path) {
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try? actual.write(to: file, atomically: true, encoding: .utf8)
        Issue.record("recorded snapshot \(file.lastPathComponent); review it and run again", sourceLocation: sourceLocation)
        return
    }
    let expected = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    #expect(actual == expected, "snapshot \(file.lastPathComponent) differs:\n\(actual)", sourceLocation: sourceLocation)
}

func snapshotText(_ buffer: ScreenBuffer) -> String {
    var out = buffer.lines().map { $0 + "|" }
    out.append("--- styles")
    var letters: [Style: Character] = [.plain: "."]
    let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    var legend: [String] = []
    for y in 0..<buffer.rows {
        var row = ""
        for x in 0..<buffer.cols {
            let cell = buffer[x, y]
            // Blank cells with only attributes that do not show (plain background) read as plain.
            let style = cell.symbol == " " && cell.style.background == .default && !cell.style.attributes.contains(.reverse)
                && !cell.style.attributes.contains(.underline) ? Style.plain : cell.style
            if letters[style] == nil {
                let letter = alphabet[min(letters.count - 1, alphabet.count - 1)]
                letters[style] = letter
                legend.append("\(letter) = \(describe(style))")
            }
            row.append(letters[style]!)
        }
        while row.hasSuffix(".") { row.removeLast() }
        out.append(row)
    }
    out.append("--- legend")
    out += legend
    return out.joined(separator: "\n") + "\n"
}

private func describe(_ s: Style) -> String {
    func color(_ c: Color) -> String {
        switch c {
        case .default: "default"
        case .indexed(let i): "\(i)"
        case .rgb(let r, let g, let b): "#" + [r, g, b].map { String(format: "%02x", $0) }.joined()
        }
    }
    var parts = ["fg \(color(s.foreground))", "bg \(color(s.background))"]
    let names: [(Attributes, String)] = [(.bold, "bold"), (.dim, "dim"), (.italic, "italic"), (.underline, "underline"),
                                         (.reverse, "reverse"), (.strikethrough, "strike")]
    for (a, n) in names where s.attributes.contains(a) { parts.append(n) }
    return parts.joined(separator: " ")
}
