import AgentProtocol
import Foundation
import LLMClient

/// Telegram over the Bot API: `{base_url}/bot{token}/{method}`, long-polled `getUpdates`
/// (offset = the last update id + 1, acknowledged by the next poll), answers in its HTML
/// markup, approvals as inline keyboards, 429's `retry_after` honoured.
public struct TelegramPlatform: ChatPlatform {
    public let name = "telegram"
    public let maxLength = 4096
    let token: String
    let baseURL: String
    let transport: any HTTPStreamTransport
    /// Seconds a `getUpdates` waits for something to arrive.
    let pollTimeout: Int

    public init(token: String, baseURL: String = "https://api.telegram.org", transport: any HTTPStreamTransport, pollTimeout: Int = 30) {
        self.token = token
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.transport = transport
        self.pollTimeout = pollTimeout
    }

    /// Calls `method` with a JSON body; the result, or why not (after waiting out rate limits).
    func call(_ method: String, _ body: [String: JSONValue], timeout: Double = 30) async throws(PlatformError) -> JSONValue {
        var w = JSONWriter()
        w.value(.object(body))
        return try await post(method, Data(w.bytes), contentType: "application/json", timeout: timeout)
    }

    func post(_ method: String, _ body: Data, contentType: String, timeout: Double = 30) async throws(PlatformError) -> JSONValue {
        for _ in 0..<5 {
            // The token is in the path, as the Bot API wants it; it never goes into a log line.
            let request = HTTPRequest(url: URL(string: "\(baseURL)/bot\(token)/\(method)")!, method: "POST",
                                      headers: ["content-type": contentType], body: body,
                                      connectTimeout: 10, idleTimeout: timeout)
            let response: HTTPResponse
            do { response = try await transport.send(request) } catch {
                throw PlatformError(.network, "Telegram \(method): \(Self.redacted("\(error)", token))")
            }
            let json = JSONReader.parse(String(decoding: response.body, as: UTF8.self))
            if json?["ok"]?.boolValue == true { return json?["result"] ?? .null }
            let description = json?["description"]?.stringValue ?? "HTTP \(response.status)"
            switch response.status {
            case 429:
                let wait = json?["parameters"]?["retry_after"]?.doubleValue ?? 1
                try? await Task.sleep(for: .seconds(min(wait, 60)))
                continue
            case 401, 404: throw PlatformError(.unauthorized, "Telegram refused the bot token (\(description)); check gateways.telegram.token")
            default: throw PlatformError(.rejected, "Telegram \(method): \(description)")
            }
        }
        throw PlatformError(.rateLimited, "Telegram \(method): still rate-limited after 5 tries")
    }

    static func redacted(_ text: String, _ token: String) -> String {
        token.isEmpty ? text : text.replacingOccurrences(of: token, with: "[token]")
    }

    public func poll(after cursor: String?) async throws(PlatformError) -> (updates: [ChatUpdate], cursor: String?) {
        var body: [String: JSONValue] = ["timeout": .number(Double(pollTimeout)), "allowed_updates": ["message", "callback_query"]]
        if let cursor, let n = Int(cursor) { body["offset"] = .number(Double(n)) }
        let result = try await call("getUpdates", body, timeout: Double(pollTimeout + 15))
        var updates: [ChatUpdate] = []
        var last = cursor.flatMap(Int.init).map { $0 - 1 }
        for u in result.arrayValue ?? [] {
            guard let id = u["update_id"]?.intValue else { continue }
            last = max(last ?? id, id)
            if let update = Self.decode(u) { updates.append(update) }
        }
        return (updates, last.map { String($0 + 1) })
    }

    /// One update as the gateway reads it; nil for kinds it does not handle (edits, stickers…).
    /// A chat with topics is one chat per thread (`CHAT/THREAD`).
    static func decode(_ u: JSONValue) -> ChatUpdate? {
        guard let id = u["update_id"]?.intValue.map(String.init) else { return nil }
        func user(_ from: JSONValue?) -> (String, String)? {
            guard let uid = from?["id"]?.intValue else { return nil }
            let name = from?["username"]?.stringValue ?? from?["first_name"]?.stringValue ?? String(uid)
            return (String(uid), name)
        }
        func chat(_ m: JSONValue?) -> String? {
            guard let c = m?["chat"]?["id"]?.intValue else { return nil }
            if m?["is_topic_message"]?.boolValue == true, let thread = m?["message_thread_id"]?.intValue { return "\(c)/\(thread)" }
            return String(c)
        }
        if let m = u["message"], let c = chat(m), let (uid, name) = user(m["from"]) {
            let text = m["text"]?.stringValue ?? m["caption"]?.stringValue ?? ""
            let files = Self.files(m)
            guard !text.isEmpty || !files.isEmpty else { return nil }
            return .message(id: id, chat: c, user: uid, userName: name, text: text, files: files.isEmpty ? nil : files)
        }
        if let q = u["callback_query"], let data = q["data"]?.stringValue, let qid = q["id"]?.stringValue,
           let c = chat(q["message"]), let (uid, name) = user(q["from"]) {
            return .button(id: id, chat: c, user: uid, userName: name, data: data, queryID: qid)
        }
        return nil
    }

    /// A message's document, photo (its largest size), voice, audio or video.
    static func files(_ m: JSONValue) -> [ChatFile] {
        var out: [ChatFile] = []
        if let p = m["photo"]?.arrayValue?.last, let id = p["file_id"]?.stringValue {
            out.append(ChatFile(ref: id, name: "photo.jpg", mime: "image/jpeg", size: p["file_size"]?.intValue))
        }
        for (key, name, mime) in [("document", "file", "application/octet-stream"), ("voice", "voice.ogg", "audio/ogg"),
                                  ("audio", "audio.mp3", "audio/mpeg"), ("video", "video.mp4", "video/mp4")] {
            guard let f = m[key], let id = f["file_id"]?.stringValue else { continue }
            out.append(ChatFile(ref: id, name: f["file_name"]?.stringValue ?? name, mime: f["mime_type"]?.stringValue ?? mime, size: f["file_size"]?.intValue))
        }
        return out
    }

    public func download(_ file: ChatFile) async throws(PlatformError) -> Data {
        guard let path = try await call("getFile", ["file_id": .string(file.ref)])["file_path"]?.stringValue else {
            throw PlatformError(.rejected, "Telegram getFile gave no file_path")
        }
        let request = HTTPRequest(url: URL(string: "\(baseURL)/file/bot\(token)/\(path)")!, method: "GET", connectTimeout: 10, idleTimeout: 60)
        do {
            let response = try await transport.send(request)
            guard response.status == 200 else { throw PlatformError(.rejected, "Telegram file download: HTTP \(response.status)") }
            return response.body
        } catch let e as PlatformError { throw e } catch { throw PlatformError(.network, "Telegram file download: \(Self.redacted("\(error)", token))") }
    }

    /// A photo as a photo (under 10 MB), anything else as a document.
    public func sendFile(_ data: Data, name: String, mime: String, caption: String, to chat: String) async throws(PlatformError) {
        let photo = mime.hasPrefix("image/") && mime != "image/gif" && data.count < 10 << 20
        var form = Multipart()
        for (k, v) in Self.target(chat) { form.field(k, v.stringValue ?? v.intValue.map(String.init) ?? "") }
        if !caption.isEmpty {
            form.field("caption", ChatText.telegramHTML(String(caption.prefix(1000))))
            form.field("parse_mode", "HTML")
        }
        form.file(photo ? "photo" : "document", filename: name, mime: mime, data: data)
        _ = try await post(photo ? "sendPhoto" : "sendDocument", form.finished(), contentType: form.contentType, timeout: 120)
    }

    /// `CHAT` or `CHAT/THREAD` as the Bot API's fields.
    static func target(_ chat: String) -> [String: JSONValue] {
        let parts = chat.split(separator: "/").map(String.init)
        var out: [String: JSONValue] = ["chat_id": .string(parts[0])]
        if parts.count > 1, let t = Int(parts[1]) { out["message_thread_id"] = .number(Double(t)) }
        return out
    }

    public func send(_ markdown: String, to chat: String, buttons: [ChatButton]) async throws(PlatformError) -> String {
        var body = Self.target(chat)
        body["text"] = .string(ChatText.telegramHTML(markdown))
        body["parse_mode"] = "HTML"
        body["link_preview_options"] = ["is_disabled": true]
        if !buttons.isEmpty {
            body["reply_markup"] = ["inline_keyboard": .array([.array(buttons.map { .object(["text": .string($0.label), "callback_data": .string($0.data)]) })])]
        }
        let result: JSONValue
        do { result = try await call("sendMessage", body) } catch where error.kind == .rejected {
            // Markup Telegram cannot parse: the same text, plain.
            body["text"] = .string(markdown)
            body["parse_mode"] = nil
            result = try await call("sendMessage", body)
        }
        return result["message_id"]?.intValue.map(String.init) ?? ""
    }

    public func edit(_ messageID: String, in chat: String, to markdown: String) async throws(PlatformError) {
        var body = Self.target(chat)
        body["message_thread_id"] = nil
        body["message_id"] = .number(Double(Int(messageID) ?? 0))
        body["text"] = .string(ChatText.telegramHTML(markdown))
        body["parse_mode"] = "HTML"
        do { _ = try await call("editMessageText", body) } catch where error.description.contains("not modified") {}
    }

    public func typing(in chat: String) async {
        var body = Self.target(chat)
        body["action"] = "typing"
        _ = try? await call("sendChatAction", body)
    }

    public func answerButton(_ queryID: String, text: String) async {
        _ = try? await call("answerCallbackQuery", ["callback_query_id": .string(queryID), "text": .string(text)])
    }
}
