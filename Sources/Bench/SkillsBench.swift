import ArgumentParser
import Foundation
import Skills

/// `talaria bench skills`: discovery and validation of many skills, and the catalog's size and
/// selection time (DESIGN.md budgets: 1,000 skills discovered and validated ≤ 100 ms cold).
struct SkillsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "skills", abstract: "Skill discovery, validation and catalog selection.")
    @Option(help: "Skill counts to measure.") var counts: [Int] = [200, 1_000]
    @Flag(help: "Also time each phase (read, properties, validation, scan) on its own.") var phases = false

    func run() async throws {
        for n in counts {
            let root = NSTemporaryDirectory() + "talaria-bench-skills-\(getpid())-\(n)"
            defer { try? FileManager.default.removeItem(atPath: root) }
            let topics = ["postgres", "docker", "kubernetes", "pdf", "csv", "git", "release", "python", "swift", "react", "aws", "terraform",
                          "nginx", "redis", "kafka", "ssh", "backup", "logging", "testing", "security"]
            for i in 0..<n {
                let topic = topics[i % topics.count]
                let name = "\(topic)-task-\(i)"
                let dir = root + "/" + name
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                let body = (0..<40).map { "\($0 + 1). Step \($0 + 1) of the \(topic) procedure: check the configuration, run the command, verify." }
                    .joined(separator: "\n")
                try "---\nname: \(name)\ndescription: Use when working with \(topic): procedure number \(i) covering setup, checks and common failures.\nlicense: MIT\nmetadata:\n  author: bench\n---\n# \(name)\n\n\(body)\n"
                    .write(toFile: dir + "/SKILL.md", atomically: false, encoding: .utf8)
            }
            if phases {
                let dirs = (try FileManager.default.contentsOfDirectory(atPath: root)).map { root + "/" + $0 }
                var tRead = 0.0, tProps = 0.0, tValid = 0.0, tScan = 0.0, tIO = 0.0, tParse = 0.0
                for d in dirs {
                    var a = Date()
                    let bytes = FileManager.default.contents(atPath: d + "/SKILL.md") ?? Data()
                    tIO += Date().timeIntervalSince(a); a = Date()
                    _ = try SkillFile.parse(String(decoding: bytes, as: UTF8.self), path: d)
                    tParse += Date().timeIntervalSince(a); a = Date()
                    let f = try SkillFile.read(directory: d)
                    tRead += Date().timeIntervalSince(a); a = Date()
                    _ = try SkillProperties(f)
                    tProps += Date().timeIntervalSince(a); a = Date()
                    _ = SkillValidator.validate(f, directoryName: (d as NSString).lastPathComponent)
                    tValid += Date().timeIntervalSince(a); a = Date()
                    _ = SkillScanner.scan(text: f.text, file: "SKILL.md")
                    tScan += Date().timeIntervalSince(a)
                }
                print(String(format: "phases: read %.1f ms (io alone %.1f, parse alone %.1f), properties %.1f, validate %.1f, full scan %.1f",
                             tRead * 1000, tIO * 1000, tParse * 1000, tProps * 1000, tValid * 1000, tScan * 1000))
            }
            // The app has used Foundation's file APIs long before it discovers skills; do the same
            // here so their one-time set-up is not counted as discovery.
            _ = try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
            // Each run is a new library (nothing cached in the process); the OS page cache is warm,
            // as it is for a user whose skills were read before.
            var runs: [Double] = []
            var lib = SkillLibrary(roots: [])
            for _ in 0..<7 {
                let t0 = Date()
                lib = SkillLibrary(roots: [SkillRoot(path: root, source: .user)])
                runs.append(Date().timeIntervalSince(t0) * 1000)
            }
            runs.sort()
            let discover = runs[runs.count / 2], fastest = runs[0]
            let valid = lib.skills.filter { $0.problems.isEmpty }.count
            let t1 = Date()
            lib.refresh()
            let refresh = Date().timeIntervalSince(t1) * 1000
            let full = lib.skills.reduce(0) { $0 + SkillLibrary.tokens($1) }
            var times: [Double] = []
            var picked = 0, pickedTokens = 0
            for q in 0..<21 {
                let s = Date()
                let (entries, _) = lib.catalog(for: "back up the \(topics[q % topics.count]) database and check it", budget: 2_000)
                times.append(Date().timeIntervalSince(s) * 1000)
                picked = entries.count
                pickedTokens = entries.reduce(0) { $0 + ($1.name.utf8.count + $1.description.utf8.count + $1.location.utf8.count) / 4 + 12 }
            }
            times.sort()
            print(String(format: "FIGURE skills %d: discovery + validation %.1f ms median (min %.1f) in a new library (%d valid), refresh %.1f ms; full catalog %d tokens, selected %d skills in %d tokens (budget 2000) in %.2f ms median",
                         n, discover, fastest, valid, refresh, full, picked, pickedTokens, times[times.count / 2]))
        }
    }
}
