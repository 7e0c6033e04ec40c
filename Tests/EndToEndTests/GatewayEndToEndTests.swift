import AgentProtocol
import CurlTransport
import Foundation
import Testing
import TestSupport

@Suite("talaria gateway, the binary, against the local Telegram API", .serialized)
struct GatewayEndToEndTests {
    @Test("kill -9 loses nothing and answers nothing twice: messages sent while it was down are answered once each after the restart; one cut off mid-answer gets a note")
    func killNine() async throws {
        let transport = CurlTransport()
        let telegram = try await FakeTelegram(transport: transport)
        let llm = try await FakeLLMServer()
        let home = TalariaHome()
        try """
            gateways:
              telegram:
                token_env: E2E_TELEGRAM_TOKEN
                base_url: \(telegram.baseURL)
                allowed_users: [111]
            """.write(toFile: home.home + "/config.yaml", atomically: true, encoding: .utf8)
        let args = ["gateway", "--base-url", llm.baseURL, "--model", "fake"]
        let env = ["E2E_TELEGRAM_TOKEN": telegram.token]
        func texts(_ chat: Int) async throws -> [String] { try await telegram.texts(to: chat) }
        // Until `n` messages are there and none is a draft still streaming (" …").
        func waitTexts(_ chat: Int, _ n: Int) async throws -> [String] {
            let deadline = Date().addingTimeInterval(40)
            var t = try await texts(chat)
            while t.count < n || t.contains(where: { $0.hasSuffix(" …") }), Date() < deadline {
                try await Task.sleep(for: .milliseconds(50))
                t = try await texts(chat)
            }
            return t
        }

        var (p, _, _) = try home.start(args, extraEnv: env)
        try await telegram.message(chat: 111, user: 111, text: "first final=One")
        #expect(try await waitTexts(111, 1).first?.contains("One") == true)
        // A slow answer in another chat, cut off by kill -9 while it is being written.
        try await telegram.message(chat: 222, user: 111, text: "story slow=400 long=30")
        _ = try await telegram.waitFor(30) { calls in calls.contains { $0.method == "sendChatAction" && $0.body["chat_id"]?.stringValue == "222" } }
        kill(p.processIdentifier, SIGKILL)
        await waitForExit(p)
        let answeredBefore = try await texts(222).count
        // While it is down.
        try await telegram.message(chat: 111, user: 111, text: "second while down")
        try await telegram.message(chat: 111, user: 111, text: "third while down")

        (p, _, _) = try home.start(args, extraEnv: env)
        let after = try await waitTexts(111, 3)
        var note = try await texts(222)
        let noteDeadline = Date().addingTimeInterval(40)
        while note.last?.contains("restarted while answering") != true, Date() < noteDeadline {
            try await Task.sleep(for: .milliseconds(50))
            note = try await texts(222)
        }
        try await Task.sleep(for: .seconds(3)) // anything extra would arrive by now
        #expect(try await texts(111).count == 3, "\(after)")
        #expect(note.last?.contains("restarted while answering") == true, "\(note)")
        #expect(try await texts(222).count == answeredBefore + 1, "the cut-off message is not answered again")
        // SIGTERM: a clean stop.
        kill(p.processIdentifier, SIGTERM)
        await waitForExit(p)
        #expect(p.terminationStatus == 0)
        // The chat's one session holds all three messages.
        let sessions = try await home.run(["sessions", "list", "--json"])
        #expect(sessions.stdout.contains("\"source\":\"gateway\""), "\(sessions.stdout)")
    }

    @Test("Discord and Slack in one gateway: after kill -9, what was written while it was down is answered once on each, nothing twice")
    func killNineSockets() async throws {
        let transport = CurlTransport()
        let discord = try await FakeDiscord(transport: transport)
        let slack = try await FakeSlack(transport: transport)
        let llm = try await FakeLLMServer()
        let home = TalariaHome()
        try """
            gateways:
              discord:
                token_env: E2E_DISCORD_TOKEN
                base_url: \(discord.baseURL)
                allowed_users: ["42"]
              slack:
                token_env: E2E_SLACK_BOT
                app_token_env: E2E_SLACK_APP
                base_url: \(slack.baseURL)
                allowed_users: ["U42"]
            """.write(toFile: home.home + "/config.yaml", atomically: true, encoding: .utf8)
        let args = ["gateway", "--base-url", llm.baseURL, "--model", "fake"]
        let env = ["E2E_DISCORD_TOKEN": discord.token, "E2E_SLACK_BOT": slack.botToken, "E2E_SLACK_APP": slack.appToken]
        func settle(_ n: Int) async throws -> ([String], [String]) {
            let deadline = Date().addingTimeInterval(40)
            var (d, s) = (try await discord.texts(to: "7"), try await slack.texts(to: "D7"))
            while d.count < n || s.count < n || (d + s).contains(where: { $0.hasSuffix(" …") }), Date() < deadline {
                try await Task.sleep(for: .milliseconds(50))
                (d, s) = (try await discord.texts(to: "7"), try await slack.texts(to: "D7"))
            }
            return (d, s)
        }

        var (p, _, _) = try home.start(args, extraEnv: env)
        try await discord.waitUntilConnected()
        try await discord.message(channel: "7", user: "42", text: "first final=One")
        try await slack.message(channel: "D7", user: "U42", text: "first final=One")
        var (d, s) = try await settle(1)
        #expect(d == ["One"] && s == ["One"], "\(d) \(s)")
        kill(p.processIdentifier, SIGKILL)
        await waitForExit(p)
        try await discord.message(channel: "7", user: "42", text: "second while down")
        try await slack.message(channel: "D7", user: "U42", text: "second while down")

        (p, _, _) = try home.start(args, extraEnv: env)
        (d, s) = try await settle(2)
        try await Task.sleep(for: .seconds(3)) // anything extra would arrive by now
        #expect(try await discord.texts(to: "7").count == 2, "\(d)")
        #expect(try await slack.texts(to: "D7").count == 2, "\(s)")
        kill(p.processIdentifier, SIGTERM)
        await waitForExit(p)
        #expect(p.terminationStatus == 0)
    }
}
