import AgentProtocol
import Foundation
import Yams

/// The `hooks:` section, in the structure of Claude Code's `settings.json` (its `hooks` object
/// pastes in as it is — JSON is YAML):
///
/// ```yaml
/// hooks:
///   PreToolUse:
///     - matcher: terminal|Bash        # a regular expression over the tool's name
///       hooks:
///         - {type: command, command: ~/bin/check-command, timeout: 30}
///   UserPromptSubmit:
///     - hooks: [{type: command, command: date}]
/// ```
enum HooksConfig {
    static func parse(_ node: Node, file: String, line: Int) throws(ConfigError) -> HookSettings {
        guard case .mapping(let events) = node else {
            throw ConfigError(file: file, line: line, key: "hooks", message: "must map event names (PreToolUse, Stop, …) to lists of {matcher, hooks}")
        }
        var settings = HookSettings()
        for (eventNode, groupsNode) in events {
            let name = eventNode.string ?? ""
            let at = eventNode.mark?.line ?? line
            guard let event = HookEvent(rawValue: name) else {
                let known = HookEvent.allCases.map(\.rawValue)
                let near = known.min { editDistance($0, name) < editDistance($1, name) }
                let hint = near.flatMap { editDistance($0, name) <= 3 ? " (did you mean '\($0)'?)" : nil } ?? ""
                throw ConfigError(file: file, line: at, key: "hooks.\(name)", message: "unknown event\(hint); known: \(known.joined(separator: ", "))")
            }
            guard case .sequence(let groups) = groupsNode else {
                throw ConfigError(file: file, line: at, key: "hooks.\(name)", message: "must be a list of {matcher, hooks: [...]}")
            }
            settings.events[event, default: []] += try groups.map { g throws(ConfigError) in try group(g, event: name, file: file, line: at) }
        }
        return settings
    }

    private static func group(_ node: Node, event: String, file: String, line: Int) throws(ConfigError) -> HookGroup {
        let key = "hooks.\(event)"
        let at = node.mark?.line ?? line
        guard case .mapping(let fields) = node else {
            throw ConfigError(file: file, line: at, key: key, message: "each entry must be {matcher: PATTERN, hooks: [{type: command, command: …}]}")
        }
        var matcher: String?
        var commands: [HookCommand]?
        for (k, v) in fields {
            switch k.string ?? "" {
            case "matcher":
                guard case .scalar = v, let s = v.string else { throw ConfigError(file: file, line: at, key: key + ".matcher", message: "must be a string") }
                if !s.isEmpty, s != "*" {
                    do { _ = try NSRegularExpression(pattern: s) } catch {
                        throw ConfigError(file: file, line: v.mark?.line ?? at, key: key + ".matcher", message: "'\(s)' is not a regular expression")
                    }
                }
                matcher = s
            case "hooks":
                guard case .sequence(let list) = v else {
                    throw ConfigError(file: file, line: at, key: key + ".hooks", message: "must be a list of {type: command, command: …}")
                }
                commands = try list.map { c throws(ConfigError) in try command(c, key: key + ".hooks", file: file, line: at) }
            case let other:
                throw ConfigError(file: file, line: k.mark?.line ?? at, key: key + "." + other, message: "unknown field (known: matcher, hooks)")
            }
        }
        guard let commands else { throw ConfigError(file: file, line: at, key: key, message: "an entry without `hooks:` runs nothing") }
        return HookGroup(matcher: matcher, hooks: commands)
    }

    private static func command(_ node: Node, key: String, file: String, line: Int) throws(ConfigError) -> HookCommand {
        let at = node.mark?.line ?? line
        guard case .mapping(let fields) = node else {
            throw ConfigError(file: file, line: at, key: key, message: "each hook must be {type: command, command: …}")
        }
        var type: String?
        var command: String?
        var timeout = Defaults.hookTimeout
        for (k, v) in fields {
            let name = k.string ?? ""
            switch name {
            case "type": type = v.string
            case "command":
                guard case .scalar = v, let s = v.string, !s.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw ConfigError(file: file, line: at, key: key + ".command", message: "must be a shell command")
                }
                command = s
            case "timeout":
                guard let t = v.float, t > 0 else { throw ConfigError(file: file, line: at, key: key + ".timeout", message: "must be a number of seconds above 0") }
                timeout = t
            default:
                throw ConfigError(file: file, line: k.mark?.line ?? at, key: key + "." + name, message: "unknown field (known: type, command, timeout)")
            }
        }
        guard type == "command" else {
            throw ConfigError(file: file, line: at, key: key + ".type",
                              message: type.map { "'\($0)' hooks are not supported; use type: command" } ?? "is missing: add type: command")
        }
        guard let command else { throw ConfigError(file: file, line: at, key: key + ".command", message: "is missing") }
        return HookCommand(command: command, timeout: timeout)
    }
}
