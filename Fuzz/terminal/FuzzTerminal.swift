// libFuzzer entry point for the terminal-facing parsers: the input decoder (keys, pastes,
// mouse) and the VT screen of tool output, with the screen buffer and wrapping they feed.
// Built by scripts/fuzz.sh with the TUIKit sources (one module), -sanitize=fuzzer,address.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let body = Array(bytes.dropFirst())
    let cut = body.isEmpty ? 0 : Int(first) % (body.count + 1)

    // What the decoder makes of input must not depend on how the terminal split it.
    var whole = InputDecoder()
    let a = whole.feed(body) + whole.flush()
    var split = InputDecoder()
    let b = split.feed(body[..<cut]) + split.feed(body[cut...]) + split.flush()
    precondition(a == b, "decoded input depends on where it was split")

    let text = String(decoding: body, as: UTF8.self)
    var vt = VTScreen(columns: 17, maxLines: 40)
    vt.feed(text)
    precondition(vt.lines.count <= 40)
    for line in vt.lines { precondition(line.count <= 17, "a VT line is wider than the screen") }

    let width = Int(first % 23) + 1
    for line in Wrap.lines(text, width: width) {
        precondition(DisplayWidth.of(line) <= max(width, 2), "a wrapped line is wider than its width")
    }
    var screen = ScreenBuffer(cols: 11, rows: 2)
    screen.put(text, x: Int(first % 13) - 1, y: 1)
    let next = ScreenBuffer(cols: 11, rows: 2)
    _ = screen.diff(to: next)
    return 0
}
