import ACP
import ArgumentParser
import Config
import CurlTransport
import Foundation
import MCPClient
import SessionHost

/// `talaria acp`: the agent for editors over the Agent Client Protocol (stdio).
struct ACPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acp",
        abstract: "The Agent Client Protocol on stdin/stdout, for editors (Zed, JetBrains, …).",
        discussion: "Configure the editor to run `talaria acp` as an agent server. Messages go to stdout only; diagnostics to stderr."
    )

    @Flag(name: [.customShort("y"), .customLong("yes"), .customLong("yolo")], help: "Run commands that need approval without asking.")
    var yes = false
    @OptionGroup var endpoint: EndpointOptions

    func run() async throws {
        let transport = CurlTransport()
        let settings = try await FrontEnd.settings(endpoint.overrides, transport: transport)
        let mcp = FrontEnd.mcpHub(for: settings.config)
        await mcp?.start()
        let host = SessionHost(builder: SessionBuilder(settings: settings, store: try FrontEnd.store(settings.paths), transport: transport,
                                                       toolSources: mcp.map { [$0] } ?? []))
        let agent = ACPAgent(host: host, version: Talaria.version, approvals: yes ? .yes : nil)
        await agent.serve(ACPAgent.standardInputLines())
        await host.closeAll()
        await mcp?.stop()
    }
}
