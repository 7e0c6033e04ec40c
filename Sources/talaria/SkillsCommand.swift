import ArgumentParser
import Config
import AgentProtocol
import Foundation
import SessionHost
import Skills
import Store

/// `talaria skills …`: check skill folders (agentskills.io format).
struct SkillsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skills", abstract: "List, validate, curate and restore skills (SKILL.md folders).",
        subcommands: [List.self, Validate.self, Curate.self, Restore.self])

    /// The skills as the agent finds them from here, with the store's usage.
    static func library() -> (SkillLibrary, TalariaPaths) {
        let paths = TalariaPaths()
        return (SessionBuilder.skillLibrary(paths: paths, cwd: FileManager.default.currentDirectoryPath), paths)
    }

    static func usage(_ paths: TalariaPaths) -> [String: (uses: Int, lastUsed: Date)] {
        guard FileManager.default.fileExists(atPath: paths.database), let store = try? SessionStore(path: paths.database) else { return [:] }
        return (try? store.skillUsage()) ?? [:]
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Every skill found from here: source, validity, safety, usage.")
        func run() async throws {
            let (lib, paths) = SkillsCommand.library()
            let usage = SkillsCommand.usage(paths)
            for w in lib.warnings { printError("warning: \(w)") }
            for s in lib.allSkills {
                let state = lib.isDisabled(s.name) ? "disabled" : s.problems.isEmpty ? "valid" : "invalid"
                let used = usage[s.name].map { "\($0.uses)×" } ?? "0×"
                print("\(s.name)\t\(s.source.rawValue)\t\(state)\t\(s.safety.rawValue)\t\(used)\t\(s.directory)")
            }
        }
    }

    struct Curate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "curate", abstract: "Find stale, near-duplicate and invalid skills; --apply archives (never deletes) the user's own.")
        @Flag(help: "Only print the plan (the default).") var dryRun = false
        @Flag(help: "Archive what the plan marks to ~/.talaria/skills/.archive.") var apply = false
        @Option(help: "Unused for this many days is stale (default: skills.stale_days, else 90).") var staleDays: Int?

        func run() async throws {
            guard !(dryRun && apply) else { printError("talaria: --dry-run and --apply exclude each other"); throw ExitStatus.usage }
            let (lib, paths) = SkillsCommand.library()
            let days = staleDays ?? (try? TalariaConfig.load(path: paths.configFile))?.skills.staleDays ?? Defaults.Skills.staleDays
            let plan = SkillCurator.plan(lib.allSkills, usage: SkillsCommand.usage(paths), staleDays: days)
            if plan.isEmpty { print("Nothing to curate: \(lib.allSkills.count) skills, none stale, duplicated or invalid."); return }
            let writer = SkillWriter(root: paths.home + "/skills")
            var archived: Set<String> = []
            for item in plan {
                let action = item.archive ? (apply ? "archived" : "would archive") : "report"
                if item.archive, apply, !archived.contains(item.directory) {
                    do { _ = try writer.delete(directory: item.directory); archived.insert(item.directory) } catch {
                        printError("talaria: \(error)")
                    }
                }
                print("\(action)\t\(item.kind.rawValue)\t\(item.skill)\t\(item.reason)")
            }
            if !apply, plan.contains(where: \.archive) { print("(dry run: --apply archives; talaria skills restore NAME undoes)") }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "restore", abstract: "Bring back an archived skill.")
        @Argument var name: String
        func run() async throws {
            do { print("restored \(try SkillCurator.restore(name, root: TalariaPaths().home + "/skills"))") } catch {
                printError("talaria: \(error)")
                throw ExitStatus.failed
            }
        }
    }

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
            if invalid > 0 { throw ExitStatus.failed }
        }

        /// `path` itself if it holds a skill file (or does not exist: the validator says so),
        /// else every folder below it that does.
        static func skillDirectories(_ path: String) -> [String] {
            let p = UserHome.expand(path)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue, SkillFile.locate(in: p) == nil else { return [p] }
            let found = (FileManager.default.subpaths(atPath: p) ?? [])
                .filter { ($0 as NSString).lastPathComponent == "SKILL.md" || ($0 as NSString).lastPathComponent == "skill.md" }
                .map { p + "/" + ($0 as NSString).deletingLastPathComponent }
            return found.isEmpty ? [p] : Array(Set(found)).sorted()
        }
    }
}
