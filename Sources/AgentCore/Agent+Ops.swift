import AgentProtocol
import AgentTools
import Foundation

extension Agent {
    /// Reports an event that happened elsewhere on this session's behalf (a subagent's
    /// approval request), in order with the session's own.
    public func relay(_ event: AgentEvent) { emitter.emit(event) }

    /// Sends a command; returns its submission id (echoed in the events it causes).
    @discardableResult
    public func submit(_ op: Op) -> Int {
        submissionCounter += 1
        let id = submissionCounter
        switch op {
        case .userTurn(let turn):
            guard closing == nil else {
                emitter.emit(.turnAborted(TurnAborted(turnID: "turn-refused-\(id)", reason: .failed,
                                                      message: "this session has ended; the message was not sent")), submission: id)
                break
            }
            queue.append((id, turn))
            startNextTurnIfIdle()
        case .interrupt:
            cancelAll()
        case .approveTool(let callID, let decision):
            approvals.answer(callID, decision: decision)
        case .answerClarify(let callID, let answer):
            answerQuestion(callID, answer.map { .answered($0) } ?? .declined)
        case .decideSkillProposal(let pid, let accept, let content):
            if let change = learning.decide(pid, accept: accept, content: content) { emitter.emit(.skillChange(change)) } else {
                emitter.emit(.warning("no pending skill proposal \(pid)"))
            }
        case .undoSkillChange(let pid):
            if let change = learning.undo(pid) { emitter.emit(.skillChange(change)) } else { emitter.emit(.warning("nothing to undo for \(pid)")) }
        case .undoMemoryChange(let entryID):
            undoMemoryChange(entryID)
        case .compress:
            // Idle: now. During a turn: before its next request, or when it ends (`turnEnded`).
            context.forced = true
            compressIfIdle()
        case .setGoal(let goal):
            guard current == nil, queue.isEmpty else {
                emitter.emit(.warning("a turn is running: set the goal after it ends (Esc stops it)"), submission: id)
                break
            }
            emitter.setSubmission(id)
            startGoal(goal, submission: id)
        case .clearGoal:
            endGoal(.stopped, "the goal was cleared")
        case .undoFiles, .redoFiles, .restoreCheckpoint:
            // Files are put back between turns only: a turn's tools must not race the restore.
            guard current == nil, queue.isEmpty else {
                emitter.emit(.warning("a turn is running: put files back after it ends (Esc stops it)"), submission: id)
                break
            }
            emitter.setSubmission(id)
            current = Task { [weak self] in
                await self?.restoreFiles(op)
                await self?.turnEnded()
            }
        case .killProcess(let pid):
            guard let table = services.processes else { break }
            Task { [emitter] in
                do throws(ToolArgumentError) { try await table.kill(pid) } catch { emitter.emit(.warning(error.message)) }
            }
        case .shutdown:
            guard closing == nil else { break }
            cancelAll()
            let running = current
            closing = Task { [emitter, weak self] in
                await running?.value
                await self?.finishSession()
                emitter.finish()
            }
        }
        return id
    }
}
