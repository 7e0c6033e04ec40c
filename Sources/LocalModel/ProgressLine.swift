import Foundation

/// One progress line on stderr: redrawn in place on a terminal, a line every so often otherwise.
public final class ProgressLine: @unchecked Sendable {
    private let tty = isatty(2) == 1
    private let lock = NSLock()
    private var last = ""
    private var lastPrinted = Date.distantPast

    public init() {}

    public func show(_ p: LocalModelInstaller.Progress) {
        lock.withLock {
            let bar = p.fraction.map { f in " [" + String(repeating: "#", count: Int(f * 20)) + String(repeating: ".", count: 20 - Int(f * 20)) + "]" } ?? ""
            let text = p.note + bar
            guard text != last else { return }
            last = text
            if tty {
                FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
            } else if Date().timeIntervalSince(lastPrinted) > 5 || p.fraction == nil {
                lastPrinted = Date()
                FileHandle.standardError.write(Data((text + "\n").utf8))
            }
        }
    }

    public func end() { if tty, !last.isEmpty { FileHandle.standardError.write(Data("\n".utf8)) } }
}
