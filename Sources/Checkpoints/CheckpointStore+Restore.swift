import Foundation

extension CheckpointStore {
    /// What restoring `checkpoint` would do to the workspace as it is now.
    public func plan(_ checkpoint: Checkpoint) async throws(CheckpointError) -> RestorePlan {
        await acquire()
        defer { release() }
        do {
            try await ensureReady()
            return try await plan(from: try await stage(), to: checkpoint.tree)
        } catch {
            throw CheckpointError(error.description)
        }
    }

    func plan(from current: String, to target: String) async throws(ShadowGit.Failure) -> RestorePlan {
        var plan = RestorePlan()
        guard current != target else { return plan }
        for (status, path) in try await changedPaths(from: current, to: target) {
            switch status {
            case "A": plan.recreated.append(path)
            case "D": plan.removed.append(path)
            default: plan.restored.append(path)
            }
        }
        return plan
    }

    /// Puts the workspace's files back as they were at `checkpoint`: changed files get their
    /// content back, deleted ones come back, files created since are removed; ignored files,
    /// `.git` and nested repositories are left as they are. The workspace as it was just before is
    /// kept as a checkpoint of its own (kind `restore`: what `/redo` returns to).
    public func restore(_ checkpoint: Checkpoint, session: String, turn: Int) async throws(CheckpointError) -> (plan: RestorePlan, before: Checkpoint?) {
        await acquire()
        defer { release() }
        let before: Checkpoint?
        switch await snapshotHoldingTurn(session: session, turn: turn, messageID: nil, kind: .restore, note: "before restoring \(checkpoint.id)") {
        case .taken(let c): before = c
        case .skipped(let why): throw CheckpointError("cannot keep the workspace as it is before restoring: \(why)")
        }
        do {
            let plan = try await plan(from: before?.tree ?? "", to: checkpoint.tree)
            let fm = FileManager.default
            for path in plan.removed {
                let full = root + "/" + path
                try? fm.removeItem(atPath: full)
                removeEmptyParents(of: full)
            }
            let back = plan.restored + plan.recreated
            if !back.isEmpty {
                // Paths literally (a name with `*` is a name), NUL-separated on stdin.
                let input = Data(back.joined(separator: "\0").utf8)
                try await git.run(["--literal-pathspecs", "checkout", checkpoint.commit, "--pathspec-from-file=-", "--pathspec-file-nul"], input: input)
            }
            // The shadow index now matches the workspace again.
            _ = try await stage()
            return (plan, before)
        } catch {
            throw CheckpointError("the restore stopped part way: \(error.description); checkpoint \(before?.id ?? "?") holds the workspace as it was before")
        }
    }

    func ensureReady() async throws(ShadowGit.Failure) {
        if !FileManager.default.fileExists(atPath: shadowPath + "/HEAD") {
            throw ShadowGit.Failure(description: "no checkpoints for \(root) yet")
        }
    }

    /// Folders a removal emptied go too, up to the workspace's root.
    private func removeEmptyParents(of path: String) {
        let fm = FileManager.default
        var dir = (path as NSString).deletingLastPathComponent
        while dir.count > root.count, dir.hasPrefix(root + "/"), (try? fm.contentsOfDirectory(atPath: dir))?.isEmpty == true {
            try? fm.removeItem(atPath: dir)
            dir = (dir as NSString).deletingLastPathComponent
        }
    }

    /// Drops checkpoints older than `keep_days`, then the oldest while the shadow repository is
    /// over `max_size_mb`, and lets git reclaim their space. Returns how many went.
    @discardableResult
    public func prune(now: Date = Date()) async -> Int {
        await acquire()
        defer { release() }
        guard let all = try? await readAll(), !all.isEmpty else { return 0 }
        let cutoff = now.addingTimeInterval(-Double(limits.keepDays) * 86_400)
        var doomed = all.filter { $0.createdAt < cutoff }
        var kept = all.filter { $0.createdAt >= cutoff }
        let bound = Int64(limits.maxSizeMB) * 1_000_000
        if !doomed.isEmpty { await drop(doomed) }
        // Over the size bound: the older half goes, until it fits or one is left.
        while objectBytes() > bound, kept.count > 1 {
            let older = Array(kept.suffix(kept.count / 2))
            kept.removeLast(older.count)
            doomed += older
            await drop(older)
        }
        return doomed.count
    }

    private func drop(_ checkpoints: [Checkpoint]) async {
        let commands = checkpoints.map { "delete refs/checkpoints/\($0.id)\n" }.joined()
        _ = try? await git.run(["update-ref", "--stdin"], input: Data(commands.utf8), allowFailure: true)
        _ = try? await git.run(["gc", "--prune=now", "--quiet"], allowFailure: true)
    }

    /// Bytes the shadow repository's objects take.
    func objectBytes() -> Int64 {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: shadowPath + "/objects") else { return 0 }
        var total: Int64 = 0
        while let name = walker.nextObject() as? String {
            if let size = (try? fm.attributesOfItem(atPath: shadowPath + "/objects/" + name))?[.size] as? NSNumber { total += size.int64Value }
        }
        return total
    }
}
