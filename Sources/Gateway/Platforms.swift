import Config
import Foundation
import LLMClient

/// The platforms config.yaml configures, built with their credentials — one line each.
public enum Platforms {
    public static func make(_ config: GatewayConfig, environment: [String: String],
                            transport: any HTTPStreamTransport) -> (platforms: [any ChatPlatform], problems: [String]) {
        var out: [any ChatPlatform] = [], problems: [String] = []
        for (name, p) in config.platforms.sorted(by: { $0.key < $1.key }) {
            if name == "signal" {
                // signal-cli holds the credentials; config names the account and the daemon.
                guard let account = p.account, let base = p.baseURL else {
                    problems.append("gateways.signal: needs account (the bot's number) and base_url (signal-cli daemon --http)")
                    continue
                }
                out.append(SignalPlatform(account: account, baseURL: base, transport: transport))
                continue
            }
            guard let token = p.resolvedToken(environment: environment) else {
                problems.append("gateways.\(name): no token (set token_env to a variable that holds it, e.g. in ~/.talaria/.env)")
                continue
            }
            switch name {
            case "telegram": out.append(TelegramPlatform(token: token, baseURL: p.baseURL ?? "https://api.telegram.org", transport: transport))
            default: problems.append("gateways.\(name): this build serves telegram and signal; \(name) is not served yet")
            }
        }
        return (out, problems)
    }
}
