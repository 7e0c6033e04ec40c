import AgentProtocol
import AgentTools
import Config
import CurlTransport
import Exec
import Foundation
import LLMClient
import TestSupport
import Testing
@testable import Web

/// web_fetch and web_search over real HTTP against a local web.
@Suite("web_fetch and web_search against a local web", .serialized)
struct WebToolsTests {
    let context = ToolContext(cwd: "/tmp", backend: LocalBackend(), callID: "w")

    func fetch(_ web: LocalWeb, _ path: String, start: Int? = nil, guard g: AddressGuard = AddressGuard(allowPrivate: true), maxChars: Int = 12_000) async -> ToolOutput {
        var args: [String: JSONValue] = ["url": .string(web.base + path)]
        if let start { args["start"] = .number(Double(start)) }
        return await WebFetchTool(transport: CurlTransport(), addresses: g, maxChars: maxChars).run(.object(args), context: context)
    }

    @Test("a page comes back as markdown with its title and address; script, style, navigation and footer are gone")
    func page() async throws {
        let web = try await LocalWeb()
        let out = await fetch(web, "/page")
        #expect(out.status == .succeeded, "\(out.text)")
        #expect(out.text.hasPrefix("# Parser notes & fixes\nURL: \(web.base)/page\n\n# Fixing the lexer\n\nThe **lexer** dropped the last token; see [issue 42](\(web.base)/issues/42)"), "\(out.text)")
        #expect(out.text.contains("1. Read `Lexer.next()`\n2. Fix the bound\n   - check *empty* input"))
        #expect(out.text.contains("```swift\nif i < end {\n    i += 1\n}\n```"))
        #expect(out.text.contains("| Case | Before | After |\n| --- | --- | --- |\n| empty | crash | ok |\n| a\\|b | 1 | 2 |"))
        for gone in ["not text", "color: red", "Menu A", "Copyright", "secret hidden", "invisible", "Blog"] {
            #expect(!out.text.contains(gone), "\(gone) leaked: \(out.text)")
        }
    }

    @Test("redirects are followed and said, a loop stops at the cap; a 404 is a failure with the page's text")
    func redirects() async throws {
        let web = try await LocalWeb()
        let out = await fetch(web, "/redirect")
        #expect(out.text.contains("URL: \(web.base)/page (redirected from \(web.base)/redirect)") && out.text.contains("Fixing the lexer"), "\(out.text)")
        #expect(await fetch(web, "/loop").text.contains("more than 5 redirects"))
        let missing = await fetch(web, "/missing")
        #expect(missing.status == .failed && missing.text.contains("HTTP status 404") && missing.text.contains("# Not here"), "\(missing.text)")
    }

    @Test("text and JSON as they are; a PDF refused with what it is; a body past 5 MB cut with a note; a long page in parts")
    func contentTypes() async throws {
        let web = try await LocalWeb()
        #expect(await fetch(web, "/json").text.hasSuffix("\n\n{\"ok\": true, \"items\": [1, 2]}"))
        #expect(await fetch(web, "/plain").text.contains("line one\nline two"))
        let pdf = await fetch(web, "/pdf")
        #expect(pdf.isError && pdf.text.contains("is application/pdf") && pdf.text.contains("web_fetch reads only those"), "\(pdf.text)")
        let big = await fetch(web, "/big")
        #expect(big.text.contains("larger than 5 MB: only its start was read"), "\(big.text.suffix(300))")
        let first = await fetch(web, "/long", maxChars: 5_000)
        #expect(first.text.contains("paragraph 0000") && first.text.contains("call web_fetch with start: 5000 for the rest"), "\(first.text.suffix(300))")
        let second = await fetch(web, "/long", start: 5_000, maxChars: 5_000)
        #expect(!second.text.contains("paragraph 0000") && second.text.contains("[part: characters 5000–10000 of"), "\(second.text.suffix(300))")
    }

    @Test("by default this machine is out of reach: a loopback address, a name that resolves to one, and a redirect to one")
    func guarded() async throws {
        let web = try await LocalWeb()
        let direct = await fetch(web, "/page", guard: AddressGuard())
        #expect(direct.status == .denied && direct.text.contains("127.0.0.1, a loopback address: refused"), "\(direct.text)")
        let byName = await WebFetchTool(transport: CurlTransport(), addresses: AddressGuard())
            .run(["url": .string("http://localhost:\(web.port)/page")], context: context)
        #expect(byName.status == .denied && byName.text.contains("localhost resolves to"), "\(byName.text)")
        // localhost is exempt here, the address it redirects to is not: the redirect is checked too.
        let hop = await WebFetchTool(transport: CurlTransport(), addresses: AddressGuard(allowHosts: ["localhost"]))
            .run(["url": .string("http://localhost:\(web.port)/to-private")], context: context)
        #expect(hop.status == .denied && hop.text.contains("127.0.0.1, a loopback address"), "\(hop.text)")
    }

    @Test("the transport connects to the pinned address, not what DNS says: a name that resolves nowhere still reaches the checked address")
    func pinned() async throws {
        let web = try await LocalWeb()
        var request = HTTPRequest(url: URL(string: "http://pinned.invalid:\(web.port)/plain")!)
        request.pinnedAddress = "pinned.invalid:\(web.port):127.0.0.1"
        let r = try await CurlTransport().send(request)
        #expect(r.status == 200 && String(decoding: r.body, as: UTF8.self) == "line one\nline two\n")
    }

    @Test("web_search: SearxNG, Brave and Tavily in their own API shapes; a missing key and a wrong one say so")
    func search() async throws {
        let web = try await LocalWeb()
        func run(_ config: WebSearchConfig, env: [String: String] = [:]) async -> ToolOutput {
            await WebSearchTool(transport: CurlTransport(), config: config, environment: env).run(["query": "swift lexer", "count": 2], context: context)
        }
        let expected = "1. Swift Lexers & Parsers\n   https://example.com/lexers\n   How to write a lexer.\n2. Off by one\n   https://example.com/obo\n   Classic bugs."
        #expect(await run(WebSearchConfig(provider: .searxng, baseURL: web.base + "/searx")).text == expected)
        #expect(await run(WebSearchConfig(provider: .brave, baseURL: web.base + "/brave", apiKeyEnv: "BRAVE_KEY"), env: ["BRAVE_KEY": "brave-key"]).text == expected)
        #expect(await run(WebSearchConfig(provider: .tavily, baseURL: web.base + "/tavily", apiKeyEnv: "TAVILY_KEY"), env: ["TAVILY_KEY": "tavily-key"]).text == expected)
        let unset = await run(WebSearchConfig(provider: .brave, baseURL: web.base + "/brave", apiKeyEnv: "BRAVE_KEY"))
        #expect(unset.isError && unset.text.contains("environment variable BRAVE_KEY, which is not set"))
        let wrong = await run(WebSearchConfig(provider: .tavily, baseURL: web.base + "/tavily", apiKeyEnv: "TAVILY_KEY"), env: ["TAVILY_KEY": "nope"])
        #expect(wrong.isError && wrong.text.contains("HTTP 401") && wrong.text.contains("TAVILY_KEY"), "\(wrong.text)")
    }
}
