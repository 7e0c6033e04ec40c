import AgentProtocol
import Exec
import Foundation

/// A real OpenSSH server on 127.0.0.1 with a throwaway host key, user key and known_hosts,
/// for as long as the value lives. `nil` when sshd cannot run here (not root, not installed).
public final class SSHServer: @unchecked Sendable {
    public let dir: String
    public let port: Int
    let pid: Int32

    /// The client side: host, port, key, known_hosts with this server's key (strict checking).
    public var spec: BackendSpec {
        var s = BackendSpec(kind: .ssh)
        s.host = "127.0.0.1"
        s.port = port
        s.user = NSUserName()
        s.identityFile = dir + "/user_key"
        s.sshOptions = ["StrictHostKeyChecking=yes", "UserKnownHostsFile=\(dir)/known_hosts"]
        return s
    }

    public static func start() async throws -> SSHServer? {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else { return nil }
        let dir = FileManager.default.temporaryDirectory.path + "/talaria-sshd-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        for key in ["host_key", "user_key"] {
            let r = try await Capture.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "\(dir)/\(key)"])
            guard r.status == 0 else { throw ExecError("ssh-keygen: \(r.errorText)") }
        }
        try FileManager.default.copyItem(atPath: "\(dir)/user_key.pub", toPath: "\(dir)/authorized_keys")
        // A port the kernel just handed out (a random one often met an ephemeral port in use);
        // another process may still take it first, so a bind failure tries another.
        for _ in 0..<4 {
            let port = freePort()
            let hostPub = try String(contentsOfFile: "\(dir)/host_key.pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
            try "[127.0.0.1]:\(port) \(hostPub)\n".write(toFile: "\(dir)/known_hosts", atomically: true, encoding: .utf8)
            try """
                Port \(port)
                ListenAddress 127.0.0.1
                HostKey \(dir)/host_key
                AuthorizedKeysFile \(dir)/authorized_keys
                PidFile \(dir)/sshd.pid
                StrictModes no
                UsePAM no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PermitRootLogin prohibit-password
                MaxSessions 50
                MaxStartups 50
                """.write(toFile: "\(dir)/sshd_config", atomically: true, encoding: .utf8)
            let pid = try Daemon.start(["/usr/sbin/sshd", "-D", "-e", "-f", "\(dir)/sshd_config"], logFile: "\(dir)/sshd.log")
            // Ready when the port accepts a connection.
            for _ in 0..<100 {
                let r = try await Capture.run(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"])
                if r.status == 0 { return SSHServer(dir: dir, port: port, pid: pid) }
                try await Task.sleep(for: .milliseconds(50))
            }
            kill(pid, SIGKILL)
            let log = (try? String(contentsOfFile: "\(dir)/sshd.log", encoding: .utf8)) ?? ""
            guard log.contains("Address already in use") else { break }
        }
        throw ExecError("sshd did not start: \((try? String(contentsOfFile: "\(dir)/sshd.log", encoding: .utf8)) ?? "")")
    }

    private init(dir: String, port: Int, pid: Int32) {
        self.dir = dir
        self.port = port
        self.pid = pid
    }

    deinit {
        kill(pid, SIGTERM)
        try? FileManager.default.removeItem(atPath: dir)
    }
}
