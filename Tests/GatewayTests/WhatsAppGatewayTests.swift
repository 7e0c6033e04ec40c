import AgentProtocol
import Config
import CurlTransport
import Foundation
import Gateway
import LLMClient
import SessionHost
import Store
import Testing
import TestSupport

@Suite("WhatsApp gateway against a local Cloud API", .serialized)
struct WhatsAppGatewayTests {
    static let owner = "15557654321"

    final class Fixture: @unchecked Sendable {
        let llm: FakeLLMServer
        let whatsapp: FakeWhatsApp
        let dir = TempDir("whatsapp-gateway")
        let host: SessionHost
        let platform: WhatsAppPlatform
        let gateway: Gateway
        let task: Task<Void, Never>
        let transport = CurlTransport()
        var webhook: String { "http://127.0.0.1:\(platform.boundPort ?? 0)/webhook" }

        init() async throws {
            llm = try await FakeLLMServer()
            whatsapp = try await FakeWhatsApp(transport: transport)
            let paths = TalariaPaths(environment: ["TALARIA_HOME": dir.path + "/home"])
            try FileManager.default.createDirectory(atPath: paths.home, withIntermediateDirectories: true)
            var config = TalariaConfig()
            var p = GatewayConfig.Platform()
            (p.tokenEnv, p.appSecretEnv, p.verifyTokenEnv) = ("WA_TOKEN", "WA_SECRET", "WA_VERIFY")
            (p.account, p.baseURL, p.listen) = (whatsapp.phoneID, whatsapp.graphURL, "127.0.0.1:0")
            p.allowedUsers = [WhatsAppGatewayTests.owner]
            config.gateways.platforms["whatsapp"] = p
            let env = ["WA_TOKEN": whatsapp.token, "WA_SECRET": whatsapp.appSecret, "WA_VERIFY": "verify-me"]
            let (platforms, problems) = Platforms.make(config.gateways, environment: env, transport: transport)
            precondition(problems.isEmpty && platforms.count == 1, "\(problems)")
            platform = WhatsAppPlatform(token: whatsapp.token, phoneNumberID: whatsapp.phoneID, appSecret: whatsapp.appSecret, verifyToken: "verify-me",
                                        listen: "127.0.0.1:0", baseURL: whatsapp.graphURL, transport: transport, pollTimeout: 1)
            try await platform.start()
            let settings = Settings(paths: paths, config: config, baseURL: llm.baseURL, model: "fake", environment: env)
            host = SessionHost(builder: SessionBuilder(settings: settings, store: try SessionStore(path: paths.database), transport: transport))
            let g = Gateway(host: host, platforms: [platform], config: config.gateways, workdir: dir.path, log: { _ in })
            gateway = g
            task = Task { await g.run() }
        }

        func stop() async {
            task.cancel()
            await task.value
            await gateway.shutdown()
            await host.closeAll()
            platform.stop()
        }
    }

    @Test("the subscription handshake needs the verify token; an unsigned or wrongly signed delivery is refused and handled not")
    func webhookSecurity() async throws {
        let f = try await Fixture()
        let ok = try await f.transport.send(HTTPRequest(url: URL(string: f.webhook + "?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")!))
        #expect(ok.status == 200 && String(decoding: ok.body, as: UTF8.self) == "1158201444")
        let wrong = try await f.transport.send(HTTPRequest(url: URL(string: f.webhook + "?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1")!))
        #expect(wrong.status == 403)
        #expect(try await f.whatsapp.deliver(to: f.webhook, from: Self.owner, text: "hi final=Nope", badSignature: true) == 401)
        let unsigned = try await f.transport.send(HTTPRequest(url: URL(string: f.webhook)!, method: "POST", headers: ["content-type": "application/json"],
                                                                 body: Data(#"{"entry":[]}"#.utf8)))
        #expect(unsigned.status == 401)
        try await Task.sleep(for: .seconds(1))
        #expect(try await f.whatsapp.sent(to: Self.owner).isEmpty)
        await f.stop()
    }

    @Test("a signed message is acknowledged once stored and answered; a stranger gets a code; an approval is a reply button")
    func answered() async throws {
        let f = try await Fixture()
        #expect(try await f.whatsapp.deliver(to: f.webhook, from: Self.owner, text: "hi final=Hello_on_WhatsApp") == 200)
        let first = try await f.whatsapp.waitSent(to: Self.owner, count: 1)
        #expect(first.first?["text"]?["body"]?.stringValue == "Hello on WhatsApp", "\(first)")
        #expect(try await f.whatsapp.deliver(to: f.webhook, from: "15550009999", name: "mallory", text: "hello") == 200)
        let refused = try await f.whatsapp.waitSent(to: "15550009999", count: 1)
        #expect(refused.first?["text"]?["body"]?.stringValue?.contains("talaria gateway pair") == true)
        // Approval: three reply buttons (Once, This session, Deny); a reply to Once runs it.
        try await f.gateway.forget(platform: "whatsapp", chat: Self.owner)
        FileManager.default.createFile(atPath: f.dir.path + "/shared", contents: Data(), attributes: [.posixPermissions: 0o600])
        #expect(try await f.whatsapp.deliver(to: f.webhook, from: Self.owner, text: "open rounds=1 cmd=chmod%20777%20shared final=Opened") == 200)
        let asked = try await f.whatsapp.waitSent(to: Self.owner, count: 2)
        let buttons = asked.last?["interactive"]?["action"]?["buttons"]?.arrayValue ?? []
        #expect(buttons.count == 3, "\(asked.last ?? .null)")
        let once = try #require(buttons.first?["reply"]?["id"]?.stringValue)
        #expect(try await f.whatsapp.deliver(to: f.webhook, from: Self.owner, buttonID: once) == 200)
        let done = try await f.whatsapp.waitSent(to: Self.owner, count: 3)
        #expect(done.last?["text"]?["body"]?.stringValue == "Opened", "\(done.last ?? .null)")
        #expect(try FileManager.default.attributesOfItem(atPath: f.dir.path + "/shared")[.posixPermissions] as? Int == 0o777)
        await f.stop()
    }

    @Test("a photo is fetched through the media endpoint and saved; send_file uploads media and sends it as an image")
    func files() async throws {
        let f = try await Fixture()
        try FakeFile.png.write(to: URL(fileURLWithPath: f.dir.path + "/out.png"))
        #expect(try await f.whatsapp.deliver(to: f.webhook, from: Self.owner, text: #"pic rounds=1 tool=send_file args={"path":"out.png"} final=Done"#,
                                             file: FakeFile(name: "in.png", mime: "image/png", data: FakeFile.png)) == 200)
        let sent = try await f.whatsapp.waitSent(to: Self.owner, count: 2)
        let image = try #require(sent.first { $0["type"]?.stringValue == "image" }, "\(sent)")
        let uploads = try await f.whatsapp.uploads()
        let expectedSHA = await sha256(FakeFile.png)
        #expect(uploads.count == 1 && uploads.first?.name == "out.png" && uploads.first?.sha256 == expectedSHA)
        #expect(image["image"]?["id"]?.stringValue == uploads.first?.id)
        let folder = f.host.builder.settings.paths.home + "/gateway/files/whatsapp"
        let saved = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(saved.count == 1, "\(saved)")
        #expect(FileManager.default.contents(atPath: folder + "/" + (saved.first ?? "")) == FakeFile.png)
        await f.stop()
    }
}
