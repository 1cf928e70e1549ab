import KizunaCore

/// One period of the reference cadence (the Kizuna Mail service's): daily in pregnancy week
/// 4+0–41+6, daily to day 100, about every 3 days to age 1, weekly at age 1, every 14 days at
/// age 2, then monthly or less to 18 — where a silence longer than a year is a gap.
public struct CadencePeriod: Sendable, Hashable {
    public let track: Track
    public let name: String
    /// Days on the track's timeline (gestational days; days since birth), both included.
    public let firstDay: Int
    public let lastDay: Int
    /// The cadence in words, and the days between two messages it means.
    public let cadence: String
    public let interval: Int
    /// A silence longer than this many days is a gap (a daily cadence allows none, a weekly six).
    public let gapAfter: Int

    /// The messages the cadence means over the period.
    public var reference: Int { (lastDay - firstDay + interval) / interval }

    /// The reference cadence, in timeline order per track. Child days are counted for a child
    /// born on `CatalogCoverage.referenceBirth`.
    public static let reference: [CadencePeriod] = {
        let birth = CatalogCoverage.referenceBirth
        func day(months: Int) -> Int { birth.adding(months: months) - birth }
        return [
            CadencePeriod(track: .pregnancy, name: "week 4+0–41+6", firstDay: 28, lastDay: 293, cadence: "daily", interval: 1, gapAfter: 0),
            CadencePeriod(track: .child, name: "day 1–100", firstDay: 1, lastDay: 100, cadence: "daily", interval: 1, gapAfter: 0),
            CadencePeriod(track: .child, name: "day 101 – age 1", firstDay: 101, lastDay: day(months: 12) - 1,
                          cadence: "about every 3 days", interval: 3, gapAfter: 3),
            CadencePeriod(track: .child, name: "age 1", firstDay: day(months: 12), lastDay: day(months: 24) - 1,
                          cadence: "weekly", interval: 7, gapAfter: 6),
            CadencePeriod(track: .child, name: "age 2", firstDay: day(months: 24), lastDay: day(months: 36) - 1,
                          cadence: "every 14 days", interval: 14, gapAfter: 13),
            CadencePeriod(track: .child, name: "age 3–18", firstDay: day(months: 36), lastDay: day(months: 216),
                          cadence: "monthly or less", interval: 30, gapAfter: 366),
        ]
    }()
}

/// A silence between two messages (or a period's edge): the days without a message.
public struct CoverageGap: Sendable, Hashable {
    /// The message before it; nil at the start of the track.
    public let after: Stage?
    /// The message after it; nil at the end of the track.
    public let before: Stage?
    public let silentDays: Int
}

/// How one period of a track is covered in one language.
public struct PeriodCoverage: Sendable {
    public let period: CadencePeriod
    public let messages: Int
    /// The longest silence starting in the period (0 when a message falls on every day).
    public let longestSilence: Int
    /// Silences longer than the period's `gapAfter`, in timeline order.
    public let gaps: [CoverageGap]
}

/// How one track is covered in one language.
public struct TrackCoverage: Sendable {
    public let track: Track
    public let language: String
    public let messages: Int
    public let first: Stage?
    public let last: Stage?
    public let longestSilence: CoverageGap?
    public let periods: [PeriodCoverage]
}

/// The catalog's messages per period against the reference cadence, its gaps and its longest
/// silence, per track and language: what `kizuna content coverage` shows an editor. Pure.
public enum CatalogCoverage {
    /// The birth date child stages are placed with (whole months vary in length).
    public static let referenceBirth = CivilDate(iso: "2025-01-01")!

    /// A stage's day on its track's timeline (gestational day; days since the reference birth).
    public static func day(of stage: Stage) -> Int {
        switch stage {
        case .gestationalDay(let d): return d
        default: return stage.date(anchor: referenceBirth) - referenceBirth
        }
    }

    /// The coverage of each track by the given stages (one language's messages).
    public static func compute(stages: [Stage], language: String) -> [TrackCoverage] {
        Track.allCases.map { track in
            // One message a day at most: on a shared date (12 months, 1 year) the broader one stands.
            var byDay: [Int: Stage] = [:]
            for stage in stages where stage.track == track && !isBirthDay(stage) {
                let d = day(of: stage)
                if let other = byDay[d], Schedule.specificity(other) >= Schedule.specificity(stage) { continue }
                byDay[d] = stage
            }
            let days = byDay.keys.sorted()
            let periods = CadencePeriod.reference.filter { $0.track == track }
            let start = periods.first!.firstDay, end = periods.last!.lastDay
            // Every silence on the timeline, with the day it starts on.
            var silences: [(from: Int, gap: CoverageGap)] = []
            var previous: Int? = nil
            for d in days where d >= start && d <= end {
                let from = previous.map { $0 + 1 } ?? start
                if d > from { silences.append((from, CoverageGap(after: previous.flatMap { byDay[$0] }, before: byDay[d], silentDays: d - from))) }
                previous = d
            }
            let tailFrom = previous.map { $0 + 1 } ?? start
            if tailFrom <= end { silences.append((tailFrom, CoverageGap(after: previous.flatMap { byDay[$0] }, before: nil, silentDays: end - tailFrom + 1))) }
            let coverage = periods.map { p in
                let mine = silences.filter { $0.from >= p.firstDay && $0.from <= p.lastDay }.map(\.gap)
                return PeriodCoverage(period: p, messages: days.filter { $0 >= p.firstDay && $0 <= p.lastDay }.count,
                                      longestSilence: mine.map(\.silentDays).max() ?? 0,
                                      gaps: mine.filter { $0.silentDays > p.gapAfter })
            }
            return TrackCoverage(track: track, language: language, messages: byDay.count,
                                 first: days.first.flatMap { byDay[$0] }, last: days.last.flatMap { byDay[$0] },
                                 longestSilence: silences.map(\.gap).max { $0.silentDays < $1.silentDays },
                                 periods: coverage)
        }
    }

    /// Month 0 and year 0 fall on the birth date and are never sent.
    static func isBirthDay(_ stage: Stage) -> Bool {
        if case .childMonth(0) = stage { return true }
        if case .childYear(0) = stage { return true }
        return false
    }
}

extension ContentCatalog {
    /// The coverage of the messages written in `language`, per track.
    public func coverage(language: String) -> [TrackCoverage] {
        CatalogCoverage.compute(stages: messages(language: language).map(\.stage), language: language)
    }
}
