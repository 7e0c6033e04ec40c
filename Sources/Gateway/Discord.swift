import AgentProtocol
import Foundation
import LLMClient
import NIOWebSocket
import Synchronization
import WSClient

/// Discord: the Gateway WebSocket brings messages (`MESSAGE_CREATE`) and button presses
/// (`INTERACTION_CREATE`); answers, edits and typing go through REST (`{base_url}/channels/…`).
/// In direct messages every message is for the bot; in servers only those that mention it.
///
/// The Gateway does not replay what was sent while we were away, so the cursor keeps each
/// channel's last message id and a new connection first reads what came after it
/// (`GET /channels/{id}/messages?after=`): a restart loses nothing, the store's inbox drops what
/// was already taken. Heartbeats as the Hello asks (a missed ACK reconnects), Resume after a
/// dropped connection, 429's `retry_after` honoured.
public final class DiscordPlatform: ChatPlatform, @unchecked Sendable {
    public let name = "discord"
    public let maxLength = 2000
    let token: String
    let baseURL: String
    let transport: any HTTPStreamTransport
    let pollTimeout: Double

    struct State {
        /// Channel id → the last message id taken, and whether it is in a server.
        var channels: [String: DiscordEvents.Channel] = [:]
        var botID: String?
        var sessionID: String?
        var resumeURL: String?
        var seq: Int?
        var acked = true
        var cursorLoaded = false
    }

    private let state = Mutex(State())
    private let inbox = PushInbox(label: "talaria.discord")

    /// Messages, intents: GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT.
    static let intents = (1 << 9) | (1 << 12) | (1 << 15)

    public init(token: String, baseURL: String = "https://discord.com/api/v10", transport: any HTTPStreamTransport, pollTimeout: Double = 20) {
        self.token = token
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.transport = transport
        self.pollTimeout = pollTimeout
    }

    public func close() async { await inbox.close() }

    // MARK: - REST

    /// Calls the REST API; the decoded answer (`.null` for 204), or why not.
    func call(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws(PlatformError) -> JSONValue {
        var data: Data?
        if let body {
            var w = JSONWriter()
            w.value(body)
            data = Data(w.bytes)
        }
        return try await request(method, path, data, contentType: "application/json")
    }

    func request(_ method: String, _ path: String, _ data: Data?, contentType: String) async throws(PlatformError) -> JSONValue {
        for _ in 0..<5 {
            let request = HTTPRequest(url: URL(string: baseURL + path)!, method: method,
                                      headers: ["authorization": "Bot \(token)", "content-type": contentType,
                                                "user-agent": "DiscordBot (https://github.com/talaria, 1)"],
                                      body: data, connectTimeout: 10, idleTimeout: 60)
            let response: HTTPResponse
            do { response = try await transport.send(request) } catch { throw PlatformError(.network, "Discord \(method) \(path): \(error)") }
            let json = JSONReader.parse(String(decoding: response.body, as: UTF8.self)) ?? .null
            switch response.status {
            case 200..<300: return json
            case 429:
                let wait = json["retry_after"]?.doubleValue ?? response.headers["retry-after"].flatMap(Double.init) ?? 1
                try? await Task.sleep(for: .seconds(min(max(wait, 0.05), 60)))
            case 401: throw PlatformError(.unauthorized, "Discord refused the bot token; check gateways.discord.token")
            default: throw PlatformError(.rejected, "Discord \(method) \(path): \(json["message"]?.stringValue ?? "HTTP \(response.status)")")
            }
        }
        throw PlatformError(.rateLimited, "Discord \(method) \(path): still rate-limited after 5 tries")
    }

    /// An attachment's bytes, from Discord's CDN (its URL needs no token).
    public func download(_ file: ChatFile) async throws(PlatformError) -> Data {
        guard let url = URL(string: file.ref), url.scheme == "https" || url.scheme == "http" else {
            throw PlatformError(.rejected, "Discord attachment without a URL")
        }
        do {
            let response = try await transport.send(HTTPRequest(url: url, method: "GET", connectTimeout: 10, idleTimeout: 60))
            guard response.status == 200 else { throw PlatformError(.rejected, "Discord attachment: HTTP \(response.status)") }
            return response.body
        } catch let e as PlatformError { throw e } catch { throw PlatformError(.network, "Discord attachment: \(error)") }
    }

    /// A message with the file attached (`payload_json` and `files[0]`).
    public func sendFile(_ data: Data, name: String, mime: String, caption: String, to chat: String) async throws(PlatformError) {
        var w = JSONWriter()
        w.value(["content": .string(ChatText.discord(String(caption.prefix(2000)))), "allowed_mentions": ["parse": []],
                 "attachments": [["id": 0, "filename": .string(name)]]])
        var form = Multipart()
        form.field("payload_json", String(decoding: w.bytes, as: UTF8.self))
        form.file("files[0]", filename: name, mime: mime, data: data)
        _ = try await request("POST", "/channels/\(chat)/messages", form.finished(), contentType: form.contentType)
    }

    public func send(_ markdown: String, to chat: String, buttons: [ChatButton]) async throws(PlatformError) -> String {
        var body: [String: JSONValue] = ["content": .string(ChatText.discord(markdown)), "allowed_mentions": ["parse": []], "flags": 4]
        if !buttons.isEmpty {
            let row: [JSONValue] = buttons.prefix(5).map { b in
                ["type": 2, "style": b.data.hasSuffix(":deny") ? 4 : 1, "label": .string(b.label), "custom_id": .string(String(b.data.prefix(100)))]
            }
            body["components"] = [["type": 1, "components": .array(row)]]
        }
        return try await call("POST", "/channels/\(chat)/messages", .object(body))["id"]?.stringValue ?? ""
    }

    public func edit(_ messageID: String, in chat: String, to markdown: String) async throws(PlatformError) {
        // An edited approval loses its buttons.
        _ = try await call("PATCH", "/channels/\(chat)/messages/\(messageID)", ["content": .string(ChatText.discord(markdown)), "components": []])
    }

    public func typing(in chat: String) async {
        _ = try? await call("POST", "/channels/\(chat)/typing")
    }

    /// `queryID` is `INTERACTION_ID/TOKEN`: the press is answered with a message only its
    /// presser sees.
    public func answerButton(_ queryID: String, text: String) async {
        _ = try? await call("POST", "/interactions/\(queryID)/callback", ["type": 4, "data": ["content": .string(text), "flags": 64]])
    }

    // MARK: - Polling

    public func poll(after cursor: String?) async throws(PlatformError) -> (updates: [ChatUpdate], cursor: String?) {
        if !state.withLock({ $0.cursorLoaded }) {
            let known = DiscordEvents.channels(fromCursor: cursor)
            state.withLock { s in
                s.channels = known
                s.cursorLoaded = true
            }
        }
        inbox.start { [weak self] in await self?.connectionLoop() }
        let out = try await inbox.take(timeout: pollTimeout)
        let next = state.withLock { s in
            for case .message(let id, let chat, _, _, _, _) in out where DiscordEvents.newer(id, than: s.channels[chat]?.after) {
                s.channels[chat]?.after = id
            }
            return DiscordEvents.cursor(s.channels)
        }
        return (out, next)
    }

    // MARK: - The Gateway

    private func connectionLoop() async {
        var backoff = 1.0
        while !Task.isCancelled {
            do {
                let resume = state.withLock { $0.sessionID != nil ? $0.resumeURL : nil }
                let url: String
                if let resume { url = resume } else {
                    guard let u = try await call("GET", "/gateway/bot")["url"]?.stringValue else {
                        throw PlatformError(.rejected, "Discord /gateway/bot gave no url")
                    }
                    url = u
                }
                let close = try await WebSocketClient.connect(url: url + (url.contains("?") ? "&" : "/?") + "v=10&encoding=json", logger: inbox.logger) {
                    [weak self] inbound, outbound, _ in
                    try await self?.session(inbound, outbound)
                }
                switch close?.closeCode {
                case .unknown(4004): throw PlatformError(.unauthorized, "Discord refused the bot token (4004); check gateways.discord.token")
                case .unknown(4014): throw PlatformError(.unauthorized, "Discord: the bot may not use the Message Content intent (4014); turn it on in the Developer Portal")
                case .unknown(4007), .unknown(4009): state.withLock { $0.sessionID = nil }
                default: break
                }
                backoff = 1
            } catch let e as PlatformError where e.kind == .unauthorized {
                inbox.fail(e)
                return
            } catch {
                try? await Task.sleep(for: .seconds(backoff))
                backoff = min(backoff * 2, 30)
            }
        }
    }

    /// One connection: Hello, Identify (or Resume), heartbeats, dispatches; returns to reconnect.
    private func session(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
        var heartbeat: Task<Void, Never>?
        defer { heartbeat?.cancel() }
        for try await message in inbound.messages(maxSize: 1 << 24) {
            guard case .text(let text) = message, let json = JSONReader.parse(text) else { continue }
            if let s = json["s"]?.intValue { state.withLock { $0.seq = s } }
            switch json["op"]?.intValue {
            case 10: // Hello
                let interval = json["d"]?["heartbeat_interval"]?.doubleValue ?? 41_250
                heartbeat = Task { [weak self] in await self?.beat(every: interval / 1000, outbound) }
                let (sessionID, seq) = state.withLock { ($0.sessionID, $0.seq) }
                if let sessionID {
                    try await write(outbound, ["op": 6, "d": ["token": .string(token), "session_id": .string(sessionID), "seq": seq.map { .number(Double($0)) } ?? .null]])
                } else {
                    try await write(outbound, ["op": 2, "d": ["token": .string(token), "intents": .number(Double(Self.intents)),
                                                              "properties": ["os": "linux", "browser": "talaria", "device": "talaria"]]])
                }
                // Catching up once identified: what came while we were away.
                Task { [weak self] in await self?.catchUp() }
            case 11: state.withLock { $0.acked = true }
            case 1: try await write(outbound, ["op": 1, "d": state.withLock { $0.seq }.map { .number(Double($0)) } ?? .null])
            case 7: return // Reconnect (and Resume)
            case 9: // Invalid Session
                if json["d"]?.boolValue != true { state.withLock { $0.sessionID = nil; $0.seq = nil } }
                try? await Task.sleep(for: .seconds(Double.random(in: 1...3)))
                return
            case 0: dispatch(json["t"]?.stringValue ?? "", json["d"] ?? .null)
            default: break
            }
        }
    }

    private func write(_ outbound: WebSocketOutboundWriter, _ payload: JSONValue) async throws {
        var w = JSONWriter()
        w.value(payload)
        try await outbound.write(.text(String(decoding: w.bytes, as: UTF8.self)))
    }

    /// Heartbeats; a beat whose ACK never came closes the connection (it is a zombie).
    private func beat(every seconds: Double, _ outbound: WebSocketOutboundWriter) async {
        try? await Task.sleep(for: .seconds(seconds * Double.random(in: 0.1...1)))
        while !Task.isCancelled {
            let (acked, seq) = state.withLock { s in defer { s.acked = false }; return (s.acked, s.seq) }
            if !acked {
                try? await outbound.close(.goingAway, reason: "no heartbeat ACK")
                return
            }
            try? await write(outbound, ["op": 1, "d": seq.map { .number(Double($0)) } ?? .null])
            try? await Task.sleep(for: .seconds(seconds))
        }
    }

    private func dispatch(_ type: String, _ d: JSONValue) {
        switch type {
        case "READY":
            state.withLock { s in
                s.sessionID = d["session_id"]?.stringValue
                s.resumeURL = d["resume_gateway_url"]?.stringValue
                s.botID = d["user"]?["id"]?.stringValue
            }
        case "MESSAGE_CREATE":
            let u = state.withLock { s -> ChatUpdate? in
                let guild = d["guild_id"]?.stringValue != nil
                guard let u = DiscordEvents.decodeMessage(d, botID: s.botID, inGuild: guild) else { return nil }
                if s.channels[u.chat] == nil { s.channels[u.chat] = DiscordEvents.Channel(after: "0", guild: guild) }
                return u
            }
            if let u { inbox.push([u]) }
        case "INTERACTION_CREATE":
            if let u = DiscordEvents.decodeInteraction(d) { inbox.push([u]) }
        default: break
        }
    }

    /// What arrived in known channels after their last taken message (oldest first).
    private func catchUp() async {
        for _ in 0..<100 where state.withLock({ $0.botID == nil }) { try? await Task.sleep(for: .milliseconds(50)) }
        let (known, botID) = state.withLock { ($0.channels, $0.botID) }
        for (channel, c) in known where c.after != "0" {
            guard let list = try? await call("GET", "/channels/\(channel)/messages?after=\(c.after)&limit=100").arrayValue else { continue }
            let updates = list.compactMap { DiscordEvents.decodeMessage($0, botID: botID, inGuild: c.guild) }
                .sorted { DiscordEvents.newer($1.id, than: $0.id) }
            inbox.push(updates)
        }
    }
}
