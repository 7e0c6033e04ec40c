import AgentProtocol
import AgentTools
import Config
import Foundation
import LLMClient

/// One search service's API: the request for a query and the results in its answer.
protocol SearchService: Sendable {
    func request(_ query: String, count: Int, key: String?) -> HTTPRequest?
    func results(_ body: JSONValue) -> [SearchResult]
}

struct SearchResult: Sendable, Hashable {
    var title: String
    var url: String
    var snippet: String
}

/// SearxNG's JSON API: `GET {base}/search?q=…&format=json` → `{"results": [{title, url, content}]}`.
struct SearxNG: SearchService {
    let base: String
    func request(_ query: String, count: Int, key: String?) -> HTTPRequest? {
        var c = URLComponents(string: base.hasSuffix("/") ? base + "search" : base + "/search")
        c?.queryItems = [URLQueryItem(name: "q", value: query), URLQueryItem(name: "format", value: "json")]
        return c?.url.map { HTTPRequest(url: $0, headers: ["Accept": "application/json"], idleTimeout: Defaults.Web.timeoutSeconds) }
    }
    func results(_ body: JSONValue) -> [SearchResult] { Self.list(body["results"], snippet: "content") }

    static func list(_ value: JSONValue?, snippet: String) -> [SearchResult] {
        (value?.arrayValue ?? []).compactMap { r in
            guard let url = r["url"]?.stringValue else { return nil }
            return SearchResult(title: r["title"]?.stringValue ?? url, url: url, snippet: r[snippet]?.stringValue ?? "")
        }
    }
}

/// Brave Search: `GET {base}/res/v1/web/search?q=…&count=N` with `X-Subscription-Token` →
/// `{"web": {"results": [{title, url, description}]}}`.
struct Brave: SearchService {
    let base: String
    func request(_ query: String, count: Int, key: String?) -> HTTPRequest? {
        var c = URLComponents(string: base + "/res/v1/web/search")
        c?.queryItems = [URLQueryItem(name: "q", value: query), URLQueryItem(name: "count", value: String(count))]
        return c?.url.map { HTTPRequest(url: $0, headers: ["Accept": "application/json", "X-Subscription-Token": key ?? ""], idleTimeout: Defaults.Web.timeoutSeconds) }
    }
    func results(_ body: JSONValue) -> [SearchResult] { SearxNG.list(body["web"]?["results"], snippet: "description") }
}

/// Tavily: `POST {base}/search {"query", "max_results"}` with a bearer key → `{"results": [{title, url, content}]}`.
struct Tavily: SearchService {
    let base: String
    func request(_ query: String, count: Int, key: String?) -> HTTPRequest? {
        guard let url = URL(string: base + "/search") else { return nil }
        let body = JSONValue.object(["query": .string(query), "max_results": .number(Double(count))])
        return HTTPRequest(url: url, method: "POST", headers: ["Content-Type": "application/json", "Authorization": "Bearer \(key ?? "")"],
                           body: Data(body.jsonText.utf8), idleTimeout: Defaults.Web.timeoutSeconds)
    }
    func results(_ body: JSONValue) -> [SearchResult] { SearxNG.list(body["results"], snippet: "content") }
}

/// `web_search`: a query to the configured search service; titles, addresses and snippets
/// back (the model reads a result with `web_fetch`). The service is the user's choice, so its
/// address is not held to the address guard (a SearxNG on this machine is common).
public struct WebSearchTool: Tool {
    let transport: any HTTPStreamTransport
    let config: WebSearchConfig
    let environment: [String: String]

    public init(transport: any HTTPStreamTransport, config: WebSearchConfig, environment: [String: String]) {
        self.transport = transport
        self.config = config
        self.environment = environment
    }

    var service: any SearchService {
        switch config.provider {
        case .searxng: SearxNG(base: config.baseURL ?? "")
        case .brave: Brave(base: config.baseURL ?? "https://api.search.brave.com")
        case .tavily: Tavily(base: config.baseURL ?? "https://api.tavily.com")
        }
    }

    public var spec: ToolSpec {
        ToolSpec(name: "web_search", description: """
            Search the web (\(config.provider.rawValue)): titles, addresses and snippets of the best \
            results. Read one with web_fetch.
            """, parameters: schema([
                "query": ["type": "string", "description": "What to search for."],
                "count": ["type": "integer", "description": .string("How many results (1–10, default \(Defaults.Web.searchResults)).")],
            ], required: ["query"]))
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        let query: String, count: Int
        do {
            query = try args.string("query").trimmingCharacters(in: .whitespacesAndNewlines)
            count = min(10, max(1, try args.optionalInt("count") ?? Defaults.Web.searchResults))
        } catch { return .error(error.message) }
        guard !query.isEmpty else { return .error("the query is empty") }
        var key: String?
        if let name = config.apiKeyEnv {
            guard let value = environment[name], !value.isEmpty else {
                return .error("web_search (\(config.provider.rawValue)) needs its key in the environment variable \(name), which is not set")
            }
            key = value
        }
        guard let request = service.request(query, count: count, key: key) else { return .error("the search address in config.yaml is not usable") }
        let response: HTTPResponse
        do { response = try await transport.send(request) } catch {
            return .error("\(config.provider.rawValue) did not answer: \(error)")
        }
        guard (200...299).contains(response.status) else {
            let why = response.status == 401 || response.status == 403 ? " (is the key in \(config.apiKeyEnv ?? "the environment") right?)" : ""
            return .error("\(config.provider.rawValue) answered HTTP \(response.status)\(why)")
        }
        guard let body = JSONValue.parse(String(decoding: response.body, as: UTF8.self)) else {
            return .error("\(config.provider.rawValue) answered something that is not JSON")
        }
        let results = Array(service.results(body).prefix(count))
        guard !results.isEmpty else { return ToolOutput(text: "No results for \"\(query)\".") }
        let lines = results.enumerated().map { i, r in
            "\(i + 1). \(Self.plain(r.title))\n   \(r.url)" + (r.snippet.isEmpty ? "" : "\n   " + Self.plain(r.snippet).prefix(400))
        }
        return ToolOutput(text: lines.joined(separator: "\n"))
    }

    /// A title or snippet without the markup and entities some services leave in.
    static func plain(_ text: String) -> String { HTMLMarkdown.collapse(HTMLMarkdown.plainText(HTMLTree.parse(text))) }
}
