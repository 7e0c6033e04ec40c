import AgentProtocol
import Foundation
import LLMClient

/// The local Telegram Bot API (`Fixtures/telegram_server.py`) on a free loopback port: the
/// gateway talks to it as to Telegram; the test writes as users and reads what the bot sent.
public final class FakeTelegram: @unchecked Sendable {
    public let process: Process
    public let port: Int
    public let token: String
    let transport: any HTTPStreamTransport
    let dir: TempDir

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public init(token: String = "123456:TEST-token", transport: any HTTPStreamTransport) async throws {
        self.token = token
        self.transport = transport
        (process, port, dir) = try await launchFixture("telegram_server.py", ["--token", token], label: "telegram")
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    func control(_ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        var w = JSONWriter()
        if let body { w.value(body) }
        let request = HTTPRequest(url: URL(string: baseURL + "/_test/" + path)!, method: body == nil ? "GET" : "POST",
                                  headers: ["content-type": "application/json"], body: body == nil ? nil : Data(w.bytes))
        let response = try await transport.send(request)
        return JSONReader.parse(String(decoding: response.body, as: UTF8.self)) ?? .null
    }

    /// `user` writes `text` in `chat` (a thread of a forum chat when `thread` is given).
    public func message(chat: Int, user: Int, name: String = "alice", text: String, thread: Int? = nil, file: FakeFile? = nil) async throws {
        var body: [String: JSONValue] = ["chat": .number(Double(chat)), "user": .number(Double(user)), "username": .string(name), "text": .string(text)]
        if let thread { body["thread"] = .number(Double(thread)) }
        if let file { body["file"] = file.json }
        _ = try await control("message", .object(body))
    }

    /// `user` presses the button carrying `data` under message `messageID`.
    public func press(chat: Int, user: Int, name: String = "alice", data: String, messageID: Int) async throws {
        _ = try await control("button", ["chat": .number(Double(chat)), "user": .number(Double(user)), "username": .string(name),
                                         "data": .string(data), "message_id": .number(Double(messageID))])
    }

    /// The next `count` calls of `method` are answered 429 with retry_after 1.
    public func rateLimit(_ method: String, count: Int) async throws {
        _ = try await control("rate_limit", ["method": .string(method), "count": .number(Double(count))])
    }

    /// Every call the bot made: (method, body, limited).
    public func sent() async throws -> [(method: String, body: JSONValue, limited: Bool)] {
        (try await control("sent").arrayValue ?? []).map { ($0["method"]?.stringValue ?? "", $0["body"] ?? .null, $0["limited"]?.boolValue ?? false) }
    }

    /// What the chat shows of the bot's messages, in order: each message's text after its last
    /// edit (an answer streams into its first message).
    public func texts(to chat: Int) async throws -> [String] {
        let calls = try await control("sent").arrayValue ?? []
        var order: [Int] = [], text: [Int: String] = [:]
        for c in calls where c["limited"]?.boolValue != true && c["body"]?["chat_id"]?.stringValue == String(chat) {
            let body = c["body"] ?? .null
            switch c["method"]?.stringValue {
            case "sendMessage":
                guard let id = c["message_id"]?.intValue else { continue }
                order.append(id)
                text[id] = body["text"]?.stringValue ?? ""
            case "editMessageText":
                if let id = body["message_id"]?.intValue, text[id] != nil { text[id] = body["text"]?.stringValue ?? "" }
            default: break
            }
        }
        return order.compactMap { text[$0] }
    }

    /// Waits until `condition` holds of what was sent (or `seconds` pass); returns the calls.
    public func waitFor(_ seconds: Double = 20, _ condition: ([(method: String, body: JSONValue, limited: Bool)]) -> Bool) async throws
        -> [(method: String, body: JSONValue, limited: Bool)] {
        try await pollUntil(seconds, sent, condition)
    }
}
