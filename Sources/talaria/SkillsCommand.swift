import ArgumentParser
import Foundation
import Skills

/// `talaria skills …`: check skill folders (agentskills.io format).
struct SkillsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skills", abstract: "Validate and list skills (SKILL.md folders).",
        subcommands: [Validate.self])

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Validate skill folders as the agentskills.io reference does; exit 1 if any is invalid.",
            discussion: "A PATH without a SKILL.md is searched for skill folders below it.")
        @Argument(help: "Skill folders, or folders holding skills.") var paths: [String]

        func run() async throws {
            var invalid = 0
            for dir in paths.flatMap(Self.skillDirectories) {
                let errors = SkillValidator.validate(directory: dir)
                if errors.isEmpty {
                    print("Valid skill: \(dir)")
                    continue
                }
                invalid += 1
                printError("Validation failed for \(dir):")
                let file = SkillFile.locate(in: dir).map { ($0 as NSString).lastPathComponent } ?? "SKILL.md"
                for e in errors { printError("  - " + (e.line.map { "\(file):\($0): " } ?? "") + e.message) }
            }
            if invalid > 0 { throw Exit.failed }
        }

        /// `path` itself if it holds a skill file (or does not exist: the validator says so),
        /// else every folder below it that does.
        static func skillDirectories(_ path: String) -> [String] {
            let p = (path as NSString).expandingTildeInPath
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue, SkillFile.locate(in: p) == nil else { return [p] }
            let found = (FileManager.default.subpaths(atPath: p) ?? [])
                .filter { ($0 as NSString).lastPathComponent == "SKILL.md" || ($0 as NSString).lastPathComponent == "skill.md" }
                .map { p + "/" + ($0 as NSString).deletingLastPathComponent }
            return found.isEmpty ? [p] : Array(Set(found)).sorted()
        }
    }
}
