import Foundation

/// Changes to skills on disk, each validated first, written atomically (temp file + rename),
/// with the previous version kept under the skill's `.history/`. A change that would leave an
/// invalid skill is refused with the validator's messages and nothing is written.
public struct SkillWriter: Sendable {
    /// Where new skills go (the user's skills folder).
    public let root: String
    public init(root: String) { self.root = root }

    /// Creates `name` with `content` as its SKILL.md; `provenance` is merged into `metadata`.
    public func create(name: String, content: String, provenance: [String: String] = [:]) throws(SkillError) -> String {
        let dir = root + "/" + name
        guard !FileManager.default.fileExists(atPath: dir) else {
            throw SkillError("a skill named \"\(name)\" already exists at \(dir); patch or edit it instead")
        }
        let text = provenance.isEmpty ? content : try Self.addingMetadata(provenance, to: content)
        try Self.check(text, directoryName: name)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch { throw SkillError("cannot create \(dir): \(error.localizedDescription)") }
        try Self.atomicWrite(text, to: dir + "/SKILL.md")
        return dir
    }

    /// Replaces the skill's SKILL.md with `content` (validated; the old one goes to `.history/`).
    public func edit(directory: String, content: String) throws(SkillError) {
        try Self.check(content, directoryName: (directory as NSString).lastPathComponent)
        try keepHistory(directory: directory, file: "SKILL.md")
        try Self.atomicWrite(content, to: directory + "/SKILL.md")
    }

    /// Replaces exactly one occurrence of `old` with `new` in SKILL.md (or in `file`).
    public func patch(directory: String, old: String, new: String, file: String = "SKILL.md") throws(SkillError) {
        let path = try Self.inside(directory, file)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw SkillError("cannot read \(file)") }
        let count = text.components(separatedBy: old).count - 1
        guard count == 1 else {
            throw SkillError(count == 0 ? "the text to replace was not found in \(file)" : "the text to replace occurs \(count) times in \(file); give more context")
        }
        let updated = text.replacingOccurrences(of: old, with: new)
        if file == "SKILL.md" { try Self.check(updated, directoryName: (directory as NSString).lastPathComponent) }
        try keepHistory(directory: directory, file: file)
        try Self.atomicWrite(updated, to: path)
    }

    /// Writes a supporting file (`scripts/…`, `references/…`, `assets/…`) inside the skill.
    public func writeFile(directory: String, file: String, content: String) throws(SkillError) {
        guard file != "SKILL.md" else { throw SkillError("use edit or patch to change SKILL.md") }
        let path = try Self.inside(directory, file)
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: path) { try keepHistory(directory: directory, file: file) }
        try Self.atomicWrite(content, to: path)
    }

    public func removeFile(directory: String, file: String) throws(SkillError) {
        guard file != "SKILL.md" else { throw SkillError("SKILL.md cannot be removed; delete the skill instead") }
        let path = try Self.inside(directory, file)
        guard FileManager.default.fileExists(atPath: path) else { throw SkillError("no file \(file) in the skill") }
        try keepHistory(directory: directory, file: file)
        do { try FileManager.default.removeItem(atPath: path) } catch { throw SkillError("cannot remove \(file): \(error.localizedDescription)") }
    }

    /// Deleting archives: the folder moves to `<root>/.archive/<name>-<time>` (restorable).
    public func delete(directory: String, now: Date = Date()) throws(SkillError) -> String {
        let archive = root + "/.archive"
        let target = archive + "/" + (directory as NSString).lastPathComponent + "-" + String(Int(now.timeIntervalSince1970))
        do {
            try FileManager.default.createDirectory(atPath: archive, withIntermediateDirectories: true)
            try FileManager.default.moveItem(atPath: directory, toPath: target)
        } catch { throw SkillError("cannot archive \(directory): \(error.localizedDescription)") }
        return target
    }

    // MARK: -

    static func check(_ content: String, directoryName: String) throws(SkillError) {
        let file = try SkillFile.parse(content, path: "SKILL.md")
        let errors = SkillValidator.validate(file, directoryName: directoryName)
        if !errors.isEmpty { throw SkillError("the skill would be invalid: " + errors.map(\.message).joined(separator: "; ")) }
    }

    /// `file` resolved inside `directory`; anything that escapes it is refused.
    static func inside(_ directory: String, _ file: String) throws(SkillError) -> String {
        let base = URL(fileURLWithPath: directory).standardizedFileURL.path
        let path = URL(fileURLWithPath: base + "/" + file).standardizedFileURL.path
        guard path.hasPrefix(base + "/"), !file.hasPrefix("/"), !path.contains("/.history/") else {
            throw SkillError("\(file): the path must stay inside the skill's folder")
        }
        return path
    }

    func keepHistory(directory: String, file: String) throws(SkillError) {
        let src = directory + "/" + file
        guard FileManager.default.fileExists(atPath: src) else { return }
        let stamp = String(format: "%.6f", Date().timeIntervalSince1970)
        let dst = directory + "/.history/" + file.replacingOccurrences(of: "/", with: "__") + "." + stamp
        do {
            try FileManager.default.createDirectory(atPath: directory + "/.history", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: src, toPath: dst)
        } catch { throw SkillError("cannot keep the previous version: \(error.localizedDescription)") }
    }

    static func atomicWrite(_ text: String, to path: String) throws(SkillError) {
        let tmp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)) else { throw SkillError("cannot write \(path)") }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw SkillError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Adds `entries` under `metadata:` in the front matter (creating the map if needed).
    static func addingMetadata(_ entries: [String: String], to content: String) throws(SkillError) -> String {
        let file = try SkillFile.parse(content, path: "SKILL.md")
        guard case .map(var fm) = file.frontMatter else { throw SkillError("SKILL.md frontmatter must be a YAML mapping") }
        var meta: [(key: String, value: YAMLValue)] = []
        if let i = fm.firstIndex(where: { $0.key == "metadata" }), case .map(let m) = fm[i].value { meta = m; fm.remove(at: i) } else {
            fm.removeAll { $0.key == "metadata" }
        }
        for (k, v) in entries.sorted(by: { $0.key < $1.key }) where !meta.contains(where: { $0.key == k }) { meta.append((k, .string(v))) }
        fm.append(("metadata", .map(meta)))
        return "---\n" + emit(.map(fm), indent: 0) + "---\n\n" + file.body + "\n"
    }

    /// Block-style YAML with every string double-quoted (always valid StrictYAML).
    static func emit(_ v: YAMLValue, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        switch v {
        case .string(let s): return quote(s) + "\n"
        case .list(let l): return "\n" + l.map { pad + "- " + emit($0, indent: indent + 2).drop { $0 == "\n" } }.joined()
        case .map(let m):
            return (indent > 0 ? "\n" : "") + m.map { k, value in
                if case .string(let s) = value { return pad + k + ": " + quote(s) + "\n" }
                return pad + k + ":" + emit(value, indent: indent + 2)
            }.joined()
        }
    }

    public static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t") + "\""
    }
}
