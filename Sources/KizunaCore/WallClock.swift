import Foundation

/// Where "now" comes from: the system's time in the executable, a time a test sets in tests.
/// Swift's own `Clock` measures durations; this one says what time, and so what day, it is.
public protocol WallClock: Sendable {
    func now() -> Date
}

extension CivilDate {
    /// The local date of `instant` in `zone`.
    public init(_ instant: Date, in zone: TimeZone) {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let c = cal.dateComponents([.year, .month, .day], from: instant)
        self.init(year: c.year!, month: c.month!, day: c.day!)!
    }
}
