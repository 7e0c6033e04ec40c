import AgentProtocol
import AgentTools
import Foundation
import MCP

/// One MCP server tool offered to the model as `mcp__<server>__<tool>`.
///
/// The server's JSON schema goes to the model unchanged; a call goes through the server's
/// ``MCPServerConnection`` (which waits out a reconnect, times out and cancels).
public struct MCPTool: AgentTools.Tool {
    public let spec: ToolSpec
    public let server: String
    public let remoteName: String
    let trust: MCPTrust
    let connection: MCPServerConnection

    init(server: String, tool: MCP.Tool, trust: MCPTrust, connection: MCPServerConnection) {
        self.server = server
        self.remoteName = tool.name
        self.trust = trust
        self.connection = connection
        let description = (tool.description ?? tool.title ?? tool.name).trimmingCharacters(in: .whitespacesAndNewlines)
        spec = ToolSpec(name: MCPNames.qualified(server: server, tool: tool.name),
                        description: "[MCP server \(server)] \(description)",
                        parameters: JSONValue(mcpSchema: tool.inputSchema))
    }

    public func approvalReason(for arguments: JSONValue, context: ToolContext) -> String? {
        switch trust {
        case .always: return nil
        // One reason per server: approving for the session covers all its tools.
        case .session: return "runs tools of the MCP server '\(server)'"
        // One reason per tool: approving for the session covers this tool only.
        case .ask: return "runs \(remoteName) on the MCP server '\(server)'"
        }
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        await connection.call(tool: remoteName, arguments: arguments, progress: context.emitOutput)
    }
}
