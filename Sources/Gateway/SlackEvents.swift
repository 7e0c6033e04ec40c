import AgentProtocol
import Foundation

/// What Socket Mode's envelopes carry, as the gateway reads it (apart from the socket, so the
/// fuzzer reads it too).
public enum SlackEvents {
    /// An envelope's update for the gateway; nil for what it does not handle. A message's id is
    /// `CHANNEL:TS` (the same for its `message` and `app_mention` events and for redeliveries).
    public static func decode(_ envelope: JSONValue, botUserID: String?) -> ChatUpdate? {
        let payload = envelope["payload"] ?? .null
        if envelope["type"]?.stringValue == "interactive" {
            guard payload["type"]?.stringValue == "block_actions", let action = payload["actions"]?.arrayValue?.first,
                  let data = action["value"]?.stringValue ?? action["action_id"]?.stringValue,
                  let channel = payload["channel"]?["id"]?.stringValue ?? payload["container"]?["channel_id"]?.stringValue,
                  let user = payload["user"]?["id"]?.stringValue else { return nil }
            let thread = payload["message"]?["thread_ts"]?.stringValue ?? payload["container"]?["thread_ts"]?.stringValue
            let id = payload["trigger_id"]?.stringValue ?? action["action_ts"]?.stringValue ?? UUID().uuidString
            return .button(id: "a" + id, chat: thread.map { "\(channel)/\($0)" } ?? channel, user: user,
                           userName: payload["user"]?["username"]?.stringValue ?? user, data: data,
                           queryID: payload["response_url"]?.stringValue ?? "")
        }
        let e = payload["event"] ?? .null
        guard let type = e["type"]?.stringValue, let channel = e["channel"]?.stringValue, let ts = e["ts"]?.stringValue,
              let user = e["user"]?.stringValue, user != botUserID, e["bot_id"] == nil else { return nil }
        var text = e["text"]?.stringValue ?? ""
        let files = (e["files"]?.arrayValue ?? []).compactMap { f -> ChatFile? in
            guard let url = f["url_private_download"]?.stringValue ?? f["url_private"]?.stringValue, let name = f["name"]?.stringValue else { return nil }
            return ChatFile(ref: url, name: name, mime: f["mimetype"]?.stringValue ?? ChatFile.mime(forName: name), size: f["size"]?.intValue)
        }
        guard !text.isEmpty || !files.isEmpty else { return nil }
        if let subtype = e["subtype"]?.stringValue, subtype != "file_share" { return nil } // edits, joins, bots
        let thread = e["thread_ts"]?.stringValue
        let chat: String
        switch type {
        case "message":
            guard e["channel_type"]?.stringValue == "im" else { return nil } // channels: mentions only
            chat = thread.map { "\(channel)/\($0)" } ?? channel
        case "app_mention":
            if let botUserID { text = text.replacingOccurrences(of: "<@\(botUserID)>", with: "").trimmingCharacters(in: .whitespaces) }
            chat = "\(channel)/\(thread ?? ts)"
        default: return nil
        }
        return .message(id: "\(channel):\(ts)", chat: chat, user: user, userName: user, text: text, files: files.isEmpty ? nil : files)
    }
}
