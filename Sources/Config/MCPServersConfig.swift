import AgentProtocol
import Foundation
import Yams

/// Parses `mcp_servers:`: a mapping of server name to its settings.
///
/// ```yaml
/// mcp_servers:
///   time:                          # stdio: Talaria starts the program
///     command: mcp-server-time
///     args: [--local-timezone, UTC]
///     env: {TZ: UTC}
///     cwd: ~/src
///     trust: always                # ask (default) | session | always
///   tracker:                       # streamable HTTP
///     url: https://mcp.example.com/mcp
///     headers: {X-Team: core}
///     bearer_token_env: TRACKER_TOKEN
///     timeout: 60                  # seconds per call (default 120)
///     connect_timeout: 10          # seconds to answer initialize (default 30)
///     enabled: false
/// ```
enum MCPServersConfig {
    static let settings = ["command", "args", "env", "cwd", "url", "headers", "bearer_token_env", "trust", "timeout",
                           "connect_timeout", "enabled"]

    static func parse(_ node: Node, file: String, line: Int) throws(ConfigError) -> [MCPServerSpec] {
        guard case .mapping(let servers) = node else {
            throw ConfigError(file: file, line: line, key: "mcp_servers", message: "must be a mapping of server name to its settings")
        }
        var specs: [MCPServerSpec] = []
        for (nameNode, body) in servers {
            let at = nameNode.mark?.line ?? line
            guard let name = nameNode.string, !name.isEmpty else {
                throw ConfigError(file: file, line: at, key: "mcp_servers", message: "server names must be plain names")
            }
            guard name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }) else {
                throw ConfigError(file: file, line: at, key: "mcp_servers.\(name)", message: "a server name may hold letters, digits, '-' and '_' (it becomes part of tool names)")
            }
            specs.append(try server(name, body, file: file, line: at))
        }
        return specs
    }

    private static func server(_ name: String, _ node: Node, file: String, line: Int) throws(ConfigError) -> MCPServerSpec {
        guard case .mapping(let m) = node else {
            throw ConfigError(file: file, line: line, key: "mcp_servers.\(name)", message: "must be a mapping with `command:` (stdio) or `url:` (HTTP)")
        }
        var fields: [String: (Node, Int)] = [:]
        for (k, v) in m {
            let key = k.string ?? ""
            let at = k.mark?.line ?? line
            guard settings.contains(key) else {
                throw ConfigError(file: file, line: at, key: "mcp_servers.\(name).\(key)", message: "unknown setting (known: \(settings.joined(separator: ", ")))")
            }
            fields[key] = (v, at)
        }
        func fail(_ key: String, _ message: String) -> ConfigError {
            ConfigError(file: file, line: fields[key]?.1 ?? line, key: "mcp_servers.\(name)\(key.isEmpty ? "" : ".\(key)")", message: message)
        }
        func string(_ key: String) throws(ConfigError) -> String? {
            guard let (v, _) = fields[key] else { return nil }
            guard case .scalar = v, let s = v.string, !s.isEmpty else { throw fail(key, "must be a non-empty string") }
            return s
        }
        func strings(_ key: String) throws(ConfigError) -> [String] {
            guard let (v, _) = fields[key] else { return [] }
            guard case .sequence(let seq) = v else { throw fail(key, "must be a list, like [--flag, value]") }
            var out: [String] = []
            for item in seq {
                guard case .scalar = item, let s = item.string else { throw fail(key, "must be a list of strings") }
                out.append(s)
            }
            return out
        }
        func map(_ key: String) throws(ConfigError) -> [String: String] {
            guard let (v, _) = fields[key] else { return [:] }
            guard case .mapping(let pairs) = v else { throw fail(key, "must be a mapping of NAME: value") }
            var out: [String: String] = [:]
            for (k, val) in pairs {
                guard let ks = k.string, case .scalar = val, let vs = val.string else { throw fail(key, "must map names to plain values") }
                out[ks] = vs
            }
            return out
        }
        func seconds(_ key: String, default d: Double) throws(ConfigError) -> Double {
            guard let (v, _) = fields[key] else { return d }
            guard let n = v.float, n > 0 else { throw fail(key, "must be a positive number of seconds") }
            return n
        }
        let command = try string("command")
        let url = try string("url")
        let transport: MCPServerSpec.Transport
        switch (command, url) {
        case (let command?, nil):
            for key in ["headers", "bearer_token_env"] where fields[key] != nil {
                throw fail(key, "only applies to HTTP servers (`url:`)")
            }
            let cwd = try string("cwd").map { UserHome.expand($0) }
            transport = .stdio(command: UserHome.expand(command), arguments: try strings("args"),
                               environment: try map("env"), cwd: cwd)
        case (nil, let url?):
            for key in ["args", "env", "cwd"] where fields[key] != nil {
                throw fail(key, "only applies to stdio servers (`command:`)")
            }
            guard let u = URL(string: url), u.scheme == "http" || u.scheme == "https", u.host != nil else {
                throw fail("url", "must be an http:// or https:// URL, found '\(url)'")
            }
            transport = .http(url: url, headers: try map("headers"), bearerTokenEnv: try string("bearer_token_env"))
        case (.some, .some):
            throw fail("", "has both `command:` and `url:`; a server is either stdio or HTTP")
        case (nil, nil):
            throw fail("", "needs `command:` (a stdio server Talaria starts) or `url:` (a streamable-HTTP server)")
        }
        var trust = MCPTrust.ask
        if let t = try string("trust") {
            guard let parsed = MCPTrust(rawValue: t) else { throw fail("trust", "must be ask, session or always, found '\(t)'") }
            trust = parsed
        }
        var enabled = true
        if let (v, _) = fields["enabled"] {
            guard let b = v.bool else { throw fail("enabled", "must be true or false") }
            enabled = b
        }
        return MCPServerSpec(name: name, transport: transport, trust: trust, enabled: enabled,
                             callTimeout: try seconds("timeout", default: 120),
                             connectTimeout: try seconds("connect_timeout", default: 30))
    }
}
