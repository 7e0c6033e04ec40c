import Foundation

/// When a job runs: every fixed interval, on a cron expression in local time, or once.
///
/// Stored as text (`every 600`, `cron 0 9 * * 1-5`, `at 1798099200`) and shown to people as
/// `every 10m`, `0 9 * * 1-5`, `at 2026-12-24 09:00`.
public enum CronSchedule: Sendable, Hashable {
    case every(seconds: Int)
    case cron(CronExpression)
    case at(Date)

    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    /// `10m`, `30s`, `2h`, `1d`, `1h30m`: at least a minute.
    public static func every(_ text: String) throws(ParseError) -> CronSchedule {
        var total = 0, number = "", sawUnit = false
        for c in text.lowercased() where c != " " {
            if c.isNumber { number.append(c); continue }
            let unit: Int
            switch c {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            case "w": unit = 7 * 86_400
            default: throw ParseError("'\(text)' is not an interval: use a number and s, m, h, d or w, e.g. 10m, 2h, 1h30m")
            }
            guard let n = Int(number) else { throw ParseError("'\(text)': a unit needs a number before it, e.g. 10m") }
            total += n * unit
            number = ""
            sawUnit = true
        }
        guard sawUnit, number.isEmpty else { throw ParseError("'\(text)' is not an interval: end it with a unit (s, m, h, d, w), e.g. 10m") }
        guard total >= 60 else { throw ParseError("'\(text)' is shorter than a minute; the shortest interval is 1m") }
        return .every(seconds: total)
    }

    /// A five-field cron expression (minute hour day-of-month month day-of-week).
    public static func cron(_ text: String) throws(ParseError) -> CronSchedule { .cron(try CronExpression(text)) }

    /// `2026-12-24 09:00` (local time; seconds and a `T` allowed) or an ISO 8601 time with a zone.
    public static func at(_ text: String, timeZone: TimeZone = .current) throws(ParseError) -> CronSchedule {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let iso = ISO8601DateFormatter()
        if let d = iso.date(from: trimmed) { return .at(d) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        for format in ["yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd"] {
            f.dateFormat = format
            if let d = f.date(from: trimmed) { return .at(d) }
        }
        throw ParseError("'\(text)' is not a time: use YYYY-MM-DD HH:MM (local time), e.g. 2026-12-24 09:00")
    }

    /// The first run strictly after `date` (nil: an `at` time already past).
    public func next(after date: Date, calendar: Calendar = .current) -> Date? {
        switch self {
        case .every(let seconds): return date.addingTimeInterval(Double(seconds))
        case .cron(let expression): return expression.next(after: date, calendar: calendar)
        case .at(let time): return time > date ? time : nil
        }
    }

    /// Stored form (``init(stored:)`` reads it back).
    public var stored: String {
        switch self {
        case .every(let s): "every \(s)"
        case .cron(let e): "cron \(e.text)"
        case .at(let d): "at \(Int(d.timeIntervalSince1970))"
        }
    }

    public init?(stored: String) {
        let parts = stored.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "every": guard let s = Int(parts[1]) else { return nil }; self = .every(seconds: s)
        case "cron": guard let e = try? CronExpression(parts[1]) else { return nil }; self = .cron(e)
        case "at": guard let t = Double(parts[1]) else { return nil }; self = .at(Date(timeIntervalSince1970: t))
        default: return nil
        }
    }

    /// As a person reads it.
    public func display(timeZone: TimeZone = .current) -> String {
        switch self {
        case .every(let s):
            var rest = s, out = ""
            for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
                out += "\(rest / size)\(unit)"
                rest %= size
            }
            return "every " + out
        case .cron(let e): return e.text
        case .at(let d):
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = timeZone
            f.dateFormat = "yyyy-MM-dd HH:mm"
            return "at " + f.string(from: d)
        }
    }
}

/// `minute hour day-of-month month day-of-week`, as cron reads it: `*`, numbers, ranges `1-5`,
/// lists `1,15`, steps `*/15` and `0-30/10`, month and day names (`jan`, `mon`), 7 as Sunday.
/// When both day fields are restricted a day matching either runs (cron's rule).
public struct CronExpression: Sendable, Hashable {
    public let text: String
    let minutes: Set<Int>, hours: Set<Int>, days: Set<Int>, months: Set<Int>, weekdays: Set<Int>
    let daysRestricted: Bool, weekdaysRestricted: Bool

    public init(_ text: String) throws(CronSchedule.ParseError) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronSchedule.ParseError("'\(text)' has \(fields.count) field\(fields.count == 1 ? "" : "s"); cron needs 5: minute hour day month weekday, e.g. \"0 9 * * 1-5\"")
        }
        self.text = fields.joined(separator: " ")
        let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        minutes = try Self.field(fields[0], "minute", 0...59, names: [])
        hours = try Self.field(fields[1], "hour", 0...23, names: [])
        days = try Self.field(fields[2], "day of month", 1...31, names: [])
        months = try Self.field(fields[3], "month", 1...12, names: monthNames, nameBase: 1)
        weekdays = Set(try Self.field(fields[4], "day of week", 0...7, names: dayNames).map { $0 % 7 })
        daysRestricted = fields[2] != "*"
        weekdaysRestricted = fields[4] != "*"
    }

    static func field(_ text: String, _ what: String, _ range: ClosedRange<Int>, names: [String], nameBase: Int = 0) throws(CronSchedule.ParseError) -> Set<Int> {
        func value(_ s: Substring) throws(CronSchedule.ParseError) -> Int {
            if let n = Int(s), range.contains(n) { return n }
            if let i = names.firstIndex(of: s.lowercased()) { return i + nameBase }
            throw CronSchedule.ParseError("'\(s)' is not a \(what) (\(range.lowerBound)–\(range.upperBound)\(names.isEmpty ? "" : " or a name like \(names[0])"))")
        }
        var out = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = part.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2, !stepParts[0].isEmpty else { throw CronSchedule.ParseError("'\(part)' is not a \(what)") }
            var step = 1
            if stepParts.count == 2 {
                guard let s = Int(stepParts[1]), s >= 1 else { throw CronSchedule.ParseError("'\(part)': the step after / must be a whole number ≥ 1") }
                step = s
            }
            let lo: Int, hi: Int
            if stepParts[0] == "*" {
                (lo, hi) = (range.lowerBound, range.upperBound)
            } else if let dash = stepParts[0].firstIndex(of: "-") {
                lo = try value(stepParts[0][..<dash])
                hi = try value(stepParts[0][stepParts[0].index(after: dash)...])
                guard lo <= hi else { throw CronSchedule.ParseError("'\(part)': the range runs backwards") }
            } else {
                lo = try value(stepParts[0])
                hi = stepParts.count == 2 ? range.upperBound : lo
            }
            out.formUnion(stride(from: lo, through: hi, by: step))
        }
        return out
    }

    func matchesDay(_ day: Int, weekday: Int, month: Int) -> Bool {
        guard months.contains(month) else { return false }
        switch (daysRestricted, weekdaysRestricted) {
        case (true, true): return days.contains(day) || weekdays.contains(weekday)
        case (true, false): return days.contains(day)
        case (false, true): return weekdays.contains(weekday)
        case (false, false): return true
        }
    }

    /// The first matching minute strictly after `date`, in `calendar`'s time zone. A local time
    /// a clock change skips runs at the same wall time shifted past the gap (02:30 on the night
    /// the clocks go 02:00→03:00 runs at 03:30); one it repeats runs once, at the first. Nil when
    /// nothing matches in eight years (`0 0 31 2 *`).
    public func next(after date: Date, calendar: Calendar) -> Date? {
        let sortedHours = hours.sorted(), sortedMinutes = minutes.sorted()
        var day = calendar.startOfDay(for: date)
        for _ in 0..<(366 * 8) {
            let c = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if matchesDay(c.day!, weekday: c.weekday! - 1, month: c.month!) {
                for h in sortedHours {
                    for m in sortedMinutes {
                        var want = DateComponents()
                        (want.year, want.month, want.day, want.hour, want.minute) = (c.year, c.month, c.day, h, m)
                        guard let t = calendar.date(from: want), t > date else { continue }
                        // Inside a repeated hour, the second pass of a wall time is not a new run.
                        return t
                    }
                }
            }
            guard let nextDay = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = calendar.startOfDay(for: nextDay)
        }
        return nil
    }
}
