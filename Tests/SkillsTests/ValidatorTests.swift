import Foundation
@testable import Skills
import Testing

/// One rule at a time, on skill folders written here.
@Suite("Skill validator rules")
struct ValidatorTests {
    let root = NSTemporaryDirectory() + "talaria-skills-\(UUID().uuidString.prefix(8))"

    func skill(_ dir: String, _ text: String, file: String = "SKILL.md") -> String {
        let d = root + "/" + dir
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: d + "/" + file, contents: Data(text.utf8))
        return d
    }

    func errors(_ dir: String, _ front: String, body: String = "# Body\n") -> [String] {
        SkillValidator.validate(directory: skill(dir, "---\n" + front + "\n---\n" + body)).map(\.message)
    }

    @Test("a valid skill; CRLF is fine; skill.md is found when SKILL.md is absent")
    func valid() {
        #expect(errors("pdf-tools", "name: pdf-tools\ndescription: Work with PDFs.") == [])
        #expect(SkillValidator.validate(directory: skill("crlf", "---\r\nname: crlf\r\ndescription: d\r\n---\r\nbody")).isEmpty)
        #expect(SkillValidator.validate(directory: skill("lower", "---\nname: lower\ndescription: d\n---\n", file: "skill.md")).isEmpty)
    }

    @Test("file and front-matter framing messages")
    func framing() {
        #expect(SkillValidator.validate(directory: root + "/nope").map(\.message) == ["Path does not exist: \(root)/nope"])
        let empty = root + "/empty"
        try? FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect(SkillValidator.validate(directory: empty).map(\.message) == ["Missing required file: SKILL.md"])
        #expect(SkillValidator.validate(directory: skill("bom", "\u{FEFF}---\nname: bom\ndescription: d\n---\n")).map(\.message)
                == ["SKILL.md must start with YAML frontmatter (---)"])
        #expect(SkillValidator.validate(directory: skill("open", "---\nname: open\ndescription: d\n")).map(\.message)
                == ["SKILL.md frontmatter not properly closed with ---"])
        #expect(errors("list", "- a\n- b") == ["SKILL.md frontmatter must be a YAML mapping"])
        #expect(errors("flow", "name: flow\ndescription: d\ntags: [a, b]").first?.hasPrefix("Invalid YAML in frontmatter:") == true)
        #expect(errors("dup", "name: dup\nname: dup\ndescription: d").first?.hasPrefix("Invalid YAML in frontmatter:") == true)
        #expect(errors("alias", "name: &a alias\ndescription: d").first?.hasPrefix("Invalid YAML in frontmatter:") == true)
    }

    @Test("unknown keys are named together, sorted; every other problem follows in order")
    func order() {
        #expect(errors("x", "version: 1\nauthor: me\nName: x") == [
            "Unexpected fields in frontmatter: Name, author, version. Only ['allowed-tools', 'compatibility', 'description', 'license', 'metadata', 'name'] are allowed.",
            "Missing required field in frontmatter: name",
            "Missing required field in frontmatter: description",
        ])
    }

    @Test("name rules, several at once, on the NFKC form; the folder must match")
    func names() {
        #expect(errors("Bad_Name-", "name: Bad_Name-\ndescription: d") == [
            "Skill name 'Bad_Name-' must be lowercase",
            "Skill name cannot start or end with a hyphen",
            "Skill name 'Bad_Name-' contains invalid characters. Only letters, digits, and hyphens are allowed.",
        ])
        #expect(errors("a--b", "name: a--b\ndescription: d") == ["Skill name cannot contain consecutive hyphens"])
        #expect(errors("other", "name: mine\ndescription: d") == ["Directory name 'other' must match skill name 'mine'"])
        #expect(errors("ｆｕｌｌ", "name: ｆｕｌｌ\ndescription: d") == []) // full-width folds to ASCII on both sides
        #expect(errors("données-漢字", "name: données-漢字\ndescription: d") == [])
        let long = String(repeating: "a", count: 65)
        #expect(errors(long, "name: \(long)\ndescription: d") == ["Skill name '\(long)' exceeds 64 character limit (65 chars)"])
        #expect(errors("empty", "name: '  '\ndescription: d") == ["Field 'name' must be a non-empty string"])
        #expect(errors("12345", "name: 12345\ndescription: d") == []) // every scalar is a string
    }

    @Test("description and compatibility limits count code points as parsed")
    func lengths() {
        let d = String(repeating: "é", count: 1024)
        #expect(errors("desc", "name: desc\ndescription: \(d)") == [])
        #expect(errors("desc2", "name: desc2\ndescription: \(d)x") == ["Description exceeds 1024 character limit (1025 chars)"])
        #expect(errors("blk", "name: blk\ndescription: |\n  \(String(repeating: "a", count: 1024))") == ["Description exceeds 1024 character limit (1025 chars)"])
        #expect(errors("nod", "name: nod\ndescription:\n  k: v") == ["Field 'description' must be a non-empty string"])
        #expect(errors("c", "name: c\ndescription: d\ncompatibility: \(String(repeating: "x", count: 501))")
                == ["Compatibility exceeds 500 character limit (501 chars)"])
        #expect(errors("c2", "name: c2\ndescription: d\ncompatibility:\n  - a") == ["Field 'compatibility' must be a string"])
        #expect(errors("c3", "name: c3\ndescription: d\ncompatibility: ''") == [])
    }

    @Test("errors carry the line of SKILL.md they are about")
    func lines() {
        let e = SkillValidator.validate(directory: skill("lines", "---\nname: lines\ndescription: d\nversion: 2\n---\n"))
        #expect(e.first?.line == 4)
    }
}

@Suite("Strict YAML")
struct StrictYAMLTests {
    func parse(_ s: String) throws -> YAMLValue? { try StrictYAML.parse(s) }

    @Test("scalars stay strings; quotes, escapes, block and folded scalars, comments, nesting")
    func values() throws {
        let v = try #require(try parse("""
            a: 3
            b: true   # comment
            c: "x\\ty \\"q\\""
            d: 'it''s'
            e: |
              line 1
              line 2
            f: >-
              folded
              text
            g:
              - one
              - k: v
                k2: v2
            h:
              inner: ~
            i: plain
              continued
            """))
        #expect(v["a"] == .string("3") && v["b"] == .string("true"))
        #expect(v["c"] == .string("x\ty \"q\"") && v["d"] == .string("it's"))
        #expect(v["e"] == .string("line 1\nline 2\n") && v["f"] == .string("folded text"))
        #expect(v["g"] == .list([.string("one"), .map([("k", .string("v")), ("k2", .string("v2"))])]))
        #expect(v["h"]?["inner"] == .string("~"))
        #expect(v["i"] == .string("plain continued"))
    }

    @Test("flow collections, anchors, aliases, tags and duplicate keys are refused with their line")
    func refused() {
        for (text, line) in [("a: [1]", 1), ("a: 1\nb: {x: 1}", 2), ("a: &x 1", 1), ("a: *x", 1), ("a: !!str 1", 1), ("a: 1\na: 2", 2)] {
            #expect(throws: YAMLError.self, "\(text)") { try StrictYAML.parse(text) }
            do { _ = try StrictYAML.parse(text) } catch { #expect(error.line == line, "\(text)") }
        }
    }

    @Test("found by the fuzzer: an item of only a tab is refused with its line, not read past the end")
    func tabItem() throws {
        for (text, line) in [("- \t", 1), ("\n\n- \t\n", 3), ("a:\n  - x\n  - \t", 3)] {
            do { _ = try StrictYAML.parse(text); Issue.record("\(text.debugDescription) was read") } catch { #expect(error.line == line, "\(text.debugDescription)") }
        }
        #expect(throws: SkillError.self) { try SkillFile.parse("---\n\r- \t\n---\nbody", path: "SKILL.md") }
    }

    @Test("Python's printed form for nested metadata values")
    func pythonRepr() {
        #expect(SkillProperties.pythonString(.map([("inner", .string("value"))])) == "{'inner': 'value'}")
        #expect(SkillProperties.pythonString(.list([.string("one"), .string("it's")])) == "['one', \"it's\"]")
    }
}
