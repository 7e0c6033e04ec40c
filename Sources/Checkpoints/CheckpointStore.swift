import Exec
import Foundation

/// One snapshot of a workspace: its files as they were before a turn changed them.
public struct Checkpoint: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Before a turn's first file-changing tool call.
        case turn
        /// Taken by a restore just before it changed anything (what `/redo` goes back to).
        case restore
    }
    /// The first 10 hex digits of its commit in the shadow repository.
    public var id: String
    public var commit: String
    public var tree: String
    public var sessionID: String
    /// The session's turn (1-based) it was taken in.
    public var turn: Int
    /// The turn's user message in the store: where the conversation stood.
    public var messageID: Int64?
    public var kind: Kind
    public var note: String
    public var createdAt: Date
    /// Files that differ between it and what came after it (the next checkpoint, or the
    /// workspace now for the newest): what restoring it changes. Filled by ``CheckpointStore/list()``.
    public var filesChanged: Int?
}

/// What restoring a checkpoint does to the workspace, path by path (relative to its root).
public struct RestorePlan: Sendable, Hashable {
    /// Files whose content or mode goes back.
    public var restored: [String] = []
    /// Files deleted since that come back.
    public var recreated: [String] = []
    /// Files created since that are removed.
    public var removed: [String] = []

    public var isEmpty: Bool { restored.isEmpty && recreated.isEmpty && removed.isEmpty }
    public var count: Int { restored.count + recreated.count + removed.count }
}

public enum SnapshotOutcome: Sendable, Hashable {
    case taken(Checkpoint)
    /// Not taken, and why (too many files, no git); the turn goes on without one.
    case skipped(String)
}

/// The limits of a workspace's checkpoints (config.yaml `checkpoints:`).
public struct CheckpointLimits: Sendable, Hashable {
    public var keepDays: Int
    public var maxFiles: Int
    public var maxSizeMB: Int

    public init(keepDays: Int, maxFiles: Int, maxSizeMB: Int) {
        self.keepDays = keepDays
        self.maxFiles = maxFiles
        self.maxSizeMB = maxSizeMB
    }
}

public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A workspace's checkpoints, kept in a shadow git repository under Talaria's home
/// (`checkpoints/<name>-<hash>/`): take one, list them, say what restoring one would do, do it,
/// prune old ones. Untracked files are captured; what the workspace's `.gitignore` files ignore
/// is not. Inside a git repository the workspace is the repository's top level.
public actor CheckpointStore {
    public nonisolated let root: String
    public nonisolated let shadowPath: String
    let git: ShadowGit
    let limits: CheckpointLimits
    var ready = false
    private var skipReason: String?
    /// Files changed between two trees, by their ids joined.
    private var counted: [String: Int] = [:]
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// Requests numbered as they arrive, and the latest staging: the count when it began, its tree.
    private var arrivals = 0
    private var lastStage: (began: Int, tree: String)?

    /// Left out besides `.gitignore` rules: dependency and cache folders a plain folder has no
    /// `.gitignore` for.
    static let defaultExcludes = ["node_modules/", ".venv/", "__pycache__/", ".DS_Store"]

    init(root: String, shadowPath: String, limits: CheckpointLimits) {
        self.root = root
        self.shadowPath = shadowPath
        self.limits = limits
        git = ShadowGit(gitDir: shadowPath, workTree: root)
    }

    /// The store for the workspace `cwd` is in; `directory` is where shadow repositories live
    /// (Talaria's home's `checkpoints/`; the home itself is never snapshotted).
    public static func open(cwd: String, directory: String, limits: CheckpointLimits) -> CheckpointStore {
        let root = workspaceRoot(of: cwd)
        return CheckpointStore(root: root, shadowPath: directory + "/" + shadowName(root), limits: limits)
    }

    /// The top level of the git repository `cwd` is in (the nearest folder up with a `.git`, as
    /// git finds it), else the folder itself.
    static func workspaceRoot(of cwd: String) -> String {
        let standard = (cwd as NSString).standardizingPath
        var dir = standard
        while true {
            if FileManager.default.fileExists(atPath: dir + "/.git") { return dir }
            let up = (dir as NSString).deletingLastPathComponent
            if up == dir || up.isEmpty { return standard }
            dir = up
        }
    }

    /// `name-0123abcd…`: readable, and unique per path (FNV-1a of the path).
    static func shadowName(_ root: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in root.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let name = (root as NSString).lastPathComponent.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
        return (name.isEmpty ? "root" : String(name.prefix(40))) + "-" + String(hash, radix: 16)
    }

    // MARK: taking

    /// Snapshots the workspace as it is now. Sessions in one workspace that ask at once take
    /// turns, and share a staging that began after they asked (each still gets its own checkpoint).
    public func snapshot(session: String, turn: Int, messageID: Int64?, kind: Checkpoint.Kind = .turn, note: String = "") async -> SnapshotOutcome {
        arrivals += 1
        let asked = arrivals
        await acquire()
        defer { release() }
        return await snapshotHoldingTurn(session: session, turn: turn, messageID: messageID, kind: kind, note: note, asked: asked)
    }

    func snapshotHoldingTurn(session: String, turn: Int, messageID: Int64?, kind: Checkpoint.Kind, note: String, asked: Int? = nil) async -> SnapshotOutcome {
        if let skipReason { return .skipped(skipReason) }
        do {
            try await prepare()
            if let skipReason { return .skipped(skipReason) }
            let tree = try await stage(askedAt: asked)
            let now = Date()
            let meta = Meta(session: session, turn: turn, message: messageID, kind: kind, note: note, created: now.timeIntervalSince1970)
            let message = String(decoding: try JSONEncoder().encode(meta), as: UTF8.self)
            let commit = try await git.run(["commit-tree", tree, "-F", "-"], input: Data(message.utf8)).trimmingCharacters(in: .whitespacesAndNewlines)
            let id = String(commit.prefix(10))
            try writeRef(id, commit)
            let checkpoint = Checkpoint(id: id, commit: commit, tree: tree, sessionID: session, turn: turn, messageID: messageID, kind: kind,
                                        note: note, createdAt: now)
            return .taken(checkpoint)
        } catch let failure as ShadowGit.Failure {
            return .skipped(failure.description)
        } catch {
            return .skipped("\(error)")
        }
    }

    /// Creates the shadow repository; the first time, checks the workspace is small enough.
    private func prepare() async throws(ShadowGit.Failure) {
        guard !ready else { return }
        let fresh = !FileManager.default.fileExists(atPath: shadowPath + "/index")
        var excludes = Self.defaultExcludes
        // Talaria's own home inside the workspace (a workspace that is $HOME) is not a workspace file.
        let home = ((shadowPath as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        if home.hasPrefix(root + "/") { excludes.append("/" + String(home.dropFirst(root.count + 1)) + "/") }
        // The workspace is Talaria's home itself: its store and the shadow repositories are not its files.
        if home == root { excludes += ["/checkpoints/", "/state.db*", "/images/", "/logs/", "/transcripts/"] }
        try await git.create(excluding: excludes)
        if fresh {
            // Counting what a first snapshot would take (the walk `add` does next), so a huge
            // folder is refused in seconds rather than copied for minutes.
            let listing = try await git.run(["ls-files", "--others", "--exclude-standard", "-z"])
            let files = listing.utf8.reduce(0) { $1 == 0 ? $0 + 1 : $0 }
            if files > limits.maxFiles {
                skipReason = "checkpoints are off for \(root): \(files) files is more than checkpoints.max_files (\(limits.maxFiles))"
                return
            }
        }
        ready = true
    }

    /// Stages the workspace in the shadow index; its tree. Unreadable files are left out. A
    /// caller that asked (`askedAt`, an arrival number) before the latest staging began gets that
    /// staging's tree: the workspace as it was after they asked. Holding the turn is the caller's.
    func stage(askedAt: Int? = nil) async throws(ShadowGit.Failure) -> String {
        if let askedAt, let last = lastStage, last.began >= askedAt { return last.tree }
        let began = arrivals
        try await git.run(["add", "-A", "--ignore-errors", "--", "."], allowFailure: true)
        let tree = try await git.run(["write-tree"]).trimmingCharacters(in: .whitespacesAndNewlines)
        lastStage = (began, tree)
        return tree
    }

    // MARK: taking turns

    /// One git operation on the shadow index at a time, first come first served: the actor alone
    /// would interleave them at every `await` (and git refuses a second writer of its index).
    func acquire() async {
        guard busy else { busy = true; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    private func writeRef(_ id: String, _ commit: String) throws(ShadowGit.Failure) {
        let dir = shadowPath + "/refs/checkpoints"
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data((commit + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/" + id), options: .atomic)
        } catch {
            throw ShadowGit.Failure(description: "cannot record the checkpoint: \(error.localizedDescription)")
        }
    }

    // MARK: reading

    struct Meta: Codable {
        var session: String
        var turn: Int
        var message: Int64?
        var kind: Checkpoint.Kind
        var note: String
        var created: Double
    }

    /// Every checkpoint of the workspace, newest first, each with the files that changed after
    /// it (until the next one; for the newest, until now). Counted when listed, not when taken,
    /// so a turn's checkpoint costs no diff; pairs already counted are remembered.
    public func list() async throws(CheckpointError) -> [Checkpoint] {
        await acquire()
        defer { release() }
        do {
            var all = try await readAll()
            guard !all.isEmpty else { return [] }
            let now = try await stage()
            for i in all.indices {
                let after = i == 0 ? now : all[i - 1].tree
                all[i].filesChanged = try await changes(from: all[i].tree, to: after)
            }
            return all
        } catch {
            throw CheckpointError(error.description)
        }
    }

    /// How many files differ between two trees (remembered: trees never change).
    private func changes(from a: String, to b: String) async throws(ShadowGit.Failure) -> Int {
        guard a != b else { return 0 }
        if let n = counted[a + b] { return n }
        let n = try await changedPaths(from: a, to: b).count
        counted[a + b] = n
        return n
    }

    func readAll() async throws(ShadowGit.Failure) -> [Checkpoint] {
        guard FileManager.default.fileExists(atPath: shadowPath + "/HEAD") else { return [] }
        let out = try await git.run(["for-each-ref", "--format=%(objectname) %(tree) %(contents:subject)", "refs/checkpoints"])
        let decoder = JSONDecoder()
        var all: [Checkpoint] = []
        for line in out.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 2)
            guard parts.count == 3, let meta = try? decoder.decode(Meta.self, from: Data(parts[2].utf8)) else { continue }
            let commit = String(parts[0])
            all.append(Checkpoint(id: String(commit.prefix(10)), commit: commit, tree: String(parts[1]), sessionID: meta.session, turn: meta.turn,
                                  messageID: meta.message, kind: meta.kind, note: meta.note, createdAt: Date(timeIntervalSince1970: meta.created)))
        }
        return all.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    /// The checkpoint whose id starts with `id` (at least 4 digits; one match only).
    public func find(_ id: String) async throws(CheckpointError) -> Checkpoint {
        let all: [Checkpoint]
        do { all = try await readAll() } catch { throw CheckpointError(error.description) }
        let wanted = id.lowercased()
        let matches = wanted.count >= 4 ? all.filter { $0.commit.hasPrefix(wanted) } : []
        guard matches.count == 1 else {
            throw CheckpointError(matches.isEmpty ? "no checkpoint \(id) in \(root) (talaria checkpoints list shows them)" : "\(id) names \(matches.count) checkpoints; give more of its id")
        }
        return matches[0]
    }

    /// The paths that differ between two trees (submodules and nested repositories left out).
    func changedPaths(from a: String, to b: String) async throws(ShadowGit.Failure) -> [(status: Character, path: String)] {
        let raw = try await git.run(["diff-tree", "-r", "--no-renames", "-z", a, b])
        var out: [(Character, String)] = []
        var fields = raw.split(separator: "\0", omittingEmptySubsequences: false).makeIterator()
        while let header = fields.next(), !header.isEmpty {
            guard let path = fields.next() else { break }
            // ":100644 100644 <sha> <sha> M": a gitlink (160000) on either side is someone else's repository.
            let parts = header.dropFirst().split(separator: " ")
            guard parts.count == 5, parts[0] != "160000", parts[1] != "160000", let status = parts[4].first else { continue }
            out.append((status, String(path)))
        }
        return out
    }

    /// A unified diff of what restoring `checkpoint` would do to the workspace now.
    public func diff(_ checkpoint: Checkpoint, maxBytes: Int = 64_000) async throws(CheckpointError) -> String {
        await acquire()
        defer { release() }
        do {
            let now = try await stage()
            let text = try await git.run(["diff-tree", "-p", "-r", "--no-renames", "--no-color", now, checkpoint.tree])
            return text.utf8.count > maxBytes ? String(decoding: text.utf8.prefix(maxBytes), as: UTF8.self) + "\n[… diff cut at \(maxBytes / 1000) KB]" : text
        } catch {
            throw CheckpointError(error.description)
        }
    }
}
