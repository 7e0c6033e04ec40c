import Foundation

/// One server-sent event: its `event:` name (if any) and its `data:` lines joined with `\n`.
public struct SSEEvent: Sendable, Hashable {
    public var event: String?
    public var data: String
    public var id: String?

    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}

/// An incremental `text/event-stream` decoder that accepts bytes split anywhere.
///
/// Lines end with LF, CRLF or CR; a blank line dispatches the event; lines starting
/// with `:` are comments; `data:` fields of one event are joined with `\n`; one space
/// after the colon is dropped. Bytes are buffered until a line is complete, so a
/// multi-byte character split across network reads decodes correctly.
///
/// ```
/// feed("data: {\"a\"")   -> []
/// feed(":1}\r\n\r\nda")  -> [SSEEvent(data: "{\"a\":1}")]
/// feed("ta: [DONE]\n\n") -> [SSEEvent(data: "[DONE]")]
/// ```
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var dataLines: [String] = []
    private var eventName: String?
    private var lastID: String?
    private var hasData = false
    /// The previous byte was a CR, so a following LF belongs to the same line break.
    private var afterCR = false

    public init() {}

    /// Consumes bytes and returns every event completed by them.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [SSEEvent] {
        var out: [SSEEvent] = []
        for b in bytes {
            if afterCR {
                afterCR = false
                if b == 0x0A { continue }
            }
            switch b {
            case 0x0A:
                endLine(into: &out)
            case 0x0D:
                afterCR = true
                endLine(into: &out)
            default:
                line.append(b)
            }
        }
        return out
    }

    /// Flushes a final event that the stream did not terminate with a blank line.
    public mutating func finish() -> [SSEEvent] {
        var out: [SSEEvent] = []
        if !line.isEmpty { endLine(into: &out) }
        dispatch(into: &out)
        return out
    }

    private mutating func endLine(into out: inout [SSEEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            dispatch(into: &out)
            return
        }
        if line[0] == 0x3A { return } // ":" comment / keep-alive
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = text[...]
            value = ""
        }
        switch field {
        case "data":
            dataLines.append(String(value))
            hasData = true
        case "event":
            eventName = String(value)
        case "id":
            lastID = String(value)
        default:
            break // "retry" and unknown fields are ignored, as the spec says
        }
    }

    private mutating func dispatch(into out: inout [SSEEvent]) {
        defer {
            dataLines.removeAll(keepingCapacity: true)
            eventName = nil
            hasData = false
        }
        guard hasData else { return }
        out.append(SSEEvent(event: eventName, data: dataLines.joined(separator: "\n"), id: lastID))
    }
}
