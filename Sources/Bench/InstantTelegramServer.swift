import AgentProtocol
import Foundation

/// A minimal Telegram Bot API on 127.0.0.1 for `talaria bench gateway`: `getUpdates` long-polls
/// an in-memory queue (offsets acknowledged as Telegram does), `sendMessage` is counted per
/// chat, every other method answers ok. One thread per connection, keep-alive.
final class InstantTelegramServer: @unchecked Sendable {
    let port: UInt16
    let token = "100:bench"
    private let fd: Int32
    private let lock = NSCondition()
    private var queue: [String] = []          // updates as JSON, in id order
    private var queueIDs: [Int] = []
    private var nextUpdate = 1
    private var nextMessage = 1
    private var answered: [String: Int] = [:] // chat → sendMessage count

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
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
                Thread { self.serve(c) }.start()
            }
        }.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `user` writes `text` in `chat`.
    func message(chat: Int, user: Int, text: String) {
        lock.lock()
        let id = nextUpdate
        nextUpdate += 1
        var w = JSONWriter()
        w.value(["update_id": .number(Double(id)), "message": .object([
            "message_id": .number(Double(id)), "date": .number(Date().timeIntervalSince1970.rounded()), "text": .string(text),
            "chat": ["id": .number(Double(chat)), "type": "private"],
            "from": ["id": .number(Double(user)), "is_bot": false, "first_name": "bench"],
        ])])
        queue.append(String(decoding: w.bytes, as: UTF8.self))
        queueIDs.append(id)
        lock.broadcast()
        lock.unlock()
    }

    /// Messages the bot has sent, in all.
    var sentCount: Int { lock.lock(); defer { lock.unlock() }; return answered.values.reduce(0, +) }

    private func serve(_ c: Int32) {
        defer { close(c) }
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var data = [UInt8]()
        while true {
            var headerEnd: Int?, length = 0
            while true {
                if headerEnd == nil, let r = data.firstRange(of: [13, 10, 13, 10]) {
                    headerEnd = r.upperBound
                    let head = String(decoding: data[..<r.lowerBound], as: UTF8.self).lowercased()
                    for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                        length = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
                if let h = headerEnd, data.count >= h + length { break }
                let n = read(c, &buf, buf.count)
                if n <= 0 { return }
                data += buf[0..<n]
            }
            let h = headerEnd!
            let head = String(decoding: data[..<h], as: UTF8.self)
            let body = JSONReader.parse(String(decoding: data[h..<(h + length)], as: UTF8.self)) ?? .null
            data.removeFirst(h + length)
            let path = head.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            let method = path.split(separator: "/").last.map(String.init) ?? ""
            let result: String
            switch method {
            case "getUpdates": result = updates(after: body["offset"]?.intValue ?? 0, timeout: min(body["timeout"]?.doubleValue ?? 0, 1))
            case "sendMessage":
                lock.lock()
                answered[body["chat_id"]?.stringValue ?? "", default: 0] += 1
                let id = nextMessage
                nextMessage += 1
                lock.unlock()
                result = #"{"message_id":\#(id)}"#
            default: result = "true"
            }
            let reply = #"{"ok":true,"result":\#(result)}"#
            let response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(reply.utf8.count)\r\n\r\n\(reply)"
            _ = response.utf8CString.withUnsafeBufferPointer { p in write(c, p.baseAddress, p.count - 1) }
        }
    }

    private func updates(after offset: Int, timeout: Double) -> String {
        lock.lock()
        defer { lock.unlock() }
        while let first = queueIDs.first, first < offset {
            queueIDs.removeFirst()
            queue.removeFirst()
        }
        let deadline = Date().addingTimeInterval(timeout)
        while queue.isEmpty, Date() < deadline { _ = lock.wait(until: deadline) }
        return "[" + queue.prefix(100).joined(separator: ",") + "]"
    }
}
