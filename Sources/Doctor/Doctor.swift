import AgentProtocol
import Config
import Foundation
import LLMClient
import LocalModel
import Skills
import Store

/// One thing `talaria doctor` looked at.
public struct DoctorCheck: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable { case ok, warning, problem }
    public var area: String
    public var status: Status
    public var detail: String
    /// What to do about it (warnings and problems).
    public var fix: String?

    public init(_ area: String, _ status: Status, _ detail: String, fix: String? = nil) {
        self.area = area
        self.status = status
        self.detail = detail
        self.fix = fix
    }
}

/// `talaria doctor`: the installation checked, read-only unless asked to repair — the binary,
/// config.yaml, the database (integrity, schema, search index), secrets' permissions, skills,
/// MCP servers, the execution backend's and the local model's prerequisites, gateway credentials.
public struct Doctor: Sendable {
    let paths: TalariaPaths
    let environment: [String: String]
    let executable: String
    let cwd: String
    let userHome: String
    let transport: any HTTPStreamTransport

    public init(paths: TalariaPaths, environment: [String: String], executable: String, cwd: String, userHome: String,
                transport: any HTTPStreamTransport) {
        self.transport = transport
        self.paths = paths
        self.environment = environment
        self.executable = executable
        self.cwd = cwd
        self.userHome = userHome
    }

    /// Every check; `repair` rebuilds a search index that disagrees with its table.
    public func run(repair: Bool = false) -> [DoctorCheck] {
        var out = [binary()]
        out += home()
        let config = self.config(&out)
        out += database(repair: repair)
        out += skills()
        if let config {
            out += mcp(config)
            out += backend(config)
            out += model(config)
            out += gateways(config)
        }
        return out
    }

    // MARK: - The pieces

    func binary() -> DoctorCheck {
        let onPath = which("talaria")
        if let onPath, onPath != executable, FileManager.default.fileExists(atPath: onPath) {
            return DoctorCheck("binary", .warning, "\(executable) (but `talaria` on PATH is \(onPath))", fix: "put one of them first on PATH")
        }
        return DoctorCheck("binary", .ok, executable + (onPath == nil ? " (not on PATH)" : ""))
    }

    func home() -> [DoctorCheck] {
        guard FileManager.default.fileExists(atPath: paths.home) else {
            return [DoctorCheck("home", .ok, "\(paths.home) does not exist yet (the first run creates it)")]
        }
        var out = [permissions("home", paths.home, want: 0o700)]
        for (area, file) in [("secrets", SecretsFile.path(paths)), ("serve token", paths.serveToken), ("secrets", paths.home + "/.env")]
        where FileManager.default.fileExists(atPath: file) {
            out.append(permissions(area, file, want: 0o600))
        }
        return out
    }

    func config(_ out: inout [DoctorCheck]) -> TalariaConfig? {
        guard FileManager.default.fileExists(atPath: paths.configFile) else {
            out.append(DoctorCheck("config", .ok, "no \(paths.configFile): defaults (talaria config init writes a commented one)"))
            return TalariaConfig()
        }
        do {
            let c = try TalariaConfig.load(path: paths.configFile)
            out.append(DoctorCheck("config", .ok, "\(paths.configFile) reads"))
            return c
        } catch {
            out.append(DoctorCheck("config", .problem, error.description, fix: "fix the line it names (talaria config check says the same)"))
            return nil
        }
    }

    func database(repair: Bool) -> [DoctorCheck] {
        let path = paths.database
        guard FileManager.default.fileExists(atPath: path) else { return [DoctorCheck("database", .ok, "no \(path) yet (the first session creates it)")] }
        var out = [permissions("database file", path, want: 0o600)]
        let health: StoreHealth
        do { health = try SessionStore.inspect(path: path) } catch {
            return out + [DoctorCheck("database", .problem, error.description,
                                      fix: "if another program holds it, close that; if it is damaged, move it aside and `talaria restore BACKUP`")]
        }
        if health.isSound {
            out.append(DoctorCheck("database", .ok, "\(path): integrity ok, \(health.sessions) sessions, \(health.messages) messages"))
        } else {
            out.append(DoctorCheck("database", .problem, "\(path) is damaged: \(health.integrity.prefix(3).joined(separator: "; "))",
                                   fix: "move it aside (mv \(path) \(path).damaged) and `talaria restore BACKUP`, or start afresh"))
        }
        if !health.unknownMigrations.isEmpty {
            out.append(DoctorCheck("schema", .problem, "written by a newer Talaria (\(health.unknownMigrations.joined(separator: ", ")))",
                                   fix: "run the newer talaria, or restore a backup made by this one"))
        } else if !health.missingMigrations.isEmpty {
            out.append(DoctorCheck("schema", .ok, "\(health.applied.count) of \(health.known.count) migrations; the next start adds \(health.missingMigrations.joined(separator: ", "))"))
        } else {
            out.append(DoctorCheck("schema", .ok, "current (\(health.known.last ?? "none"))"))
        }
        if health.indexAgrees {
            out.append(DoctorCheck("search index", .ok, "\(health.shouldBeIndexed) messages indexed" + (health.pending > 0 ? ", \(health.pending) waiting for the indexer" : "")))
        } else if repair {
            do {
                try SessionStore(path: path).rebuildIndex()
                out.append(DoctorCheck("search index", .ok, "rebuilt: it held \(health.indexed) of \(health.shouldBeIndexed) messages"))
            } catch {
                out.append(DoctorCheck("search index", .problem, "cannot rebuild: \(error)", fix: "close other talaria processes and try again"))
            }
        } else {
            out.append(DoctorCheck("search index", .problem, "holds \(health.indexed) of the \(health.shouldBeIndexed) messages it should",
                                   fix: "talaria doctor --repair rebuilds it"))
        }
        return out
    }

    func skills() -> [DoctorCheck] {
        let library = SkillLibrary(roots: SkillRoot.standard(cwd: cwd, talariaHome: paths.home, home: userHome))
        let all = library.skills
        var out = [DoctorCheck("skills", .ok, "\(all.count) skills")]
        for s in all where !s.problems.isEmpty {
            out.append(DoctorCheck("skill \(s.name)", .warning, "\(s.file): \(s.problems.joined(separator: "; "))", fix: "edit its SKILL.md (it loads leniently meanwhile)"))
        }
        return out
    }

    func mcp(_ c: TalariaConfig) -> [DoctorCheck] {
        c.mcpServers.filter(\.enabled).map { s in
            switch s.transport {
            case .stdio(let command, _, _, _):
                if let found = which(command) { return DoctorCheck("mcp \(s.name)", .ok, found) }
                return DoctorCheck("mcp \(s.name)", .problem, "\(command) is not on PATH", fix: "install it or give its full path in mcp_servers.\(s.name).command")
            case .http(let url, _, let tokenEnv):
                guard let u = URL(string: url), u.scheme == "http" || u.scheme == "https" else {
                    return DoctorCheck("mcp \(s.name)", .problem, "\(url) is not an http(s) address", fix: "fix mcp_servers.\(s.name).url")
                }
                if let tokenEnv, (environment[tokenEnv] ?? "").isEmpty {
                    return DoctorCheck("mcp \(s.name)", .problem, "\(tokenEnv) is not set", fix: "set it in the environment or ~/.talaria/secrets.env")
                }
                return DoctorCheck("mcp \(s.name)", .ok, url)
            }
        }
    }

    func backend(_ c: TalariaConfig) -> [DoctorCheck] {
        let kind = c.backend ?? Defaults.backend
        let needs: [String] = switch kind {
        case .local: []
        case .sandbox: ["bwrap"]
        case .ssh: ["ssh"]
        case .docker: ["docker"]
        case .apptainer: ["apptainer"]
        case .modal: ["modal"]
        case .daytona: []
        }
        let missing = needs.filter { which($0) == nil }
        if !missing.isEmpty {
            return [DoctorCheck("backend", .problem, "\(kind.rawValue) needs \(missing.joined(separator: ", ")), not on PATH",
                                fix: kind == .sandbox ? "apt install bubblewrap" : "install \(missing.joined(separator: ", ")) or choose another backend")]
        }
        if kind == .ssh, c.backendSpec.host == nil {
            return [DoctorCheck("backend", .problem, "ssh has no host", fix: "set backends.ssh.host")]
        }
        if kind == .daytona, (environment["DAYTONA_API_KEY"] ?? "").isEmpty {
            return [DoctorCheck("backend", .problem, "daytona needs DAYTONA_API_KEY", fix: "set it in ~/.talaria/secrets.env")]
        }
        return [DoctorCheck("backend", .ok, kind.rawValue + (needs.isEmpty ? "" : " (\(needs.joined(separator: ", ")) found)"))]
    }

    func model(_ c: TalariaConfig) -> [DoctorCheck] {
        var out: [DoctorCheck] = []
        if let env = c.apiKeyEnv, (environment[env] ?? "").isEmpty {
            out.append(DoctorCheck("model", .problem, "api_key_env names \(env), which is not set", fix: "set it in the environment or ~/.talaria/secrets.env"))
        }
        if c.baseURL == nil, c.localModel != nil || c.model == nil {
            let installer = LocalModelInstaller(dir: paths.local, transport: transport, environment: environment)
            if let server = installer.installedServer() {
                out.append(DoctorCheck("local model", .ok, "llama-server at \(server)"))
            } else {
                out.append(DoctorCheck("local model", .warning, "no endpoint configured and no local model installed",
                                       fix: "talaria local install, or set base_url and model in config.yaml"))
            }
        } else {
            out.append(DoctorCheck("model", .ok, "\(c.model ?? "the server's model") at \(c.baseURL ?? "the local model")"))
        }
        return out
    }

    func gateways(_ c: TalariaConfig) -> [DoctorCheck] {
        c.gateways.platforms.sorted { $0.key < $1.key }.map { name, p in
            if name != "signal", p.resolvedToken(environment: environment) == nil {
                return DoctorCheck("gateway \(name)", .problem, "no token (\(p.tokenEnv.map { "\($0) is not set" } ?? "neither token nor token_env"))",
                                   fix: "set \(p.tokenEnv ?? "token_env") in ~/.talaria/secrets.env")
            }
            for env in [p.appTokenEnv, p.appSecretEnv, p.verifyTokenEnv].compactMap({ $0 }) where (environment[env] ?? "").isEmpty {
                return DoctorCheck("gateway \(name)", .problem, "\(env) is not set", fix: "set it in ~/.talaria/secrets.env")
            }
            if p.allowedUsers.isEmpty, !p.pairing {
                return DoctorCheck("gateway \(name)", .warning, "nobody may talk to it (no allowed_users, pairing off)", fix: "add your id to allowed_users")
            }
            return DoctorCheck("gateway \(name)", .ok, "\(p.allowedUsers.count) allowed users" + (p.pairing ? ", pairing on" : ""))
        }
    }

    // MARK: - Helpers

    func permissions(_ area: String, _ path: String, want: Int) -> DoctorCheck {
        let mode = ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0) & 0o777
        if mode & 0o077 != 0 {
            return DoctorCheck(area, .problem, "\(path) is mode \(String(mode, radix: 8)): others can read it", fix: "chmod \(String(want, radix: 8)) \(path)")
        }
        return DoctorCheck(area, .ok, "\(path) (\(String(mode, radix: 8)))")
    }

    /// `name` resolved as a shell would: a path as it is, else the first executable on PATH.
    func which(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for dir in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
