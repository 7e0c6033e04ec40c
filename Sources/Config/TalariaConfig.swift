import AgentProtocol
import Foundation
import Yams

/// The settings in `config.yaml`. Every field is optional: unset means "use the default".
public struct TalariaConfig: Sendable, Hashable {
    public var model: String?
    public var baseURL: String?
    public var apiKeyEnv: String?
    public var maxIterations: Int?
    public var contextWindow: Int?
    public var maxTokens: Int?
    public var temperature: Double?
    /// Whether the model takes images (`@shot.png`); unset: asked of the server (llama.cpp says).
    public var vision: Bool?
    public var backend: BackendKind?
    public var approvals: ApprovalPolicy?
    public var theme: String?
    /// How the TUI gets your attention when its window is not focused: bell, osc9, osc777 or off.
    public var notify: String?
    /// Seconds a turn must run before its end is worth a notification.
    public var notifyAfter: Int?
    public var keymap: String?
    public var toolOutputLimit: Int?
    public var systemPrompt: String?
    /// The built-in model to serve and use when no `base_url` is set (`talaria local up` starts it).
    public var localModel: String?
    /// Sections owned by later features (`mcp_servers`); kept as text until they are read.
    public var sections: [String: String] = [:]
    /// The `skills:` section.
    public var skills = SkillsSettings()
    /// The `memory:` section.
    public var memory = MemorySettings()
    /// The `loop_guard:` section.
    public var loopGuard = LoopGuardConfig()
    /// The `delegation:` section (subagents).
    public var delegation = DelegationConfig()
    /// The `gateways:` and `cron:` sections (`talaria gateway`, `talaria cron`).
    public var gateways = GatewayConfig()
    public var cron = CronConfig()
    /// The `checkpoints:` section (workspace snapshots; on by default).
    public var checkpoints = CheckpointsConfig()
    /// The `web:` section (web_fetch's address guard, web_search's provider).
    public var web = WebConfig()
    /// The `extra_body:` section: fields added to every chat request.
    public var extraBody: [String: JSONValue] = [:]
    /// The `mcp_servers:` section, in file order.
    public var mcpServers: [MCPServerSpec] = []
    /// Each backend's section (`ssh:`, `docker:`, …), parsed; one without a section has defaults.
    public var backendSettings: [BackendKind: BackendSpec] = [:]
    /// The `hooks:` section: commands run at the agent's lifecycle events.
    public var hooks = HookSettings()

    /// The backend to start with and its settings.
    public var backendSpec: BackendSpec { spec(for: backend ?? Defaults.backend) }

    /// A backend's settings from its section (for `/backend NAME`).
    public func spec(for kind: BackendKind) -> BackendSpec { backendSettings[kind] ?? BackendSpec(kind: kind) }

    public init() {}

    /// Keys and what they hold; anything else is an error naming file, line and key.
    static let keys: [String: Kind] = [
        "model": .string, "base_url": .string, "api_key_env": .string, "max_iterations": .int,
        "context_window": .int, "max_tokens": .int, "temperature": .double, "vision": .bool, "backend": .choice,
        "approvals": .choice, "notify": .choice, "notify_after": .int, "theme": .string, "keymap": .string, "tool_output_limit": .int,
        "system_prompt": .string, "local_model": .string, "mcp_servers": .section, "skills": .section, "memory": .section, "loop_guard": .section, "extra_body": .section, "hooks": .section, "delegation": .section, "gateways": .section, "cron": .section, "checkpoints": .section, "web": .section,
        "ssh": .section, "docker": .section, "sandbox": .section, "apptainer": .section, "modal": .section, "daytona": .section,
    ]

    enum Kind { case string, choice, int, double, bool, section }
}

/// A config file problem, with where it is.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var key: String?
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    public var description: String {
        var loc = file
        if let line { loc += ":\(line)" }
        if let column { loc += ":\(column)" }
        return "\(loc): \(key.map { "'\($0)': " } ?? "")\(message)"
    }
}

extension TalariaConfig {
    /// Loads `path`; a missing file is an empty config, not an error.
    public static func load(path: String) throws(ConfigError) -> TalariaConfig {
        guard FileManager.default.fileExists(atPath: path) else { return TalariaConfig() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, message: "cannot read the file (permissions?)")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> TalariaConfig {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let e as YamlError {
            throw yamlError(e, file: file)
        } catch {
            throw ConfigError(file: file, message: "invalid YAML: \(error)")
        }
        var config = TalariaConfig()
        guard let root else { return config } // empty file
        guard case .mapping(let mapping) = root else {
            throw ConfigError(file: file, line: root.mark.map { $0.line }, message: "the top level must be a mapping of `key: value` lines")
        }
        for (keyNode, value) in mapping {
            let line = keyNode.mark?.line
            guard let key = keyNode.string else {
                throw ConfigError(file: file, line: line, message: "keys must be plain names")
            }
            guard let kind = keys[key] else {
                let near = keys.keys.min { editDistance($0, key) < editDistance($1, key) }
                let hint = near.flatMap { editDistance($0, key) <= 3 ? " (did you mean '\($0)'?)" : nil } ?? ""
                throw ConfigError(file: file, line: line, key: key, message: "unknown key\(hint)")
            }
            if case .scalar(let s) = value, s.tag == .implicit ? s.string == "~" || s.string == "null" || s.string.isEmpty : false {
                continue // explicitly unset
            }
            func fail(_ what: String) -> ConfigError {
                ConfigError(file: file, line: value.mark?.line ?? line, key: key, message: "must be \(what), found \(describe(value))")
            }
            switch kind {
            case .string:
                guard case .scalar = value, let s = value.string else { throw fail("a string") }
                config.setString(key, s)
            case .choice:
                guard case .scalar = value, let s = value.string else { throw fail("a string") }
                try config.setChoice(key, s, file: file, line: value.mark?.line ?? line)
            case .int:
                guard let n = value.int else { throw fail("an integer") }
                guard n > 0 else { throw fail("a positive integer") }
                config.setInt(key, n)
            case .double:
                guard let d = value.float else { throw fail("a number") }
                config.temperature = d
            case .bool:
                guard case .scalar = value, let b = value.bool else { throw fail("true or false") }
                config.vision = b
            case .section:
                config.sections[key] = (try? Yams.serialize(node: value)) ?? ""
                if key == "skills" { config.skills = try SkillsSettings.parse(value, file: file, line: line ?? 1) }
                if key == "memory" { config.memory = try MemorySettings.parse(value, file: file, line: line ?? 1) }
                if key == "loop_guard" { config.loopGuard = try LoopGuardConfig.parse(value, file: file, line: line ?? 1) }
                if key == "delegation" { config.delegation = try DelegationConfig.parse(value, file: file, line: line ?? 1) }
                if key == "gateways" { config.gateways = try GatewayConfig.parse(value, file: file, line: line ?? 1) }
                if key == "cron" { config.cron = try CronConfig.parse(value, file: file, line: line ?? 1) }
                if key == "checkpoints" { config.checkpoints = try CheckpointsConfig.parse(value, file: file, line: line ?? 1) }
                if key == "web" { config.web = try WebConfig.parse(value, file: file, line: line ?? 1) }
                if key == "extra_body" {
                    guard case .object(let fields) = jsonValue(value) else {
                        throw ConfigError(file: file, line: line, key: key, message: "must be a mapping of request fields, like {top_k: 20}")
                    }
                    config.extraBody = fields
                }
                if key == "hooks" { config.hooks = try HooksConfig.parse(value, file: file, line: line ?? 1) }
                if key == "mcp_servers" { config.mcpServers = try MCPServersConfig.parse(value, file: file, line: line ?? 1) }
                if let kind = BackendKind(rawValue: key) {
                    config.backendSettings[kind] = try BackendsConfig.parse(kind, value, file: file, line: line ?? 1)
                }
            }
        }
        try config.checkBackend(file: file)
        return config
    }

    /// `backend:` and `approvals:`: a value that is not one of the choices is an error, never
    /// a guess — running commands somewhere other than asked would be a safety problem.
    private mutating func setChoice(_ key: String, _ s: String, file: String, line: Int?) throws(ConfigError) {
        switch key {
        case "backend":
            guard let kind = BackendKind(rawValue: s == "singularity" ? "apptainer" : s) else {
                throw ConfigError(file: file, line: line, key: "backend",
                                  message: "must be one of \(BackendKind.allCases.map(\.rawValue).joined(separator: ", ")), found '\(s)'")
            }
            backend = kind
        case "approvals":
            guard let policy = ApprovalPolicy(rawValue: s) else {
                throw ConfigError(file: file, line: line, key: "approvals", message: "must be ask, yes or deny, found '\(s)'")
            }
            approvals = policy
        case "notify":
            let known = ["bell", "osc9", "osc777", "off"]
            guard known.contains(s) else {
                throw ConfigError(file: file, line: line, key: "notify", message: "must be one of \(known.joined(separator: ", ")), found '\(s)'")
            }
            notify = s
        default: break
        }
    }

    /// A backend that needs its section names what to add.
    private func checkBackend(file: String) throws(ConfigError) {
        guard let kind = backend else { return }
        let spec = spec(for: kind)
        let missing: String? = switch kind {
        case .ssh: spec.host == nil ? "ssh: {host: NAME}" : nil
        case .apptainer: spec.image == nil ? "apptainer: {image: docker://debian:bookworm-slim}" : nil
        case .modal: spec.target == nil ? "modal: {container: ID}" : nil
        case .daytona: spec.target == nil ? "daytona: {sandbox: ID}" : nil
        default: nil
        }
        if let missing { throw ConfigError(file: file, key: "backend", message: "'\(kind.rawValue)' needs its section: add `\(missing)`") }
    }

    private mutating func setString(_ key: String, _ s: String) {
        switch key {
        case "model": model = s
        case "base_url": baseURL = s
        case "api_key_env": apiKeyEnv = s
        case "theme": theme = s
        case "keymap": keymap = s
        case "system_prompt": systemPrompt = s
        case "local_model": localModel = s
        default: break
        }
    }

    private mutating func setInt(_ key: String, _ n: Int) {
        switch key {
        case "max_iterations": maxIterations = n
        case "context_window": contextWindow = n
        case "max_tokens": maxTokens = n
        case "tool_output_limit": toolOutputLimit = n
        case "notify_after": notifyAfter = n
        default: break
        }
    }

    private static func yamlError(_ e: YamlError, file: String) -> ConfigError {
        switch e {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let what = [context?.description, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return ConfigError(file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(what)")
        case .composer(let context, let problem, let mark, _):
            let what = [context?.description, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return ConfigError(file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(what)")
        default:
            return ConfigError(file: file, message: "invalid YAML: \(e)")
        }
    }

    private static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): "'\(s.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

/// A YAML node as JSON: scalars typed as YAML 1.1 reads them (numbers, booleans, null).
func jsonValue(_ node: Node) -> JSONValue {
    switch node {
    case .scalar(let s):
        if s.style != .plain { return .string(s.string) }
        if let b = node.bool { return .bool(b) }
        if let n = node.int { return .number(Double(n)) }
        if let d = node.float { return .number(d) }
        if node.null != nil { return .null }
        return .string(s.string)
    case .mapping(let m):
        var object: [String: JSONValue] = [:]
        for (k, v) in m { object[k.string ?? ""] = jsonValue(v) }
        return .object(object)
    case .sequence(let seq):
        return .array(seq.map(jsonValue))
    case .alias:
        return .null
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var prev = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var cur = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        prev = cur
    }
    return a.isEmpty ? b.count : prev[b.count]
}

/// `skills:` in config.yaml.
public struct SkillsSettings: Sendable, Hashable {
    /// Review a turn for a skill after this many tool iterations.
    public var reviewAfter = Defaults.Skills.reviewAfter
    /// `false` turns the background review off.
    public var review = true
    /// Apply proposals without asking (never to skills the user wrote).
    public var autoAccept = false
    /// Token budget of the skills catalog in the system prompt.
    public var catalogBudget = Defaults.Skills.catalogBudget
    /// `talaria skills curate`: unused for this many days is stale.
    public var staleDays = Defaults.Skills.staleDays

    public init() {}

    static func parse(_ node: Node, file: String, line: Int) throws(ConfigError) -> SkillsSettings {
        var s = SkillsSettings()
        guard case .mapping(let m) = node else { throw ConfigError(file: file, line: line, key: "skills", message: "must be a mapping of settings") }
        for (k, v) in m {
            let name = k.string ?? ""
            let at = v.mark?.line ?? line
            func int() throws(ConfigError) -> Int {
                guard let n = v.int, n >= 0 else { throw ConfigError(file: file, line: at, key: "skills.\(name)", message: "must be a non-negative integer") }
                return n
            }
            func bool() throws(ConfigError) -> Bool {
                guard let b = v.bool else { throw ConfigError(file: file, line: at, key: "skills.\(name)", message: "must be true or false") }
                return b
            }
            switch name {
            case "review_after": s.reviewAfter = try int()
            case "review": s.review = try bool()
            case "auto_accept": s.autoAccept = try bool()
            case "catalog_budget": s.catalogBudget = try int()
            case "stale_days": s.staleDays = try int()
            default:
                throw ConfigError(file: file, line: at, key: "skills.\(name)",
                                  message: "unknown setting (known: review, review_after, auto_accept, catalog_budget, stale_days)")
            }
        }
        return s
    }
}

/// The `memory:` section.
public struct MemorySettings: Sendable, Hashable {
    /// `false`: no memory tool, nothing remembered in the prompt.
    public var enabled = true
    /// Characters of agent notes in the prompt.
    public var notesLimit = Defaults.Memory.notesLimit
    /// Characters of the user profile in the prompt.
    public var userLimit = Defaults.Memory.userLimit
    /// Remind the agent to save what matters every this many user turns (0: never).
    public var nudgeEvery = Defaults.Memory.nudgeEvery
    /// Context compression starts when a prompt passes this share of the context window.
    public var compressAt = Defaults.Memory.compressAt
    /// Derive facts about the user in the background.
    public var deriveFacts = true
    /// A derivation pass every this many user turns.
    public var factsEvery = Defaults.Memory.factsEvery
    /// A derived fact unconfirmed this many days is stale and leaves the prompt.
    public var staleDays = Defaults.Memory.staleDays

    public init() {}

    static let known = ["enabled", "notes_limit", "user_limit", "nudge_every", "compress_at", "derive_facts", "facts_every", "stale_days"]

    static func parse(_ node: Node, file: String, line: Int) throws(ConfigError) -> MemorySettings {
        var s = MemorySettings()
        guard case .mapping(let m) = node else { throw ConfigError(file: file, line: line, key: "memory", message: "must be a mapping of settings") }
        for (k, v) in m {
            let name = k.string ?? ""
            let at = v.mark?.line ?? line
            func fail(_ what: String) -> ConfigError { ConfigError(file: file, line: at, key: "memory.\(name)", message: what) }
            func int() throws(ConfigError) -> Int {
                guard let n = v.int, n >= 0 else { throw fail("must be a non-negative integer") }
                return n
            }
            switch name {
            case "enabled":
                guard let b = v.bool else { throw fail("must be true or false") }
                s.enabled = b
            case "notes_limit": s.notesLimit = try int()
            case "user_limit": s.userLimit = try int()
            case "nudge_every": s.nudgeEvery = try int()
            case "facts_every": s.factsEvery = try int()
            case "stale_days": s.staleDays = try int()
            case "derive_facts":
                guard let b = v.bool else { throw fail("must be true or false") }
                s.deriveFacts = b
            case "compress_at":
                guard let d = v.float, d > 0.05, d < 1 else { throw fail("must be a share of the context window between 0.05 and 1, like 0.5") }
                s.compressAt = d
            default: throw fail("unknown setting (known: \(known.joined(separator: ", ")))")
            }
        }
        return s
    }
}

/// The `loop_guard:` section: when repeated or failing tool calls end a turn early.
public struct LoopGuardConfig: Sendable, Hashable {
    /// `false`: never step in.
    public var enabled = true
    /// Identical calls (same result) before the model is told it is repeating itself.
    public var warnAfter = Defaults.LoopGuard.warnAfter
    /// Identical calls before the turn ends with a summary.
    public var stopAfter = Defaults.LoopGuard.stopAfter
    /// Failed calls in a row before the model is warned (twice as many end the turn).
    public var failureStreak = Defaults.LoopGuard.failureStreak

    public init() {}

    static let known = ["enabled", "warn_after", "stop_after", "failure_streak"]

    static func parse(_ node: Node, file: String, line: Int) throws(ConfigError) -> LoopGuardConfig {
        var s = LoopGuardConfig()
        guard case .mapping(let m) = node else { throw ConfigError(file: file, line: line, key: "loop_guard", message: "must be a mapping of settings") }
        for (k, v) in m {
            let name = k.string ?? ""
            let at = v.mark?.line ?? line
            func fail(_ what: String) -> ConfigError { ConfigError(file: file, line: at, key: "loop_guard.\(name)", message: what) }
            func count() throws(ConfigError) -> Int {
                guard let n = v.int, n >= 1 else { throw fail("must be a whole number of at least 1") }
                return n
            }
            switch name {
            case "enabled":
                guard let b = v.bool else { throw fail("must be true or false") }
                s.enabled = b
            case "warn_after": s.warnAfter = try count()
            case "stop_after": s.stopAfter = try count()
            case "failure_streak": s.failureStreak = try count()
            default: throw fail("unknown setting (known: \(known.joined(separator: ", ")))")
            }
        }
        if s.stopAfter <= s.warnAfter {
            throw ConfigError(file: file, line: line, key: "loop_guard.stop_after",
                              message: "must be more than warn_after (\(s.warnAfter)): the model is warned before the turn stops")
        }
        return s
    }
}
