import AgentProtocol
import Foundation
import LLMClient
import Synchronization
import WSClient

/// Slack over Socket Mode: `apps.connections.open` (the app-level token) gives a WebSocket
/// URL; events and button presses arrive there as envelopes, each acknowledged only once the
/// gateway has stored what it carried (Slack delivers an unacknowledged envelope again, so a
/// crash loses nothing). Answers, edits and buttons go through the Web API with the bot token
/// (`{base_url}/chat.postMessage`…), in mrkdwn.
///
/// Direct messages are conversations; in channels the bot answers a mention, in the thread it
/// starts (one session per thread). Slack has no typing indicator for bots; streamed edits show
/// progress instead.
public final class SlackPlatform: ChatPlatform, @unchecked Sendable {
    public let name = "slack"
    /// Slack takes 40,000 characters but folds long messages; 3,900 keeps each part whole.
    public let maxLength = 3900
    let appToken: String
    let botToken: String
    let baseURL: String
    let transport: any HTTPStreamTransport
    let pollTimeout: Double

    struct State {
        /// Envelopes to acknowledge once their update is stored, by update id.
        var envelopes: [String: [String]] = [:]
        var outbound: WebSocketOutboundWriter?
        var botUserID: String?
    }

    private let state = Mutex(State())
    private let inbox = PushInbox(label: "talaria.slack")

    public init(appToken: String, botToken: String, baseURL: String = "https://slack.com/api", transport: any HTTPStreamTransport, pollTimeout: Double = 20) {
        self.appToken = appToken
        self.botToken = botToken
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.transport = transport
        self.pollTimeout = pollTimeout
    }

    public func close() async { await inbox.close() }

    // MARK: - Web API

    /// Calls a Web API method (JSON body) with `token`; the answer, or why not.
    func call(_ method: String, _ body: [String: JSONValue], token: String? = nil, url: String? = nil) async throws(PlatformError) -> JSONValue {
        var w = JSONWriter()
        w.value(.object(body))
        return try await post(method, Data(w.bytes), contentType: "application/json; charset=utf-8", token: token, url: url)
    }

    /// A method that takes form fields (`files.getUploadURLExternal`).
    func call(_ method: String, form: [String: String]) async throws(PlatformError) -> JSONValue {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = form.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        return try await post(method, Data(body.utf8), contentType: "application/x-www-form-urlencoded")
    }

    func post(_ method: String, _ body: Data, contentType: String, token: String? = nil, url: String? = nil, raw: Bool = false) async throws(PlatformError) -> JSONValue {
        for _ in 0..<5 {
            let request = HTTPRequest(url: URL(string: url ?? "\(baseURL)/\(method)")!, method: "POST",
                                      headers: ["authorization": "Bearer \(token ?? botToken)", "content-type": contentType],
                                      body: body, connectTimeout: 10, idleTimeout: 60)
            let response: HTTPResponse
            do { response = try await transport.send(request) } catch { throw PlatformError(.network, "Slack \(method): \(error)") }
            if response.status == 429 {
                let wait = response.headers["retry-after"].flatMap(Double.init) ?? 1
                try? await Task.sleep(for: .seconds(min(max(wait, 0.05), 60)))
                continue
            }
            let json = JSONReader.parse(String(decoding: response.body, as: UTF8.self)) ?? .null
            if url != nil {  // a response_url or an upload URL: its status says it
                guard (200..<300).contains(response.status) else { throw PlatformError(.rejected, "Slack \(method): HTTP \(response.status)") }
                return json
            }
            if json["ok"]?.boolValue == true { return json }
            let error = json["error"]?.stringValue ?? "HTTP \(response.status)"
            switch error {
            case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "not_allowed_token_type":
                throw PlatformError(.unauthorized, "Slack refused a token (\(error)); check gateways.slack.token (xoxb-…) and app_token_env (xapp-…)")
            case "ratelimited":
                try? await Task.sleep(for: .seconds(1))
            default: throw PlatformError(.rejected, "Slack \(method): \(error)")
            }
        }
        throw PlatformError(.rateLimited, "Slack \(method): still rate-limited after 5 tries")
    }

    /// A shared file's bytes (`url_private_download`, which takes the bot token).
    public func download(_ file: ChatFile) async throws(PlatformError) -> Data {
        guard let url = URL(string: file.ref), url.scheme == "https" || url.scheme == "http" else { throw PlatformError(.rejected, "Slack file without a URL") }
        do {
            let response = try await transport.send(HTTPRequest(url: url, method: "GET", headers: ["authorization": "Bearer \(botToken)"],
                                                                connectTimeout: 10, idleTimeout: 60))
            guard response.status == 200 else { throw PlatformError(.rejected, "Slack file download: HTTP \(response.status)") }
            // Without access Slack answers its sign-in page, not the file.
            if response.headers["content-type"]?.hasPrefix("text/html") == true, !file.mime.hasPrefix("text/html") {
                throw PlatformError(.rejected, "Slack answered a sign-in page: the app needs the files:read scope")
            }
            return response.body
        } catch let e as PlatformError { throw e } catch { throw PlatformError(.network, "Slack file download: \(error)") }
    }

    /// Slack's upload in three steps: an upload URL, the bytes, then sharing it in the chat.
    public func sendFile(_ data: Data, name: String, mime: String, caption: String, to chat: String) async throws(PlatformError) {
        let ticket = try await call("files.getUploadURLExternal", form: ["filename": name, "length": String(data.count)])
        guard let upload = ticket["upload_url"]?.stringValue, let id = ticket["file_id"]?.stringValue else {
            throw PlatformError(.rejected, "Slack files.getUploadURLExternal gave no upload_url")
        }
        _ = try await post("upload", data, contentType: mime, url: upload)
        let target = Self.target(chat)
        var body: [String: JSONValue] = ["files": [["id": .string(id), "title": .string(name)]], "channel_id": target["channel"] ?? .null]
        if let thread = target["thread_ts"] { body["thread_ts"] = thread }
        if !caption.isEmpty { body["initial_comment"] = .string(ChatText.slackMrkdwn(caption)) }
        _ = try await call("files.completeUploadExternal", body)
    }

    /// `CHANNEL` or `CHANNEL/THREAD_TS` as the Web API's fields.
    static func target(_ chat: String) -> [String: JSONValue] {
        let parts = chat.split(separator: "/", maxSplits: 1).map(String.init)
        var out: [String: JSONValue] = ["channel": .string(parts[0])]
        if parts.count > 1 { out["thread_ts"] = .string(parts[1]) }
        return out
    }

    public func send(_ markdown: String, to chat: String, buttons: [ChatButton]) async throws(PlatformError) -> String {
        var body = Self.target(chat)
        let text = ChatText.slackMrkdwn(markdown)
        body["text"] = .string(text)
        body["unfurl_links"] = false
        if !buttons.isEmpty {
            let elements: [JSONValue] = buttons.prefix(5).map { b in
                var e: [String: JSONValue] = ["type": "button", "text": ["type": "plain_text", "text": .string(b.label)],
                                              "action_id": .string(String(b.data.prefix(255))), "value": .string(String(b.data.prefix(2000)))]
                if b.data.hasSuffix(":deny") { e["style"] = "danger" }
                return .object(e)
            }
            body["blocks"] = [["type": "section", "text": ["type": "mrkdwn", "text": .string(String(text.prefix(3000)))]],
                              ["type": "actions", "elements": .array(elements)]]
        }
        return try await call("chat.postMessage", body)["ts"]?.stringValue ?? ""
    }

    public func edit(_ messageID: String, in chat: String, to markdown: String) async throws(PlatformError) {
        var body = Self.target(chat)
        body["thread_ts"] = nil
        body["ts"] = .string(messageID)
        body["text"] = .string(ChatText.slackMrkdwn(markdown))
        body["blocks"] = [] // an answered approval loses its buttons
        _ = try await call("chat.update", body)
    }

    public func typing(in chat: String) async {}

    /// `queryID` is the press's response_url: a note only the presser sees.
    public func answerButton(_ queryID: String, text: String) async {
        guard queryID.hasPrefix("http") else { return }
        _ = try? await call("response_url", ["response_type": "ephemeral", "replace_original": false, "text": .string(text)], url: queryID)
    }

    // MARK: - Socket Mode

    public func poll(after cursor: String?) async throws(PlatformError) -> (updates: [ChatUpdate], cursor: String?) {
        inbox.start { [weak self] in await self?.connectionLoop() }
        return (try await inbox.take(timeout: pollTimeout), cursor)
    }

    /// Stored: their envelopes are acknowledged now.
    public func stored(_ ids: [String]) async {
        let (envelopes, outbound) = state.withLock { s in (ids.flatMap { s.envelopes.removeValue(forKey: $0) ?? [] }, s.outbound) }
        guard let outbound else { return }
        for e in envelopes { try? await ack(e, outbound) }
    }

    private func ack(_ envelope: String, _ outbound: WebSocketOutboundWriter) async throws {
        var w = JSONWriter()
        w.value(["envelope_id": .string(envelope)])
        try await outbound.write(.text(String(decoding: w.bytes, as: UTF8.self)))
    }

    private func connectionLoop() async {
        var backoff = 1.0
        while !Task.isCancelled {
            do {
                if state.withLock({ $0.botUserID == nil }) {
                    let me = try await call("auth.test", [:])
                    state.withLock { $0.botUserID = me["user_id"]?.stringValue }
                }
                guard let url = try await call("apps.connections.open", [:], token: appToken)["url"]?.stringValue else {
                    throw PlatformError(.rejected, "Slack apps.connections.open gave no url")
                }
                try await WebSocketClient.connect(url: url, logger: inbox.logger) { [weak self] inbound, outbound, _ in
                    try await self?.session(inbound, outbound)
                }
                backoff = 1
            } catch let e as PlatformError where e.kind == .unauthorized {
                inbox.fail(e)
                return
            } catch {
                try? await Task.sleep(for: .seconds(backoff))
                backoff = min(backoff * 2, 30)
            }
            state.withLock { s in
                s.outbound = nil
                s.envelopes.removeAll() // Slack delivers them again on the next connection
            }
        }
    }

    private func session(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
        state.withLock { $0.outbound = outbound }
        for try await message in inbound.messages(maxSize: 1 << 24) {
            guard case .text(let text) = message, let json = JSONReader.parse(text) else { continue }
            switch json["type"]?.stringValue {
            case "disconnect": return // refresh_requested, link_disabled…: a new connection
            case "events_api", "interactive":
                guard let envelope = json["envelope_id"]?.stringValue else { continue }
                let botID = state.withLock { $0.botUserID }
                guard let u = SlackEvents.decode(json, botUserID: botID) else {
                    try await ack(envelope, outbound) // nothing for us: acknowledged at once
                    continue
                }
                state.withLock { $0.envelopes[u.id, default: []].append(envelope) }
                inbox.push([u])
            case "slash_commands":
                if let envelope = json["envelope_id"]?.stringValue { try await ack(envelope, outbound) }
            default: break // hello
            }
        }
    }
}
