import AgentProtocol
import Foundation

/// What Discord's Gateway dispatches and REST lists carry, as the gateway reads it, and the
/// cursor of each channel's last message (apart from the socket, so the fuzzer reads it too).
public enum DiscordEvents {
    /// A channel the bot talks in: the last message id taken, and whether it is in a server.
    public struct Channel: Hashable, Sendable {
        var after: String
        var guild: Bool
    }

    /// The cursor: `{"CHANNEL": {"after": "ID", "guild": true}, …}`.
    public static func cursor(_ channels: [String: Channel]) -> String {
        var w = JSONWriter()
        w.value(.object(channels.mapValues { ["after": .string($0.after), "guild": .bool($0.guild)] }))
        return String(decoding: w.bytes, as: UTF8.self)
    }

    public static func channels(fromCursor cursor: String?) -> [String: Channel] {
        guard let cursor, let o = JSONReader.parse(cursor)?.objectValue else { return [:] }
        var out: [String: Channel] = [:]
        for (k, v) in o { if let after = v["after"]?.stringValue { out[k] = Channel(after: after, guild: v["guild"]?.boolValue ?? false) } }
        return out
    }

    /// Snowflakes grow with time; compared as numbers (their lengths differ).
    public static func newer(_ id: String, than other: String?) -> Bool {
        guard let other else { return true }
        return id.count != other.count ? id.count > other.count : id > other
    }

    /// A message for the bot: not its own or another bot's; in a server, only with a mention
    /// (which is taken out of the text).
    public static func decodeMessage(_ d: JSONValue, botID: String?, inGuild: Bool) -> ChatUpdate? {
        guard let id = d["id"]?.stringValue, let channel = d["channel_id"]?.stringValue,
              let author = d["author"], let user = author["id"]?.stringValue, author["bot"]?.boolValue != true, user != botID,
              var text = d["content"]?.stringValue else { return nil }
        let files = (d["attachments"]?.arrayValue ?? []).compactMap { a -> ChatFile? in
            guard let url = a["url"]?.stringValue, let name = a["filename"]?.stringValue else { return nil }
            return ChatFile(ref: url, name: name, mime: a["content_type"]?.stringValue ?? ChatFile.mime(forName: name), size: a["size"]?.intValue)
        }
        if inGuild {
            guard let botID, (d["mentions"]?.arrayValue ?? []).contains(where: { $0["id"]?.stringValue == botID }) else { return nil }
            text = text.replacingOccurrences(of: "<@\(botID)>", with: "").replacingOccurrences(of: "<@!\(botID)>", with: "")
                .trimmingCharacters(in: .whitespaces)
        }
        guard !text.isEmpty || !files.isEmpty else { return nil }
        let name = author["global_name"]?.stringValue ?? author["username"]?.stringValue ?? user
        return .message(id: id, chat: channel, user: user, userName: name, text: text, files: files.isEmpty ? nil : files)
    }

    /// A button press (a message component interaction).
    public static func decodeInteraction(_ d: JSONValue) -> ChatUpdate? {
        guard d["type"]?.intValue == 3, let id = d["id"]?.stringValue, let token = d["token"]?.stringValue,
              let channel = d["channel_id"]?.stringValue, let data = d["data"]?["custom_id"]?.stringValue,
              let user = d["member"]?["user"] ?? d["user"], let uid = user["id"]?.stringValue else { return nil }
        let name = user["global_name"]?.stringValue ?? user["username"]?.stringValue ?? uid
        return .button(id: "i" + id, chat: channel, user: uid, userName: name, data: data, queryID: "\(id)/\(token)")
    }
}
