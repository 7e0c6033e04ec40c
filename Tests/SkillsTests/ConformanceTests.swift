import Foundation
@testable import Skills
import Testing

/// The shared corpus of real public skills with the reference validator's results.
let corpusRoot: String? = {
    let here = URL(fileURLWithPath: #filePath)
    let repo = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let dir = repo.deletingLastPathComponent().appendingPathComponent("shared/conformance/skills").path
    return FileManager.default.fileExists(atPath: dir + "/EXPECTED.jsonl") ? dir : nil
}()

struct Expected: Decodable { let path: String; let valid: Bool; let errors: [String] }

func expectedRows(_ root: String) throws -> [Expected] {
    let text = try String(contentsOfFile: root + "/EXPECTED.jsonl", encoding: .utf8)
    return try text.split(separator: "\n").map { try JSONDecoder().decode(Expected.self, from: Data($0.utf8)) }
}

@Suite("Skill validation agrees with the reference on the conformance corpus",
       .enabled(if: corpusRoot != nil || ProcessInfo.processInfo.environment["CI"] == "true", "shared/conformance/skills not found"))
struct ConformanceTests {
    @Test("every entry: the same verdict and the same messages (YAML errors compared by their first words)")
    func everyEntry() throws {
        let root = try #require(corpusRoot)
        let rows = try expectedRows(root)
        #expect(rows.count == 191)
        var mismatches: [String] = []
        for row in rows {
            let actual = SkillValidator.validate(directory: root + "/corpus/" + row.path).map(\.message)
            let same = actual.count == row.errors.count && zip(actual, row.errors).allSatisfy { a, e in
                e.hasPrefix("Invalid YAML in frontmatter:") ? a.hasPrefix("Invalid YAML in frontmatter:") : a == e
            }
            if !same { mismatches.append("\(row.path)\n  expected: \(row.errors)\n  actual:   \(actual)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.joined(separator: "\n"))")
    }

    @Test("every valid entry's properties equal the reference's")
    func properties() throws {
        let root = try #require(corpusRoot)
        let text = try String(contentsOfFile: root + "/EXPECTED_PROPERTIES.jsonl", encoding: .utf8)
        var mismatches: [String] = []
        for line in text.split(separator: "\n") {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let path = obj["path"] as! String
            let expected = obj["properties"] as! [String: Any]
            let props = try SkillProperties(SkillFile.read(directory: root + "/corpus/" + path))
            let actual = Self.json(props)
            if !NSDictionary(dictionary: actual).isEqual(to: expected) {
                mismatches.append("\(path)\n  expected: \(expected)\n  actual:   \(actual)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.joined(separator: "\n"))")
    }

    static func json(_ p: SkillProperties) -> [String: Any] {
        func value(_ v: YAMLValue) -> Any {
            switch v {
            case .string(let s): s
            case .list(let l): l.map(value)
            case .map(let m): Dictionary(m.map { ($0.key, value($0.value)) }, uniquingKeysWith: { a, _ in a })
            }
        }
        var out: [String: Any] = ["name": p.name, "description": p.description]
        if let v = p.license { out["license"] = value(v) }
        if let v = p.compatibility { out["compatibility"] = value(v) }
        if let v = p.allowedTools { out["allowed-tools"] = value(v) }
        if let v = p.metadata { out["metadata"] = value(v) }
        return out
    }
}

@Suite("Skill catalog prompt", .enabled(if: corpusRoot != nil || ProcessInfo.processInfo.environment["CI"] == "true"))
struct CatalogConformanceTests {
    @Test("the <available_skills> block equals the reference's for its ten inputs")
    func toPrompt() throws {
        let root = try #require(corpusRoot)
        let inputs = try String(contentsOfFile: root + "/EXPECTED_TO_PROMPT.inputs.txt", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let corpus = URL(fileURLWithPath: root + "/corpus").standardizedFileURL.resolvingSymlinksInPath().path
        let expected = try String(contentsOfFile: root + "/EXPECTED_TO_PROMPT.xml", encoding: .utf8)
            .replacingOccurrences(of: "{CORPUS}", with: corpus)
        let entries = try inputs.map { try SkillCatalog.entry(directory: root + "/corpus/" + $0) }
        #expect(SkillCatalog.prompt(entries) + "\n" == expected)
    }
}
