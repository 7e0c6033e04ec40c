import Synchronization

/// One ``CheckpointStore`` per workspace for a whole process: sessions in the same folder share
/// it, so their snapshots take turns on the shadow index instead of racing for it.
public final class CheckpointStores: Sendable {
    private let directory: String
    private let limits: CheckpointLimits
    private let stores = Mutex<[String: CheckpointStore]>([:])

    /// `directory`: where shadow repositories live (Talaria's home's `checkpoints/`).
    public init(directory: String, limits: CheckpointLimits) {
        self.directory = directory
        self.limits = limits
    }

    /// The store of the workspace `cwd` is in. The first time a workspace is seen, its old
    /// checkpoints are pruned in the background.
    public func store(for cwd: String) -> CheckpointStore {
        let root = CheckpointStore.workspaceRoot(of: cwd)
        let (store, fresh) = stores.withLock { all -> (CheckpointStore, Bool) in
            if let s = all[root] { return (s, false) }
            let s = CheckpointStore(root: root, shadowPath: directory + "/" + CheckpointStore.shadowName(root), limits: limits)
            all[root] = s
            return (s, true)
        }
        if fresh { Task.detached(priority: .background) { await store.prune() } }
        return store
    }
}
