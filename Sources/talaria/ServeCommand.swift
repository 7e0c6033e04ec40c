import ArgumentParser
import Config
import CurlTransport
import Foundation
import Serve
import SessionHost

/// `talaria serve`: the session host over HTTP.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "The agent over HTTP: sessions, ops and events (SSE), and an OpenAI-compatible /v1/chat/completions.",
        discussion: "Every request needs 'Authorization: Bearer TOKEN'; the token is written to ~/.talaria/serve.token on first start. See GET /openapi.json."
    )

    @Option(help: "HOST:PORT to listen on (port 0: any free port).") var listen = ServeSettings.defaultListen
    @Option(name: .customLong("token-file"), help: "Read the bearer token from this file (default: serve.token, created on first start).")
    var tokenFile: String?
    @Flag(name: .customLong("insecure-listen"), help: "Allow a non-loopback address without TLS (behind a TLS proxy).")
    var insecureListen = false
    @Flag(name: [.customShort("y"), .customLong("yes"), .customLong("yolo")], help: "Run commands that need approval without asking.")
    var yes = false
    @OptionGroup var endpoint: EndpointOptions

    func run() async throws {
        let paths = TalariaPaths()
        let serve: ServeSettings
        do {
            serve = try ServeSettings.resolve(listen: listen, tokenFile: tokenFile, defaultTokenFile: paths.serveToken, allowInsecure: insecureListen)
        } catch {
            printError("talaria serve: \(error.message)")
            throw error.kind.exitStatus
        }
        let transport = CurlTransport()
        let settings = try await FrontEnd.settings(endpoint.overrides, transport: transport)
        let server = Server(serve: serve, settings: settings, yes: yes, cwd: FileManager.default.currentDirectoryPath, transport: transport)
        try await server.run { port in
            printError("talaria serve: listening on http://\(serve.host):\(port) — \(settings.model) at \(settings.baseURL); token in \(serve.tokenFile)")
        }
    }
}
