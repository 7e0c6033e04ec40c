import Config
import Foundation
import LLMClient

/// The platforms config.yaml configures, built with their credentials — one line each.
public enum Platforms {
    public static func make(_ config: GatewayConfig, environment: [String: String],
                            transport: any HTTPStreamTransport) -> (platforms: [any ChatPlatform], problems: [String]) {
        var out: [any ChatPlatform] = [], problems: [String] = []
        for (name, p) in config.platforms.sorted(by: { $0.key < $1.key }) {
            guard let token = p.resolvedToken(environment: environment) else {
                problems.append("gateways.\(name): no token (set token_env to a variable that holds it, e.g. in ~/.talaria/.env)")
                continue
            }
            switch name {
            case "telegram": out.append(TelegramPlatform(token: token, baseURL: p.baseURL ?? "https://api.telegram.org", transport: transport))
            default: problems.append("gateways.\(name): this build serves telegram only; \(name) is not served")
            }
        }
        return (out, problems)
    }
}
