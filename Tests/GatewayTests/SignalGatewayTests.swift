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

@Suite("Signal gateway against a local signal-cli daemon", .serialized)
struct SignalGatewayTests {
    static let owner = "+15557654321"

    final class Fixture: @unchecked Sendable {
        let llm: FakeLLMServer
        let signal: FakeSignal
        let dir = TempDir("signal-gateway")
        let host: SessionHost
        let gateway: Gateway
        let task: Task<Void, Never>

        init() async throws {
            let transport = CurlTransport()
            llm = try await FakeLLMServer()
            signal = try await FakeSignal(transport: transport)
            let paths = TalariaPaths(environment: ["TALARIA_HOME": dir.path + "/home"])
            try FileManager.default.createDirectory(atPath: paths.home, withIntermediateDirectories: true)
            var config = TalariaConfig()
            var p = GatewayConfig.Platform()
            p.account = signal.account
            p.baseURL = signal.baseURL
            p.allowedUsers = [SignalGatewayTests.owner]
            config.gateways.platforms["signal"] = p
            let settings = Settings(paths: paths, config: config, baseURL: llm.baseURL, model: "fake", environment: [:])
            host = SessionHost(builder: SessionBuilder(settings: settings, store: try SessionStore(path: paths.database), transport: transport))
            let (platforms, problems) = Platforms.make(config.gateways, environment: [:], transport: transport)
            precondition(problems.isEmpty && platforms.count == 1, "\(problems)")
            let g = Gateway(host: host, platforms: [SignalPlatform(account: signal.account, baseURL: signal.baseURL, transport: transport, pollTimeout: 1)],
                            config: config.gateways, workdir: dir.path, log: { _ in })
            gateway = g
            task = Task { await g.run() }
        }

        func stop() async {
            task.cancel()
            await task.value
            await gateway.shutdown()
            await host.closeAll()
        }
    }

    @Test("a person and a group are answered in sessions of their own; receipts and typing are not messages")
    func answered() async throws {
        let f = try await Fixture()
        try await f.signal.message(from: Self.owner, text: "hi final=Hello_from_Signal")
        let direct = try await f.signal.waitForTexts(to: Self.owner, count: 1) { $0.first == "Hello from Signal" }
        #expect(direct.first == "Hello from Signal", "\(direct)")
        try await f.signal.message(from: Self.owner, text: "group hi final=Group_answer", group: "R3JvdXA=")
        let group = try await f.signal.waitForTexts(to: "group:R3JvdXA=", count: 1) { $0.first == "Group answer" }
        #expect(group.first == "Group answer")
        let a = try f.host.store.gatewaySession(platform: "signal", chat: Self.owner)
        let b = try f.host.store.gatewaySession(platform: "signal", chat: "group:R3JvdXA=")
        #expect(a != nil && b != nil && a != b)
        try await Task.sleep(for: .seconds(1))
        #expect(try await f.signal.texts(to: Self.owner).count == 1, "one answer: the typing notice was not a message")
        await f.stop()
    }

    @Test("a stranger gets a pairing code, not the model; an approval is answered by replying yes")
    func strangerAndApproval() async throws {
        let f = try await Fixture()
        try await f.signal.message(from: "+15550009999", name: "mallory", text: "hello")
        let refused = try await f.signal.waitForTexts(to: "+15550009999", count: 1)
        #expect(refused.first?.contains("talaria gateway pair") == true)
        FileManager.default.createFile(atPath: f.dir.path + "/shared", contents: Data(), attributes: [.posixPermissions: 0o600])
        try await f.signal.message(from: Self.owner, text: "open rounds=1 cmd=chmod%20777%20shared final=Opened")
        let asked = try await f.signal.waitForTexts(to: Self.owner, count: 1)
        #expect(asked.first?.contains("chmod 777 shared") == true && asked.first?.contains("Reply yes or no") == true, "\(asked)")
        try await f.signal.message(from: Self.owner, text: "yes")
        let done = try await f.signal.waitForTexts(to: Self.owner, count: 2) { $0.last == "Opened" }
        #expect(done.last == "Opened", "\(done)")
        #expect(done.first?.contains("approved once") == true, "the question was edited to say so: \(done)")
        let mode = try FileManager.default.attributesOfItem(atPath: f.dir.path + "/shared")[.posixPermissions] as? Int
        #expect(mode == 0o777)
        await f.stop()
    }

    @Test("an attachment is fetched with getAttachment and saved; send_file sends one as a data URI")
    func files() async throws {
        let f = try await Fixture()
        try Data("%PDF-1.4 fake".utf8).write(to: URL(fileURLWithPath: f.dir.path + "/doc.pdf"))
        try await f.signal.message(from: Self.owner, text: #"doc rounds=1 tool=send_file args={"path":"doc.pdf","caption":"Here"} final=Done"#,
                                   file: FakeFile(name: "voice.ogg", mime: "audio/ogg", data: Data([1, 2, 3, 4])))
        _ = try await f.signal.waitForTexts(to: Self.owner, count: 2) { $0.last == "Done" }
        let calls = try await f.signal.calls()
        let file = try #require(calls.first { $0["files"] != nil }?["files"]?.arrayValue?.first, "\(calls)")
        #expect(file["name"]?.stringValue == "doc.pdf" && file["type"]?.stringValue == "application/pdf")
        let expectedSHA = await sha256(Data("%PDF-1.4 fake".utf8))
        #expect(file["sha256"]?.stringValue == expectedSHA)
        let folder = f.host.builder.settings.paths.home + "/gateway/files/signal"
        let saved = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(saved.count == 1 && saved.first?.hasSuffix("voice.ogg") == true, "\(saved)")
        #expect(FileManager.default.contents(atPath: folder + "/" + (saved.first ?? "")) == Data([1, 2, 3, 4]))
        await f.stop()
    }
}
