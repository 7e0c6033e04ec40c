import Foundation
import GRDB

/// A scheduled job as stored (`talaria cron`); its schedule in `CronSchedule`'s stored form.
public struct CronJobRecord: Sendable, Hashable, Codable {
    public var id: String
    public var schedule: String
    public var prompt: String
    /// Where the answer goes: `log`, `telegram:CHAT`, `slack:CHANNEL`…
    public var deliver: String
    public var workdir: String
    public var paused: Bool
    /// nil: nothing left to run (an `at` job after its run).
    public var nextRun: Date?
    public var lastRun: Date?
    /// `ok`, `failed: …`, `skipped` (a missed run the policy skipped).
    public var lastStatus: String?
    public var lastSession: String?
    public var createdAt: Date

    public init(id: String, schedule: String, prompt: String, deliver: String, workdir: String, paused: Bool = false,
                nextRun: Date?, lastRun: Date? = nil, lastStatus: String? = nil, lastSession: String? = nil, createdAt: Date) {
        self.id = id
        self.schedule = schedule
        self.prompt = prompt
        self.deliver = deliver
        self.workdir = workdir
        self.paused = paused
        self.nextRun = nextRun
        self.lastRun = lastRun
        self.lastStatus = lastStatus
        self.lastSession = lastSession
        self.createdAt = createdAt
    }

    static func from(_ row: Row) -> CronJobRecord {
        CronJobRecord(id: row["id"], schedule: row["schedule"], prompt: row["prompt"], deliver: row["deliver"], workdir: row["workdir"],
                      paused: (row["paused"] as Int? ?? 0) != 0,
                      nextRun: (row["next_run"] as Double?).map(Date.init(timeIntervalSince1970:)),
                      lastRun: (row["last_run"] as Double?).map(Date.init(timeIntervalSince1970:)),
                      lastStatus: row["last_status"], lastSession: row["last_session"],
                      createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}

extension SessionStore {
    /// Adds a job; its id is a short random one (`c-3f9a2b`).
    public func addCronJob(_ job: CronJobRecord) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO cron_job(id, schedule, prompt, deliver, workdir, paused, next_run, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [job.id, job.schedule, job.prompt, job.deliver, job.workdir, job.paused ? 1 : 0,
                                 job.nextRun?.timeIntervalSince1970, job.createdAt.timeIntervalSince1970])
        }
    }

    public static func makeCronID() -> String {
        "c-" + String(UInt32.random(in: 0...UInt32.max), radix: 16).leftPadded(to: 8)
    }

    /// Every job, by next run (those with none last).
    public func cronJobs() throws(StoreError) -> [CronJobRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM cron_job ORDER BY next_run IS NULL, next_run, created_at").map(CronJobRecord.from)
        }
    }

    /// The job `id` or the one its unique prefix names.
    public func cronJob(_ id: String) throws(StoreError) -> CronJobRecord {
        let rows = try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM cron_job WHERE id = ? OR id LIKE ? ESCAPE '\\' LIMIT 2",
                             arguments: [id, id.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"])
        }
        if let exact = rows.first(where: { ($0["id"] as String) == id }) { return CronJobRecord.from(exact) }
        guard rows.count == 1 else {
            throw StoreError(.notFound, rows.isEmpty ? "no scheduled job \(id) (talaria cron list shows them)" : "\(id) names more than one job; give more of its id")
        }
        return CronJobRecord.from(rows[0])
    }

    @discardableResult
    public func removeCronJob(_ id: String) throws(StoreError) -> CronJobRecord {
        let job = try cronJob(id)
        try write { db in try db.execute(sql: "DELETE FROM cron_job WHERE id = ?", arguments: [job.id]) }
        return job
    }

    public func setCronPaused(_ id: String, _ paused: Bool) throws(StoreError) -> CronJobRecord {
        var job = try cronJob(id)
        try write { db in try db.execute(sql: "UPDATE cron_job SET paused = ? WHERE id = ?", arguments: [paused ? 1 : 0, job.id]) }
        job.paused = paused
        return job
    }

    /// Jobs not paused whose next run is at or before `now`.
    public func dueCronJobs(at now: Date) throws(StoreError) -> [CronJobRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM cron_job WHERE paused = 0 AND next_run IS NOT NULL AND next_run <= ? ORDER BY next_run",
                             arguments: [now.timeIntervalSince1970]).map(CronJobRecord.from)
        }
    }

    /// The earliest next run of a job not paused.
    public func nextCronRun() throws(StoreError) -> Date? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(next_run) FROM cron_job WHERE paused = 0 AND next_run IS NOT NULL")
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    /// Moves a job's next run (before it runs, so a crash mid-run does not run it again at start).
    public func setCronNextRun(_ id: String, _ next: Date?) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE cron_job SET next_run = ? WHERE id = ?", arguments: [next?.timeIntervalSince1970, id])
        }
    }

    /// Records how a run went.
    public func recordCronRun(_ id: String, at: Date, status: String, session: String?) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE cron_job SET last_run = ?, last_status = ?, last_session = COALESCE(?, last_session) WHERE id = ?",
                           arguments: [at.timeIntervalSince1970, status, session, id])
        }
    }
}

extension String {
    fileprivate func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
