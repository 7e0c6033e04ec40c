import AgentProtocol
import AgentTools
import ArgumentParser
import Config
import CurlTransport
import Exec
import Foundation
import SessionHost
import MCPClient

/// `talaria mcp`: the configured MCP servers, outside a conversation.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp", abstract: "Check the MCP servers in config.yaml and call their tools.",
        subcommands: [MCPListCommand.self, MCPCallCommand.self], defaultSubcommand: MCPListCommand.self)
}

struct MCPListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Connect to every server and show its state and tools.")

    @Flag(help: "Show each tool's description.") var verbose = false

    func run() async throws {
        let hub = try FrontEnd.mcpHub(for: FrontEnd.config())
        guard let hub else {
            print("No MCP servers configured (mcp_servers: in \(TalariaPaths(environment: ProcessInfo.processInfo.environment).configFile)).")
            return
        }
        await hub.start()
        await hub.waitUntilSettled(seconds: 60)
        let tools = await hub.currentTools()
        var allReady = true
        for s in await hub.statusList {
            if s.state != .ready && s.state != .disabled { allReady = false }
            print("\(s.name)  \(s.summary())")
            print("  \(s.endpoint)\(s.serverInfo.map { "  (\($0))" } ?? "")")
            for t in tools.compactMap({ $0 as? MCPTool }) where t.server == s.name {
                print("  • \(t.name)" + (verbose ? "  \(t.spec.description)" : ""))
            }
        }
        await hub.stop()
        if !allReady { throw ExitStatus.failed }
    }
}

struct MCPCallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "call", abstract: "Call one tool of one server and print its result.")

    @Argument(help: "The server's name in config.yaml.") var server: String
    @Argument(help: "The tool's name (as the server calls it).") var tool: String
    @Argument(help: "Arguments as a JSON object.") var arguments: String = "{}"

    func run() async throws {
        guard let hub = try FrontEnd.mcpHub(for: FrontEnd.config()) else {
            printError("talaria: no MCP servers configured")
            throw ExitStatus.usage
        }
        guard let args = JSONValue.parse(arguments), args.objectValue != nil else {
            printError("talaria: the arguments must be a JSON object, like '{\"timezone\": \"UTC\"}'")
            throw ExitStatus.usage
        }
        await hub.start()
        await hub.waitUntilSettled(seconds: 60)
        let name = MCPNames.qualified(server: server, tool: tool)
        guard let found = await hub.currentTools().first(where: { $0.name == name }) else {
            let status = await hub.statusList.first { $0.name == server }
            printError("talaria: " + (status.map { "\(server) has no tool \(tool) (\($0.summary()); tools: \($0.tools.joined(separator: ", ")))" }
                ?? "no MCP server named \(server)"))
            await hub.stop()
            throw ExitStatus.usage
        }
        let context = ToolContext(cwd: FileManager.default.currentDirectoryPath, backend: LocalBackend(), callID: "cli") { chunk in
            FileHandle.standardError.write(Data(chunk.utf8))
        }
        let output = await found.run(args, context: context)
        print(output.text)
        await hub.stop()
        if output.isError { throw ExitStatus.failed }
    }
}
