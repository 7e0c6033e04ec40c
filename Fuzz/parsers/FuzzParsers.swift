import Foundation

// libFuzzer entry point for the wire parsers: SSE framing, think/tool_call tag splitting,
// text tool-call recognition, chunk assembly and the JSON reader. Built by scripts/fuzz.sh together with
// the LLMClient and AgentProtocol sources (one module), with -sanitize=fuzzer,address.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let body = Array(bytes.dropFirst())
    // The first byte picks where to split the rest, so chunk boundaries are fuzzed too.
    let cut = body.isEmpty ? 0 : Int(first) % (body.count + 1)

    var whole = SSEParser()
    let a = whole.feed(body) + whole.finish()
    var split = SSEParser()
    let b = split.feed(body[..<cut]) + split.feed(body[cut...]) + split.finish()
    precondition(a == b, "SSE events depend on where the stream was split")

    let text = String(decoding: body, as: UTF8.self)
    var s1 = ContentSplitter()
    var s2 = ContentSplitter()
    let idx = text.index(text.startIndex, offsetBy: min(cut, text.count))
    let one = s1.feed(text) + s1.finish()
    let two = s2.feed(String(text[..<idx])) + s2.feed(String(text[idx...])) + s2.finish()
    precondition(ContentSplitter.coalesce(one) == ContentSplitter.coalesce(two), "tag splitting depends on chunk boundaries")

    // The JSON reader (tool arguments): agrees with Foundation's decoder on what is JSON, and
    // what it reads, written back and read again, is the same value.
    let reader = JSONReader.parse(text)
    let foundation = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    if let reader {
        var w = JSONWriter()
        w.value(reader)
        precondition(JSONReader.parse(String(decoding: w.bytes, as: UTF8.self)) == reader, "JSON read, written and read again differs")
        if let foundation { precondition(foundation == reader, "the JSON reader and JSONDecoder disagree on a value") }
    }

    var n = 0
    _ = TextToolCalls.recognize(in: text, known: ["terminal", "read_file"]) { n += 1; return "id\(n)" }
    _ = TextToolCalls.parseHermes(text, id: "x")

    var assembler = ResponseAssembler(knownTools: ["terminal"])
    for event in a {
        if let chunk = CompletionChunk(json: event.data) {
            _ = try? assembler.consume(chunk)
        }
    }
    _ = assembler.finish { n += 1; return "id\(n)" }
    return 0
}
