import Foundation
import Store

/// What one run of a job came to.
public struct CronRunOutcome: Sendable, Hashable {
    /// `ok`, or `failed: why`.
    public var status: String
    public var sessionID: String?
    public var answer: String

    public init(status: String, sessionID: String?, answer: String) {
        self.status = status
        self.sessionID = sessionID
        self.answer = answer
    }
}

/// What to do with runs missed while nothing was running (config.yaml `cron.missed`).
public enum MissedRuns: String, Sendable, Hashable, CaseIterable {
    /// One run at start, however many were missed.
    case runOnce = "run_once"
    /// None: the next run is the next one due from now.
    case skip
}

/// Runs the stored jobs when they are due. The clock is injected (tests move it); each job's
/// next run is written before the job runs, so a crash mid-run does not run it again at start.
public actor CronScheduler {
    let store: SessionStore
    let missed: MissedRuns
    let calendar: Calendar
    let now: @Sendable () -> Date
    let runJob: @Sendable (CronJobRecord) async -> CronRunOutcome
    /// Runs due by more than this at start count as missed.
    static let grace: TimeInterval = 60

    public init(store: SessionStore, missed: MissedRuns, calendar: Calendar = .current, now: @escaping @Sendable () -> Date = { Date() },
                run: @escaping @Sendable (CronJobRecord) async -> CronRunOutcome) {
        self.store = store
        self.missed = missed
        self.calendar = calendar
        self.now = now
        runJob = run
    }

    /// At start: runs missed while down are run once or skipped, as the policy says.
    public func catchUp() async throws(StoreError) {
        let t = now()
        for job in try store.dueCronJobs(at: t.addingTimeInterval(-Self.grace)) {
            guard let schedule = CronSchedule(stored: job.schedule) else { continue }
            switch missed {
            case .runOnce: _ = try await run(job, schedule: schedule, at: t)
            case .skip:
                try store.setCronNextRun(job.id, schedule.next(after: t, calendar: calendar))
                try store.recordCronRun(job.id, at: t, status: "skipped (missed while nothing ran)", session: nil)
            }
        }
    }

    /// Runs every job due now, one after another; returns how many ran.
    @discardableResult
    public func tick() async throws(StoreError) -> Int {
        let t = now()
        var ran = 0
        for job in try store.dueCronJobs(at: t) {
            guard let schedule = CronSchedule(stored: job.schedule) else {
                try store.setCronNextRun(job.id, nil)
                try store.recordCronRun(job.id, at: t, status: "failed: the schedule '\(job.schedule)' cannot be read", session: nil)
                continue
            }
            _ = try await run(job, schedule: schedule, at: t)
            ran += 1
        }
        return ran
    }

    /// Runs job `id` now, whatever its schedule (`talaria cron run`); its next run stays.
    public func runNow(_ id: String) async throws(StoreError) -> CronRunOutcome {
        let job = try store.cronJob(id)
        let outcome = await runJob(job)
        try store.recordCronRun(job.id, at: now(), status: outcome.status, session: outcome.sessionID)
        return outcome
    }

    private func run(_ job: CronJobRecord, schedule: CronSchedule, at t: Date) async throws(StoreError) -> CronRunOutcome {
        try store.setCronNextRun(job.id, schedule.next(after: t, calendar: calendar))
        let outcome = await runJob(job)
        try store.recordCronRun(job.id, at: t, status: outcome.status, session: outcome.sessionID)
        return outcome
    }

    /// Ticks until cancelled: wakes at the next due run (at least every 30 s, so jobs added by
    /// another process are noticed).
    public func run() async {
        try? await catchUp()
        while !Task.isCancelled {
            _ = try? await tick()
            let next = (try? store.nextCronRun()) ?? nil
            let wait = min(30, max(0.2, (next ?? now().addingTimeInterval(30)).timeIntervalSince(now())))
            try? await Task.sleep(for: .seconds(wait))
        }
    }
}
