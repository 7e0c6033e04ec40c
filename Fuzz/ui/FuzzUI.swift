import Foundation

// libFuzzer entry point for what the interface reads from files and models: theme and keymap
// files (any JSON, any problem reported, never a crash) and the markdown renderer over any text
// at any width (no line wider than the width from 8 columns up). Built by scripts/fuzz.sh with TUIKit, Markdown,
// AgentProtocol and AppFeature's Theme and Keymap (one module), linked with cmark-gfm.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)

    let (theme, themeErrors) = Theme.parse(text, source: "fuzz.json")
    precondition(theme != nil || !themeErrors.isEmpty, "a theme refused without a reason")
    let (keymap, keymapErrors) = KeymapFile.parse(text, source: "fuzz.json")
    precondition(keymap != nil || !keymapErrors.isEmpty, "a keymap refused without a reason")
    if let keymap { _ = KeymapFile.resolve("fuzz", files: ["fuzz": keymap]) }

    // Under 8 columns, gutters and bullets may pass the width a little (as the unit tests allow).
    let width = 1 + Int(first % 120)
    let bound = width >= 8 ? width : max(width, 2) + 4
    for line in Markdown.render(text, width: width) {
        precondition(line.width <= bound, "a rendered line of \(line.width) columns at width \(width)")
    }
    return 0
}
