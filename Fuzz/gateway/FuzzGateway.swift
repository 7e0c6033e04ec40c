import Foundation

// libFuzzer entry point for what the gateways read from outside and shape for chats: each
// platform's update decoding (Telegram, Signal, WhatsApp, Slack, Discord) over any JSON, and the answer's
// splitting and markup. Built by scripts/fuzz.sh with the AgentProtocol, LLMClient and Gateway
// sources it needs (one module).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)

    if let json = JSONReader.parse(text) {
        _ = TelegramPlatform.decode(json)
        _ = SignalPlatform.decode(json)
        for u in WhatsAppUpdates.decode(json) { precondition(!u.id.isEmpty, "an update without an id") }
        for item in json.arrayValue ?? [] { _ = TelegramPlatform.decode(item) }
        _ = SlackEvents.decode(json, botUserID: "UBOT")
        _ = DiscordEvents.decodeMessage(json, botID: "1", inGuild: first & 1 == 0)
        _ = DiscordEvents.decodeInteraction(json)
        _ = DiscordEvents.channels(fromCursor: text)
    }

    let limit = 40 + Int(first) * 8
    for part in ChatText.split(text, limit: limit) {
        precondition(part.count <= limit, "a part of \(part.count) characters over the limit of \(limit)")
        let fences = part.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("```") }.count
        precondition(fences % 2 == 0, "a part with a code fence left open")
    }
    let html = ChatText.telegramHTML(text)
    precondition(html.components(separatedBy: "<pre>").count + html.components(separatedBy: "<pre><code class").count - 1
                 >= html.components(separatedBy: "</pre>").count, "more closing than opening pre tags")
    _ = ChatText.plain(text)
    _ = ChatText.whatsapp(text)
    _ = ChatText.slackMrkdwn(text)
    _ = ChatText.discord(text)
    return 0
}
