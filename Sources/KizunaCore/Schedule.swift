/// A subscription as the schedule sees it.
public struct ScheduledSubscription: Sendable, Hashable {
    public var id: Int64
    public var track: Track
    /// The due date (pregnancy) or the birth date (child).
    public var anchor: CivilDate
    /// The local date the subscription began; nothing before it is ever sent (no backlog).
    public var startDate: CivilDate
    public init(id: Int64, track: Track, anchor: CivilDate, startDate: CivilDate) {
        self.id = id; self.track = track; self.anchor = anchor; self.startDate = startDate
    }
}

/// One catalog message placed on a calendar date for one subscription.
public struct DueMessage: Sendable, Hashable {
    public var stage: Stage
    public var date: CivilDate
    public var messageKey: String { stage.messageKey }
}

/// What the schedule decides for one subscription on one night.
public struct DueDecision: Sendable, Equatable {
    /// The message to send tonight, if any.
    public var send: DueMessage?
    /// Messages that fell in the catch-up window but will not be sent, with the reason.
    public var skipped: [(message: DueMessage, reason: String)]

    public static func == (a: DueDecision, b: DueDecision) -> Bool {
        a.send == b.send && a.skipped.map(\.message) == b.skipped.map(\.message) && a.skipped.map(\.reason) == b.skipped.map(\.reason)
    }
}

/// Which catalog message is due for a subscription on a date.
///
/// A message is due on the date its stage falls on. A missed night is caught up within
/// `catchUpDays`: of the messages in the window that are not yet in the ledger, only the most
/// recent is sent and the older ones are recorded as skipped, so a family never gets a flood.
/// Nothing dated before the subscription's start date is considered (no backlog).
public struct Schedule: Sendable, Hashable {
    let pregnancyDays: Set<Int>
    let childDays: Set<Int>
    let childMonths: Set<Int>
    let childYears: Set<Int>
    /// The same stages in ascending order, for finding the next and the last (`Schedule+Reach.swift`).
    let sorted: SortedStages
    public let catchUpDays: Int

    public init(stages: some Sequence<Stage>, catchUpDays: Int) {
        var pd = Set<Int>(), cd = Set<Int>(), cm = Set<Int>(), cy = Set<Int>()
        for s in stages {
            switch s {
            case .gestationalDay(let d): pd.insert(d)
            case .childDay(let d): cd.insert(d)
            case .childMonth(let m): cm.insert(m)
            case .childYear(let y): cy.insert(y)
            }
        }
        pregnancyDays = pd; childDays = cd; childMonths = cm; childYears = cy
        // Month 0 and year 0 fall on the birth date and are never sent (see `messages`).
        sorted = SortedStages(pregnancyDays: pd.sorted(), childDays: cd.sorted(), childMonths: cm.filter { $0 > 0 }.sorted(),
                              childYears: cy.filter { $0 > 0 }.sorted())
        self.catchUpDays = max(0, catchUpDays)
    }

    /// Every message of the track that falls within `from...to` for this anchor, in date order.
    public func messages(track: Track, anchor: CivilDate, from: CivilDate, to: CivilDate) -> [DueMessage] {
        guard from <= to else { return [] }
        var out: [DueMessage] = []
        switch track {
        case .pregnancy:
            let first = GestationalAge(on: from, due: anchor).days
            for d in first...(first + (to - from)) where pregnancyDays.contains(d) {
                out.append(DueMessage(stage: .gestationalDay(d), date: Stage.gestationalDay(d).date(anchor: anchor)))
            }
        case .child:
            let firstDay = max(0, from - anchor), lastDay = to - anchor
            if lastDay >= firstDay {
                for d in firstDay...lastDay where childDays.contains(d) {
                    out.append(DueMessage(stage: .childDay(d), date: anchor.adding(days: d)))
                }
            }
            let m0 = ChildAge(on: from, birth: anchor).months, m1 = ChildAge(on: max(to, anchor), birth: anchor).months
            for m in m0...max(m0, m1 + 1) where m > 0 {
                let date = anchor.adding(months: m)
                guard date >= from && date <= to else { continue }
                if childMonths.contains(m) { out.append(DueMessage(stage: .childMonth(m), date: date)) }
                if m % 12 == 0, childYears.contains(m / 12) { out.append(DueMessage(stage: .childYear(m / 12), date: date)) }
            }
        }
        return out.sorted { a, b in
            if a.date != b.date { return a.date < b.date }
            return Schedule.specificity(a.stage) < Schedule.specificity(b.stage)
        }
    }

    /// Tonight's decision for one subscription. `recorded` holds the message keys the ledger
    /// already has for it (sent, queued or skipped) within the window.
    public func decide(_ sub: ScheduledSubscription, on date: CivilDate, recorded: Set<String>) -> DueDecision {
        let windowStart = max(date.adding(days: -catchUpDays), sub.startDate)
        let candidates = messages(track: sub.track, anchor: sub.anchor, from: windowStart, to: date)
            .filter { !recorded.contains($0.messageKey) }
        guard let latest = candidates.last else { return DueDecision(send: nil, skipped: []) }
        let skipped = candidates.dropLast().map { m in
            (message: m, reason: m.date == latest.date ? "same day as \(latest.messageKey)" : "missed night; superseded by \(latest.messageKey)")
        }
        return DueDecision(send: latest, skipped: skipped)
    }

    /// On a day with two stages (12 months and 1 year), the broader anniversary wins.
    public static func specificity(_ s: Stage) -> Int {
        switch s {
        case .gestationalDay, .childDay: return 0
        case .childMonth: return 1
        case .childYear: return 2
        }
    }
}
