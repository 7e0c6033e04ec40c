import AgentCore
import ArgumentParser
import Config
import AgentProtocol
import Foundation
import SessionHost
import Memory
import Skills
import Store

/// `talaria import hermes [DIR]`: bring a Hermes Agent home over.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Bring another agent's memory, skills and settings over.",
                                                    subcommands: [Hermes.self])

    struct Hermes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hermes",
            abstract: "Import Hermes Agent's memories (MEMORY.md, USER.md), skills and config keys; reports what was taken and skipped.")
        @Argument(help: "The Hermes home (default: $HERMES_HOME, else ~/.hermes).") var directory: String?

        func run() async throws {
            let env = ProcessInfo.processInfo.environment
            let dir = UserHome.expand(directory ?? env["HERMES_HOME"] ?? "~/.hermes")
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                printError("talaria: no Hermes home at \(dir) (give its path, or set HERMES_HOME)")
                throw ExitStatus.usage
            }
            let paths = TalariaPaths()
            let book = try MemoryCommand.book()
            print("Importing from \(dir)")
            // Memories.
            for (file, target) in [("memories/MEMORY.md", MemoryTarget.notes), ("memories/USER.md", .user)] {
                guard let data = FileManager.default.contents(atPath: dir + "/" + file) else { print("  skipped \(file): not there"); continue }
                let r = try MemoryTransfer.load(MemoryTransfer.entries(in: String(decoding: data, as: UTF8.self)), into: target, book: book)
                print("  \(file) → \(target.rawValue): \(r.added) added, \(r.archived) archived (over the prompt limit, still searchable), \(r.duplicates) already known, \(r.refused.count) refused")
                for why in r.refused { print("    refused: \(why)") }
            }
            // Skills: every folder with a SKILL.md, categories flattened.
            let skillsRoot = dir + "/skills"
            let destRoot = paths.home + "/skills"
            var copied: [String] = [], skipped: [String] = []
            for (skillDir, _) in SkillLibrary.skillDirectories(under: skillsRoot) {
                let name = (skillDir as NSString).lastPathComponent
                let dest = destRoot + "/" + name
                if FileManager.default.fileExists(atPath: dest) { skipped.append("\(name) (exists)"); continue }
                do {
                    try FileManager.default.createDirectory(atPath: destRoot, withIntermediateDirectories: true)
                    try FileManager.default.copyItem(atPath: skillDir, toPath: dest)
                    let problems = SkillValidator.validate(directory: dest)
                    copied.append(problems.first.map { "\(name) (invalid: \($0.message))" } ?? name)
                } catch { skipped.append("\(name) (\(error.localizedDescription))") }
            }
            print("  skills → \(destRoot): \(copied.count) copied\(copied.isEmpty ? "" : ": " + copied.joined(separator: ", "))")
            if !skipped.isEmpty { print("    skipped: \(skipped.joined(separator: ", "))") }
            // Settings that have a Talaria equivalent, added where config.yaml does not set them.
            if let data = FileManager.default.contents(atPath: dir + "/config.yaml") {
                let hermes: HermesConfig
                do { hermes = try HermesConfig.read(String(decoding: data, as: UTF8.self)) } catch {
                    print("  skipped config.yaml: \(error.message)")
                    return
                }
                let current = (try? TalariaConfig.load(path: paths.configFile)) ?? TalariaConfig()
                var lines: [String] = []
                var memoryLines: [String] = []
                var seen: Set<String> = []
                for (key, value, from) in hermes.taken where !seen.contains(key) {
                    seen.insert(key)
                    let isSet: Bool = switch key {
                    case "model": current.model != nil
                    case "base_url": current.baseURL != nil
                    case "backend": current.backend != nil
                    default: current.sections["memory"] != nil
                    }
                    if isSet { print("  config: kept your \(key) (Hermes has \(from): \(value))"); continue }
                    if key == "backend", BackendKindNames.all.contains(value) == false {
                        print("  config: skipped \(from): \(value) (no such backend here)")
                        continue
                    }
                    if key.hasPrefix("memory.") { memoryLines.append("  \(key.dropFirst(7)): \(value)") } else { lines.append("\(key): \(Self.yamlScalar(value))") }
                    print("  config: \(key): \(value) (from \(from))")
                }
                if !memoryLines.isEmpty { lines.append("memory:\n" + memoryLines.joined(separator: "\n")) }
                if !lines.isEmpty {
                    let old = (try? String(contentsOfFile: paths.configFile, encoding: .utf8)) ?? ""
                    let text = old + (old.isEmpty || old.hasSuffix("\n") ? "" : "\n") + "# Imported from Hermes (\(dir))\n" + lines.joined(separator: "\n") + "\n"
                    do {
                        _ = try TalariaConfig.parse(text, file: paths.configFile) // never write a config that will not load
                        try text.write(toFile: paths.configFile, atomically: true, encoding: .utf8)
                    } catch {
                        print("  config: not written (\(error)); set these yourself")
                    }
                }
                if !hermes.skipped.isEmpty { print("  config: no equivalent for \(hermes.skipped.sorted().joined(separator: ", "))") }
            } else {
                print("  skipped config.yaml: not there")
            }
        }

        static func yamlScalar(_ s: String) -> String {
            s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:".contains($0) }) ? s : "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
    }
}

enum BackendKindNames {
    static let all: Set<String> = ["local", "sandbox", "ssh", "docker", "apptainer", "modal", "daytona"]
}
