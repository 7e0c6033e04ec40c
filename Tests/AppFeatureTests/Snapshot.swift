import Foundation
import Testing
import TUIKit

/// Compares a rendered screen with `__Snapshots__/<name>.<cols>x<rows>.txt`.
///
/// A missing file, or `RECORD_SNAPSHOTS=1`, records the screen and fails the test, so a
/// snapshot is never created silently in CI; review the new file and run again.
func assertSnapshot(_ buffer: ScreenBuffer, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("__Snapshots__")
    let file = dir.appendingPathComponent("\(name).\(buffer.cols)x\(buffer.rows).txt")
    let actual = buffer.lines().map { $0 + "|" }.joined(separator: "\n") + "\n"
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
