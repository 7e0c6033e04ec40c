// libFuzzer entry point for web_fetch's HTML reader: any bytes a server sends must parse and
// render to markdown without crashing or hanging, and what comes out is never longer than a
// bound of what went in (no runaway repetition).
// Built by scripts/fuzz.sh with HTMLTree.swift and HTMLMarkdown.swift (one module).
import Foundation

let base = URL(string: "https://site.example/docs/page")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let page = HTMLMarkdown(html: text, base: base)
    // Links gain their absolute address and tables their separator rows; nothing grows more.
    precondition(page.markdown.utf8.count <= 64 * text.utf8.count + 64, "the markdown outgrew its page")
    _ = HTMLTree.decodeEntities(text)
    return 0
}
