import Foundation
@testable import LLMClient
import Testing

@Suite("SSE parser")
struct SSEParserTests {
    func parseAll(_ text: String) -> [SSEEvent] {
        var p = SSEParser()
        return p.feed(Data(text.utf8)) + p.finish()
    }

    @Test("LF, CRLF and CR line endings give the same events")
    func lineEndings() {
        let lf = "data: a\n\ndata: b\n\n"
        #expect(parseAll(lf).map(\.data) == ["a", "b"])
        #expect(parseAll(lf.replacingOccurrences(of: "\n", with: "\r\n")).map(\.data) == ["a", "b"])
        #expect(parseAll(lf.replacingOccurrences(of: "\n", with: "\r")).map(\.data) == ["a", "b"])
    }

    @Test("multi-line data fields are joined with a newline; comments and unknown fields are ignored")
    func multiLineAndComments() {
        let events = parseAll(": keep-alive\nevent: message\nid: 7\nretry: 100\ndata: line1\ndata:line2\nfoo: bar\n\n")
        #expect(events == [SSEEvent(event: "message", data: "line1\nline2", id: "7")])
    }

    @Test("an event without a trailing blank line is flushed at the end")
    func unterminated() {
        #expect(parseAll("data: {\"x\":1}").map(\.data) == ["{\"x\":1}"])
    }

    @Test("chunks split at every byte, including inside a multi-byte character, give the same events")
    func splitAnywhere() {
        let text = "data: {\"content\":\"héllo 🌍 世界\"}\r\n\r\n: c\n\ndata: [DONE]\n\n"
        let whole = parseAll(text)
        #expect(whole.count == 2)
        let bytes = Array(text.utf8)
        for cut in 1..<bytes.count {
            var p = SSEParser()
            let events = p.feed(bytes[..<cut]) + p.feed(bytes[cut...]) + p.finish()
            #expect(events == whole, "split at byte \(cut)")
        }
        var p = SSEParser()
        var oneByOne: [SSEEvent] = []
        for b in bytes { oneByOne += p.feed([b]) }
        #expect(oneByOne + p.finish() == whole)
    }

    @Test("a CR at the end of one chunk and LF at the start of the next is one line break")
    func crlfAcrossChunks() {
        var p = SSEParser()
        let a = p.feed(Data("data: x\r".utf8))
        let b = p.feed(Data("\n\r\n".utf8))
        #expect(a + b == [SSEEvent(data: "x")])
    }
}
