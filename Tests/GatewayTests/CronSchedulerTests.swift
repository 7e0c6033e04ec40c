import AgentProtocol
import Foundation
import Gateway
import Schedule
import Store
import Synchronization
import Testing
import TestSupport

/// A clock the test moves.
final class TestClock: Sendable {
    let now: Mutex<Date>
    init(_ start: Date) { now = Mutex(start) }
    func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var read: @Sendable () -> Date { { self.now.withLock { $0 } } }
}

@Suite("Cron scheduler")
struct CronSchedulerTests {
    static func job(_ schedule: CronSchedule, at created: Date, id: String = "c-1") -> CronJobRecord {
        CronJobRecord(id: id, schedule: schedule.stored, prompt: "say hi", deliver: "log", workdir: "/tmp",
                      nextRun: schedule.next(after: created), createdAt: created)
    }

    @Test("a job runs when due, its next run is set before it runs, a paused one waits, run now leaves the schedule alone")
    func due() async throws {
        let store = try SessionStore(inMemory: ())
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let clock = TestClock(start)
        let runs = Mutex<[String]>([])
        try store.addCronJob(Self.job(.every(seconds: 600), at: start))
        let scheduler = CronScheduler(store: store, missed: .runOnce, now: clock.read) { job in
            runs.withLock { $0.append(job.id) }
            // While it runs, its next run is already the following one.
            let next = try? store.cronJob(job.id).nextRun
            return CronRunOutcome(status: next == start.addingTimeInterval(1200) ? "ok" : "failed: next not moved", sessionID: nil, answer: "hi")
        }
        #expect(try await scheduler.tick() == 0)
        clock.advance(600)
        #expect(try await scheduler.tick() == 1)
        #expect(try await scheduler.tick() == 0, "not twice")
        var stored = try store.cronJob("c-1")
        #expect(stored.lastStatus == "ok" && stored.lastRun == start.addingTimeInterval(600))
        _ = try store.setCronPaused("c-1", true)
        clock.advance(600)
        #expect(try await scheduler.tick() == 0)
        _ = try store.setCronPaused("c-1", false)
        #expect(try await scheduler.tick() == 1)
        _ = try await scheduler.runNow("c-1")
        stored = try store.cronJob("c-1")
        #expect(stored.nextRun == start.addingTimeInterval(1800))
        #expect(runs.withLock { $0 } == ["c-1", "c-1", "c-1"])
    }

    @Test("runs missed while down: run_once runs one at start however many were missed; skip runs none and says so")
    func missed() async throws {
        for policy in MissedRuns.allCases {
            let store = try SessionStore(inMemory: ())
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            try store.addCronJob(Self.job(.every(seconds: 600), at: start))
            let clock = TestClock(start.addingTimeInterval(3 * 3600)) // down for 3 h: 18 runs missed
            let runs = Mutex(0)
            let scheduler = CronScheduler(store: store, missed: policy, now: clock.read) { _ in
                runs.withLock { $0 += 1 }
                return CronRunOutcome(status: "ok", sessionID: nil, answer: "")
            }
            try await scheduler.catchUp()
            #expect(try await scheduler.tick() == 0, "\(policy): the missed runs are not run again by the next tick")
            let job = try store.cronJob("c-1")
            #expect(runs.withLock { $0 } == (policy == .runOnce ? 1 : 0), "\(policy)")
            #expect(job.nextRun == clock.read().addingTimeInterval(600))
            if policy == .skip { #expect(job.lastStatus?.hasPrefix("skipped") == true) }
        }
    }

    @Test("a one-off job runs once and then has no next run")
    func once() async throws {
        let store = try SessionStore(inMemory: ())
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try store.addCronJob(Self.job(.at(start.addingTimeInterval(60)), at: start))
        let clock = TestClock(start.addingTimeInterval(61))
        let scheduler = CronScheduler(store: store, missed: .runOnce, now: clock.read) { _ in CronRunOutcome(status: "ok", sessionID: nil, answer: "") }
        #expect(try await scheduler.tick() == 1)
        clock.advance(3600)
        #expect(try await scheduler.tick() == 0)
        #expect(try store.cronJob("c-1").nextRun == nil)
        #expect(try store.cronJobs().count == 1, "kept, for its last run's record")
    }
}

@Suite("Cron delivery through the gateway", .serialized)
struct CronDeliveryTests {
    @Test("a job's run is a session of its own (source cron) whose answer reaches the chat it names; to log, the log file")
    func deliver() async throws {
        let f = try await GatewayFixture()
        let now = Date()
        try f.store.addCronJob(CronJobRecord(id: "c-chat", schedule: CronSchedule.every(seconds: 3600).stored, prompt: "report final=All_green",
                                             deliver: "telegram:111", workdir: f.dir.path, nextRun: now, createdAt: now))
        try f.store.addCronJob(CronJobRecord(id: "c-log", schedule: CronSchedule.every(seconds: 3600).stored, prompt: "note final=Logged_it",
                                             deliver: "log", workdir: f.dir.path, nextRun: now, createdAt: now))
        let logFile = f.dir.path + "/cron.log"
        let runner = CronRunner(host: f.host, gateway: f.gateway, logFile: logFile, log: { _ in })
        let scheduler = CronScheduler(store: f.store, missed: .runOnce) { await runner.run($0) }
        #expect(try await scheduler.tick() == 2)
        let texts = try await f.waitForTexts(to: 111, count: 1)
        #expect(texts.first?.contains("All green") == true, "\(texts)")
        #expect(try String(contentsOfFile: logFile, encoding: .utf8).contains("Logged it"))
        let job = try f.store.cronJob("c-chat")
        #expect(job.lastStatus == "ok")
        let session = try f.store.session(id: try #require(job.lastSession))
        #expect(session.source == "cron")
        await f.stop()
    }
}
