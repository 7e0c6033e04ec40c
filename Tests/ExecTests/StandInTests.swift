import AgentProtocol
import Exec
import Foundation
import Testing

/// A local stand-in for a container or cloud CLI (`docker`, `apptainer`, `modal`, `daytona`):
/// it logs its command line, answers `run`/`rm`, and runs the final `sh -c SCRIPT` argument
/// on this machine in a new session — so, as in a real container, killing the local client
/// does not reach the command, and only the backend's kill on the target does.
struct StandIn {
    let path: String
    let log: String

    init(name: String, failing: String? = nil) throws {
        let dir = try makeWorkspace()
        path = dir + "/" + name
        log = dir + "/calls.log"
        let script = """
            #!/bin/bash
            printf '%s\\n' "$*" >> \(log)
            \(failing.map { "echo \(shellQuote($0)) >&2; exit 1" } ?? "")
            case "$1" in run) echo 0123456789ab; exit 0 ;; rm) exit 0 ;; esac
            exec setsid -w sh -c "${@: -1}"
            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    var calls: [String] { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
}

@Suite("Container and cloud backends (local stand-ins for their CLIs)")
struct StandInBackendTests {
    @Test("docker: one hardened container per session, exact flags; commands and files go through docker exec; cancel kills in the container; removed at shutdown")
    func docker() async throws {
        let ws = try makeWorkspace()
        let cli = try StandIn(name: "docker")
        var spec = BackendSpec(kind: .docker)
        spec.image = "python:3.12-slim"
        spec.memory = "2g"
        spec.cpus = 1.5
        spec.pidsLimit = 256
        let docker = DockerBackend(spec: spec, workspace: ws, program: cli.path)
        #expect(docker.identity == "docker python:3.12-slim")
        #expect(docker.runArgv == [cli.path, "run", "-d", "--rm", "--name", docker.containerName, "--label", "talaria.session=1",
                                   "--init", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                                   "--pids-limit", "256", "--memory", "2g", "--cpus", "1.5",
                                   "--tmpfs", "/tmp:rw,nosuid,nodev,size=1g", "--user", "\(getuid()):\(getgid())", "-e", "HOME=/tmp",
                                   "-v", "\(ws):\(ws)", "-w", ws, "--network", "none", "python:3.12-slim", "sleep", "infinity"])
        try await checkContract(docker, workspace: ws)
        await docker.shutdown()
        let calls = cli.calls
        #expect(calls.filter { $0.hasPrefix("run ") }.count == 1, "one container for the whole session: \(calls)")
        #expect(calls.contains { $0.hasPrefix("exec -i -t \(docker.containerName) sh -c ") }, "commands on a terminal")
        #expect(calls.contains { $0.hasPrefix("exec -i \(docker.containerName) sh -c ") && $0.contains("kill -KILL") }, "no kill in the container")
        #expect(calls.last == "rm -f \(docker.containerName)")
        var open = spec
        open.network = true
        #expect(!DockerBackend(spec: open, workspace: ws).runArgv.contains("--network"))
    }

    @Test("docker: not installed, and an engine that is not running, are said plainly")
    func dockerErrors() async throws {
        let missing = DockerBackend(spec: BackendSpec(kind: .docker), workspace: "/tmp", program: "/nonexistent/docker")
        await #expect(throws: ExecError("the docker backend needs the docker CLI and a running engine; docker is not installed (Debian: apt-get install docker.io)")) {
            try await missing.prepare()
        }
        let cli = try StandIn(name: "docker", failing: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?")
        let down = DockerBackend(spec: BackendSpec(kind: .docker), workspace: "/tmp", program: cli.path)
        do {
            _ = try await down.run(CommandSpec(command: "true", cwd: "/tmp")) { _ in }
            Issue.record("ran without an engine")
        } catch {
            #expect(error.message.hasPrefix("docker is installed but its engine is not running"), "\(error.message)")
        }
    }

    @Test("apptainer: apptainer exec with --containall, the workspace bound, no network; keeps the contract")
    func apptainer() async throws {
        let ws = try makeWorkspace()
        let cli = try StandIn(name: "apptainer")
        var spec = BackendSpec(kind: .apptainer)
        spec.image = "docker://debian:bookworm-slim"
        let backend = ApptainerBackend(spec: spec, workspace: ws, program: cli.path)
        #expect(backend.wrap("S", tty: true) == [cli.path, "exec", "--containall", "--no-home", "--bind", "\(ws):\(ws)", "--pwd", "/",
                                                  "--net", "--network", "none", "docker://debian:bookworm-slim", "sh", "-c", "S"])
        // Its processes are local: killing the client's group is the kill (the stand-in's
        // setsid makes that visible as a failure if it were relied on wrongly, so run it plain).
        let plain = try StandIn(name: "apptainer-plain")
        try (try String(contentsOfFile: plain.path, encoding: .utf8)).replacingOccurrences(of: "setsid -w ", with: "")
            .write(toFile: plain.path, atomically: true, encoding: .utf8)
        chmod(plain.path, 0o755)
        try await checkContract(ApptainerBackend(spec: spec, workspace: ws, program: plain.path), workspace: ws)
        await #expect(throws: ExecError("the apptainer backend needs an image: add `apptainer: {image: docker://debian:bookworm-slim}` (or a .sif path) to config.yaml")) {
            try await ApptainerBackend(spec: BackendSpec(kind: .apptainer), workspace: ws, program: cli.path).prepare()
        }
        await #expect(throws: ExecError("the apptainer backend needs Apptainer (or SingularityCE), which is not installed: see apptainer.org/docs/admin/main/installation.html")) {
            try await ApptainerBackend(spec: spec, workspace: ws, program: "/nonexistent/apptainer").prepare()
        }
    }

    @Test("modal and daytona: their CLIs' exec into the configured container or sandbox; keep the contract; clear setup messages")
    func cloud() async throws {
        let ws = try makeWorkspace()
        let modalCLI = try StandIn(name: "modal")
        var m = BackendSpec(kind: .modal)
        m.target = "ta-01ABC"
        let modal = ModalBackend(spec: m, program: modalCLI.path)
        #expect(modal.wrap("S", tty: true) == [modalCLI.path, "container", "exec", "--pty", "ta-01ABC", "--", "sh", "-c", "S"])
        #expect(modal.identity == "modal ta-01ABC")
        try await checkContract(modal, workspace: ws)
        #expect(modalCLI.calls.contains { $0.hasPrefix("container exec --no-pty ta-01ABC -- sh -c ") && $0.contains("kill -KILL") })

        let dayCLI = try StandIn(name: "daytona")
        var d = BackendSpec(kind: .daytona)
        d.target = "sbx-1"
        let daytona = DaytonaBackend(spec: d, program: dayCLI.path)
        #expect(daytona.wrap("S", tty: false) == [dayCLI.path, "exec", "sbx-1", "--", "sh", "-c", "S"])
        let ws2 = try makeWorkspace()
        try await checkContract(daytona, workspace: ws2)
        #expect(await daytona.directory(forSession: ws2) == "/")

        await #expect(throws: ExecError("the modal backend needs a running container: add `modal: {container: ID}` to config.yaml (`modal container list` shows them)")) {
            try await ModalBackend(spec: BackendSpec(kind: .modal), program: modalCLI.path).prepare()
        }
        await #expect(throws: ExecError("the modal backend needs the Modal CLI, which is not installed: pip install modal, then modal token new")) {
            try await ModalBackend(spec: m, program: "/nonexistent/modal").prepare()
        }
        let loggedOut = try StandIn(name: "modal", failing: "Token missing. Could not authenticate client.")
        await #expect(throws: ExecError("modal is not logged in (Token missing. Could not authenticate client.): run modal token new")) {
            try await ModalBackend(spec: m, program: loggedOut.path).prepare()
        }
        await #expect(throws: ExecError("the daytona backend needs the Daytona CLI, which is not installed: see daytona.io/docs (tools/cli), then daytona login")) {
            try await DaytonaBackend(spec: d, program: "/nonexistent/daytona").prepare()
        }
    }
}
