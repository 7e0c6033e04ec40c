@testable import Checkpoints
import Exec
import Foundation
import TestSupport
import Testing

/// Checkpoints against real git: round trips in a repository (staged changes, untracked files,
/// ignored output, a nested repository) and in a plain folder; the user's `.git` untouched.
@Suite("Checkpoints")
struct CheckpointStoreTests {
    static let limits = CheckpointLimits(keepDays: 14, maxFiles: 50_000, maxSizeMB: 512)

    @discardableResult
    static func sh(_ script: String, in dir: String) async throws -> String {
        var env = ProcessInfo.processInfo.environment
        env["GIT_AUTHOR_NAME"] = "u"; env["GIT_AUTHOR_EMAIL"] = "u@example.invalid"
        env["GIT_COMMITTER_NAME"] = "u"; env["GIT_COMMITTER_EMAIL"] = "u@example.invalid"
        let r = try await Capture.run(["/bin/sh", "-c", script], environment: env, cwd: dir, timeout: 60)
        #expect(r.exitCode == 0, "\(script): \(r.errorText)")
        return String(decoding: r.stdout, as: UTF8.self)
    }

    static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    /// Every file under `dir` with its bytes (a `.git` compared byte for byte).
    static func fingerprint(_ dir: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let fm = FileManager.default
        for name in fm.enumerator(atPath: dir)?.allObjects as? [String] ?? [] {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: dir + "/" + name, isDirectory: &isDir), !isDir.boolValue, let data = fm.contents(atPath: dir + "/" + name) else { continue }
            out[name] = data
        }
        return out
    }

    static func taken(_ outcome: SnapshotOutcome) throws -> Checkpoint {
        guard case .taken(let c) = outcome else { throw CheckpointError("not taken: \(outcome)") }
        return c
    }

    @Test("in a git repository: changed, deleted and created files go back; ignored output and a nested repository stay; the user's .git is byte-identical")
    func gitRoundTrip() async throws {
        let home = TempDir("cp-home"), ws = TempDir("cp-repo")
        try await Self.sh("""
            git init -q . && printf 'build/\\n' > .gitignore && echo one > a.txt && echo keep > b.txt && git add . && git commit -qm init
            echo staged > b.txt && git add b.txt && git stash list >/dev/null
            echo untracked > c.txt && mkdir -p build && echo obj > build/out.o
            mkdir -p sub && cd sub && git init -q . && echo inner > x.txt && git add . && git commit -qm inner
            """, in: ws.path)
        let userGit = Self.fingerprint(ws.file(".git"))
        let store = CheckpointStore.open(cwd: ws.path, directory: home.file("checkpoints"), limits: Self.limits)
        #expect(store.root == URL(fileURLWithPath: ws.path).resolvingSymlinksInPath().path || store.root == ws.path)
        // Started in a subfolder, the workspace is still the repository.
        try FileManager.default.createDirectory(atPath: ws.file("deep/er"), withIntermediateDirectories: true)
        #expect(CheckpointStore.open(cwd: ws.file("deep/er"), directory: home.file("checkpoints"), limits: Self.limits).root == store.root)
        let cp = try Self.taken(await store.snapshot(session: "s1", turn: 1, messageID: 7))
        #expect(cp.sessionID == "s1" && cp.turn == 1 && cp.messageID == 7 && cp.kind == .turn)

        // What a turn does.
        ws.write("a.txt", "two\n")
        try FileManager.default.removeItem(atPath: ws.file("c.txt"))
        ws.write("new/d.txt", "created\n")
        ws.write("build/out.o", "rebuilt\n")
        ws.write("sub/x.txt", "inner changed\n")

        let plan = try await store.plan(cp)
        #expect(plan.restored == ["a.txt"] && plan.recreated == ["c.txt"] && plan.removed == ["new/d.txt"], "\(plan)")
        let listed = try await store.list()
        #expect(listed.map(\.id) == [cp.id] && listed[0].filesChanged == 3, "\(listed)")

        let (done, before) = try await store.restore(cp, session: "s1", turn: 2)
        #expect(done == plan)
        #expect(Self.read(ws.file("a.txt")) == "one\n" && Self.read(ws.file("c.txt")) == "untracked\n")
        #expect(!FileManager.default.fileExists(atPath: ws.file("new")), "a created file (and its folder) stayed")
        #expect(Self.read(ws.file("build/out.o")) == "rebuilt\n", "ignored build output was touched")
        #expect(Self.read(ws.file("sub/x.txt")) == "inner changed\n", "the nested repository was touched")
        #expect(Self.read(ws.file("b.txt")) == "staged\n")
        #expect(Self.fingerprint(ws.file(".git")) == userGit, "the user's .git changed")
        #expect(try await Self.sh("git diff --cached --name-only", in: ws.path) == "b.txt\n", "the user's staged change is gone")

        // Redo: the checkpoint the restore kept brings the turn's changes back.
        let redo = try #require(before)
        #expect(redo.kind == .restore && redo.note == "before restoring \(cp.id)")
        _ = try await store.restore(redo, session: "s1", turn: 2)
        #expect(Self.read(ws.file("a.txt")) == "two\n" && Self.read(ws.file("new/d.txt")) == "created\n")
        #expect(!FileManager.default.fileExists(atPath: ws.file("c.txt")))
        #expect(Self.fingerprint(ws.file(".git")) == userGit)
    }

    @Test("in a plain folder: the same round trip; names with spaces and glob characters are names; node_modules is left out")
    func plainFolder() async throws {
        let home = TempDir("cp-home"), ws = TempDir("cp-plain")
        ws.write("notes/plan [draft] *.md", "first\n")
        ws.write("keep.txt", "same\n")
        ws.write("node_modules/dep/index.js", "dependency\n")
        let store = CheckpointStore.open(cwd: ws.path, directory: home.file("checkpoints"), limits: Self.limits)
        #expect(store.root == ws.path)
        let cp = try Self.taken(await store.snapshot(session: "s", turn: 1, messageID: nil))
        ws.write("notes/plan [draft] *.md", "second\n")
        ws.write("notes/plan x.md", "a sibling the glob would match\n")
        ws.write("node_modules/dep/index.js", "upgraded\n")
        let (plan, _) = try await store.restore(cp, session: "s", turn: 2)
        #expect(plan.restored == ["notes/plan [draft] *.md"] && plan.removed == ["notes/plan x.md"], "\(plan)")
        #expect(Self.read(ws.file("notes/plan [draft] *.md")) == "first\n")
        #expect(Self.read(ws.file("node_modules/dep/index.js")) == "upgraded\n", "node_modules is not snapshotted")
        #expect(Self.read(ws.file("keep.txt")) == "same\n")
    }

    @Test("a workspace that is Talaria's home: its store and the shadow repositories are not snapshotted")
    func homeAsWorkspace() async throws {
        let home = TempDir("cp-self")
        home.write("state.db", "sqlite bytes\n")
        home.write("notes.md", "mine\n")
        let store = CheckpointStore.open(cwd: home.path, directory: home.file("checkpoints"), limits: Self.limits)
        let cp = try Self.taken(await store.snapshot(session: "s", turn: 1, messageID: nil))
        home.write("state.db", "changed by every commit\n")
        home.write("notes.md", "edited\n")
        let (plan, _) = try await store.restore(cp, session: "s", turn: 2)
        #expect(plan.restored == ["notes.md"], "\(plan)")
        #expect(Self.read(home.file("state.db")) == "changed by every commit\n", "the store was put back")
    }

    @Test("newest first, each with the files restoring it changes; an id by its prefix; a wrong id says so")
    func listing() async throws {
        let home = TempDir("cp-home"), ws = TempDir("cp-list")
        ws.write("a", "1")
        let store = CheckpointStore.open(cwd: ws.path, directory: home.file("checkpoints"), limits: Self.limits)
        let first = try Self.taken(await store.snapshot(session: "s", turn: 1, messageID: 1))
        ws.write("a", "2"); ws.write("b", "new")
        let second = try Self.taken(await store.snapshot(session: "s", turn: 2, messageID: 3))
        ws.write("c", "x")
        let all = try await store.list()
        #expect(all.map(\.id) == [second.id, first.id])
        #expect(all.map(\.filesChanged) == [1, 2])
        #expect(try await store.find(String(first.id.prefix(6))).commit == first.commit)
        await #expect(throws: CheckpointError.self) { try await store.find("zzzz") }
        // Another store on the same workspace (another process) reads the same checkpoints.
        let again = CheckpointStore.open(cwd: ws.path, directory: home.file("checkpoints"), limits: Self.limits)
        #expect(try await again.list().map(\.id) == [second.id, first.id])
    }

    @Test("a workspace with more files than max_files is skipped with a note; old checkpoints are pruned and their space reclaimed")
    func limitsAndPruning() async throws {
        let home = TempDir("cp-home"), big = TempDir("cp-big")
        for i in 0..<12 { big.write("f\(i).txt", "\(i)") }
        let small = CheckpointLimits(keepDays: 1, maxFiles: 10, maxSizeMB: 512)
        let refused = CheckpointStore.open(cwd: big.path, directory: home.file("checkpoints"), limits: small)
        guard case .skipped(let why) = await refused.snapshot(session: "s", turn: 1, messageID: nil) else { Issue.record("a too-big workspace was snapshotted"); return }
        #expect(why.contains("12 files is more than checkpoints.max_files (10)"), "\(why)")

        let ws = TempDir("cp-prune")
        ws.write("a", String(repeating: "x", count: 10_000))
        let store = CheckpointStore.open(cwd: ws.path, directory: home.file("checkpoints"), limits: small)
        _ = try Self.taken(await store.snapshot(session: "s", turn: 1, messageID: nil))
        #expect(await store.prune() == 0, "a fresh checkpoint was pruned")
        #expect(await store.prune(now: Date().addingTimeInterval(2 * 86_400)) == 1)
        #expect(try await store.list().isEmpty)
    }

    @Test("sessions snapshotting one workspace at once take turns: every one gets a checkpoint of its own, none fails on git's index lock")
    func concurrent() async throws {
        let home = TempDir("cp-home"), ws = TempDir("cp-many")
        for i in 0..<50 { ws.write("src/f\(i).txt", "\(i)") }
        let store = CheckpointStore.open(cwd: ws.path, directory: home.file("checkpoints"), limits: Self.limits)
        let outcomes = await withTaskGroup(of: SnapshotOutcome.self) { group in
            for n in 0..<8 { group.addTask { await store.snapshot(session: "s\(n)", turn: 1, messageID: nil) } }
            var all: [SnapshotOutcome] = []
            for await o in group { all.append(o) }
            return all
        }
        let taken = try outcomes.map(Self.taken)
        #expect(Set(taken.map(\.id)).count == 8 && Set(taken.map(\.sessionID)).count == 8)
        #expect(Set(taken.map(\.tree)).count == 1, "the same files gave different trees")
        #expect(try await store.list().count == 8)
    }
}
