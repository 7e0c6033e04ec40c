import AgentProtocol
import CPTY
import Foundation
import Synchronization

/// Commands on a remote host through the system `ssh` client.
///
/// One master connection per session (`ControlMaster`, kept for 10 minutes after the last
/// use) carries every command, so a command costs a channel, not a handshake. Commands run on
/// a remote terminal (`-tt`) for live, unbuffered output; cancel kills the local client and the
/// command's process group on the host. Authentication never prompts (`BatchMode`): a missing
/// key or an unknown host key is an error that says what to do.
public final class SSHBackend: WrappingBackend {
    public let spec: BackendSpec
    /// Where control sockets and the master's log live (`~/.talaria/ssh`).
    public let controlDirectory: String
    private let preparation = Preparation()
    private let home = Mutex<String?>(nil)

    public init(spec: BackendSpec, controlDirectory: String) {
        self.spec = spec
        self.controlDirectory = controlDirectory
    }

    var destination: String { spec.user.map { "\($0)@\(spec.host ?? "?")" } ?? (spec.host ?? "?") }
    public var identity: String { "ssh \(destination)" + (spec.port.map { ":\($0)" } ?? "") }
    public var killsOnTarget: Bool { true }

    /// The options every `ssh` invocation shares.
    public var options: [String] {
        var o = ["-o", "BatchMode=yes", "-o", "ControlPath=\(controlDirectory)/%C", "-o", "ServerAliveInterval=15",
                 "-o", "ServerAliveCountMax=3", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR"]
        if let p = spec.port { o += ["-p", String(p)] }
        if let i = spec.identityFile { o += ["-i", UserHome.expand(i), "-o", "IdentitiesOnly=yes"] }
        for extra in spec.sshOptions { o += ["-o", extra] }
        return o
    }

    public func wrap(_ script: String, tty: Bool) -> [String] {
        // ControlMaster=no: use the master when it is up, connect directly when it is not.
        ["ssh", tty ? "-tt" : "-T", "-o", "ControlMaster=no"] + options + [destination, "--", "sh -c " + shellQuote(script)]
    }

    /// The master connection's command line (`-f`: into the background once authenticated).
    var masterArgv: [String] {
        ["ssh", "-M", "-N", "-f", "-o", "ControlMaster=yes", "-o", "ControlPersist=600"] + options + [destination]
    }

    public func prepare() async throws(ExecError) {
        try await preparation.run { [self] () async throws(ExecError) in
            guard let host = spec.host, !host.isEmpty else {
                throw ExecError("the ssh backend needs a host: add `ssh: {host: NAME}` to config.yaml")
            }
            guard Capture.isInstalled("ssh") else {
                throw ExecError("the ssh backend needs the OpenSSH client, which is not installed (Debian/Ubuntu: apt-get install openssh-client)")
            }
            try? FileManager.default.createDirectory(atPath: controlDirectory, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o700])
            let log = controlDirectory + "/master-\(UUID().uuidString.prefix(8)).log"
            defer { try? FileManager.default.removeItem(atPath: log) }
            let pid = try Daemon.start(masterArgv, logFile: log)
            // `ssh -f` exits once the connection is authenticated (0) or failed (255); the
            // master itself stays in the background.
            let status = await Self.waitExit(pid)
            if status != 0 {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw Self.explain(text, destination: identity)
            }
            // The remote home: where commands start without a workdir, and where `~` points.
            let r = try await Capture.run(wrap("cd && pwd", tty: false))
            let dir = String(decoding: r.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if r.status == 0, dir.hasPrefix("/") { home.withLock { $0 = dir } }
        }
    }

    /// Where commands start: the configured `workdir`, else the remote home.
    public func directory(forSession local: String) async -> String {
        if let w = spec.workdir { return w }
        try? await prepare()
        return home.withLock { $0 } ?? "/"
    }

    public func homeDirectory() async -> String? {
        try? await prepare()
        return home.withLock { $0 }
    }

    public func shutdown() async {
        _ = try? await Capture.run(["ssh", "-O", "exit"] + options + [destination])
        await preparation.reset()
    }

    /// A message that says what failed and what to do, from ssh's own words.
    static func explain(_ log: String, destination: String) -> ExecError {
        let last = log.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.last ?? "ssh failed"
        if log.contains("Permission denied") {
            return ExecError("\(destination): authentication failed (\(last)). Talaria never prompts: load your key into ssh-agent or set ssh.identity_file")
        }
        if log.contains("Host key verification failed") || log.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") {
            return ExecError("\(destination): the host key is unknown or has changed (\(last)). Connect once with plain ssh to check and accept it")
        }
        return ExecError("\(destination): cannot connect (\(last))")
    }

    static func waitExit(_ pid: Int32) async -> Int32 {
        await withCheckedContinuation { c in
            let t = Thread {
                var status: Int32 = -1
                _ = tl_wait(pid, &status, 0)
                c.resume(returning: status)
            }
            t.stackSize = 64 * 1024
            t.start()
        }
    }
}
