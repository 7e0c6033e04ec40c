/// A prompt running in a session of its own while the user keeps talking (`/background`).
public struct BackgroundTask: Sendable, Hashable {
    public var sessionID: String
    public var prompt: String
    /// nil while running; else done, failed, cancelled, out of budget.
    public var status: String?
    /// The start of its answer (or why it has none), once it ended.
    public var answer: String
    public var elapsedMs: Int?

    public init(sessionID: String, prompt: String, status: String? = nil, answer: String = "", elapsedMs: Int? = nil) {
        self.sessionID = sessionID
        self.prompt = prompt
        self.status = status
        self.answer = answer
        self.elapsedMs = elapsedMs
    }
}
