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
            case "whatsapp":
                guard let phone = p.account, let secret = p.appSecretEnv.flatMap({ environment[$0] }), !secret.isEmpty,
                      let verify = p.verifyTokenEnv.flatMap({ environment[$0] }), !verify.isEmpty else {
                    problems.append("gateways.whatsapp: needs account (the phone number id), and app_secret_env and verify_token_env naming set variables")
                    continue
                }
                out.append(WhatsAppPlatform(token: token, phoneNumberID: phone, appSecret: secret, verifyToken: verify,
                                            listen: p.listen ?? "127.0.0.1:8090", baseURL: p.baseURL ?? "https://graph.facebook.com/v21.0", transport: transport))
            case "telegram": out.append(TelegramPlatform(token: token, baseURL: p.baseURL ?? "https://api.telegram.org", transport: transport))
            case "discord": out.append(DiscordPlatform(token: token, baseURL: p.baseURL ?? "https://discord.com/api/v10", transport: transport))
            case "slack":
                guard let app = p.appTokenEnv.flatMap({ environment[$0] }), !app.isEmpty else {
                    problems.append("gateways.slack: needs app_token_env naming a set variable (the app-level xapp-… token Socket Mode connects with)")
                    continue
                }
                out.append(SlackPlatform(appToken: app, botToken: token, baseURL: p.baseURL ?? "https://slack.com/api", transport: transport))
            default: problems.append("gateways.\(name): not a platform this build serves")
            }
        }
        return (out, problems)
    }
}
