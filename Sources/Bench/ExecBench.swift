import AgentProtocol
import ArgumentParser
import Config
import Exec
import Foundation

/// `talaria bench exec`: what each backend adds to a command's own run time (DESIGN.md budgets:
/// local ≤ 5 ms, sandbox ≤ 20 ms, ssh over a reused connection ≤ 30 ms).
struct ExecBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Overhead per command on the local, sandbox and ssh backends (ssh: config.yaml's ssh section).")
    @Option var runs = 40
    @Option(help: "Working directory the commands run in (default: a temporary one).") var workspace: String?

    func run() async throws {
        let ws = workspace ?? FileManager.default.temporaryDirectory.path + "/talaria-bench-exec"
        try FileManager.default.createDirectory(atPath: ws, withIntermediateDirectories: true)
        let paths = TalariaPaths(environment: ProcessInfo.processInfo.environment)
        let config = (try? TalariaConfig.load(path: paths.configFile)) ?? TalariaConfig()
        // The command's own cost: `bash -c true` started and waited for directly.
        let baseline = try await Self.time(runs) { _ = try await Capture.run(["bash", "-c", "true"]) }
        print(String(format: "FIGURE exec baseline: `bash -c true` itself %.2f ms median", baseline.median))
        var backends: [(String, any ExecutionBackend)] = [("local", LocalBackend()), ("sandbox", SandboxBackend(workspace: ws))]
        if let ssh = config.backendSettings[.ssh], ssh.host != nil {
            backends.append(("ssh", Backends.make(ssh, workspace: ws, stateDirectory: paths.home)))
        } else {
            print("FIGURE exec ssh: skipped (no `ssh:` section with a host in \(paths.configFile))")
        }
        for (name, backend) in backends {
            do { try await backend.prepare() } catch {
                print("FIGURE exec \(name): skipped (\(error.message))")
                continue
            }
            let dir = await backend.directory(forSession: ws)
            for usePTY in [true, false] {
                let spec = CommandSpec(command: "true", cwd: dir, usePTY: usePTY)
                _ = try await backend.run(spec) { _ in } // warm
                let s = try await Self.time(runs) { _ = try await backend.run(spec) { _ in } }
                print(String(format: "FIGURE exec %@ (%@): %.2f ms per command, overhead %.2f ms over the command itself (p90 %.2f ms, %d runs)",
                             backend.identity, usePTY ? "pty" : "pipes", s.median, max(0, s.median - baseline.median), s.p90, runs))
            }
            let file = dir + "/.talaria-bench-file"
            let payload = Data(repeating: 65, count: 4096)
            let w = try await Self.time(runs) { try await backend.writeFile(file, contents: payload) }
            let r = try await Self.time(runs) { _ = try await backend.readFile(file) }
            print(String(format: "FIGURE exec %@ files: write 4 KB %.2f ms, read %.2f ms (median)", backend.identity, w.median, r.median))
            _ = try? await backend.run(CommandSpec(command: "rm -f .talaria-bench-file", cwd: dir, usePTY: false)) { _ in }
            await backend.shutdown()
        }
    }

    static func time(_ runs: Int, _ body: () async throws -> Void) async throws -> Stats {
        var ms: [Double] = []
        for _ in 0..<runs {
            let t = ContinuousClock.now
            try await body()
            let d = ContinuousClock.now - t
            ms.append(d.milliseconds)
        }
        return Stats(ms)
    }
}
