import AgentProtocol
import Foundation
import LLMClient

/// WhatsApp's outgoing side (apart from the webhook's file: Hummingbird's HTTP types share these names).
extension WhatsAppPlatform {
    // MARK: - The Graph API

    func call(_ body: [String: JSONValue]) async throws(PlatformError) -> JSONValue {
        for _ in 0..<5 {
            var w = JSONWriter()
            w.value(.object(body))
            let request = HTTPRequest(url: URL(string: "\(baseURL)/\(phoneNumberID)/messages")!, method: "POST",
                                      headers: ["content-type": "application/json", "authorization": "Bearer \(token)"], body: Data(w.bytes))
            let response: HTTPResponse
            do { response = try await transport.send(request) } catch { throw PlatformError(.network, "WhatsApp: \(error)") }
            let json = JSONReader.parse(String(decoding: response.body, as: UTF8.self)) ?? .null
            if (200..<300).contains(response.status) { return json }
            let message = json["error"]?["message"]?.stringValue ?? "HTTP \(response.status)"
            let code = json["error"]?["code"]?.intValue ?? 0
            if response.status == 429 || code == 130429 || code == 131056 {
                try? await Task.sleep(for: .seconds(Double(response.headers["retry-after"] ?? "") ?? 1))
                continue
            }
            if response.status == 401 || code == 190 { throw PlatformError(.unauthorized, "WhatsApp refused the access token (\(message)); check gateways.whatsapp.token_env") }
            throw PlatformError(.rejected, "WhatsApp: \(message)")
        }
        throw PlatformError(.rateLimited, "WhatsApp: still rate-limited after 5 tries")
    }

    public func send(_ markdown: String, to chat: String, buttons: [ChatButton]) async throws(PlatformError) -> String {
        let text = ChatText.whatsapp(markdown)
        var body: [String: JSONValue] = ["messaging_product": "whatsapp", "recipient_type": "individual", "to": .string(chat)]
        if buttons.isEmpty {
            body["type"] = "text"
            body["text"] = ["body": .string(text), "preview_url": false]
        } else {
            // Three buttons at most: the first two and the last (deny).
            let chosen = buttons.count > 3 ? Array(buttons.prefix(2)) + [buttons.last!] : buttons
            body["type"] = "interactive"
            body["interactive"] = ["type": "button", "body": ["text": .string(text)],
                                   "action": ["buttons": .array(chosen.map { b in
                                       ["type": "reply", "reply": ["id": .string(b.data), "title": .string(String(b.label.prefix(20)))]]
                                   })]]
        }
        let result = try await call(body)
        return result["messages"]?.arrayValue?.first?["id"]?.stringValue ?? ""
    }

    /// A media id's bytes: its URL from the Graph API, then the bytes (both with the token).
    public func download(_ file: ChatFile) async throws(PlatformError) -> Data {
        func get(_ url: String) async throws(PlatformError) -> HTTPResponse {
            guard let u = URL(string: url) else { throw PlatformError(.rejected, "WhatsApp media: a bad URL") }
            do {
                let r = try await transport.send(HTTPRequest(url: u, method: "GET", headers: ["authorization": "Bearer \(token)"], connectTimeout: 10, idleTimeout: 60))
                guard r.status == 200 else { throw PlatformError(r.status == 401 ? .unauthorized : .rejected, "WhatsApp media: HTTP \(r.status)") }
                return r
            } catch let e as PlatformError { throw e } catch { throw PlatformError(.network, "WhatsApp media: \(error)") }
        }
        let meta = JSONReader.parse(String(decoding: try await get("\(baseURL)/\(file.ref)").body, as: UTF8.self))
        guard let url = meta?["url"]?.stringValue else { throw PlatformError(.rejected, "WhatsApp media \(file.ref) has no url") }
        return try await get(url).body
    }

    /// Uploads the bytes (`/{phone_number_id}/media`), then sends the media message.
    public func sendFile(_ data: Data, name: String, mime: String, caption: String, to chat: String) async throws(PlatformError) {
        var form = Multipart()
        form.field("messaging_product", "whatsapp")
        form.field("type", mime)
        form.file("file", filename: name, mime: mime, data: data)
        let request = HTTPRequest(url: URL(string: "\(baseURL)/\(phoneNumberID)/media")!, method: "POST",
                                  headers: ["content-type": form.contentType, "authorization": "Bearer \(token)"], body: form.finished(),
                                  connectTimeout: 10, idleTimeout: 120)
        let response: HTTPResponse
        do { response = try await transport.send(request) } catch { throw PlatformError(.network, "WhatsApp media upload: \(error)") }
        guard (200..<300).contains(response.status), let id = JSONReader.parse(String(decoding: response.body, as: UTF8.self))?["id"]?.stringValue else {
            throw PlatformError(.rejected, "WhatsApp media upload: HTTP \(response.status)")
        }
        let kind = mime.hasPrefix("image/") && mime != "image/gif" ? "image" : "document"
        var media: [String: JSONValue] = ["id": .string(id)]
        if !caption.isEmpty { media["caption"] = .string(ChatText.whatsapp(caption)) }
        if kind == "document" { media["filename"] = .string(name) }
        _ = try await call(["messaging_product": "whatsapp", "recipient_type": "individual", "to": .string(chat), "type": .string(kind), kind: .object(media)])
    }

    public func edit(_ messageID: String, in chat: String, to markdown: String) async throws(PlatformError) {}
    public func typing(in chat: String) async {}
    public func answerButton(_ queryID: String, text: String) async {}
}
