import AgentProtocol
import Foundation
import SessionHost

/// Prints agent events for scripts: the answer on stdout, progress and errors on stderr,
/// or every event as a JSON line (`--json`).
actor HeadlessPrinter {
    let json: Bool
    let verbose: Bool
    private var lastAbort: AbortReason?
    private var reachedLimit = false
    private var wroteText = false
    private var endedWithNewline = true
    private var inReasoning = false
    /// Turns whose end (completed or aborted) has been printed.
    private(set) var turnsEnded = 0
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Answers approval requests and the model's questions on the terminal (line mode); `nil`
    /// in `-p`, where approvals are refused (and the model is told nobody is there to ask).
    let askUser: (@Sendable (UserAsk) async -> Void)?

    init(json: Bool, verbose: Bool, askUser: (@Sendable (UserAsk) async -> Void)? = nil) {
        self.json = json
        self.verbose = verbose
        self.askUser = askUser
    }

    /// Prints what the session reported before the printer attached (its configuration,
    /// at least), then the live events.
    func consume(_ history: [EventEnvelope], then events: AsyncStream<EventEnvelope>) async {
        for envelope in history { handle(envelope) }
        for await envelope in events {
            handle(envelope)
            if let ask = envelope.event.ask, let askUser { await askUser(ask) }
        }
    }

    /// The exit code the last turn deserves.
    func exitStatus() -> ExitStatus {
        switch lastAbort {
        case .failed?: .failed
        case .interrupted?: .interrupted
        case .maxIterations?: .iterationLimit
        case nil: reachedLimit ? .iterationLimit : .success
        }
    }

    private func out(_ s: String) {
        guard !s.isEmpty else { return }
        FileHandle.standardOutput.write(Data(s.utf8))
        endedWithNewline = s.hasSuffix("\n")
    }

    private func handle(_ envelope: EventEnvelope) {
        if inReasoning, !envelope.event.isReasoning {
            inReasoning = false
            FileHandle.standardError.write(Data("\n".utf8))
        }
        if json {
            if let data = try? encoder.encode(envelope) { out(String(decoding: data, as: UTF8.self) + "\n") }
            track(envelope.event)
            return
        }
        switch envelope.event {
        case .messageDelta(_, let text):
            wroteText = true
            out(text)
        case .reasoningDelta(_, let text):
            if verbose {
                if !inReasoning { FileHandle.standardError.write(Data("💭 ".utf8)) }
                inReasoning = true
                FileHandle.standardError.write(Data(text.utf8))
            }
        case .messageCompleted(let m):
            if !m.text.isEmpty && !endedWithNewline { out("\n") }
        case .toolCallBegan(let b):
            if verbose { printError("▸ \(b.name) \(b.arguments.prefix(200))") }
        case .toolCallEnded(let e):
            if verbose || e.status == .denied { printError("  \(e.name): \(e.status.rawValue) (\(e.elapsedMs) ms)") }
        case .toolOutputDelta:
            break
        case .retrying(let r):
            printError("talaria: \(r.reason); retrying in \(String(format: "%.1f", Double(r.delayMs) / 1000)) s (\(r.attempt)/\(r.maxAttempts))")
        case .warning(let w):
            printError("talaria: warning: \(w)")
        case .error(let e):
            printError("talaria: error: \(e.message)")
        case .approvalRequested(let a):
            if askUser == nil {
                printError("talaria: '\(a.command)' needs approval (\(a.reason)); refused. Rerun with --yes to allow.")
            }
        case .process(let p):
            // Output stays with the tool's reads; the start and end are worth a line.
            if verbose, p.output == nil { printError("talaria: process \(p.id) \(p.state.rawValue)\(p.exitCode.map { " (exit code \($0))" } ?? ""): \(p.command)") }
        case .clarifyRequested:
            break // asked by `askUser`; in `-p` the model was answered that nobody is there
        case .turnAborted(let a):
            if a.reason == .interrupted { printError("talaria: interrupted") }
            if a.reason == .maxIterations { printError("talaria: \(a.message)") }
        case .turnCompleted(let c):
            if wroteText && !endedWithNewline { out("\n") }
            switch c.stoppedBy {
            case .iterationLimit?: printError("talaria: stopped at the iteration limit")
            case .loopGuard?: printError("talaria: stopped: the model was repeating itself (loop_guard)")
            case nil: break
            }
        case .skillProposal(let p):
            if !p.applied {
                printError("talaria: skill proposal (\(p.action.rawValue) \(p.name)): \(p.reason) — not applied; accept proposals in the TUI, or set skills: {auto_accept: true}")
            }
        case .skillChange(let c):
            printError("talaria: \(c.message)")
        case .memoryUpdate(let m):
            if verbose { printError("talaria: memory \(m.action) (\(m.target)): \(m.text)") }
        case .contextCompressed(let c):
            printError("talaria: \(c.message)")
        case .checkpoint(let c):
            if verbose { printError("talaria: checkpoint \(c.id) (talaria checkpoints restore \(c.id) puts the files back)") }
        case .goal(let g):
            printError("talaria: goal \(g.state.rawValue): \(g.message)")
        case .plan(let items):
            if verbose { printError("talaria: " + items.rendered.replacingOccurrences(of: "\n", with: "\n  ")) }
        case .filesRestored(let r):
            printError("talaria: \(r.message)")
        case .hook(let h):
            printError("talaria: hook \(h.event.rawValue) (\(h.command)): \(h.outcome.rawValue): \(h.message)")
        case .subagent(let u):
            guard verbose else { break }
            switch u.phase {
            case .started: printError("▸ subagent \(u.index)/\(u.count): \(u.goal.prefix(100)) (session \(u.sessionID))")
            case .working, .toolEnded, .said: break
            case .finished(let status, let ms): printError("  subagent \(u.index): \(status) (\(ms) ms)")
            }
        case .sessionConfigured, .turnStarted, .userMessage, .usage:
            break
        }
        track(envelope.event)
    }

    /// Waits until `count` turns have ended on screen, so line mode's next prompt never lands in
    /// the middle of an answer still being printed (at most 10 s: an event is never lost, but a
    /// prompt must not wait forever on one).
    func waitForTurnsEnded(_ count: Int) async {
        let deadline = ContinuousClock.now + .seconds(10)
        while turnsEnded < count, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
    }

    private func track(_ event: AgentEvent) {
        switch event {
        case .turnStarted: lastAbort = nil; reachedLimit = false
        case .turnAborted(let a): lastAbort = a.reason; turnsEnded += 1
        case .turnCompleted(let c): reachedLimit = c.stoppedBy != nil; turnsEnded += 1
        default: break
        }
    }
}

extension AgentEvent {
    var isReasoning: Bool { if case .reasoningDelta = self { return true }; return false }
}
