import Foundation
import Memory

/// Where background model requests wait for the foreground, one lane per model server.
///
/// A one-slot local server (llama.cpp with `-np 1`, the built-in model) keeps one prompt in its
/// cache: a background request with another prompt — the skill review, the user-model pass —
/// evicts the conversation's, and the user's next reply is read again from its first token
/// (180 s for a one-sentence reply to a 10k-token conversation on two cores). Background
/// requests are therefore *forks* of the conversation (they extend its prompt, see
/// `Agent.forkRequest`), and they also run only here: when no foreground request (a turn, a
/// compression) is running on the lane. A turn that starts cancels the running background
/// request — closing its connection frees the slot at once — and it runs again once the lane
/// is idle, up to a few attempts.
///
/// Every session of a process that talks to the same server shares one lane, so a session
/// winding down after `/new` never competes with the new session's first turn.
public actor BackgroundLane {
    private var foreground = 0
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// Running background requests, cancelled when the foreground begins.
    private var running: [UUID: Task<Void, Never>] = [:]
    private var preempted: Set<UUID> = []

    public init() {}

    /// A foreground request begins: background requests stop now (and run again later).
    public func beginForeground() {
        foreground += 1
        for (id, task) in running {
            preempted.insert(id)
            task.cancel()
        }
    }

    public func endForeground() {
        foreground = max(0, foreground - 1)
        guard foreground == 0 else { return }
        let waiters = idleWaiters
        idleWaiters.removeAll()
        for w in waiters { w.resume() }
    }

    /// Whether a foreground request runs now.
    public var isBusy: Bool { foreground > 0 }

    /// Runs `request` when the lane is idle. A foreground request that starts meanwhile
    /// cancels it; it then waits for idle and runs again, at most `attempts` times in all.
    ///
    /// - Returns: its result, or `nil` when it failed, was preempted every time, or the
    ///   calling task was cancelled (a session ending with a deadline).
    public func run<T: Sendable>(attempts: Int = 3, _ request: @escaping @Sendable () async throws -> T) async -> T? {
        for _ in 0..<max(1, attempts) {
            while foreground > 0 {
                await withCheckedContinuation { idleWaiters.append($0) }
                if Task.isCancelled { return nil }
            }
            if Task.isCancelled { return nil }
            let id = UUID()
            let box = ResultBox<T>()
            let task = Task { box.value = try? await request() }
            running[id] = task
            await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
            running[id] = nil
            let wasPreempted = preempted.remove(id) != nil
            if Task.isCancelled { return nil }
            // Preempted after it had finished: its answer stands.
            if !wasPreempted || box.value != nil { return box.value }
        }
        return nil
    }
}

/// The result of a background request, written by its task before the lane reads it.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    var value: T?
}
