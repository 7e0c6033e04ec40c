import Foundation
import Schedule
import Testing

@Suite("Cron schedules")
struct CronScheduleTests {
    static let berlin: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "Europe/Berlin")!
        return c
    }()

    static func local(_ s: String) -> Date {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = berlin.timeZone
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.date(from: s)!
    }

    static func show(_ d: Date?) -> String {
        guard let d else { return "none" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = berlin.timeZone
        f.dateFormat = "yyyy-MM-dd HH:mm zzz"
        return f.string(from: d)
    }

    @Test("intervals parse; what is not one says why", arguments: [
        ("10m", 600), ("2h", 7200), ("1d", 86_400), ("1h30m", 5400), ("90s", 90), ("1w", 604_800),
    ])
    func every(_ text: String, _ seconds: Int) throws {
        #expect(try CronSchedule.every(text) == .every(seconds: seconds))
    }

    @Test("bad intervals are refused with a reason", arguments: ["", "10", "m", "30s", "10x", "1.5h", "-5m"])
    func badEvery(_ text: String) {
        #expect(throws: CronSchedule.ParseError.self) { try CronSchedule.every(text) }
    }

    @Test("cron expressions: the next run after a moment", arguments: [
        ("0 9 * * 1-5", "2026-12-04 10:00", "2026-12-07 09:00 GMT+1"),     // Friday after nine → Monday
        ("*/15 * * * *", "2026-12-04 10:07", "2026-12-04 10:15 GMT+1"),
        ("0 0 1 * *", "2026-12-04 10:00", "2027-01-01 00:00 GMT+1"),
        ("30 8 * jan mon", "2026-12-04 10:00", "2027-01-04 08:30 GMT+1"),  // both day fields: month Jan and Monday
        ("0 12 13 * 5", "2026-12-04 10:00", "2026-12-04 12:00 GMT+1"),     // day 13 OR Friday: today is Friday
        ("0 0 29 2 *", "2026-12-04 10:00", "2028-02-29 00:00 GMT+1"),
        ("5,35 */6 * * 7", "2026-12-05 23:00", "2026-12-06 00:05 GMT+1"),  // 7 is Sunday
        ("0-10/5 3 * * *", "2026-12-04 03:06", "2026-12-04 03:10 GMT+1"),
        ("0 0 31 2 *", "2026-12-04 10:00", "none"),
    ])
    func cron(_ expression: String, _ after: String, _ expected: String) throws {
        let schedule = try CronSchedule.cron(expression)
        #expect(Self.show(schedule.next(after: Self.local(after), calendar: Self.berlin)) == expected)
    }

    @Test("bad cron expressions say which field is wrong", arguments: [
        ("0 9 * *", "4 fields"), ("60 * * * *", "minute"), ("* 24 * * *", "hour"), ("* * 0 * *", "day of month"),
        ("* * * 13 *", "month"), ("* * * * 8", "day of week"), ("*/0 * * * *", "step"), ("5-1 * * * *", "backwards"), ("x * * * *", "minute"),
    ])
    func badCron(_ expression: String, _ mentions: String) {
        do {
            _ = try CronSchedule.cron(expression)
            Issue.record("accepted \(expression)")
        } catch {
            #expect(error.description.contains(mentions), "\(error.description)")
        }
    }

    @Test("across the clocks' changes: a skipped local time runs after the gap, a repeated one runs once")
    func dst() throws {
        let daily = try CronSchedule.cron("30 2 * * *")
        // 2026-03-29: 02:00 → 03:00 in Berlin. 02:30 does not exist that night.
        let spring = daily.next(after: Self.local("2026-03-29 00:00"), calendar: Self.berlin)
        #expect(Self.show(spring) == "2026-03-29 03:30 GMT+2")
        #expect(Self.show(daily.next(after: spring!, calendar: Self.berlin)) == "2026-03-30 02:30 GMT+2")
        // 2026-10-25: 03:00 → 02:00; 02:30 happens twice, the job runs at the first.
        let autumn = daily.next(after: Self.local("2026-10-25 00:00"), calendar: Self.berlin)
        #expect(Self.show(autumn) == "2026-10-25 02:30 GMT+2")
        #expect(Self.show(daily.next(after: autumn!, calendar: Self.berlin)) == "2026-10-26 02:30 GMT+1")
        // An interval is absolute time: ten minutes are ten minutes across the change.
        let every = CronSchedule.every(seconds: 600)
        #expect(every.next(after: autumn!)!.timeIntervalSince(autumn!) == 600)
    }

    @Test("one-off times: local, with a T, ISO with a zone; past ones have no next run")
    func at() throws {
        let tz = Self.berlin.timeZone
        let a = try CronSchedule.at("2026-12-24 09:00", timeZone: tz)
        #expect(try CronSchedule.at("2026-12-24T09:00", timeZone: tz) == a)
        #expect(try CronSchedule.at("2026-12-24T08:00:00Z", timeZone: tz) == a)
        #expect(a.next(after: Self.local("2026-12-01 00:00")) == Self.local("2026-12-24 09:00"))
        #expect(a.next(after: Self.local("2026-12-25 00:00")) == nil)
        #expect(throws: CronSchedule.ParseError.self) { try CronSchedule.at("tomorrow", timeZone: tz) }
    }

    @Test("stored forms read back; display is for people")
    func stored() throws {
        for s in [try CronSchedule.every("1h30m"), try CronSchedule.cron("0 9 * * 1-5"), try CronSchedule.at("2026-12-24 09:00")] {
            #expect(CronSchedule(stored: s.stored) == s)
        }
        #expect(try CronSchedule.every("1h30m").display() == "every 1h30m")
        #expect(CronSchedule(stored: "weekly nonsense") == nil)
    }
}
