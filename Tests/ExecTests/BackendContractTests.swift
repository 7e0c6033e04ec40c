import AgentProtocol
import Exec
import Foundation
import Synchronization
import Testing
import TestSupport

/// Processes whose command line starts with `marker` (read from /proc: no pgrep, and the
/// shell that started them does not count).
func processes(matching marker: String) -> [Int32] {
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return pids.compactMap { Int32($0) }.filter { pid in
        guard processExists(pid), let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: raw.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).hasPrefix(marker)
    }
}

/// A fresh directory under `base` (the sandbox's /tmp is private: what must be seen from both
/// sides lives under /var/tmp).
func makeWorkspace(_ base: String = FileManager.default.temporaryDirectory.path) throws -> String {
    let dir = base + "/talaria-ws-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// What every backend must do, whatever carries the command: live output and exit codes,
/// cwd and env, cancel that leaves no process behind, and files through the backend.
func checkContract(_ backend: any ExecutionBackend, workspace: String) async throws {
    // Output streams live; the exit code comes back; the command runs on a terminal.
    let log = OutputLog()
    let r = try await backend.run(CommandSpec(command: "echo one; test -t 1 && echo tty; pwd; echo $GREETING; exit 7", cwd: workspace,
                                              env: ["GREETING": "hello there"])) { d in log.data.withLock { $0.append(d) } }
    #expect(r.exitCode == 7, "\(backend.identity)")
    #expect(TerminalText.clean(r.output) == "one\ntty\n\(workspace)\nhello there\n", "\(backend.identity)")
    #expect(log.text == String(decoding: r.output, as: UTF8.self))

    // Pipes, when no terminal is wanted.
    let piped = try await backend.run(CommandSpec(command: "test -t 1 || echo pipe", cwd: workspace, usePTY: false)) { _ in }
    #expect(String(decoding: piped.output, as: UTF8.self) == "pipe\n", "\(backend.identity)")

    // Cancel kills the whole process group, the background child included.
    let marker = "\(Int.random(in: 1000..<9000)).\(Int.random(in: 1000..<9000))"
    let task = Task { try await backend.run(CommandSpec(command: "sleep \(marker)1 & sleep \(marker)2; echo never", cwd: workspace)) { _ in } }
    var started = false
    for _ in 0..<200 where !started {
        try await Task.sleep(for: .milliseconds(50))
        started = !processes(matching: "sleep \(marker)2").isEmpty && !processes(matching: "sleep \(marker)1").isEmpty
    }
    #expect(started, "\(backend.identity): the command never started")
    task.cancel()
    let cancelled = try await task.value
    #expect(cancelled.cancelled, "\(backend.identity)")
    var left = [Int32]()
    for _ in 0..<100 {
        left = processes(matching: "sleep \(marker)")
        if left.isEmpty { break }
        try await Task.sleep(for: .milliseconds(50))
    }
    #expect(left.isEmpty, "\(backend.identity): processes left after cancel: \(left)")

    // Files go through the backend: created with their directories, replaced, read back whole.
    let path = workspace + "/sub/dir/note.txt"
    let existed = try await backend.writeFile(path, contents: Data("first\n".utf8))
    #expect(!existed)
    let bytes = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
    #expect(try await backend.writeFile(path, contents: bytes))
    #expect(try await backend.readFile(path) == bytes, "\(backend.identity): binary content changed on the way")
    await #expect(throws: ExecError("no such file: \(workspace)/missing")) { _ = try await backend.readFile(workspace + "/missing") }
    await #expect(throws: ExecError("\(workspace)/sub is a directory")) { _ = try await backend.readFile(workspace + "/sub") }
}

@Suite("Execution backends")
struct BackendContractTests {
    @Test("local keeps the contract")
    func local() async throws {
        let ws = try makeWorkspace()
        try await checkContract(LocalBackend(killGrace: 0.5), workspace: ws)
    }

    @Test("sandbox keeps the contract")
    func sandbox() async throws {
        let ws = try makeWorkspace()
        try await checkContract(SandboxBackend(workspace: ws), workspace: ws)
    }

    @Test("sandbox: the workspace is writable, the rest read-only, /tmp private, no network, credentials and secrets hidden")
    func sandboxConfinement() async throws {
        let ws = try makeWorkspace()
        let home = try makeWorkspace("/var/tmp")
        try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
        try "PRIVATE".write(toFile: home + "/.ssh/id_ed25519", atomically: true, encoding: .utf8)
        try "visible".write(toFile: home + "/notes.txt", atomically: true, encoding: .utf8)
        let outside = try makeWorkspace("/var/tmp")
        defer { for d in [home, outside] { try? FileManager.default.removeItem(atPath: d) } }
        let backend = SandboxBackend(workspace: ws, home: home,
                                     environment: ["PATH": "/usr/bin:/bin", "OPENAI_API_KEY": "sk-secret-value-123456", "LANG": "C.UTF-8"])
        func sh(_ c: String) async throws -> (Int32, String) {
            let r = try await backend.run(CommandSpec(command: c, cwd: ws, usePTY: false)) { _ in }
            return (r.exitCode, String(decoding: r.output, as: UTF8.self))
        }
        #expect(try await sh("echo ok > in-workspace.txt && cat in-workspace.txt") == (0, "ok\n"))
        let (code, out) = try await sh("touch \(outside)/escape")
        #expect(code != 0 && out.contains("Read-only file system"), "\(out)")
        #expect(!FileManager.default.fileExists(atPath: outside + "/escape"))
        _ = try await sh("echo x > /tmp/talaria-private-\(UUID().uuidString.prefix(6))")
        #expect(try await sh("cat \(home)/.ssh/id_ed25519 2>&1 || echo hidden").1.contains("hidden"))
        #expect(try await sh("cat \(home)/notes.txt").1 == "visible")
        #expect(try await sh("cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d ' '").1 == "lo\n", "a network interface besides lo")
        #expect(try await sh("echo \"[$OPENAI_API_KEY]\" $LANG").1 == "[] C.UTF-8\n")
        // Its own PID namespace: only the sandbox's few processes are visible.
        let visible = Int(try await sh("ls /proc | grep -c '^[0-9]'").1.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 99
        #expect(visible < 8, "\(visible) processes visible in the sandbox")
        // The file tools are confined the same way.
        await #expect(throws: ExecError.self) { try await backend.writeFile(outside + "/f.txt", contents: Data("x".utf8)) }
        #expect(!FileManager.default.fileExists(atPath: outside + "/f.txt"))
        await #expect(throws: ExecError("no such file: \(home)/.ssh/id_ed25519")) { _ = try await backend.readFile(home + "/.ssh/id_ed25519") }
        // With the network allowed, the host's interfaces are there.
        let open = SandboxBackend(workspace: ws, network: true, home: home)
        let r = try await open.run(CommandSpec(command: "cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d ' ' | sort", cwd: ws, usePTY: false)) { _ in }
        #expect(open.identity == "sandbox +net")
        #expect(!TerminalText.clean(r.output).isEmpty)
    }

    @Test("sandbox: a missing bwrap is a clear message")
    func sandboxMissing() async throws {
        let backend = SandboxBackend(workspace: "/tmp", program: "/nonexistent/bwrap")
        await #expect(throws: ExecError("the sandbox backend needs bubblewrap, which is not installed (Debian/Ubuntu: apt-get install bubblewrap)")) {
            _ = try await backend.run(CommandSpec(command: "true", cwd: "/tmp")) { _ in }
        }
    }
}

@Suite("ssh backend against a real sshd", .serialized)
struct SSHBackendTests {
    let server: SSHServer?
    init() async throws { server = try await SSHServer.start() }

    func backend(_ spec: BackendSpec? = nil) throws -> SSHBackend {
        let control = try makeWorkspace()
        return SSHBackend(spec: spec ?? server!.spec, controlDirectory: control)
    }

    @Test("ssh keeps the contract, over one reused connection")
    func contract() async throws {
        guard let server else { Issue.record("sshd cannot run here (needs root and openssh-server)"); return }
        let ws = try makeWorkspace()
        var spec = server.spec
        spec.workdir = ws
        let ssh = try backend(spec)
        try await ssh.prepare()
        #expect(await ssh.directory(forSession: "/somewhere/local") == ws)
        #expect(ssh.identity == "ssh \(NSUserName())@127.0.0.1:\(server.port)")
        // The master connection is up, and commands use it.
        let check = try await Capture.run(["ssh", "-O", "check"] + ssh.options + ["\(NSUserName())@127.0.0.1"])
        #expect(check.status == 0, "no master connection: \(check.errorText)")
        try await checkContract(ssh, workspace: ws)
        await ssh.shutdown()
        let after = try await Capture.run(["ssh", "-O", "check"] + ssh.options + ["\(NSUserName())@127.0.0.1"])
        #expect(after.status != 0, "the master outlived shutdown")
    }

    @Test("without workdir, commands start in the remote home")
    func home() async throws {
        guard server != nil else { Issue.record("sshd cannot run here"); return }
        let ssh = try backend()
        #expect(await ssh.directory(forSession: "/local") == NSHomeDirectory())
        #expect(await ssh.homeDirectory() == NSHomeDirectory(), "where ~ points on the host")
        await ssh.shutdown()
    }

    @Test("a rejected key and an unknown host key are errors that say what to do")
    func authFailures() async throws {
        guard let server else { Issue.record("sshd cannot run here"); return }
        var wrongKey = server.spec
        let other = try makeWorkspace()
        _ = try await Capture.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other + "/k"])
        wrongKey.identityFile = other + "/k"
        do {
            try await backend(wrongKey).prepare()
            Issue.record("a wrong key connected")
        } catch let error as ExecError {
            #expect(error.message.contains("authentication failed"), "\(error.message)")
            #expect(error.message.contains("identity_file"))
        }
        var unknownHost = server.spec
        unknownHost.sshOptions = ["StrictHostKeyChecking=yes", "UserKnownHostsFile=\(other)/empty_known_hosts"]
        do {
            try await backend(unknownHost).prepare()
            Issue.record("an unknown host key was accepted")
        } catch let error as ExecError {
            #expect(error.message.contains("host key is unknown"), "\(error.message)")
        }
        var nobody = server.spec
        nobody.port = 1
        do {
            try await backend(nobody).prepare()
            Issue.record("connected to a closed port")
        } catch let error as ExecError {
            #expect(error.message.contains("cannot connect"), "\(error.message)")
        }
    }
}
