// libFuzzer entry point for the approval policy's shell reader: any command line a model may
// write must parse and be judged without crashing, in linear-ish time, and a command that is
// judged dangerous stays dangerous after a harmless command before it.
// Built by scripts/fuzz.sh with ShellWords.swift and CommandPolicy.swift (one module).
import Foundation

let policy = CommandPolicy(workspace: "/home/u/proj", home: "/home/u")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let line = ShellLine.parse(text)
    precondition(line.nested.allSatisfy { $0.unicodeScalars.count <= text.unicodeScalars.count }, "a nested command longer than the line")
    let verdict = policy.reason(text)
    // A newline ends any unterminated quote or substitution only inside them, so compare with
    // a prefix that cannot merge with the text: a separate line that is harmless.
    if verdict != nil, !text.contains("'"), !text.contains("\""), !text.contains("`"), !text.contains("("), !text.contains("\\") {
        precondition(policy.reason("true\n" + text) != nil, "a harmless command before it hid a dangerous one")
    }
    return 0
}
