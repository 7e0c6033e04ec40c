import AgentProtocol
import Foundation
import TestSupport
import Testing

/// Commands and file tools run where `backend:` (or `--backend`, or `/backend`) says.
@Suite("Backends end to end", .serialized)
struct BackendEndToEndTests {
    let server: FakeLLMServer
    init() async throws { server = try await FakeLLMServer(nCtx: 4096) }

    func toolOutputs(_ stdout: String) throws -> [String] {
        try stdout.split(separator: "\n").compactMap { line in
            guard case .toolCallEnded(let e) = try JSONDecoder().decode(EventEnvelope.self, from: Data(line.utf8)).event else { return nil }
            return e.output
        }
    }

    @Test("-p --backend sandbox: the workspace is written, the rest of the system is read-only")
    func sandbox() async throws {
        let home = TalariaHome()
        let marker = "/usr/talaria-escape-\(UUID().uuidString.prefix(6))"
        let r = try await home.run(["-p", "try rounds=1 cmd=touch%20made-inside%20;touch%20\(marker)", "--backend", "sandbox", "--yes", "--json",
                                    "--base-url", server.baseURL, "--model", "fake-model"])
        #expect(r.status == 0, "\(r.stderr)")
        let outputs = try toolOutputs(r.stdout)
        #expect(outputs.first?.contains("Read-only file system") == true, "\(outputs)")
        #expect(FileManager.default.fileExists(atPath: home.work + "/made-inside"))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test("backend: ssh in config.yaml: the agent's commands and file writes happen on the host, in its workdir")
    func ssh() async throws {
        guard let sshd = try await SSHServer.start() else { Issue.record("sshd cannot run here (needs root and openssh-server)"); return }
        let home = TalariaHome()
        let remote = FileManager.default.temporaryDirectory.path + "/talaria-remote-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        let spec = sshd.spec
        try """
            backend: ssh
            ssh:
              host: 127.0.0.1
              port: \(sshd.port)
              user: \(spec.user!)
              identity_file: \(spec.identityFile!)
              options: [\(spec.sshOptions.joined(separator: ", "))]
              workdir: \(remote)
            """.write(toFile: home.home + "/config.yaml", atomically: true, encoding: .utf8)
        let r = try await home.run(["-p", "where rounds=1 cmd=pwd;echo%20$SSH_CONNECTION%20>%20conn.txt", "--json", "--yes",
                                    "--base-url", server.baseURL, "--model", "fake-model"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try toolOutputs(r.stdout).first == remote, "\(r.stdout)")
        // Only sshd sets SSH_CONNECTION: the command really came over ssh.
        let conn = try String(contentsOfFile: remote + "/conn.txt", encoding: .utf8)
        #expect(conn.hasPrefix("127.0.0.1 "), "\(conn)")
        // The file tools follow: write_file lands in the remote workdir.
        let w = try await home.run(["-p", "save rounds=1 tool=write_file args={\"path\":\"from-agent.txt\",\"content\":\"hi\"}", "--json", "--yes",
                                    "--base-url", server.baseURL, "--model", "fake-model"])
        #expect(w.status == 0, "\(w.stderr)")
        #expect(try String(contentsOfFile: remote + "/from-agent.txt", encoding: .utf8) == "hi")
        #expect(!FileManager.default.fileExists(atPath: home.work + "/from-agent.txt"))
    }

    @Test("a backend that cannot work stops -p at once with its reason (exit 2)")
    func unusable() async throws {
        let home = TalariaHome()
        let r = try await home.run(["-p", "hi", "--backend", "ssh", "--base-url", server.baseURL, "--model", "fake-model"])
        #expect(r.status == 2)
        #expect(r.stderr == "talaria: backend ssh ?: the ssh backend needs a host: add `ssh: {host: NAME}` to config.yaml\n")
        let bad = try await home.run(["-p", "hi", "--backend", "vm", "--base-url", server.baseURL])
        #expect(bad.status == 2 && bad.stderr.contains("--backend must be one of local, sandbox, ssh, docker, apptainer, modal, daytona"))
    }
}
