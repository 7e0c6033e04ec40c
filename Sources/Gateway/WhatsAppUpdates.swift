import AgentProtocol
import Foundation

/// What a WhatsApp webhook delivery holds, as the gateway reads it (fuzzed: `make fuzz`).
public enum WhatsAppUpdates {
    /// The messages of a webhook delivery: text, media (image, document, audio, video), and replies to our buttons.
    public static func decode(_ json: JSONValue) -> [ChatUpdate] {
        var out: [ChatUpdate] = []
        for entry in json["entry"]?.arrayValue ?? [] {
            for change in entry["changes"]?.arrayValue ?? [] {
                let value = change["value"] ?? .null
                let names = Dictionary((value["contacts"]?.arrayValue ?? []).compactMap { c in
                    c["wa_id"]?.stringValue.map { ($0, c["profile"]?["name"]?.stringValue ?? $0) }
                }, uniquingKeysWith: { a, _ in a })
                for m in value["messages"]?.arrayValue ?? [] {
                    guard let id = m["id"]?.stringValue, let from = m["from"]?.stringValue else { continue }
                    let name = names[from] ?? from
                    if let text = m["text"]?["body"]?.stringValue {
                        out.append(.message(id: id, chat: from, user: from, userName: name, text: text))
                    } else if let kind = ["image", "document", "audio", "video"].first(where: { m[$0] != nil }), let media = m[kind],
                              let mediaID = media["id"]?.stringValue {
                        let mime = media["mime_type"]?.stringValue ?? "application/octet-stream"
                        let fallback = kind + "." + (mime.split(separator: "/").last.map { String($0.split(separator: ";").first ?? $0) } ?? "bin")
                        let file = ChatFile(ref: mediaID, name: media["filename"]?.stringValue ?? fallback, mime: mime)
                        out.append(.message(id: id, chat: from, user: from, userName: name, text: media["caption"]?.stringValue ?? "", files: [file]))
                    } else if let reply = m["interactive"]?["button_reply"], let data = reply["id"]?.stringValue {
                        out.append(.button(id: id, chat: from, user: from, userName: name, data: data, queryID: id))
                    } else if let payload = m["button"]?["payload"]?.stringValue {
                        out.append(.button(id: id, chat: from, user: from, userName: name, data: payload, queryID: id))
                    }
                }
            }
        }
        return out
    }
}
