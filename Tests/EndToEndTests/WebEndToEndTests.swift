import Foundation
import TestSupport
import Testing

/// web_fetch from the outside: the address guard holds for a model that asks for this
/// machine, and config.yaml's `web: {allow_private: true}` lets it read a local page.
@Suite("web_fetch end to end", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct WebEndToEndTests {
    @Test("-p: a page on this machine is refused by default and read as markdown once config.yaml allows private addresses")
    func guardedThenAllowed() async throws {
        let web = try await LocalWeb()
        let fake = try await BenchFakeLLM(script: #"[{"tool": "web_fetch", "args": {"url": "\#(web.base)/page"}}, {"final": "read it"}]"#)
        let home = TalariaHome()
        let args = ["-p", "read the page", "--base-url", fake.baseURL, "--model", "fake-model"]
        #expect(try await home.run(args).status == 0)
        let refused = try await home.lastToolMessage()
        #expect(refused?.hasPrefix("Not fetched: 127.0.0.1, a loopback address: refused") == true, "\(refused ?? "nil")")

        let allowed = TalariaHome()
        try "web:\n  allow_private: true\n".write(toFile: allowed.home + "/config.yaml", atomically: true, encoding: .utf8)
        let r = try await allowed.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        let page = try await allowed.lastToolMessage()
        #expect(page?.hasPrefix("# Parser notes & fixes\nURL: \(web.base)/page\n\n# Fixing the lexer") == true, "\(page ?? "nil")")
    }
}
