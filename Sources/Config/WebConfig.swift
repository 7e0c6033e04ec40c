import Foundation
import Yams

/// The `web:` section: what `web_fetch` may reach and where `web_search` asks.
///
/// ```yaml
/// web:
///   allow_private: false      # loopback, private, link-local and metadata addresses are refused
///   allow_hosts: [wiki.internal, "*.corp.example"]   # exempt from that check
///   max_chars: 12000          # of a page the model reads per call (it can ask for more)
///   search:
///     provider: searxng       # searxng | brave | tavily
///     base_url: http://127.0.0.1:8888   # SearxNG's; Brave's and Tavily's have a default
///     api_key_env: BRAVE_API_KEY        # the variable holding the key (Brave, Tavily)
/// ```
public struct WebConfig: Sendable, Hashable {
    public var allowPrivate = false
    public var allowHosts: [String] = []
    public var maxChars = Defaults.Web.maxChars
    public var search: WebSearchConfig?

    public init() {}

    static let known = ["allow_private", "allow_hosts", "max_chars", "search"]

    static func parse(_ node: Node, file: String, line: Int) throws(ConfigError) -> WebConfig {
        var s = WebConfig()
        guard case .mapping(let m) = node else { throw ConfigError(file: file, line: line, key: "web", message: "must be a mapping of settings") }
        for (k, v) in m {
            let name = k.string ?? ""
            let at = v.mark?.line ?? line
            func fail(_ what: String) -> ConfigError { ConfigError(file: file, line: at, key: "web.\(name)", message: what) }
            switch name {
            case "allow_private":
                guard let on = v.bool else { throw fail("must be true or false") }
                s.allowPrivate = on
            case "allow_hosts":
                guard case .sequence(let items) = v else { throw fail("must be a list of host names") }
                s.allowHosts = try items.map { item throws(ConfigError) in
                    guard let h = item.string, !h.isEmpty else { throw fail("must be a list of host names") }
                    return h.lowercased()
                }
            case "max_chars":
                guard let n = v.int, n >= 1_000 else { throw fail("must be a whole number of at least 1000") }
                s.maxChars = n
            case "search": s.search = try WebSearchConfig.parse(v, file: file, line: at)
            default: throw fail("unknown setting (known: \(known.joined(separator: ", ")))")
            }
        }
        return s
    }
}

/// Which search service `web_search` asks.
public enum WebSearchProvider: String, Sendable, Hashable, CaseIterable {
    /// A SearxNG instance's JSON API (`base_url` required; no key).
    case searxng
    /// The Brave Search API (a key).
    case brave
    /// Tavily's search API (a key).
    case tavily
}

public struct WebSearchConfig: Sendable, Hashable {
    public var provider: WebSearchProvider
    public var baseURL: String?
    /// The environment variable that holds the key (never the key itself in config.yaml).
    public var apiKeyEnv: String?

    public init(provider: WebSearchProvider, baseURL: String? = nil, apiKeyEnv: String? = nil) {
        self.provider = provider
        self.baseURL = baseURL
        self.apiKeyEnv = apiKeyEnv
    }

    static func parse(_ node: Node, file: String, line: Int) throws(ConfigError) -> WebSearchConfig {
        guard case .mapping(let m) = node else { throw ConfigError(file: file, line: line, key: "web.search", message: "must be a mapping: {provider, base_url, api_key_env}") }
        var provider: WebSearchProvider?
        var baseURL: String?, keyEnv: String?
        for (k, v) in m {
            let name = k.string ?? ""
            let at = v.mark?.line ?? line
            func fail(_ what: String) -> ConfigError { ConfigError(file: file, line: at, key: "web.search.\(name)", message: what) }
            switch name {
            case "provider":
                guard let p = v.string.flatMap(WebSearchProvider.init(rawValue:)) else {
                    throw fail("must be one of \(WebSearchProvider.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                provider = p
            case "base_url":
                guard let u = v.string, URL(string: u)?.host != nil else { throw fail("must be an http(s) address") }
                baseURL = u
            case "api_key_env":
                guard let e = v.string, !e.isEmpty else { throw fail("must name an environment variable") }
                keyEnv = e
            default: throw fail("unknown setting (known: provider, base_url, api_key_env)")
            }
        }
        guard let provider else { throw ConfigError(file: file, line: line, key: "web.search.provider", message: "is required (searxng, brave or tavily)") }
        if provider == .searxng, baseURL == nil {
            throw ConfigError(file: file, line: line, key: "web.search.base_url", message: "is required for searxng (your instance's address)")
        }
        if provider != .searxng, keyEnv == nil {
            throw ConfigError(file: file, line: line, key: "web.search.api_key_env", message: "is required for \(provider.rawValue): the variable that holds the key")
        }
        return WebSearchConfig(provider: provider, baseURL: baseURL, apiKeyEnv: keyEnv)
    }
}
