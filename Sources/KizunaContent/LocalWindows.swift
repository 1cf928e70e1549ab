import KizunaCore

/// A month and day (`MM-DD`) of no particular year, for windows that come back every year.
public struct MonthDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let month: Int
    public let day: Int

    /// Parses `MM-DD` exactly. Any day of a leap year is valid, so `02-29` is, and `02-30` is not.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let m = Int(parts[0]), let d = Int(parts[1]), (1...12).contains(m),
              d >= 1, d <= CivilDate.daysIn(year: 2028, month: m) else { return nil }
        month = m
        day = d
    }

    init(_ date: CivilDate) {
        month = date.month
        day = date.day
    }

    public static func < (a: MonthDay, b: MonthDay) -> Bool { (a.month, a.day) < (b.month, b.day) }
    public var description: String { (month < 10 ? "0" : "") + "\(month)-" + (day < 10 ? "0" : "") + "\(day)" }
}

/// `every_year = { from = "MM-DD", until = "MM-DD" }`, both inclusive.
public struct YearlyWindow: Sendable, Hashable {
    public let from: MonthDay
    public let until: MonthDay
    public init(from: MonthDay, until: MonthDay) { self.from = from; self.until = until }
}

/// The calendar windows of a local information entry, beside its stage window. An entry shows on
/// a day only when every window it has allows that day.
public struct LocalDateWindows: Sendable, Hashable {
    /// `from_date` … `until_date`, both inclusive; either may be open.
    public var fromDate: CivilDate?
    public var untilDate: CivilDate?
    /// `every_year = { from = "10-01", until = "01-31" }`, inclusive; wraps over the new year when
    /// `from` is after `until`. A year without 29 February simply has no such day: a window from
    /// `02-29` starts on 1 March there, one until `02-29` ends on 28 February.
    public var everyYear: YearlyWindow?
    /// `on`: an event day, shown `daysBefore` days before it and on the day itself.
    public var on: CivilDate?
    public var daysBefore: Int = LocalDateWindows.defaultDaysBefore

    public static let defaultDaysBefore = 14

    public init() {}

    /// True when the entry has no calendar window at all (only its stage window counts).
    public var isEmpty: Bool { fromDate == nil && untilDate == nil && everyYear == nil && on == nil }

    /// True when every window allows `date`.
    public func allows(_ date: CivilDate) -> Bool {
        if let fromDate, date < fromDate { return false }
        if let untilDate, untilDate < date { return false }
        if let everyYear {
            let (from, until) = (everyYear.from, everyYear.until)
            let d = MonthDay(date)
            let inside = from <= until ? (from <= d && d <= until) : (from <= d || d <= until)
            if !inside { return false }
        }
        if let on, date > on || on - date > daysBefore { return false }
        return true
    }

    /// How many days the narrowest window spans (nil: no calendar window), to prefer the most
    /// specific entry. An open `from_date`/`until_date` side counts as unbounded.
    public var narrowestSpan: Int? {
        var spans: [Int] = []
        if let fromDate, let untilDate { spans.append(untilDate - fromDate + 1) }
        if let everyYear {
            let (from, until) = (everyYear.from, everyYear.until)
            // Measured in a leap year (2028), so 02-29 counts.
            let a = CivilDate(year: 2028, month: from.month, day: from.day)!
            let b = CivilDate(year: 2028, month: until.month, day: until.day)!
            spans.append(from <= until ? b - a + 1 : 366 - (a - b) + 1)
        }
        if on != nil { spans.append(daysBefore + 1) }
        return spans.min()
    }
}

/// Which of an edition's local information entries a mail shows.
public enum LocalSelection {
    /// Per edition unless its file says `max_local_items`.
    public static let defaultLimit = 3

    /// The entries that fit, best first, cut to `limit`: higher `priority` first; then the most
    /// specific (an entry for some areas before one for everyone; a narrower calendar window before
    /// a wider one or none); then file order. Deterministic.
    public static func ranked(_ fitting: [LocalInfo], limit: Int) -> [LocalInfo] {
        let sorted = fitting.sorted { a, b in
            if a.priority != b.priority { return a.priority > b.priority }
            if (a.areas != nil) != (b.areas != nil) { return a.areas != nil }
            let spanA = a.dates.narrowestSpan ?? Int.max, spanB = b.dates.narrowestSpan ?? Int.max
            if spanA != spanB { return spanA < spanB }
            return a.index < b.index
        }
        return Array(sorted.prefix(max(0, limit)))
    }
}
