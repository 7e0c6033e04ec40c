import Foundation

/// Where the agent's commands and file tools run (`backend:` in config.yaml, `/backend` in the TUI).
public enum BackendKind: String, Sendable, Hashable, CaseIterable {
    case local, sandbox, ssh, docker, apptainer, modal, daytona

    /// Whether commands see this machine's workspace folder itself (mounted in a sandbox or a
    /// container), so a checkpoint taken here covers what they change.
    public var sharesWorkspace: Bool {
        switch self {
        case .local, .sandbox, .docker, .apptainer: true
        case .ssh, .modal, .daytona: false
        }
    }

    /// What each one is, for `/backend` and error messages.
    public var summary: String {
        switch self {
        case .local: "this machine, as you"
        case .sandbox: "this machine inside bubblewrap: the workspace writable, the rest read-only, no network"
        case .ssh: "a remote host over ssh (one reused connection)"
        case .docker: "a hardened Docker container for the session"
        case .apptainer: "an Apptainer/Singularity container"
        case .modal: "a running Modal container"
        case .daytona: "a Daytona sandbox"
        }
    }
}

/// One backend's settings: its section of config.yaml (`ssh:`, `docker:`, `sandbox:`, …).
///
/// ```yaml
/// backend: ssh
/// ssh: {host: gpu-box, user: me, port: 22, identity_file: ~/.ssh/id_ed25519, workdir: /home/me/src}
/// docker: {image: python:3.12-slim, memory: 2g, cpus: 2, pids_limit: 512, network: false}
/// sandbox: {network: false, writable: [~/.cache/pip]}
/// apptainer: {image: docker://python:3.12-slim}
/// modal: {container: ta-01HZX…}
/// daytona: {sandbox: my-sandbox}
/// ```
public struct BackendSpec: Sendable, Hashable {
    public var kind: BackendKind
    /// ssh: the host (an alias from ~/.ssh/config works).
    public var host: String?
    public var user: String?
    public var port: Int?
    public var identityFile: String?
    /// Extra `ssh -o` options, such as `UserKnownHostsFile=…`.
    public var sshOptions: [String] = []
    /// Where commands start on the target (ssh default: the remote home; modal/daytona: `/`).
    public var workdir: String?
    /// docker/apptainer: the image.
    public var image: String?
    /// docker: `--memory`, `--cpus`, `--pids-limit`.
    public var memory: String?
    public var cpus: Double?
    public var pidsLimit: Int?
    /// sandbox/docker/apptainer: allow the network (default off).
    public var network = false
    /// sandbox: more writable directories besides the workspace.
    public var writable: [String] = []
    /// modal: the container id; daytona: the sandbox id or name.
    public var target: String?

    public init(kind: BackendKind) { self.kind = kind }
}
