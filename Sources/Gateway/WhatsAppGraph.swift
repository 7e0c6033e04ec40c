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

    public func edit(_ messageID: String, in chat: String, to markdown: String) async throws(PlatformError) {}
    public func typing(in chat: String) async {}
    public func answerButton(_ queryID: String, text: String) async {}
}
