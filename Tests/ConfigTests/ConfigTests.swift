import AgentProtocol
@testable import Config
import Foundation
import Testing

@Suite("config.yaml")
struct ConfigTests {
    @Test("known keys load with their types; null and empty mean unset")
    func loads() throws {
        let c = try TalariaConfig.parse("""
            # comment
            model: qwen
            base_url: http://127.0.0.1:8080/v1
            max_iterations: 7
            temperature: 0.3
            context_window: ~
            approvals: yes
            mcp_servers:
              time: {command: mcp-server-time}
            """, file: "c.yaml")
        var want = TalariaConfig()
        want.model = "qwen"
        want.baseURL = "http://127.0.0.1:8080/v1"
        want.maxIterations = 7
        want.temperature = 0.3
        want.approvals = .yes
        want.sections["mcp_servers"] = "time:\n  command: mcp-server-time\n"
        want.mcpServers = [MCPServerSpec(name: "time", transport: .stdio(command: "mcp-server-time", arguments: [], environment: [:], cwd: nil))]
        #expect(c == want)
    }

    @Test("an unknown key names file, line and key, with a suggestion")
    func unknownKey() {
        #expect(throws: ConfigError(file: "c.yaml", line: 2, key: "max_iteration", message: "unknown key (did you mean 'max_iterations'?)")) {
            try TalariaConfig.parse("model: x\nmax_iteration: 3\n", file: "c.yaml")
        }
    }

    @Test("invalid YAML reports the line and column")
    func badYAML() {
        do {
            _ = try TalariaConfig.parse("model: x\nbase_url: [unclosed\nother: 1\n", file: "c.yaml")
            Issue.record("accepted invalid YAML")
        } catch {
            #expect(error.file == "c.yaml")
            #expect(error.line != nil)
            #expect(error.description.hasPrefix("c.yaml:"))
            #expect(error.description.contains("invalid YAML"))
        }
    }

    @Test("wrong value types are explained")
    func types() {
        #expect(throws: ConfigError(file: "f", line: 1, key: "max_iterations", message: "must be an integer, found 'lots'")) {
            try TalariaConfig.parse("max_iterations: lots\n", file: "f")
        }
        #expect(throws: ConfigError(file: "f", line: 1, key: "model", message: "must be a string, found a list")) {
            try TalariaConfig.parse("model: [a, b]\n", file: "f")
        }
        #expect(throws: ConfigError(file: "f", line: 1, key: "approvals", message: "must be ask, yes or deny, found 'maybe'")) {
            try TalariaConfig.parse("approvals: maybe\n", file: "f")
        }
        #expect(throws: ConfigError.self) { try TalariaConfig.parse("- a\n- b\n", file: "f") }
    }

    @Test("an empty or missing file is the default config; the written template parses")
    func emptyAndTemplate() throws {
        #expect(try TalariaConfig.parse("", file: "f") == TalariaConfig())
        #expect(try TalariaConfig.load(path: "/nonexistent/config.yaml") == TalariaConfig())
        #expect(try TalariaConfig.parse(DefaultConfig.text, file: "f") == TalariaConfig())
    }

    @Test("TALARIA_HOME overrides ~/.talaria")
    func paths() {
        #expect(TalariaPaths(environment: ["TALARIA_HOME": "/x/y", "HOME": "/h"]).database == "/x/y/state.db")
        #expect(TalariaPaths(environment: ["HOME": "/h"]).configFile == "/h/.talaria/config.yaml")
    }
}

@Suite("config.yaml: backend")
struct BackendConfigTests {
    @Test("backend names one of the backends; each section's settings load; a backend missing what it needs is an error")
    func backend() throws {
        #expect(try TalariaConfig.parse("backend: local\n", file: "c").backendSpec == BackendSpec(kind: .local))
        #expect(try TalariaConfig.parse("", file: "c").backendSpec.kind == .local)
        let c = try TalariaConfig.parse("""
            backend: ssh
            ssh: {host: gpu-box, user: me, port: 2222, identity_file: /k/id, options: [Compression=yes], workdir: /srv/app}
            docker: {image: python:3.12-slim, memory: 2g, cpus: 1.5, pids_limit: 256, network: true}
            sandbox: {network: false, writable: [/var/cache/x]}
            apptainer: {image: docker://debian:bookworm-slim}
            modal: {container: ta-01ABC}
            daytona: {sandbox: sbx-1, workdir: /home/daytona}
            """, file: "c")
        var ssh = BackendSpec(kind: .ssh)
        ssh.host = "gpu-box"; ssh.user = "me"; ssh.port = 2222; ssh.identityFile = "/k/id"
        ssh.sshOptions = ["Compression=yes"]; ssh.workdir = "/srv/app"
        #expect(c.backendSpec == ssh)
        var docker = BackendSpec(kind: .docker)
        docker.image = "python:3.12-slim"; docker.memory = "2g"; docker.cpus = 1.5; docker.pidsLimit = 256; docker.network = true
        #expect(c.spec(for: .docker) == docker)
        #expect(c.spec(for: .sandbox).writable == ["/var/cache/x"])
        #expect(c.spec(for: .modal).target == "ta-01ABC")
        #expect(c.spec(for: .daytona).target == "sbx-1" && c.spec(for: .daytona).workdir == "/home/daytona")
        #expect(try TalariaConfig.parse("backend: singularity\napptainer: {image: x.sif}\n", file: "c").backendSpec.kind == .apptainer)
        #expect(try TalariaConfig.parse("backend: docker\n", file: "c").backendSpec.image == nil, "docker has a default image")
    }

    @Test("mistakes name the key and what is expected; never a silent fallback to this machine")
    func mistakes() throws {
        let cases: [(String, ConfigError)] = [
            ("backend: vm\n", ConfigError(file: "c", line: 1, key: "backend", message: "must be one of local, sandbox, ssh, docker, apptainer, modal, daytona, found 'vm'")),
            ("backend: ssh\n", ConfigError(file: "c", key: "backend", message: "'ssh' needs its section: add `ssh: {host: NAME}`")),
            ("backend: modal\n", ConfigError(file: "c", key: "backend", message: "'modal' needs its section: add `modal: {container: ID}`")),
            ("ssh: {host: h, port: 99999}\n", ConfigError(file: "c", line: 1, key: "ssh.port", message: "must be a port number (1-65535)")),
            ("docker: {memory: lots}\n", ConfigError(file: "c", line: 1, key: "docker.memory", message: "must be a size such as 512m or 4g")),
            ("sandbox: {net: true}\n", ConfigError(file: "c", line: 1, key: "sandbox.net", message: "unknown setting (known: network, writable)")),
            ("docker: ubuntu\n", ConfigError(file: "c", line: 1, key: "docker", message: "must be a mapping of settings (image, memory, cpus, pids_limit, network)")),
        ]
        for (text, error) in cases {
            #expect(throws: error, "\(text)") { try TalariaConfig.parse(text, file: "c") }
        }
    }
}

@Suite("config.yaml: extra_body")
struct ExtraBodyConfigTests {
    @Test("fields keep their YAML types; quoted values stay strings")
    func types() throws {
        let c = try TalariaConfig.parse("extra_body: {top_k: 20, min_p: 0.05, cache_prompt: true, grammar: \"20\", stop: [END, \"---\"]}\n", file: "c")
        #expect(c.extraBody == ["top_k": 20, "min_p": 0.05, "cache_prompt": true, "grammar": "20", "stop": ["END", "---"]])
    }

    @Test("a scalar is a mistake with its line")
    func mistake() {
        #expect(throws: ConfigError(file: "c", line: 1, key: "extra_body", message: "must be a mapping of request fields, like {top_k: 20}")) {
            try TalariaConfig.parse("extra_body: 20\n", file: "c")
        }
    }
}

@Suite("config.yaml: loop_guard")
struct LoopGuardConfigTests {
    @Test("the section loads; unset values keep their defaults")
    func loads() throws {
        let c = try TalariaConfig.parse("loop_guard: {warn_after: 3, stop_after: 6}\n", file: "c")
        #expect(c.loopGuard.warnAfter == 3 && c.loopGuard.stopAfter == 6)
        #expect(c.loopGuard.failureStreak == Defaults.LoopGuard.failureStreak && c.loopGuard.enabled == true)
        #expect(try TalariaConfig.parse("loop_guard: {enabled: false}\n", file: "c").loopGuard.enabled == false)
    }

    @Test("mistakes name the setting", arguments: [
        ("loop_guard: {warn_after: 0}\n", ConfigError(file: "c", line: 1, key: "loop_guard.warn_after", message: "must be a whole number of at least 1")),
        ("loop_guard: {stop: 3}\n", ConfigError(file: "c", line: 1, key: "loop_guard.stop", message: "unknown setting (known: enabled, warn_after, stop_after, failure_streak)")),
        ("loop_guard: {warn_after: 4, stop_after: 4}\n", ConfigError(file: "c", line: 1, key: "loop_guard.stop_after", message: "must be more than warn_after (4): the model is warned before the turn stops")),
        ("loop_guard: on\n", ConfigError(file: "c", line: 1, key: "loop_guard", message: "must be a mapping of settings")),
    ])
    func mistakes(text: String, error: ConfigError) {
        #expect(throws: error) { try TalariaConfig.parse(text, file: "c") }
    }
}

@Suite("config.yaml: mcp_servers")
struct MCPServersConfigTests {
    @Test("stdio and HTTP servers load in file order with their settings and defaults")
    func loads() throws {
        let c = try TalariaConfig.parse("""
            mcp_servers:
              time:
                command: mcp-server-time
                args: [--local-timezone, UTC]
                env: {TZ: UTC}
                trust: always
              tracker:
                url: https://mcp.example.com/mcp
                headers: {X-Team: core}
                bearer_token_env: TRACKER_TOKEN
                timeout: 60
                connect_timeout: 5
                enabled: false
            """, file: "c.yaml")
        #expect(c.mcpServers.map(\.name) == ["time", "tracker"])
        let time = c.mcpServers[0]
        #expect(time.transport == .stdio(command: "mcp-server-time", arguments: ["--local-timezone", "UTC"], environment: ["TZ": "UTC"], cwd: nil))
        #expect(time.trust == .always)
        #expect(time.enabled && time.callTimeout == 120 && time.connectTimeout == 30)
        let tracker = c.mcpServers[1]
        #expect(tracker.transport == .http(url: "https://mcp.example.com/mcp", headers: ["X-Team": "core"], bearerTokenEnv: "TRACKER_TOKEN"))
        #expect(tracker.trust == .ask)
        #expect(!tracker.enabled && tracker.callTimeout == 60 && tracker.connectTimeout == 5)
    }

    @Test("mistakes name the server, the setting and the line", arguments: [
        ("mcp_servers:\n  a:\n    command: x\n    url: http://h/mcp\n", 2, "mcp_servers.a", "has both `command:` and `url:`; a server is either stdio or HTTP"),
        ("mcp_servers:\n  a:\n    args: [x]\n", 2, "mcp_servers.a", "needs `command:` (a stdio server Talaria starts) or `url:` (a streamable-HTTP server)"),
        ("mcp_servers:\n  a:\n    command: x\n    trust: maybe\n", 4, "mcp_servers.a.trust", "must be ask, session or always, found 'maybe'"),
        ("mcp_servers:\n  a:\n    command: x\n    comand: y\n", 4, "mcp_servers.a.comand",
         "unknown setting (known: command, args, env, cwd, url, headers, bearer_token_env, trust, timeout, connect_timeout, enabled)"),
        ("mcp_servers:\n  a:\n    url: ftp://h/x\n", 3, "mcp_servers.a.url", "must be an http:// or https:// URL, found 'ftp://h/x'"),
        ("mcp_servers:\n  a:\n    command: x\n    headers: {A: b}\n", 4, "mcp_servers.a.headers", "only applies to HTTP servers (`url:`)"),
        ("mcp_servers:\n  a:\n    command: x\n    args: --flag\n", 4, "mcp_servers.a.args", "must be a list, like [--flag, value]"),
        ("mcp_servers:\n  a:\n    command: x\n    timeout: 0\n", 4, "mcp_servers.a.timeout", "must be a positive number of seconds"),
        ("mcp_servers:\n  a b:\n    command: x\n", 2, "mcp_servers.a b", "a server name may hold letters, digits, '-' and '_' (it becomes part of tool names)"),
        ("mcp_servers: [a]\n", 1, "mcp_servers", "must be a mapping of server name to its settings"),
    ])
    func errors(text: String, line: Int, key: String, message: String) {
        #expect(throws: ConfigError(file: "c.yaml", line: line, key: key, message: message)) {
            try TalariaConfig.parse(text, file: "c.yaml")
        }
    }
}
