import Foundation
import Yams

/// The settings of a Hermes Agent `config.yaml` that have a Talaria equivalent.
public struct HermesConfig: Sendable, Hashable {
    /// Talaria key → value (`model`, `base_url`, `backend`, `memory.notes_limit`, `memory.user_limit`).
    public var taken: [(key: String, value: String, from: String)] = []
    /// Hermes top-level keys with no Talaria equivalent.
    public var skipped: [String] = []

    public static func == (a: HermesConfig, b: HermesConfig) -> Bool {
        a.taken.map { "\($0.key)=\($0.value)" } == b.taken.map { "\($0.key)=\($0.value)" } && a.skipped == b.skipped
    }
    public func hash(into h: inout Hasher) { for t in taken { h.combine(t.key); h.combine(t.value) } }

    public init() {}

    public static func read(_ text: String) throws(ConfigError) -> HermesConfig {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { throw ConfigError(file: "config.yaml", message: "invalid YAML: \(error)") }
        var out = HermesConfig()
        guard case .mapping(let m)? = root else { return out }
        for (k, v) in m {
            guard let key = k.string else { continue }
            switch key {
            case "model":
                if let s = v.string, case .scalar = v { out.taken.append(("model", s, "model")) }
                if case .mapping(let mm) = v {
                    for (mk, mv) in mm {
                        guard let name = mk.string, let s = mv.string, !s.isEmpty else { continue }
                        if name == "default" || name == "model" { out.taken.append(("model", s, "model.\(name)")) }
                        if name == "base_url" { out.taken.append(("base_url", s, "model.base_url")) }
                    }
                }
            case "terminal":
                if case .mapping(let tm) = v, let b = tm.first(where: { $0.key.string == "backend" })?.value.string {
                    out.taken.append(("backend", b == "singularity" ? "apptainer" : b, "terminal.backend"))
                } else { out.skipped.append(key) }
            case "memory":
                if case .mapping(let mm) = v {
                    for (mk, mv) in mm {
                        if mk.string == "memory_char_limit", let n = mv.int { out.taken.append(("memory.notes_limit", String(n), "memory.memory_char_limit")) }
                        if mk.string == "user_char_limit", let n = mv.int { out.taken.append(("memory.user_limit", String(n), "memory.user_char_limit")) }
                    }
                }
            default:
                out.skipped.append(key)
            }
        }
        return out
    }
}
