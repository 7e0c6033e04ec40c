import AgentProtocol
import Config
import Foundation
import Hummingbird
import LLMClient
import Logging
import MCPClient
import NIOCore
import SessionHost

/// `talaria serve`: the session host over HTTP — the native API (`SessionRoutes`,
/// `EventStream`), the OpenAI-compatible facade (`ChatCompletions`) and `/openapi.json`,
/// every route behind the bearer token.
public struct Server: Sendable {
    public var serve: ServeSettings
    public var settings: Settings
    /// `--yes`: commands that need approval run without asking.
    public var yes: Bool
    /// Where sessions created without a folder work.
    public var cwd: String
    public var transport: any HTTPStreamTransport

    public init(serve: ServeSettings, settings: Settings, yes: Bool, cwd: String, transport: any HTTPStreamTransport) {
        self.transport = transport
        self.serve = serve
        self.settings = settings
        self.yes = yes
        self.cwd = cwd
    }

    /// Runs until SIGINT or SIGTERM, then closes every session (each running turn commits).
    /// `onListening` gets the bound port (for `--listen 127.0.0.1:0`).
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws(ExitStatus) {
        let mcp = FrontEnd.mcpHub(for: settings.config)
        await mcp?.start()
        let host = SessionHost(builder: SessionBuilder(settings: settings, store: try FrontEnd.store(settings.paths),
                                                       transport: transport, toolSources: mcp.map { [$0] } ?? []))
        let app = Self.application(host: host, serve: serve, model: settings.model, cwd: cwd, approvals: yes ? .yes : nil, onListening: onListening)
        do { try await app.runService() } catch {
            printError("talaria serve: \(error)")
            await host.closeAll()
            await mcp?.stop()
            throw .failed
        }
        await host.closeAll()
        await mcp?.stop()
    }

    /// The HTTP application over `host` (tests run it on a port of their own).
    public static func application(host: SessionHost, serve: ServeSettings, model: String, cwd: String, approvals: ApprovalPolicy?,
                                   onListening: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: BearerAuth(token: serve.token))
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        let sessions = SessionRoutes(host: host, defaultCwd: cwd, approvals: approvals)
        sessions.register(on: router)
        EventStream(routes: sessions).register(on: router)
        ChatCompletions(routes: sessions, model: model).register(on: router)
        var logger = Logger(label: "talaria.serve")
        logger.logLevel = .warning
        return Application(router: router, configuration: ApplicationConfiguration(address: .hostname(serve.host, port: serve.port), serverName: "talaria"),
                           onServerRunning: { channel in onListening(channel.localAddress?.port ?? serve.port) }, logger: logger)
    }
}
