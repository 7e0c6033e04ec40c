// libFuzzer entry point for memory's text formats: any Markdown/Hermes file a user imports and
// any answer the user-model pass gets from a model must parse without crashing, and what comes
// out is well-formed (no empty entry, confidences within 0...1, no entry longer than the input).
// Built by scripts/fuzz.sh with MemoryText.swift (one module).
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for e in MemoryText.entries(in: text) {
        precondition(!e.isEmpty, "an empty entry")
        precondition(e.unicodeScalars.count <= text.unicodeScalars.count, "an entry longer than the file")
    }
    for change in MemoryText.factChanges(in: text) {
        switch change {
        case .new(let c, let t), .contradict(_, let c, let t):
            precondition((0...1).contains(c), "confidence \(c) out of range")
            precondition(!t.isEmpty, "an empty fact")
        case .confirm:
            break
        }
    }
    return 0
}
