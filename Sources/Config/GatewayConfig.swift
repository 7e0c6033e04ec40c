import Foundation
import Yams

/// The `gateways:` section: the messaging platforms `talaria gateway` serves, and `cron:`.
///
/// ```yaml
/// gateways:
///   workdir: ~/work              # where chat sessions work (default: where the gateway started)
///   approval_timeout: 300        # seconds before an unanswered approval is denied
///   telegram:
///     token_env: TELEGRAM_BOT_TOKEN   # or token: "123:ABC…" (better in ~/.talaria/.env)
///     allowed_users: [123456789]      # who may talk to the agent
///     pairing: true                   # strangers get a code for `talaria gateway pair CODE`
///     base_url: https://api.telegram.org
///   signal:
///     account: "+15551234567"         # the bot's number, registered in signal-cli
///     base_url: http://127.0.0.1:8080 # signal-cli -a ACCOUNT daemon --http 127.0.0.1:8080 --receive-mode manual
///     allowed_users: ["+15557654321"]
///   whatsapp:                         # the Cloud API: webhooks in, Graph API out
///     token_env: WHATSAPP_TOKEN
///     account: "123456789012345"      # the phone number id
///     app_secret_env: WHATSAPP_APP_SECRET
///     verify_token_env: WHATSAPP_VERIFY_TOKEN
///     listen: 127.0.0.1:8090          # behind your TLS proxy; Meta posts to /webhook
///     allowed_users: ["15557654321"]
///   discord:                          # the Gateway WebSocket in, REST out
///     token_env: DISCORD_BOT_TOKEN    # the bot's token (Message Content intent on)
///     allowed_users: ["80351110224678912"]
///   slack:                            # Socket Mode in, the Web API out
///     token_env: SLACK_BOT_TOKEN      # xoxb-…
///     app_token_env: SLACK_APP_TOKEN  # xapp-… (connections:write)
///     allowed_users: ["U012AB3CD"]
/// cron:
///   missed: run_once             # runs missed while down: run_once (one run at start) or skip
/// ```
public struct GatewayConfig: Sendable, Hashable {
    public struct Platform: Sendable, Hashable {
        /// The credential itself (`token:`) or the variable holding it (`token_env:`).
        public var token: String?
        public var tokenEnv: String?
        public var baseURL: String?
        public var allowedUsers: [String] = []
        public var pairing = true
        /// Signal: the bot's own number (signal-cli holds its keys). WhatsApp: the phone number id.
        public var account: String?
        /// WhatsApp: the variables holding the app secret (webhook signatures) and the verify
        /// token (Meta's subscription handshake), and where the webhook listens.
        public var appSecretEnv: String?
        public var verifyTokenEnv: String?
        public var listen: String?
        /// Slack: the variable holding the app-level token (`xapp-…`) Socket Mode connects with;
        /// `token` is the bot token (`xoxb-…`) the Web API takes.
        public var appTokenEnv: String?

        public init() {}

        /// The token from config or the environment; nil when neither has it.
        public func resolvedToken(environment: [String: String]) -> String? {
            if let token, !token.isEmpty { return token }
            return tokenEnv.flatMap { environment[$0] }.flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    public var platforms: [String: Platform] = [:]
    public var workdir: String?
    public var approvalTimeout = Defaults.Gateway.approvalTimeout

    public init() {}

    public static let platformNames = ["telegram", "discord", "slack", "whatsapp", "signal"]
    static let settings = ["workdir", "approval_timeout"]
    static let platformSettings = ["token", "token_env", "base_url", "allowed_users", "pairing", "account", "app_secret_env", "verify_token_env", "listen", "app_token_env"]

    static func parse(_ node: Node, file: String, line: Int) throws(ConfigError) -> GatewayConfig {
        var g = GatewayConfig()
        guard case .mapping(let m) = node else { throw ConfigError(file: file, line: line, key: "gateways", message: "must be a mapping of platforms") }
        for (k, v) in m {
            let name = k.string ?? ""
            let at = v.mark?.line ?? line
            func fail(_ key: String, _ what: String) -> ConfigError { ConfigError(file: file, line: at, key: key, message: what) }
            switch name {
            case "workdir":
                guard let s = v.string, !s.isEmpty else { throw fail("gateways.workdir", "must be a folder") }
                g.workdir = s
            case "approval_timeout":
                guard let n = v.int, n >= 10 else { throw fail("gateways.approval_timeout", "must be a whole number of seconds, at least 10") }
                g.approvalTimeout = n
            case _ where platformNames.contains(name):
                guard case .mapping(let fields) = v else { throw fail("gateways.\(name)", "must be a mapping (token_env, allowed_users, …)") }
                var p = Platform()
                for (fk, fv) in fields {
                    let field = fk.string ?? ""
                    let key = "gateways.\(name).\(field)"
                    switch field {
                    case "token": p.token = fv.string
                    case "token_env":
                        guard let s = fv.string, !s.isEmpty else { throw fail(key, "must name an environment variable") }
                        p.tokenEnv = s
                    case "base_url":
                        guard let s = fv.string, let url = URL(string: s), url.scheme == "http" || url.scheme == "https" else {
                            throw fail(key, "must be an http:// or https:// address")
                        }
                        p.baseURL = s
                    case "allowed_users":
                        guard case .sequence(let users) = fv else { throw fail(key, "must be a list of user ids, like [123456789]") }
                        p.allowedUsers = users.compactMap { $0.string }
                    case "app_secret_env", "verify_token_env", "app_token_env":
                        guard let s = fv.string, !s.isEmpty else { throw fail(key, "must name an environment variable") }
                        switch field {
                        case "app_secret_env": p.appSecretEnv = s
                        case "verify_token_env": p.verifyTokenEnv = s
                        default: p.appTokenEnv = s
                        }
                    case "listen":
                        guard let s = fv.string, let colon = s.lastIndex(of: ":"), Int(s[s.index(after: colon)...]) != nil else {
                            throw fail(key, "must be HOST:PORT, like 127.0.0.1:8090")
                        }
                        p.listen = s
                    case "account":
                        guard let s = fv.string, !s.isEmpty else { throw fail(key, "must be the bot's number, like \"+15551234567\"") }
                        p.account = s
                    case "pairing":
                        guard let b = fv.bool else { throw fail(key, "must be true or false") }
                        p.pairing = b
                    default: throw fail(key, "unknown setting (known: \(platformSettings.joined(separator: ", ")))")
                    }
                }
                g.platforms[name] = p
            default:
                throw fail("gateways.\(name)", "unknown platform or setting (platforms: \(platformNames.joined(separator: ", ")); settings: \(settings.joined(separator: ", ")))")
            }
        }
        return g
    }
}

/// The `cron:` section.
public struct CronConfig: Sendable, Hashable {
    /// `run_once` or `skip` (see `MissedRuns`).
    public var missed = "run_once"
    public init() {}

    static func parse(_ node: Node, file: String, line: Int) throws(ConfigError) -> CronConfig {
        var c = CronConfig()
        guard case .mapping(let m) = node else { throw ConfigError(file: file, line: line, key: "cron", message: "must be a mapping, like {missed: skip}") }
        for (k, v) in m {
            let name = k.string ?? ""
            guard name == "missed" else { throw ConfigError(file: file, line: v.mark?.line ?? line, key: "cron.\(name)", message: "unknown setting (known: missed)") }
            guard let s = v.string, ["run_once", "skip"].contains(s) else {
                throw ConfigError(file: file, line: v.mark?.line ?? line, key: "cron.missed", message: "must be run_once or skip")
            }
            c.missed = s
        }
        return c
    }
}
