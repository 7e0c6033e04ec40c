import AgentProtocol
import Foundation
import Yams

/// Parses the backend sections (`sandbox:`, `ssh:`, `docker:`, `apptainer:`, `modal:`,
/// `daytona:`): each is a mapping of that backend's settings (see ``BackendSpec``).
enum BackendsConfig {
    static let settings: [BackendKind: [String]] = [
        .local: [],
        .sandbox: ["network", "writable"],
        .ssh: ["host", "user", "port", "identity_file", "options", "workdir"],
        .docker: ["image", "memory", "cpus", "pids_limit", "network"],
        .apptainer: ["image", "network"],
        .modal: ["container", "workdir"],
        .daytona: ["sandbox", "workdir"],
    ]

    static func parse(_ kind: BackendKind, _ node: Node, file: String, line: Int) throws(ConfigError) -> BackendSpec {
        let section = kind.rawValue
        guard case .mapping(let m) = node else {
            throw ConfigError(file: file, line: line, key: section, message: "must be a mapping of settings (\(settings[kind]!.joined(separator: ", ")))")
        }
        var spec = BackendSpec(kind: kind)
        for (k, v) in m {
            let key = k.string ?? ""
            let at = k.mark?.line ?? line
            func fail(_ what: String) -> ConfigError {
                ConfigError(file: file, line: at, key: "\(section).\(key)", message: what)
            }
            guard settings[kind]!.contains(key) else {
                throw fail("unknown setting (known: \(settings[kind]!.joined(separator: ", ")))")
            }
            func string() throws(ConfigError) -> String {
                guard case .scalar = v, let s = v.string, !s.isEmpty else { throw fail("must be a non-empty string") }
                return s
            }
            func strings() throws(ConfigError) -> [String] {
                guard case .sequence(let seq) = v else { throw fail("must be a list, like [a, b]") }
                var out: [String] = []
                for item in seq {
                    guard case .scalar = item, let s = item.string else { throw fail("must be a list of strings") }
                    out.append(s)
                }
                return out
            }
            switch key {
            case "host": spec.host = try string()
            case "user": spec.user = try string()
            case "port":
                guard let n = v.int, (1...65535).contains(n) else { throw fail("must be a port number (1-65535)") }
                spec.port = n
            case "identity_file": spec.identityFile = UserHome.expand(try string())
            case "options": spec.sshOptions = try strings()
            case "workdir": spec.workdir = try string()
            case "image": spec.image = try string()
            case "memory":
                var s = ""
                if let n = v.int { s = String(n) } else { s = try string() }
                guard s.range(of: #"^[0-9]+[bkmgBKMG]?$"#, options: .regularExpression) != nil else { throw fail("must be a size such as 512m or 4g") }
                spec.memory = s
            case "cpus":
                guard let d = v.float, d > 0 else { throw fail("must be a positive number") }
                spec.cpus = d
            case "pids_limit":
                guard let n = v.int, n > 0 else { throw fail("must be a positive integer") }
                spec.pidsLimit = n
            case "network":
                guard let b = v.bool else { throw fail("must be true or false") }
                spec.network = b
            case "writable": spec.writable = try strings().map { UserHome.expand($0) }
            case "container", "sandbox": spec.target = try string()
            default: break
            }
        }
        return spec
    }
}
