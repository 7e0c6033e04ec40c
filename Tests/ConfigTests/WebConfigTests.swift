import Config
import Testing

/// The `web:` section: the address guard's exemptions and the search provider.
@Suite("config web:")
struct WebConfigTests {
    @Test("the settings, and the defaults without the section")
    func parses() throws {
        let c = try TalariaConfig.parse("""
            web:
              allow_private: true
              allow_hosts: [Wiki.Internal, "*.corp.example"]
              max_chars: 8000
              search: {provider: brave, api_key_env: BRAVE_API_KEY}
            """, file: "c.yaml")
        #expect(c.web.allowPrivate && c.web.allowHosts == ["wiki.internal", "*.corp.example"] && c.web.maxChars == 8_000)
        #expect(c.web.search == WebSearchConfig(provider: .brave, apiKeyEnv: "BRAVE_API_KEY"))
        let plain = try TalariaConfig.parse("model: m\n", file: "c.yaml")
        #expect(!plain.web.allowPrivate && plain.web.search == nil && plain.web.maxChars == Defaults.Web.maxChars)
    }

    @Test("mistakes name the key and what it needs", arguments: [
        ("web:\n  allow_private: maybe\n", "web.allow_private", "must be true or false"),
        ("web:\n  search: {provider: bing}\n", "web.search.provider", "must be one of searxng, brave, tavily"),
        ("web:\n  search: {provider: searxng}\n", "web.search.base_url", "is required for searxng (your instance's address)"),
        ("web:\n  search: {provider: tavily, base_url: 'https://api.tavily.com'}\n", "web.search.api_key_env", "is required for tavily: the variable that holds the key"),
        ("web:\n  fetch_limit: 3\n", "web.fetch_limit", "unknown setting (known: allow_private, allow_hosts, max_chars, search)"),
    ])
    func mistakes(_ yaml: String, _ key: String, _ message: String) {
        do {
            _ = try TalariaConfig.parse(yaml, file: "c.yaml")
            Issue.record("no error for \(yaml)")
        } catch {
            #expect(error.key == key && error.message == message, "\(error)")
        }
    }
}
