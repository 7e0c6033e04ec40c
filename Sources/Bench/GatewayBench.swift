import AgentProtocol
import ArgumentParser
import Foundation

/// `talaria bench gateway`: the real `talaria gateway` (this binary) on an instant Telegram API
/// and the instant model — messages answered per second, and the gateway's RSS holding many
/// chats' sessions.
struct GatewayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gateway",
                                                    abstract: "talaria gateway: messages per second through a Telegram API, RSS with 1,000 chats' sessions.")
    @Option(help: "Messages for the throughput figure.") var messages = 400
    @Option(help: "Chats they come from.") var chats = 40
    @Option(help: "Chats for the memory figure.") var manyChats = 1000

    func run() async throws {
        let llm = try InstantLLMServer()
        let telegram = try InstantTelegramServer()
        let home = NSTemporaryDirectory() + "talaria-bench-gateway-\(getpid())"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let users = (1...manyChats).map(String.init).joined(separator: ", ")
        try """
            gateways:
              telegram:
                token_env: BENCH_TELEGRAM_TOKEN
                base_url: \(telegram.baseURL)
                allowed_users: [\(users)]
            skills: {review: false}
            checkpoints: false
            """.write(toFile: home + "/config.yaml", atomically: true, encoding: .utf8)
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let gateway = Process()
        gateway.executableURL = URL(fileURLWithPath: exe)
        gateway.arguments = ["gateway", "--base-url", llm.baseURL, "--model", "fake-model"]
        gateway.currentDirectoryURL = URL(fileURLWithPath: home)
        var env = ProcessInfo.processInfo.environment
        env["TALARIA_HOME"] = home
        env["BENCH_TELEGRAM_TOKEN"] = telegram.token
        gateway.environment = env
        gateway.standardError = FileHandle.nullDevice
        gateway.standardOutput = FileHandle.nullDevice
        try gateway.run()
        defer { gateway.terminate() }

        func waitSent(_ n: Int, limit: Double = 300) async throws {
            let deadline = Date().addingTimeInterval(limit)
            while telegram.sentCount < n {
                guard Date() < deadline else { throw ValidationError("only \(telegram.sentCount) of \(n) answers came in \(Int(limit)) s") }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        // Warm-up: one answer.
        telegram.message(chat: 1, user: 1, text: "Say hello")
        try await waitSent(1)
        // Throughput: `messages` at once from `chats` chats (each chat answers in order).
        let t0 = Date()
        for i in 0..<messages { telegram.message(chat: 1 + i % chats, user: 1 + i % chats, text: "Say hello \(i)") }
        try await waitSent(1 + messages)
        let seconds = Date().timeIntervalSince(t0)
        print(String(format: "FIGURE gateway: %.0f messages/s answered through the Telegram API (%d messages from %d chats in %.2f s; instant model)",
                     Double(messages) / seconds, messages, chats, seconds))
        // Memory: a session for each of `manyChats` chats.
        let before = Self.rss(gateway.processIdentifier)
        let sent = telegram.sentCount
        for c in 1...manyChats { telegram.message(chat: 10_000 + c, user: c, text: "Say hello") }
        try await waitSent(sent + manyChats)
        try await Task.sleep(for: .milliseconds(500))
        let after = Self.rss(gateway.processIdentifier)
        print(String(format: "FIGURE gateway RSS: %.1f MB with %d chats' sessions open (%.1f MB before them; %.0f KB per chat)",
                     Double(after) / 1e6, manyChats + chats, Double(before) / 1e6, Double(after - before) / 1e3 / Double(manyChats)))
    }

    static func rss(_ pid: Int32) -> Int {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        return 0
    }
}
