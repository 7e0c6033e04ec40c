import AgentProtocol
import AgentTools
import ArgumentParser
import CurlTransport
import Exec
import Foundation
import SessionHost
import MCPClient

/// `talaria bench mcp`: connecting to one MCP server, and the round trip of a tool call through
/// Talaria's bridge (tool lookup, arguments, transport, result mapping) — what an MCP tool adds to
/// an agent iteration besides the server's own work.
struct MCPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mcp", abstract: "MCP connect time and tool-call round trip.")
    @Option(help: "A stdio server's command line (split on spaces).") var command: String?
    @Option(help: "A streamable-HTTP server's URL.") var url: String?
    @Option(help: "The tool to call.") var tool: String
    @Option(help: "Its arguments (JSON object).") var arguments = "{}"
    @Option(help: "Calls to time.") var calls = 200

    func run() async throws {
        let transport: MCPServerSpec.Transport
        if let command {
            let words = command.split(separator: " ").map(String.init)
            guard let first = words.first else { throw ValidationError("--command is empty") }
            transport = .stdio(command: first, arguments: Array(words.dropFirst()), environment: [:], cwd: nil)
        } else if let url {
            transport = .http(url: url, headers: [:], bearerTokenEnv: nil)
        } else {
            throw ValidationError("give --command or --url")
        }
        guard let args = JSONValue.parse(arguments), args.objectValue != nil else { throw ValidationError("--arguments must be a JSON object") }
        var connects: [Double] = []
        var last: MCPHub?
        for _ in 0..<5 {
            let hub = MCPHub(specs: [MCPServerSpec(name: "bench", transport: transport, trust: .always)], http: CurlTransport())
            let t0 = ContinuousClock.now
            await hub.start()
            await hub.waitUntilSettled(seconds: 60)
            connects.append((ContinuousClock.now - t0).milliseconds)
            if let s = await hub.statusList.first, s.state != .ready {
                printError("talaria: the server is not ready: \(s.summary())")
                throw ExitStatus.failed
            }
            await last?.stop()
            last = hub
        }
        guard let hub = last, let found = await hub.currentTools().first(where: { $0.name == MCPNames.qualified(server: "bench", tool: tool) }) else {
            printError("talaria: no tool \(tool) on the server")
            throw ExitStatus.usage
        }
        let context = ToolContext(cwd: FileManager.default.currentDirectoryPath, backend: LocalBackend(), callID: "bench")
        var times: [Double] = []
        for i in 0..<(calls + 10) {
            let t0 = ContinuousClock.now
            let out = await found.run(args, context: context)
            if i >= 10 { times.append((ContinuousClock.now - t0).milliseconds) } // the first calls warm both sides
            if out.isError { printError("talaria: the call failed: \(out.text)"); throw ExitStatus.failed }
        }
        await hub.stop()
        connects.sort()
        times.sort()
        print(String(format: "connect (start, initialize, tools/list): median %.1f ms over %d", connects[connects.count / 2], connects.count))
        print(String(format: "call %@: median %.2f ms, p95 %.2f ms over %d calls", tool, times[times.count / 2],
                     times[min(times.count - 1, times.count * 95 / 100)], times.count))
    }
}
