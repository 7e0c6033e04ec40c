import AgentProtocol
import Checkpoints
import Foundation

/// What the session knows of its checkpoints: whether this turn has one, what `/undo` undid
/// (so the next `/undo` goes further back) and what `/redo` can take back.
struct CheckpointLedger {
    /// The turn (``Agent/turnCounter``) the latest checkpoint was taken in.
    var takenInTurn: Int?
    /// A skipped checkpoint is said once per session, not every turn.
    var skipSaid = false
    /// Checkpoints undone, by commit: the next `/undo` picks an older one.
    var undone: Set<String> = []
    /// Each restore's checkpoint and the one it kept of the workspace before it, newest last.
    var redo: [(restored: Checkpoint, before: Checkpoint)] = []
}

/// Checkpoints in the tool-dispatch room: a snapshot before a turn's first file change;
/// `/undo`, `/redo` and restores between turns.
extension Agent {
    /// Snapshots the workspace once per turn, before the first call that may change files.
    func checkpointBeforeChanges() async {
        guard let store = services.checkpoints, ledger.takenInTurn != turnCounter else { return }
        ledger.takenInTurn = turnCounter
        let turnID = "turn-\(turnCounter)"
        switch await store.snapshot(session: sessionID, turn: turnCounter, messageID: turnMessageID) {
        case .taken(let c):
            // New changes start a new line of history: what was undone before stays undone.
            ledger.redo.removeAll()
            emitter.emit(.checkpoint(CheckpointTaken(id: c.id, turnID: turnID, messageID: c.messageID)))
        case .skipped(let why):
            guard !ledger.skipSaid else { return }
            ledger.skipSaid = true
            emitter.emit(.warning("no checkpoint this session: \(why)"))
        }
    }

    /// Runs `/undo`, `/redo` or a restore (the caller made sure no turn runs).
    func restoreFiles(_ op: Op) async {
        guard let store = services.checkpoints else {
            emitter.emit(.warning("checkpoints are off (config.yaml checkpoints: false, or the workspace is not on this machine): nothing to put back"))
            return
        }
        do {
            switch op {
            case .undoFiles:
                let mine = try await store.list().filter { $0.sessionID == sessionID && $0.kind == .turn && !ledger.undone.contains($0.commit) }
                guard let target = mine.first else {
                    emitter.emit(.warning(ledger.undone.isEmpty ? "nothing to undo: no turn of this session has changed files yet" : "nothing more to undo in this session"))
                    return
                }
                let (plan, before) = try await store.restore(target, session: sessionID, turn: turnCounter)
                ledger.undone.insert(target.commit)
                if let before { ledger.redo.append((target, before)) }
                report(.undo, target, plan, "undid turn \(target.turn)'s file changes")
            case .redoFiles:
                guard let (restored, before) = ledger.redo.popLast() else {
                    emitter.emit(.warning("nothing to redo: /redo takes back an /undo (or a restore) of this session"))
                    return
                }
                let (plan, _) = try await store.restore(before, session: sessionID, turn: turnCounter)
                ledger.undone.remove(restored.commit)
                report(.redo, before, plan, "redid the file changes /undo had taken back")
            case .restoreCheckpoint(let id):
                let target = try await store.find(id)
                let (plan, before) = try await store.restore(target, session: sessionID, turn: turnCounter)
                if let before { ledger.redo.append((target, before)) }
                report(.restore, target, plan, "restored the files of checkpoint \(target.id)")
            default:
                return
            }
        } catch {
            emitter.emit(.error(AgentErrorEvent(message: String(describing: error), isFatal: false)))
        }
    }

    private func report(_ action: FilesRestored.Action, _ checkpoint: Checkpoint, _ plan: RestorePlan, _ what: String) {
        let message = plan.isEmpty ? "\(what): no file differed" : "\(what): " + Self.describe(plan)
        emitter.emit(.filesRestored(FilesRestored(action: action, checkpointID: checkpoint.id, restored: plan.restored, recreated: plan.recreated,
                                                  removed: plan.removed, message: message)))
        // The model's picture of the workspace is out of date: it hears so with the next message.
        if !plan.isEmpty { pendingNotes.append("The user \(what) (\(Self.describe(plan))). The workspace's files are as they were then; read them again before relying on what you saw.") }
    }

    /// `restored a.txt, b.txt; brought back c.txt; removed d.txt` (at most 8 names a list).
    static func describe(_ plan: RestorePlan) -> String {
        func names(_ paths: [String]) -> String {
            paths.prefix(8).joined(separator: ", ") + (paths.count > 8 ? " and \(paths.count - 8) more" : "")
        }
        var parts: [String] = []
        if !plan.restored.isEmpty { parts.append("restored " + names(plan.restored)) }
        if !plan.recreated.isEmpty { parts.append("brought back " + names(plan.recreated)) }
        if !plan.removed.isEmpty { parts.append("removed " + names(plan.removed)) }
        return parts.joined(separator: "; ")
    }
}
