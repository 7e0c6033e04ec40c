import AgentProtocol
import Foundation

extension Agent {
    /// Shows the model's question to the session's front-ends and waits for the answer (or an
    /// interrupt, which cancels it).
    func askUser(_ request: ClarifyRequest) async -> ClarifyAnswer {
        guard !Task.isCancelled else { return .cancelled }
        notificationHook("Talaria asks: \(request.question)")
        return await withCheckedContinuation { c in
            questions[request.callID] = c
            emitter.emit(.clarifyRequested(request))
        }
    }

    /// The user's answer to the question of `callID`; dropped when none waits (answered twice).
    func answerQuestion(_ callID: String, _ answer: ClarifyAnswer) {
        questions.removeValue(forKey: callID)?.resume(returning: answer)
    }

    /// Every waiting question ends unanswered (the turn was interrupted).
    func cancelQuestions() {
        for (_, waiter) in questions { waiter.resume(returning: .cancelled) }
        questions.removeAll()
    }
}
