import Foundation

/// Strict validation of a skill folder, agreeing with the agentskills.io reference validator
/// message for message (tested over the shared conformance corpus).
public enum SkillValidator {
    public static let maxNameLength = 64
    public static let maxDescriptionLength = 1024
    public static let maxCompatibilityLength = 500

    /// Every problem, in the reference's order; empty when valid.
    public static func validate(directory: String) -> [SkillError] {
        let file: SkillFile
        do { file = try SkillFile.read(directory: directory) } catch { return [error] }
        return validate(file, directoryName: (directory as NSString).lastPathComponent)
    }

    public static func validate(_ file: SkillFile, directoryName: String?) -> [SkillError] {
        guard case .map(let entries) = file.frontMatter else { return [SkillError("SKILL.md frontmatter must be a YAML mapping")] }
        var errors: [SkillError] = []
        let lines = keyLines(file)
        let extra = entries.map(\.key).filter { !SkillFile.allowedFields.contains($0) }
            .sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        if !extra.isEmpty {
            let allowed = "[" + SkillFile.allowedFields.map { "'\($0)'" }.joined(separator: ", ") + "]"
            errors.append(SkillError("Unexpected fields in frontmatter: \(extra.joined(separator: ", ")). Only \(allowed) are allowed.",
                                     line: lines[extra[0]]))
        }
        if let name = file.frontMatter["name"] {
            errors += validateName(name, directoryName: directoryName).map { SkillError($0, line: lines["name"]) }
        } else {
            errors.append(SkillError("Missing required field in frontmatter: name"))
        }
        if let description = file.frontMatter["description"] {
            if let d = description.string, d.contains(where: { !$0.isWhitespace }) {
                let n = d.unicodeScalars.count
                if n > maxDescriptionLength {
                    errors.append(SkillError("Description exceeds \(maxDescriptionLength) character limit (\(n) chars)", line: lines["description"]))
                }
            } else {
                errors.append(SkillError("Field 'description' must be a non-empty string", line: lines["description"]))
            }
        } else {
            errors.append(SkillError("Missing required field in frontmatter: description"))
        }
        if let compatibility = file.frontMatter["compatibility"] {
            if let c = compatibility.string {
                let n = c.unicodeScalars.count
                if n > maxCompatibilityLength {
                    errors.append(SkillError("Compatibility exceeds \(maxCompatibilityLength) character limit (\(n) chars)", line: lines["compatibility"]))
                }
            } else {
                errors.append(SkillError("Field 'compatibility' must be a string", line: lines["compatibility"]))
            }
        }
        return errors
    }

    /// The name rules, each failing with its own message, on the NFKC form of the trimmed name.
    static func validateName(_ value: YAMLValue, directoryName: String?) -> [String] {
        guard let raw = value.string.map({ SkillFile.trimmed($0[...]) }), !raw.isEmpty else {
            return ["Field 'name' must be a non-empty string"]
        }
        let name = nfkc(raw)
        var errors: [String] = []
        let length = name.unicodeScalars.count
        if length > maxNameLength { errors.append("Skill name '\(name)' exceeds \(maxNameLength) character limit (\(length) chars)") }
        let isASCII = name.utf8.allSatisfy { $0 < 0x80 }
        if isASCII ? name.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) : name != name.lowercased() {
            errors.append("Skill name '\(name)' must be lowercase")
        }
        if name.hasPrefix("-") || name.hasSuffix("-") { errors.append("Skill name cannot start or end with a hyphen") }
        if name.contains("--") { errors.append("Skill name cannot contain consecutive hyphens") }
        if !name.unicodeScalars.allSatisfy({ $0 == "-" || isAlphanumeric($0) }) {
            errors.append("Skill name '\(name)' contains invalid characters. Only letters, digits, and hyphens are allowed.")
        }
        if let dir = directoryName, nfkc(dir) != name {
            errors.append("Directory name '\(dir)' must match skill name '\(name)'")
        }
        return errors
    }

    /// NFKC, skipped for ASCII (which it leaves unchanged; Foundation's is slow on Linux).
    static func nfkc(_ s: String) -> String {
        s.utf8.allSatisfy { $0 < 0x80 } ? s : s.precomposedStringWithCompatibilityMapping
    }

    /// Python's `str.isalnum` for one code point: a letter (L*) or a number (Nd, Nl, No).
    static func isAlphanumeric(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }

    /// The line in SKILL.md of each top-level key (front matter starts after line 1's `---`).
    static func keyLines(_ file: SkillFile) -> [String: Int] {
        var out: [String: Int] = [:]
        var n = 0
        var rest = file.text[...]
        while !rest.isEmpty {
            let end = rest.firstIndex(of: "\n") ?? rest.endIndex
            let line = rest[..<end]
            rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[rest.endIndex...]
            n += 1
            if n == 1 { continue }
            if line.hasPrefix("---") { break }
            guard let first = line.first, first != " ", first != "\t", first != "#", let colon = line.firstIndex(of: ":") else { continue }
            var key = line[..<colon]
            while let c = key.first, c == "\"" || c == "'" || c == " " { key = key.dropFirst() }
            while let c = key.last, c == "\"" || c == "'" || c == " " { key = key.dropLast() }
            if out[String(key)] == nil { out[String(key)] = n }
        }
        return out
    }
}
