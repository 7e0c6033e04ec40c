import AgentProtocol
import AgentTools
import Foundation
import Store

/// `cronjob`: the agent schedules work on the user's request ("every morning at 9, summarise
/// the open issues"), lists the jobs, removes one. Jobs run in `talaria gateway` or
/// `talaria cron daemon`; each run is a session of its own whose answer is delivered.
public struct CronTool: Tool {
    public static let description = """
        Schedule a prompt to run later as its own session, and list or remove scheduled jobs. \
        Use only when the user asks for something to happen at a time or repeatedly. Give exactly \
        one of every ("10m", "2h", "1d"), cron (5 fields, local time: "0 9 * * 1-5") or at \
        ("2026-12-24 09:00"). The answer of each run is delivered to deliver: "log" (default), \
        "telegram:CHAT_ID" or "slack:CHANNEL". Jobs run while `talaria gateway` or \
        `talaria cron daemon` runs.
        """

    let store: SessionStore
    public init(store: SessionStore) { self.store = store }

    public var spec: ToolSpec {
        ToolSpec(name: "cronjob", description: Self.description, parameters: schema([
            "action": ["type": "string", "enum": ["add", "list", "remove"]],
            "prompt": ["type": "string", "description": "What the job asks, as a complete instruction (add)."],
            "every": ["type": "string", "description": "Interval, e.g. 10m, 2h, 1d (add)."],
            "cron": ["type": "string", "description": "Cron expression in local time, e.g. \"0 9 * * 1-5\" (add)."],
            "at": ["type": "string", "description": "Once, at YYYY-MM-DD HH:MM local time (add)."],
            "deliver": ["type": "string", "description": "log (default), telegram:CHAT_ID or slack:CHANNEL (add)."],
            "id": ["type": "string", "description": "The job to remove (remove)."],
        ], required: ["action"]))
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        do {
            switch try args.string("action") {
            case "add":
                let prompt = try args.string("prompt").trimmingCharacters(in: .whitespacesAndNewlines)
                guard !prompt.isEmpty else { return .error("the prompt is empty") }
                let given = [("every", try args.optionalString("every")), ("cron", try args.optionalString("cron")), ("at", try args.optionalString("at"))]
                    .compactMap { k, v in v.map { (k, $0) } }
                guard given.count == 1, let (kind, text) = given.first else { return .error("give exactly one of every, cron or at") }
                let schedule: CronSchedule
                do {
                    schedule = switch kind {
                    case "every": try CronSchedule.every(text)
                    case "cron": try CronSchedule.cron(text)
                    default: try CronSchedule.at(text)
                    }
                } catch { return .error(error.description) }
                let deliver = try args.optionalString("deliver") ?? "log"
                if let problem = DeliveryTarget.problem(deliver) { return .error(problem) }
                let now = Date()
                guard let next = schedule.next(after: now) else { return .error("\(schedule.display()) is in the past") }
                let job = CronJobRecord(id: SessionStore.makeCronID(), schedule: schedule.stored, prompt: prompt, deliver: deliver,
                                        workdir: context.cwd, nextRun: next, createdAt: now)
                try store.addCronJob(job)
                return ToolOutput(text: "Scheduled \(job.id): \(schedule.display()), next run \(Self.format(next)), delivered to \(deliver). "
                                  + "It runs while `talaria gateway` or `talaria cron daemon` runs.")
            case "list":
                let jobs = try store.cronJobs()
                if jobs.isEmpty { return ToolOutput(text: "No scheduled jobs.") }
                return ToolOutput(text: jobs.map(Self.line).joined(separator: "\n"))
            case "remove":
                let job = try store.removeCronJob(try args.string("id"))
                return ToolOutput(text: "Removed \(job.id) (\(job.prompt.prefix(60))).")
            case let other:
                return .error("unknown action '\(other)': use add, list or remove")
            }
        } catch let e as ToolArgumentError {
            return .error(e.message)
        } catch {
            return .error("\(error)")
        }
    }

    static func format(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: d)
    }

    public static func line(_ job: CronJobRecord) -> String {
        let schedule = CronSchedule(stored: job.schedule)?.display() ?? job.schedule
        let next = job.paused ? "paused" : job.nextRun.map { "next " + format($0) } ?? "done"
        let last = job.lastRun.map { "last " + format($0) + " " + (job.lastStatus ?? "") } ?? "never ran"
        return "\(job.id)  \(schedule)  \(next)  \(last)  → \(job.deliver)  \(job.prompt.prefix(70))"
    }
}

/// Where a job's answer goes.
public enum DeliveryTarget: Sendable, Hashable {
    case log
    case chat(platform: String, chat: String)

    public static let platforms = ["telegram", "discord", "slack", "whatsapp", "signal"]

    public init?(_ text: String) {
        if text == "log" { self = .log; return }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, Self.platforms.contains(parts[0]), !parts[1].isEmpty else { return nil }
        self = .chat(platform: parts[0], chat: parts[1])
    }

    /// Why `text` is not a target, or nil.
    public static func problem(_ text: String) -> String? {
        DeliveryTarget(text) == nil ? "'\(text)' is not a delivery target: use log or PLATFORM:CHAT (\(platforms.joined(separator: ", ")))" : nil
    }
}
