import Foundation
import Synchronization

/// A minimal, instant OpenAI-compatible server on 127.0.0.1 for `talaria bench`.
///
/// Answers `/v1/chat/completions` with SSE: while the conversation after the last user message
/// has fewer assistant tool-call messages than `rounds=N` in the first user message, one tool
/// call, then a short text answer (with `stream=N rate=R`, N tokens paced at R a second). The call
/// is `terminal {"command":"true"}`; `sleep N` with `sleep=N`; from the second call on
/// `nohup sleep M | cat` with `sleep2=M`; with `use=a,b,c` the calls cycle through those tools.
/// One thread per connection.
final class InstantLLMServer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    /// When a `stream=N` answer sent its first and its last token (the streaming benchmark
    /// measures the screen against these, not against when it typed the prompt).
    static let streamTimes = Mutex<(first: ContinuousClock.Instant?, last: ContinuousClock.Instant?)>((nil, nil))

    /// The body of the last opening request of a `rounds=N` turn (the loop's floor replays it).
    static let openingRequest = Mutex<Data?>(nil)

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "cannot listen on 127.0.0.1"]) }
        port = UInt16(bigEndian: addr.sin_port)
        let listener = fd
        Thread {
            while true {
                let c = accept(listener, nil, nil)
                if c < 0 { return }
                Thread { Self.serve(c) }.start()
            }
        }.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    private static func serve(_ c: Int32) {
        defer { close(c) }
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var data = [UInt8]()
        while true {
            // Read one request (headers + Content-Length body); keep-alive loop.
            var headerEnd: Int?
            var contentLength = 0
            while true {
                if headerEnd == nil, let r = find(data, [13, 10, 13, 10]) {
                    headerEnd = r + 4
                    let head = String(decoding: data[..<r], as: UTF8.self).lowercased()
                    for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                        contentLength = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
                if let h = headerEnd, data.count >= h + contentLength { break }
                let n = read(c, &buf, buf.count)
                if n <= 0 { return }
                data += buf[0..<n]
            }
            let h = headerEnd!
            let head = String(decoding: data[..<h], as: UTF8.self)
            let body = Data(data[h..<(h + contentLength)])
            data.removeFirst(h + contentLength)
            let response: String
            if head.hasPrefix("POST") && head.contains("/chat/completions"), let (tokens, rate) = streamRequest(body), toolRoundsDone(body) {
                streamSlowly(c, tokens: tokens, rate: rate)
                return
            } else if head.hasPrefix("POST") && head.contains("/chat/completions") {
                response = completion(body)
            } else if head.hasPrefix("GET") && head.contains("/v1/models") {
                response = http(200, "application/json", #"{"object":"list","data":[{"id":"fake-model"}]}"#)
            } else {
                response = http(404, "application/json", #"{"error":{"message":"not found"}}"#)
            }
            _ = response.utf8CString.withUnsafeBufferPointer { p in write(c, p.baseAddress, p.count - 1) }
        }
    }

    /// `stream=N rate=R` in the first user message: N tokens at R tokens a second.
    private static func streamRequest(_ body: Data) -> (Int, Double)? {
        let scan = RequestScan(body)
        return scan.number("stream=").map { (Int($0), scan.number("rate=") ?? 2000) }
    }

    /// Whether a turn's `rounds=N` tool calls (if any) are all made, so its answer is due.
    private static func toolRoundsDone(_ body: Data) -> Bool {
        let scan = RequestScan(body)
        let rounds = Int(scan.number("rounds=") ?? 0)
        return rounds == 0 || !scan.has(#""tools":"#) || scan.resultsAfterLastUser >= rounds
    }

    /// Streams markdown-ish words at a fixed rate (paced against the clock, not by sleeps
    /// alone), then `END-OF-STREAM`, and closes the connection.
    private static func streamSlowly(_ c: Int32, tokens: Int, rate: Double) {
        func send(_ s: String) { _ = s.utf8CString.withUnsafeBufferPointer { p in write(c, p.baseAddress, p.count - 1) } }
        send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        let start = Date()
        streamTimes.withLock { $0 = (ContinuousClock.now, nil) }
        for i in 0..<tokens {
            let piece = i % 60 == 59 ? "\\n\\n" : (i % 15 == 0 ? "**w\(i)** " : "word\(i) ")
            send("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\(piece)\"},\"finish_reason\":null}]}\n\n")
            let due = start.addingTimeInterval(Double(i + 1) / rate)
            let wait = due.timeIntervalSinceNow
            if wait > 0 { usleep(UInt32(wait * 1e6)) }
        }
        send("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"END-OF-STREAM\"},\"finish_reason\":\"stop\"}]}\n\n")
        streamTimes.withLock { $0.last = ContinuousClock.now }
        send("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":\(tokens)}}\n\ndata: [DONE]\n\n")
    }

    private static func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    private static func http(_ status: Int, _ type: String, _ body: String) -> String {
        "HTTP/1.1 \(status) OK\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    private static func completion(_ body: Data) -> String {
        let scan = RequestScan(body)
        let rounds = Int(scan.number("rounds=") ?? 0), delegate = Int(scan.number("delegate=") ?? 0)
        let done = scan.resultsAfterLastUser
        let hasTools = scan.has(#""tools":"#)
        if hasTools && rounds > 0 && done == 0 { openingRequest.withLock { $0 = body } }
        var sse = ""
        func event(_ json: String) { sse += "data: \(json)\n\n" }
        if hasTools && delegate > 0 && done == 0 {
            // `delegate=N`: one delegate_task call handing out N tasks (the children answer at once).
            let tasks = (1...delegate).map { #"{\"goal\": \"child \#($0): say hello\"}"# }.joined(separator: ", ")
            event(#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_d","type":"function","function":{"name":"delegate_task","arguments":"{\"tasks\": [\#(tasks)]}"}}]},"finish_reason":null}]}"#)
            event(#"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#)
        } else if hasTools && done < rounds {
            // The second sleep ignores the hangup a closing terminal sends (only an explicit kill ends it).
            let second = done > 0 ? scan.number("sleep2=").map { "nohup sleep \(String(format: "%g", $0)) | cat" } : nil
            let command = second ?? scan.number("sleep=").map { "sleep \(String(format: "%g", $0))" } ?? "true"
            // `use=a,b,c`: the calls cycle through these tools instead of the terminal alone.
            let tools = scan.word("use=").map { $0.split(separator: ",").map(String.init) } ?? []
            let name = tools.isEmpty ? "terminal" : tools[done % tools.count]
            let arguments = switch name {
            case "terminal": #"{\"command\":\"\#(command)\"}"#
            case "session_search": #"{\"query\":\"soak\"}"#
            default: "{}"
            }
            event(#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_\#(done)","type":"function","function":{"name":"\#(name)","arguments":"\#(arguments)"}}]},"finish_reason":null}]}"#)
            event(#"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#)
        } else {
            for piece in ["Hello", "! ", "Done", "."] { event(#"{"choices":[{"index":0,"delta":{"content":"\#(piece)"},"finish_reason":null}]}"#) }
            event(#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#)
        }
        event(#"{"choices":[],"usage":{"prompt_tokens":100,"completion_tokens":5}}"#)
        sse += "data: [DONE]\n\n"
        return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: \(sse.utf8.count)\r\n\r\n" + sse
    }
}

/// What the server needs of a request, found by scanning its bytes rather than decoding it,
/// so that answering costs next to nothing beside the client's own work (the loop's floor
/// is measured against this server too).
private struct RequestScan {
    let bytes: [UInt8]
    init(_ body: Data) { bytes = Array(body) }

    func has(_ s: String) -> Bool { index(of: s, from: 0) != nil }

    /// The number after the first `key` (as `rounds=20`), if any.
    func number(_ key: String) -> Double? {
        guard let r = index(of: key, from: 0) else { return nil }
        let digits = bytes[(r + key.utf8.count)...].prefix { ($0 >= 48 && $0 <= 57) || $0 == 46 }
        return Double(String(decoding: digits, as: UTF8.self))
    }

    /// The word after the first `key` (letters, digits, `_`, `-` and `,`), if any.
    func word(_ key: String) -> String? {
        guard let r = index(of: key, from: 0) else { return nil }
        let chars = bytes[(r + key.utf8.count)...].prefix { b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 45 || b == 44
        }
        return chars.isEmpty ? nil : String(decoding: chars, as: UTF8.self)
    }

    /// Tool results after the last user message: the calls already made this turn.
    var resultsAfterLastUser: Int {
        var start = 0
        for key in [#""role":"user""#, #""role": "user""#] {
            var i = 0
            while let r = index(of: key, from: i) { start = max(start, r); i = r + 1 }
        }
        var n = 0
        while let r = index(of: #""tool_call_id""#, from: start) { n += 1; start = r + 1 }
        return n
    }

    /// Where `s` first occurs at or after `from`.
    private func index(of s: String, from: Int) -> Int? {
        let needle = Array(s.utf8)
        guard let first = needle.first, from + needle.count <= bytes.count else { return nil }
        return bytes.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { n in
                var i = from
                let last = hay.count - n.count
                while i <= last {
                    if hay[i] == first && memcmp(hay.baseAddress! + i, n.baseAddress!, n.count) == 0 { return i }
                    i += 1
                }
                return nil
            }
        }
    }
}
