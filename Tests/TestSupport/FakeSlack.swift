import AgentProtocol
import Foundation
import LLMClient

/// The local Slack (`Fixtures/slack_server.py`: the Web API and Socket Mode) on a free loopback
/// port; the test writes as users and reads what the bot sent.
public final class FakeSlack: @unchecked Sendable {
    public let process: Process
    public let port: Int
    public let appToken: String
    public let botToken: String
    let transport: any HTTPStreamTransport
    let dir: TempDir

    /// What `gateways.slack.base_url` is set to.
    public var baseURL: String { "http://127.0.0.1:\(port)/api" }

    public init(appToken: String = "xapp-1-test", botToken: String = "xoxb-test", transport: any HTTPStreamTransport) async throws {
        self.appToken = appToken
        self.botToken = botToken
        self.transport = transport
        (process, port, dir) = try await launchFixture("slack_server.py", ["--app-token", appToken, "--bot-token", botToken], label: "slack")
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    @discardableResult
    func control(_ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        try await fixtureControl(transport, "http://127.0.0.1:\(port)/_test/" + path, body)
    }

    /// `user` writes `text`: in a direct message (`im`) or a channel, where `mention` names the bot.
    @discardableResult
    public func message(channel: String, user: String, text: String, channelType: String = "im", thread: String? = nil, mention: Bool = false,
                        file: FakeFile? = nil) async throws -> String {
        var body: [String: JSONValue] = ["channel": .string(channel), "user": .string(user), "text": .string(text),
                                         "channel_type": .string(channelType), "mention": .bool(mention)]
        if let file { body["file"] = file.json }
        if let thread { body["thread_ts"] = .string(thread) }
        return try await control("message", .object(body))["ts"]?.stringValue ?? ""
    }

    public func press(channel: String, user: String, value: String, messageTS: String, thread: String? = nil) async throws {
        var body: [String: JSONValue] = ["channel": .string(channel), "user": .string(user), "value": .string(value), "message_ts": .string(messageTS)]
        if let thread { body["thread_ts"] = .string(thread) }
        try await control("button", .object(body))
    }

    public func rateLimit(_ method: String, count: Int) async throws {
        try await control("rate_limit", ["method": .string(method), "count": .number(Double(count))])
    }

    /// Slack asks for a reconnection (`disconnect`), or the connection breaks (`drop`).
    public func disconnect(abruptly: Bool = false) async throws { try await control(abruptly ? "drop" : "disconnect", .object([:])) }

    public func state() async throws -> JSONValue { try await control("state") }

    public func sent() async throws -> [JSONValue] { try await control("sent").arrayValue ?? [] }

    /// Each bot message in `channel` (and `thread`) as it reads after its last update, in order.
    public func texts(to channel: String, thread: String? = nil) async throws -> [String] {
        var order: [String] = [], text: [String: String] = [:]
        for c in try await sent() where c["limited"]?.boolValue != true && c["body"]?["channel"]?.stringValue == channel {
            let body = c["body"] ?? .null
            switch c["method"]?.stringValue {
            case "chat.postMessage":
                guard body["thread_ts"]?.stringValue == thread, let ts = c["ts"]?.stringValue else { continue }
                order.append(ts)
                text[ts] = body["text"]?.stringValue ?? ""
            case "chat.update":
                if let ts = body["ts"]?.stringValue, text[ts] != nil { text[ts] = body["text"]?.stringValue ?? "" }
            default: break
            }
        }
        return order.compactMap { text[$0] }
    }

    public func waitForTexts(to channel: String, thread: String? = nil, count: Int, seconds: Double = 30) async throws -> [String] {
        try await pollUntil(seconds, { try await self.texts(to: channel, thread: thread) }) { settled($0, count: count) }
    }

    public func waitFor(_ seconds: Double = 20, _ condition: ([JSONValue]) -> Bool) async throws -> [JSONValue] {
        try await pollUntil(seconds, sent, condition)
    }
}
