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
        want.approvals = "yes"
        want.sections["mcp_servers"] = "time:\n  command: mcp-server-time\n"
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
        #expect(throws: ConfigError(file: "f", key: "approvals", message: "must be ask, yes or deny, found 'maybe'")) {
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
