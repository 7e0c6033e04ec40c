import AgentProtocol
import ArgumentParser
import Config
import Foundation
import Gateway
import Schedule
import SessionHost
import Store

/// `talaria cron add | list | rm | run | pause | resume | daemon`.
struct CronCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron",
        abstract: "Scheduled prompts: each run is a session of its own, its answer delivered to a chat or the log.",
        discussion: "Jobs run while `talaria gateway` or `talaria cron daemon` runs.",
        subcommands: [Add.self, List.self, Remove.self, RunNow.self, Pause.self, Resume.self, Daemon.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Schedule a prompt.")
        @Option(help: "An interval: 10m, 2h, 1d, 1h30m.") var every: String?
        @Option(help: "A cron expression in local time, e.g. \"0 9 * * 1-5\".") var cron: String?
        @Option(help: "Once, at \"YYYY-MM-DD HH:MM\" local time.") var at: String?
        @Option(help: "Where the answer goes: log (default), telegram:CHAT, slack:CHANNEL…") var deliver = "log"
        @Option(help: "The folder the job works in (default: this one).") var workdir: String?
        @Argument(help: "What the job asks.") var prompt: String

        func run() async throws {
            let given = [every.map { ("every", $0) }, cron.map { ("cron", $0) }, at.map { ("at", $0) }].compactMap { $0 }
            guard given.count == 1, let (kind, text) = given.first else { throw ValidationError("give exactly one of --every, --cron or --at") }
            let schedule: CronSchedule
            do {
                schedule = switch kind {
                case "every": try .every(text)
                case "cron": try .cron(text)
                default: try .at(text)
                }
            } catch { throw ValidationError(error.description) }
            if let problem = DeliveryTarget.problem(deliver) { throw ValidationError(problem) }
            let now = Date()
            guard let next = schedule.next(after: now) else { throw ValidationError("\(schedule.display()) is in the past") }
            let dir = UserHome.expand(workdir ?? FileManager.default.currentDirectoryPath)
            let job = CronJobRecord(id: SessionStore.makeCronID(), schedule: schedule.stored, prompt: prompt, deliver: deliver,
                                    workdir: (dir as NSString).standardizingPath, nextRun: next, createdAt: now)
            try SessionsCommand.openStore().addCronJob(job)
            print("\(job.id)  \(schedule.display())  next \(SessionsCommand.date(next))  → \(deliver)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The jobs: schedule, next and last run, where answers go.")
        @Flag(help: "One JSON object per job.") var json = false
        func run() async throws {
            let jobs = try SessionsCommand.openStore().cronJobs()
            if json { jobs.forEach { print(SessionsCommand.jsonLine(JobLine($0))) }; return }
            if jobs.isEmpty { print("no scheduled jobs (talaria cron add --every 1h \"…\")"); return }
            for j in jobs { print(CronTool.line(j)) }
        }
    }

    /// A job as `cron list --json` prints it (the shape of `sessions list --json`: flat, dates ISO 8601).
    struct JobLine: Encodable {
        var id: String, schedule: String, prompt: String, deliver: String, workdir: String, paused: Bool
        var nextRun: Date?, lastRun: Date?, lastStatus: String?, lastSession: String?, createdAt: Date
        init(_ j: CronJobRecord) {
            (id, prompt, deliver, workdir, paused) = (j.id, j.prompt, j.deliver, j.workdir, j.paused)
            schedule = CronSchedule(stored: j.schedule)?.display() ?? j.schedule
            (nextRun, lastRun, lastStatus, lastSession, createdAt) = (j.nextRun, j.lastRun, j.lastStatus, j.lastSession, j.createdAt)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a job.")
        @Argument var id: String
        func run() async throws {
            let job = try SessionsCommand.openStore().removeCronJob(id)
            print("removed \(job.id)")
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop a job from running until resumed.")
        @Argument var id: String
        func run() async throws { print(CronTool.line(try SessionsCommand.openStore().setCronPaused(id, true))) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "resume", abstract: "Let a paused job run again.")
        @Argument var id: String
        func run() async throws { print(CronTool.line(try SessionsCommand.openStore().setCronPaused(id, false))) }
    }

    struct RunNow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a job now and print its answer (delivered as usual too).")
        @Argument var id: String
        @OptionGroup var endpoint: EndpointOptions
        func run() async throws {
            let runtime = try await GatewayRuntime.start(endpoint.overrides, withGateway: true)
            let outcome = try await runtime.scheduler.runNow(id)
            await runtime.stop()
            print(outcome.status == "ok" ? outcome.answer : outcome.status)
            if outcome.status != "ok" { throw ExitStatus.failed }
        }
    }

    struct Daemon: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "daemon", abstract: "Run the jobs when they are due (when no gateway runs).")
        @OptionGroup var endpoint: EndpointOptions
        func run() async throws {
            let runtime = try await GatewayRuntime.start(endpoint.overrides, withGateway: false)
            printError("talaria cron: running jobs (\(try runtime.host.store.cronJobs().count) scheduled); Ctrl-C stops")
            await runtime.runUntilSignal(gateway: false)
        }
    }
}
