import AgentProtocol
import Foundation

/// Commands on this machine inside bubblewrap (`bwrap`): the file system read-only except the
/// workspace (and any `writable:` directories), a private `/tmp`, credential directories
/// hidden, new PID/IPC/UTS namespaces (the sandbox's processes die with it), no network unless
/// allowed, and an environment without secrets.
public struct SandboxBackend: WrappingBackend {
    public var workspace: String
    public var writable: [String]
    public var network: Bool
    public var program: String
    /// The home whose credential directories are hidden, and the environment to scrub.
    public var home: String
    public var environment: [String: String]
    private let preparation = Preparation()

    /// Paths under the home directory that hold credentials; hidden inside the sandbox.
    static let hidden = [".ssh", ".aws", ".gnupg", ".config/gcloud", ".azure", ".kube", ".docker", ".netrc",
                         ".git-credentials", ".pypirc", ".npmrc", ".talaria"]

    public init(workspace: String, writable: [String] = [], network: Bool = false, program: String = "bwrap",
                home: String = UserHome.path, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.home = home
        self.environment = environment
        self.workspace = workspace
        self.writable = writable
        self.network = network
        self.program = program
    }

    public var identity: String { network ? "sandbox +net" : "sandbox" }
    public var killsOnTarget: Bool { false }

    public var localEnvironment: [String: String] {
        var env = SecretNames.scrub(environment)
        env["SSH_AUTH_SOCK"] = nil
        return env
    }

    public func wrap(_ script: String, tty: Bool) -> [String] {
        var argv = [program, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        let fm = FileManager.default
        for rel in Self.hidden {
            let path = home + "/" + rel
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir), !Self.contains(path, workspace) else { continue }
            argv += isDir.boolValue ? ["--tmpfs", path] : ["--ro-bind", "/dev/null", path]
        }
        // After /tmp's tmpfs, so a workspace under /tmp is the real one.
        for dir in [workspace] + writable where fm.fileExists(atPath: dir) { argv += ["--bind", dir, dir] }
        argv += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent"]
        if !network { argv.append("--unshare-net") }
        return argv + ["--chdir", "/", "sh", "-c", script]
    }

    public func prepare() async throws(ExecError) {
        let program = program
        let probe = wrap("exit 0", tty: false)
        try await preparation.run { () async throws(ExecError) in
            guard Capture.isInstalled(program) else {
                throw ExecError("the sandbox backend needs bubblewrap, which is not installed (Debian/Ubuntu: apt-get install bubblewrap)")
            }
            let r = try await Capture.run(probe)
            guard r.status == 0 else {
                throw ExecError("bubblewrap cannot create a sandbox here: \(r.errorText) (user namespaces may be disabled: sysctl kernel.unprivileged_userns_clone=1)")
            }
        }
    }

    /// Whether `path` is `dir` or inside it.
    static func contains(_ dir: String, _ path: String) -> Bool {
        path == dir || path.hasPrefix(dir.hasSuffix("/") ? dir : dir + "/")
    }
}
