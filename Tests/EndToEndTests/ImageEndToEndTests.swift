import Foundation
import TestSupport
import Testing

/// Images from the outside: `@shot.png` (or a pasted path) goes to a model that takes images as
/// an `image_url` part, and is refused, clearly, by one that does not.
@Suite("Images end to end", .serialized, .enabled(if: BenchFakeLLM.isAvailable || isCI, "../shared/bench/fake_llm.py not found"))
struct ImageEndToEndTests {
    /// A 1×1 PNG.
    static let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")!

    @Test("vision: true — the image goes as a data URL part beside the text, and stays in the session on resume; without it the turn is refused and says why")
    func attach() async throws {
        let home = TalariaHome()
        try Self.png.write(to: URL(fileURLWithPath: home.work + "/shot.png"))
        let dump = home.dir.file("last-request.json")
        let fake = try await BenchFakeLLM(script: #"[{"final": "a single pixel"}]"#, extra: ["--dump", dump])
        let args = ["-p", "what is in @shot.png?", "--base-url", fake.baseURL, "--model", "fake-model"]

        let refused = try await home.run(args)
        #expect(refused.status != 0 && refused.stderr.contains("fake-model does not take images as far as Talaria can tell, so shot.png was not sent")
                && refused.stderr.contains("vision: true"), "\(refused.stderr)")

        try "vision: true\n".write(toFile: home.home + "/config.yaml", atomically: true, encoding: .utf8)
        let r = try await home.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("a single pixel"))
        let body = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dump))) as? [String: Any])
        let user = (body["messages"] as? [[String: Any]] ?? []).last { $0["role"] as? String == "user" }
        let parts = user?["content"] as? [[String: Any]] ?? []
        #expect(parts.first?["type"] as? String == "text" && (parts.first?["text"] as? String)?.hasPrefix("what is in @shot.png?") == true, "\(parts)")
        let url = (parts.last?["image_url"] as? [String: Any])?["url"] as? String
        #expect(url == "data:image/png;base64," + Self.png.base64EncodedString(), "\(parts)")

        // The session keeps its copy: a resumed turn sends the image again even if the original is gone.
        try FileManager.default.removeItem(atPath: home.work + "/shot.png")
        let id = String(try await home.run(["sessions", "list"]).stdout.split(separator: "\n").first { $0.contains("what is in") }?.prefix { $0 != " " } ?? "")
        let again = try await home.run(["sessions", "resume", id, "-p", "and now?", "--base-url", fake.baseURL, "--model", "fake-model"])
        #expect(again.status == 0, "\(again.stderr)")
        let resent = String(decoding: try Data(contentsOf: URL(fileURLWithPath: dump)), as: UTF8.self)
        #expect(resent.contains(Self.png.base64EncodedString()), "the resumed request lost the image")
    }

    @Test("read_file of an image: a model that takes images gets it as an image after the results; one that does not is told")
    func readFile() async throws {
        let home = TalariaHome()
        try Self.png.write(to: URL(fileURLWithPath: home.work + "/shot.png"))
        let dump = home.dir.file("last-request.json")
        let fake = try await BenchFakeLLM(script: #"[{"tool": "read_file", "args": {"path": "shot.png"}}, {"final": "seen"}]"#, extra: ["--dump", dump])
        let args = ["-p", "look at the screenshot", "--base-url", fake.baseURL, "--model", "fake-model"]
        #expect(try await home.run(args).status == 0)
        var messages = (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dump))) as? [String: Any])?["messages"] as? [[String: Any]] ?? []
        let told = messages.last { $0["role"] as? String == "tool" }?["content"] as? String ?? ""
        #expect(told.contains("is an image (image/png") && told.contains("It was not shown: fake-model does not take images"), "\(told)")

        try "vision: true\n".write(toFile: home.home + "/config.yaml", atomically: true, encoding: .utf8)
        // (The scripted server counts its steps from the last user message, so it reads the file
        // again after the image; what matters is the request's shape.)
        _ = try await home.run(args)
        messages = (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dump))) as? [String: Any])?["messages"] as? [[String: Any]] ?? []
        let roles = messages.compactMap { $0["role"] as? String }
        #expect(Array(roles.dropFirst().prefix(5)) == ["user", "assistant", "tool", "user", "assistant"], "\(roles)")
        let parts = messages.count > 4 ? messages[4]["content"] as? [[String: Any]] ?? [] : []
        #expect((parts.first?["text"] as? String) == "[the image read: shot.png]", "\(parts)")
        #expect(((parts.last?["image_url"] as? [String: Any])?["url"] as? String)?.hasPrefix("data:image/png;base64,") == true)
    }
}
