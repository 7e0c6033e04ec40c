import AgentProtocol
import Foundation

/// Commands in one hardened Docker container per session, started on first use and removed at
/// the end: read-only root, all capabilities dropped, no new privileges, pid/memory/CPU limits,
/// a tmpfs `/tmp`, only the workspace mounted (at the same path), no network unless allowed,
/// and the user's own uid so files written in the workspace stay theirs.
public final class DockerBackend: WrappingBackend {
    public let spec: BackendSpec
    public let workspace: String
    public let program: String
    /// The session's container.
    public let containerName: String
    private let preparation = Preparation()

    public init(spec: BackendSpec, workspace: String, program: String = "docker") {
        self.spec = spec
        self.workspace = workspace
        self.program = program
        containerName = "talaria-" + UUID().uuidString.prefix(12).lowercased()
    }

    var image: String { spec.image ?? "debian:bookworm-slim" }
    public var identity: String { "docker \(image)" }
    /// The container runs as the user's uid with `HOME=/tmp`.
    public func homeDirectory() async -> String? { "/tmp" }
    public var killsOnTarget: Bool { true }

    /// `docker run` for the session's container.
    public var runArgv: [String] {
        var a = [program, "run", "-d", "--rm", "--name", containerName, "--label", "talaria.session=1",
                 "--init", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                 "--pids-limit", String(spec.pidsLimit ?? 512), "--memory", spec.memory ?? "4g",
                 "--cpus", spec.cpus.map { String($0) } ?? "2",
                 "--tmpfs", "/tmp:rw,nosuid,nodev,size=1g", "--user", "\(getuid()):\(getgid())", "-e", "HOME=/tmp",
                 "-v", "\(workspace):\(workspace)", "-w", workspace]
        if !spec.network { a += ["--network", "none"] }
        return a + [image, "sleep", "infinity"]
    }

    public func wrap(_ script: String, tty: Bool) -> [String] {
        [program, "exec", "-i"] + (tty ? ["-t"] : []) + [containerName, "sh", "-c", script]
    }

    public func prepare() async throws(ExecError) {
        let argv = runArgv
        let program = program
        try await preparation.run { () async throws(ExecError) in
            guard Capture.isInstalled(program) else {
                throw ExecError("the docker backend needs the docker CLI and a running engine; docker is not installed (Debian: apt-get install docker.io)")
            }
            let r = try await Capture.run(argv)
            guard r.status == 0 else { throw Self.explain(r.errorText) }
        }
    }

    public func shutdown() async {
        _ = try? await Capture.run([program, "rm", "-f", containerName])
        await preparation.reset()
    }

    static func explain(_ text: String) -> ExecError {
        if text.contains("Cannot connect to the Docker daemon") || text.contains("docker.sock") {
            return ExecError("docker is installed but its engine is not running or not reachable (\(text.split(separator: "\n").first ?? ""))")
        }
        return ExecError("cannot start the session's container: \(text)")
    }
}

/// Commands in an Apptainer (Singularity) container: a fresh one per command (`apptainer exec`
/// with `--containall`: own PID/IPC namespaces, a clean environment, no home), the workspace
/// bound at the same path, the network off unless allowed.
public struct ApptainerBackend: WrappingBackend {
    public let spec: BackendSpec
    public let workspace: String
    public let program: String
    private let preparation = Preparation()

    /// Uses `apptainer`, or `singularity` where only that is installed.
    public init(spec: BackendSpec, workspace: String, program: String? = nil) {
        self.spec = spec
        self.workspace = workspace
        self.program = program ?? (Capture.isInstalled("apptainer") || !Capture.isInstalled("singularity") ? "apptainer" : "singularity")
    }

    public var identity: String { "apptainer \(spec.image ?? "?")" }
    public var killsOnTarget: Bool { false }

    public func wrap(_ script: String, tty: Bool) -> [String] {
        var a = [program, "exec", "--containall", "--no-home", "--bind", "\(workspace):\(workspace)", "--pwd", "/"]
        if !spec.network { a += ["--net", "--network", "none"] }
        return a + [spec.image ?? "", "sh", "-c", script]
    }

    public func prepare() async throws(ExecError) {
        let (program, image) = (program, spec.image)
        try await preparation.run { () async throws(ExecError) in
            guard image?.isEmpty == false else { throw ExecError("the apptainer backend needs an image: add `apptainer: {image: docker://debian:bookworm-slim}` (or a .sif path) to config.yaml") }
            guard Capture.isInstalled(program) else {
                throw ExecError("the apptainer backend needs Apptainer (or SingularityCE), which is not installed: see apptainer.org/docs/admin/main/installation.html")
            }
        }
    }
}

/// Commands in a running Modal container (`modal container exec`), named by `modal: {container: ID}`
/// (`modal container list` shows them). The Modal CLI comes from PyPI (`pip install modal`) and
/// needs a token (`modal token new`).
public struct ModalBackend: WrappingBackend {
    public let spec: BackendSpec
    public let program: String
    private let preparation = Preparation()

    public init(spec: BackendSpec, program: String = "modal") {
        self.spec = spec
        self.program = program
    }

    public var identity: String { "modal \(spec.target ?? "?")" }
    public var killsOnTarget: Bool { true }

    public func wrap(_ script: String, tty: Bool) -> [String] {
        [program, "container", "exec", tty ? "--pty" : "--no-pty", spec.target ?? "", "--", "sh", "-c", script]
    }

    public func directory(forSession local: String) async -> String { spec.workdir ?? "/" }

    public func prepare() async throws(ExecError) {
        try await CloudCLI(program: program, target: spec.target, probe: wrap("exit 0", tty: false),
                           noTarget: "the modal backend needs a running container: add `modal: {container: ID}` to config.yaml (`modal container list` shows them)",
                           notInstalled: "the modal backend needs the Modal CLI, which is not installed: pip install modal, then modal token new",
                           loginWords: ["token"], loggedOut: "modal is not logged in", login: "modal token new", what: "modal container")
            .prepare(preparation)
    }
}

/// Commands in a Daytona sandbox (`daytona exec`), named by `daytona: {sandbox: ID}`. The
/// Daytona CLI needs a login (`daytona login`).
public struct DaytonaBackend: WrappingBackend {
    public let spec: BackendSpec
    public let program: String
    private let preparation = Preparation()

    public init(spec: BackendSpec, program: String = "daytona") {
        self.spec = spec
        self.program = program
    }

    public var identity: String { "daytona \(spec.target ?? "?")" }
    public var killsOnTarget: Bool { true }

    public func wrap(_ script: String, tty: Bool) -> [String] {
        [program, "exec", spec.target ?? "", "--", "sh", "-c", script]
    }

    public func directory(forSession local: String) async -> String { spec.workdir ?? "/" }

    public func prepare() async throws(ExecError) {
        try await CloudCLI(program: program, target: spec.target, probe: wrap("exit 0", tty: false),
                           noTarget: "the daytona backend needs a sandbox: add `daytona: {sandbox: ID}` to config.yaml (`daytona create` makes one)",
                           notInstalled: "the daytona backend needs the Daytona CLI, which is not installed: see daytona.io/docs (tools/cli), then daytona login",
                           loginWords: ["login", "api key"], loggedOut: "daytona is not logged in", login: "daytona login", what: "daytona sandbox")
            .prepare(preparation)
    }
}

/// The checks a cloud CLI backend makes before its first command: a target is configured, the CLI
/// is installed, and a trivial command runs there — with "not logged in" told apart.
struct CloudCLI: Sendable {
    var program: String
    var target: String?
    var probe: [String]
    var noTarget: String
    var notInstalled: String
    var loginWords: [String]
    var loggedOut: String
    var login: String
    var what: String

    func prepare(_ preparation: Preparation) async throws(ExecError) {
        let cli = self
        try await preparation.run { () async throws(ExecError) in
            guard cli.target?.isEmpty == false else { throw ExecError(cli.noTarget) }
            guard Capture.isInstalled(cli.program) else { throw ExecError(cli.notInstalled) }
            let r = try await Capture.run(cli.probe)
            guard r.status == 0 else {
                let t = r.errorText
                throw ExecError(cli.loginWords.contains { t.lowercased().contains($0) } ? "\(cli.loggedOut) (\(t)): run \(cli.login)"
                                                                                    : "cannot reach \(cli.what) \(cli.target ?? ""): \(t)")
            }
        }
    }
}

/// Makes the backend a spec names.
public enum Backends {
    /// - Parameters:
    ///   - workspace: the session's directory (shared with or mounted into the target).
    ///   - stateDirectory: where backends keep sockets and logs (`~/.talaria`).
    public static func make(_ spec: BackendSpec, workspace: String, stateDirectory: String) -> any ExecutionBackend {
        switch spec.kind {
        case .local: LocalBackend()
        case .sandbox: SandboxBackend(workspace: workspace, writable: spec.writable.map { UserHome.expand($0) },
                                      network: spec.network)
        case .ssh: SSHBackend(spec: spec, controlDirectory: stateDirectory + "/ssh")
        case .docker: DockerBackend(spec: spec, workspace: workspace)
        case .apptainer: ApptainerBackend(spec: spec, workspace: workspace)
        case .modal: ModalBackend(spec: spec)
        case .daytona: DaytonaBackend(spec: spec)
        }
    }
}
