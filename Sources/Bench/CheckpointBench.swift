import ArgumentParser
import AgentProtocol
import Checkpoints
import Exec
import Foundation

/// `talaria bench checkpoints`: what a checkpoint costs a turn on a large repository when few files
/// changed (budget ≤ 50 ms), beside the floor — stat-ing every file, the least any snapshot
/// must do to see what changed — and how long a restore takes.
struct CheckpointBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checkpoints", abstract: "Checkpoint and restore times on a large repository.")
    @Option(help: "Files in the repository.") var files = 10_000
    @Option(help: "Turns to time.") var turns = 15

    func run() async throws {
        let root = NSTemporaryDirectory() + "talaria-bench-checkpoints-\(getpid())"
        let repo = root + "/repo", home = root + "/checkpoints"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: repo, withIntermediateDirectories: true)
        // 100 folders of sources, and ignored build output the snapshots must skip.
        for i in 0..<files {
            let dir = repo + "/Sources/module\(i % 100)"
            if i < 100 { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            try Data("// file \(i)\nlet value\(i) = \(i)\n".utf8).write(to: URL(fileURLWithPath: dir + "/File\(i).swift"))
        }
        try fm.createDirectory(atPath: repo + "/.build", withIntermediateDirectories: true)
        for i in 0..<1_000 { try Data(repeating: UInt8(i % 251), count: 4_096).write(to: URL(fileURLWithPath: repo + "/.build/obj\(i).o")) }
        try ".build/\n".write(toFile: repo + "/.gitignore", atomically: true, encoding: .utf8)
        let env = ["GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.invalid", "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.invalid",
                   "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        _ = try await Capture.run(["/bin/sh", "-c", "git init -q . && git add -A && git commit -qm init"], environment: env, cwd: repo, timeout: 300)

        let store = CheckpointStore.open(cwd: repo, directory: home, limits: CheckpointLimits(keepDays: 14, maxFiles: files * 2, maxSizeMB: 2_048))
        var clock = ContinuousClock.now
        guard case .taken = await store.snapshot(session: "bench", turn: 0, messageID: nil) else { print("the first checkpoint was skipped"); return }
        let first = (ContinuousClock.now - clock).milliseconds

        var taken: [Double] = [], floors: [Double] = [], checkpoints: [Checkpoint] = []
        for turn in 1...turns {
            // A turn's edits: three files.
            for k in 0..<3 {
                let i = (turn * 7 + k * 131) % files
                try Data("// file \(i), turn \(turn)\nlet value\(i) = \(i * turn)\n".utf8).write(to: URL(fileURLWithPath: repo + "/Sources/module\(i % 100)/File\(i).swift"))
            }
            clock = .now
            let statted = Self.statAll(repo)
            floors.append((ContinuousClock.now - clock).milliseconds)
            clock = .now
            guard case .taken(let c) = await store.snapshot(session: "bench", turn: turn, messageID: nil) else { print("a checkpoint was skipped"); return }
            taken.append((ContinuousClock.now - clock).milliseconds)
            checkpoints.append(c)
            if turn == 1 { print("(\(statted) entries stat-ed per floor run)") }
        }
        // Restoring the previous turn's files (three changed), then a checkpoint before many changes.
        var restores: [Double] = []
        for c in checkpoints.suffix(5).reversed() {
            clock = .now
            _ = try await store.restore(c, session: "bench", turn: 99)
            restores.append((ContinuousClock.now - clock).milliseconds)
        }
        for i in 0..<1_000 { try Data("rewritten \(i)\n".utf8).write(to: URL(fileURLWithPath: repo + "/Sources/module\(i % 100)/File\(i).swift")) }
        clock = .now
        let (plan, _) = try await store.restore(checkpoints[0], session: "bench", turn: 100)
        let bulk = (ContinuousClock.now - clock).milliseconds

        let t = Self.median(taken), f = Self.median(floors)
        print(String(format: "FIGURE checkpoint per turn on %d files (3 changed): %.1f ms median, p95 %.1f ms (budget ≤ 50 ms); floor (stat every file) %.1f ms median — %.1f× the floor; first checkpoint of the workspace %.0f ms",
                     files, t, Self.percentile(taken, 0.95), f, t / max(f, 0.001), first))
        print(String(format: "FIGURE restore: 3 files %.1f ms median; %d files %.0f ms", Self.median(restores), plan.count, bulk))
    }

    /// Every entry under `root` lstat-ed (readdir + lstat: what noticing a change needs at least).
    static func statAll(_ root: String) -> Int {
        var count = 0
        var pending = [root]
        var st = stat()
        while let dir = pending.popLast() {
            guard let d = opendir(dir) else { continue }
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name == "." || name == ".." || name == ".git" { continue }
                let path = dir + "/" + name
                guard lstat(path, &st) == 0 else { continue }
                count += 1
                if (st.st_mode & S_IFMT) == S_IFDIR { pending.append(path) }
            }
            closedir(d)
        }
        return count
    }

    static func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    static func percentile(_ xs: [Double], _ p: Double) -> Double { let s = xs.sorted(); return s[min(s.count - 1, Int(Double(s.count) * p))] }
}
