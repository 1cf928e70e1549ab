/// What a subscription follows: a pregnancy (anchored on the due date) or a child (on the birth date).
public enum Track: String, Sendable, Codable, CaseIterable, Hashable {
    case pregnancy
    case child
}

/// Where in a track a catalog message belongs. Language-independent; the message key names it.
///
/// Pregnancy stages count gestational days (the due date is day 280, week 40+0).
/// Child stages count days since birth (day 0 is the birth date), whole months, or whole years.
public enum Stage: Hashable, Sendable, Comparable, CustomStringConvertible {
    case gestationalDay(Int)
    case childDay(Int)
    case childMonth(Int)
    case childYear(Int)

    public var track: Track {
        if case .gestationalDay = self { return .pregnancy }
        return .child
    }

    /// The stable key of this stage: `pregnancy/d0028`, `child/d0100`, `child/m03`, `child/y01`.
    public var messageKey: String {
        func pad(_ v: Int, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        switch self {
        case .gestationalDay(let d): return "pregnancy/d\(pad(d, 4))"
        case .childDay(let d): return "child/d\(pad(d, 4))"
        case .childMonth(let m): return "child/m\(pad(m, 2))"
        case .childYear(let y): return "child/y\(pad(y, 2))"
        }
    }

    /// Parses a message key back into a stage.
    public init?(messageKey: some StringProtocol) {
        let parts = messageKey.split(separator: "/")
        guard parts.count == 2, let unit = parts[1].first, let n = Int(parts[1].dropFirst()), n >= 0 else { return nil }
        switch (parts[0], unit) {
        case ("pregnancy", "d"): self = .gestationalDay(n)
        case ("child", "d"): self = .childDay(n)
        case ("child", "m"): self = .childMonth(n)
        case ("child", "y"): self = .childYear(n)
        default: return nil
        }
    }

    /// The calendar date this stage falls on for a subscription anchored at `anchor`
    /// (the due date for pregnancy, the birth date for a child).
    public func date(anchor: CivilDate) -> CivilDate {
        switch self {
        case .gestationalDay(let d): return anchor.adding(days: d - GestationalAge.dueDay)
        case .childDay(let d): return anchor.adding(days: d)
        case .childMonth(let m): return anchor.adding(months: m)
        case .childYear(let y): return anchor.adding(months: 12 * y)
        }
    }

    public var description: String { messageKey }

    public static func < (a: Stage, b: Stage) -> Bool { a.messageKey < b.messageKey }
}

/// Gestational age: weeks and days since the first day of the last menstrual period.
public struct GestationalAge: Hashable, Sendable {
    /// The due date is day 280 (40 weeks + 0 days).
    public static let dueDay = 280
    public let days: Int
    public init(days: Int) { self.days = days }
    public init(on date: CivilDate, due: CivilDate) { self.days = GestationalAge.dueDay - (due - date) }
    public var weeks: Int { days >= 0 ? days / 7 : -((-days + 6) / 7) }
    public var dayOfWeek: Int { days - weeks * 7 }
}

/// A child's age on a date: days since birth, and whole months and years (anniversary-based,
/// so a child born on 31 January turns one month old on the last day of February).
public struct ChildAge: Hashable, Sendable {
    public let days: Int
    public let months: Int
    public let years: Int
    /// Days since the last whole-month anniversary.
    public let daysIntoMonth: Int

    public init(on date: CivilDate, birth: CivilDate) {
        days = date - birth
        var m = (date.year - birth.year) * 12 + (date.month - birth.month)
        if m > 0 && birth.adding(months: m) > date { m -= 1 }
        if m < 0 { m = 0 }
        months = m
        years = m / 12
        daysIntoMonth = date - birth.adding(months: m)
    }
}
