import AgentProtocol
import Config
import CurlTransport
import Foundation
import Gateway
import LLMClient
import SessionHost
import Store
import TestSupport

/// A gateway serving one platform (built by `make`, again on each start) on the scripted model:
/// a real host and store, the platform's real code against its local fake.
final class PlatformHarness: @unchecked Sendable {
    let llm: FakeLLMServer
    let dir: TempDir
    let transport: CurlTransport
    let settings: Settings
    let make: @Sendable () -> any ChatPlatform
    var host: SessionHost!
    var gateway: Gateway!
    var task: Task<Void, Never>?

    init(_ name: String, platform: GatewayConfig.Platform, transport: CurlTransport, make: @escaping @Sendable () -> any ChatPlatform) async throws {
        llm = try await FakeLLMServer()
        dir = TempDir("\(name)-gateway")
        self.transport = transport
        self.make = make
        let paths = TalariaPaths(environment: ["TALARIA_HOME": dir.path + "/home"])
        try FileManager.default.createDirectory(atPath: paths.home, withIntermediateDirectories: true)
        var config = TalariaConfig()
        config.gateways.platforms[name] = platform
        config.gateways.approvalTimeout = 20
        settings = Settings(paths: paths, config: config, baseURL: llm.baseURL, model: "fake", environment: [:])
        try start()
    }

    /// Starts (again) on the same store, as a restarted process would.
    func start() throws {
        host = SessionHost(builder: SessionBuilder(settings: settings, store: try SessionStore(path: settings.paths.database), transport: transport))
        let g = Gateway(host: host, platforms: [make()], config: settings.config.gateways, workdir: dir.path, log: { _ in })
        gateway = g
        task = Task { await g.run() }
    }

    func stop() async {
        task?.cancel()
        await task?.value
        await gateway.shutdown()
        await host.closeAll()
    }

    var store: SessionStore { host.store }

    /// Requests the model server received.
    func modelRequests() async throws -> Int {
        let r = try await transport.send(HTTPRequest(url: URL(string: llm.baseURL.replacingOccurrences(of: "/v1", with: "") + "/requests")!))
        return (try JSONSerialization.jsonObject(with: r.body) as? [Any])?.count ?? -1
    }
}
