import AgentProtocol
import Foundation
import Schedule
import SessionHost
import Store

/// Runs a scheduled job as a headless session of its own and delivers its answer: to a chat
/// through the gateway's platform, or to `logs/cron.log`.
public struct CronRunner: Sendable {
    let host: SessionHost
    let gateway: Gateway?
    let logFile: String
    let log: @Sendable (String) -> Void

    public init(host: SessionHost, gateway: Gateway?, logFile: String, log: @escaping @Sendable (String) -> Void) {
        self.host = host
        self.gateway = gateway
        self.logFile = logFile
        self.log = log
    }

    public func run(_ job: CronJobRecord) async -> CronRunOutcome {
        log("cron \(job.id): running")
        var outcome = await answer(job)
        let text = outcome.status == "ok" ? outcome.answer : "Scheduled job \(job.id) failed: \(outcome.status.dropFirst(8))"
        switch DeliveryTarget(job.deliver) {
        case .chat(let platform, let chat)?:
            do {
                guard let gateway else { throw PlatformError(.rejected, "no gateway runs here to deliver to \(platform)") }
                try await gateway.deliver("⏰ \(job.prompt.prefix(80))\n\n" + text, platform: platform, chat: chat)
            } catch {
                outcome.status = outcome.status == "ok" ? "failed: not delivered: \(error)" : outcome.status
                appendLog(job, text: text + "\n(not delivered to \(job.deliver): \(error))")
            }
        case .log?, nil:
            appendLog(job, text: text)
        }
        log("cron \(job.id): \(outcome.status)")
        return outcome
    }

    private func answer(_ job: CronJobRecord) async -> CronRunOutcome {
        let session: HostedSession
        do { session = try await host.open(SessionRequest(cwd: job.workdir, source: .cron, interactive: false)) } catch {
            return CronRunOutcome(status: "failed: \(error)", sessionID: nil, answer: "")
        }
        defer { Task { await host.close(session.id) } }
        let attachment = await session.attach(.observer)
        let submission: Int
        do { submission = try await session.submit(.userTurn(UserTurn(text: job.prompt))) } catch {
            return CronRunOutcome(status: "failed: \(error)", sessionID: session.id, answer: "")
        }
        for await e in attachment.events where e.submissionID == submission {
            switch e.event {
            case .turnCompleted(let done): return CronRunOutcome(status: "ok", sessionID: session.id, answer: done.finalText)
            case .turnAborted(let a): return CronRunOutcome(status: "failed: \(a.message)", sessionID: session.id, answer: "")
            default: continue
            }
        }
        return CronRunOutcome(status: "failed: the session ended without an answer", sessionID: session.id, answer: "")
    }

    private func appendLog(_ job: CronJobRecord, text: String) {
        let f = ISO8601DateFormatter()
        let entry = "## \(f.string(from: Date())) \(job.id): \(job.prompt.prefix(80))\n\n\(text)\n\n"
        try? FileManager.default.createDirectory(atPath: (logFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if let h = FileHandle(forWritingAtPath: logFile) {
            h.seekToEndOfFile()
            h.write(Data(entry.utf8))
            try? h.close()
        } else {
            FileManager.default.createFile(atPath: logFile, contents: Data(entry.utf8), attributes: [.posixPermissions: 0o600])
        }
    }
}
