import AgentProtocol
import Foundation
import LLMClient

/// The local Discord (`Fixtures/discord_server.py`: REST and the Gateway WebSocket) on a free
/// loopback port; the test writes as users and reads what the bot sent.
public final class FakeDiscord: @unchecked Sendable {
    public let process: Process
    public let port: Int
    public let token: String
    let transport: any HTTPStreamTransport
    let dir: TempDir

    /// What `gateways.discord.base_url` is set to.
    public var baseURL: String { "http://127.0.0.1:\(port)/api/v10" }

    public init(token: String = "discord-test-token", heartbeatMilliseconds: Int = 45_000, transport: any HTTPStreamTransport) async throws {
        self.token = token
        self.transport = transport
        (process, port, dir) = try await launchFixture("discord_server.py", ["--token", token, "--heartbeat-ms", String(heartbeatMilliseconds)], label: "discord")
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    @discardableResult
    func control(_ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        try await fixtureControl(transport, "http://127.0.0.1:\(port)/_test/" + path, body)
    }

    /// `user` writes `text` in `channel`; in a server (`guild`) with or without mentioning the bot.
    @discardableResult
    public func message(channel: String, user: String, name: String = "alice", text: String, guild: String? = nil, mention: Bool = false,
                        file: FakeFile? = nil) async throws -> String {
        var body: [String: JSONValue] = ["channel": .string(channel), "user": .string(user), "username": .string(name), "text": .string(text), "mention": .bool(mention)]
        if let file { body["file"] = file.json }
        if let guild { body["guild"] = .string(guild) }
        return try await control("message", .object(body))["id"]?.stringValue ?? ""
    }

    public func press(channel: String, user: String, name: String = "alice", customID: String, messageID: String) async throws {
        try await control("button", ["channel": .string(channel), "user": .string(user), "username": .string(name),
                                     "custom_id": .string(customID), "message_id": .string(messageID)])
    }

    /// The next `count` REST calls whose path contains `route` get 429.
    public func rateLimit(_ route: String, count: Int) async throws {
        try await control("rate_limit", ["route": .string(route), "count": .number(Double(count))])
    }

    /// Breaks the Gateway connection (no close frame).
    public func drop() async throws { try await control("drop", .object([:])) }

    public func state() async throws -> JSONValue { try await control("state") }

    /// Waits until a bot holds the Gateway (messages before that reach only the channel).
    public func waitUntilConnected(seconds: Double = 20) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try await state()["connected"]?.boolValue != true, Date() < deadline { try await Task.sleep(for: .milliseconds(30)) }
    }

    public func sent() async throws -> [JSONValue] { try await control("sent").arrayValue ?? [] }

    /// Each bot message in `channel` as it reads after its last edit, in order.
    public func texts(to channel: String) async throws -> [String] {
        var order: [String] = [], text: [String: String] = [:]
        for c in try await sent() where c["limited"]?.boolValue != true {
            let path = c["path"]?.stringValue ?? ""
            guard path.hasPrefix("/channels/\(channel)/messages") else { continue }
            if c["method"]?.stringValue == "POST", let id = c["id"]?.stringValue {
                order.append(id)
                text[id] = c["body"]?["content"]?.stringValue ?? ""
            } else if c["method"]?.stringValue == "PATCH", let id = path.split(separator: "/").last.map(String.init), text[id] != nil {
                text[id] = c["body"]?["content"]?.stringValue ?? ""
            }
        }
        return order.compactMap { text[$0] }
    }

    /// Waits until `chat` shows `count` messages, none a draft still streaming (" …").
    public func waitForTexts(to channel: String, count: Int, seconds: Double = 30) async throws -> [String] {
        try await pollUntil(seconds, { try await self.texts(to: channel) }) { settled($0, count: count) }
    }

    public func waitFor(_ seconds: Double = 20, _ condition: ([JSONValue]) -> Bool) async throws -> [JSONValue] {
        try await pollUntil(seconds, sent, condition)
    }
}

/// A fixture's control API: POST with a JSON body, GET without.
func fixtureControl(_ transport: any HTTPStreamTransport, _ url: String, _ body: JSONValue?) async throws -> JSONValue {
    var w = JSONWriter()
    if let body { w.value(body) }
    let request = HTTPRequest(url: URL(string: url)!, method: body == nil ? "GET" : "POST",
                              headers: ["content-type": "application/json"], body: body == nil ? nil : Data(w.bytes))
    let response = try await transport.send(request)
    return JSONReader.parse(String(decoding: response.body, as: UTF8.self)) ?? .null
}
