import Foundation

/// Changes to `config.yaml` made by Talaria itself (the first-run screen's choice), line by
/// line so that the user's comments and order stay: a top-level `key: value` line is replaced
/// where it is, or appended. A missing file starts from the commented template. The result
/// must load, or nothing is written.
public enum ConfigFile {
    /// Sets top-level scalar keys (`nil` removes the key's line).
    /// - Throws: ``ConfigError`` when the file cannot be read or written, or would not load.
    public static func set(_ values: [(key: String, value: String?)], at path: String, note: String? = nil) throws(ConfigError) {
        let existing: String
        if FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError(file: path, message: "cannot read the file") }
            existing = String(decoding: data, as: UTF8.self)
        } else {
            existing = DefaultConfig.text
        }
        var lines = existing.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        var appended: [String] = []
        for (key, value) in values {
            let line = value.map { "\(key): \(quote($0))" }
            if let i = lines.firstIndex(where: { $0.hasPrefix(key + ":") }) {
                if let line { lines[i] = line } else { lines.remove(at: i) }
            } else if let line {
                appended.append(line)
            }
        }
        if !appended.isEmpty {
            lines.append("")
            if let note { lines.append("# " + note) }
            lines += appended
        }
        let text = lines.joined(separator: "\n") + "\n"
        _ = try TalariaConfig.parse(text, file: path)
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ConfigError(file: path, message: "cannot write the file: \(error.localizedDescription)")
        }
    }

    /// A YAML double-quoted scalar.
    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}

/// `~/.talaria/secrets.env`: API keys typed into the first-run screen, as `NAME=value` lines
/// (mode 0600), so config.yaml only names the variable (`api_key_env`). Variables set in the
/// environment win over the file.
public enum SecretsFile {
    public static func path(_ paths: TalariaPaths) -> String { paths.home + "/secrets.env" }

    /// The file's variables (none when it is missing; lines that are not `NAME=value` are skipped).
    public static func load(_ paths: TalariaPaths) -> [String: String] {
        guard let text = try? String(contentsOfFile: path(paths), encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let name = line[..<eq].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
            out[name] = String(line[line.index(after: eq)...])
        }
        return out
    }

    /// Sets `name` to `value` (keeping the file's other lines), mode 0600.
    public static func set(_ name: String, _ value: String, paths: TalariaPaths) throws(ConfigError) {
        let file = path(paths)
        var lines = ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "# API keys Talaria was given; config.yaml names them (api_key_env).\n")
            .components(separatedBy: "\n").filter { !$0.hasPrefix(name + "=") && !$0.isEmpty }
        lines.append("\(name)=\(value)")
        do {
            try FileManager.default.createDirectory(atPath: paths.home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            FileManager.default.createFile(atPath: file, contents: nil, attributes: [.posixPermissions: 0o600])
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        } catch {
            throw ConfigError(file: file, message: "cannot write the file: \(error.localizedDescription)")
        }
    }
}
