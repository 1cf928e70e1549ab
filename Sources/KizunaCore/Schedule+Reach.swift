/// A schedule's stages in ascending order, per kind, for binary searches.
struct SortedStages: Sendable, Hashable {
    var pregnancyDays: [Int]
    var childDays: [Int]
    var childMonths: [Int]
    var childYears: [Int]

    /// The first value ≥ `n` in an ascending array; nil when there is none.
    static func first(_ values: [Int], atLeast n: Int) -> Int? {
        var low = 0, high = values.count
        while low < high {
            let mid = (low + high) / 2
            if values[mid] < n { low = mid + 1 } else { high = mid }
        }
        return low < values.count ? values[low] : nil
    }

    /// The last value ≤ `n` in an ascending array; nil when there is none.
    static func last(_ values: [Int], atMost n: Int) -> Int? {
        var low = 0, high = values.count
        while low < high {
            let mid = (low + high) / 2
            if values[mid] <= n { low = mid + 1 } else { high = mid }
        }
        return low > 0 ? values[low - 1] : nil
    }
}

/// How far a track reaches for one subscription: the next message, the last one, when the
/// subscription ends, and whether a new one would get anything at all. Pure: the batch, the
/// welcome, the status reply and every way of subscribing ask the same questions here.
///
/// A child is followed up to the 18th birthday: a message dated later is never sent. A
/// pregnancy ends only after `NewSubscriber.dueDateMaxDaysPast` days past the due date, so
/// that a birth (or a loss) can still be reported after the last pregnancy message.
extension Schedule {
    /// The last day a child's message may fall on: the 18th birthday.
    public static func lastChildDay(birth: CivilDate) -> CivilDate {
        birth.adding(months: 12 * NewSubscriber.childMaxYears)
    }

    /// The last day of a pregnancy subscription: after it, a pregnancy is over.
    public static func lastPregnancyDay(due: CivilDate) -> CivilDate {
        due.adding(days: NewSubscriber.dueDateMaxDaysPast)
    }

    /// Whether the catalog has any message for the track. A track without one is a catalog
    /// that is being edited or is broken, never the end of a family's thread.
    public func hasMessages(track: Track) -> Bool {
        switch track {
        case .pregnancy: return !sorted.pregnancyDays.isEmpty
        case .child: return !(sorted.childDays.isEmpty && sorted.childMonths.isEmpty && sorted.childYears.isEmpty)
        }
    }

    /// The track's first message dated on or after `date` for this anchor (a child's up to the
    /// 18th birthday); nil when none is left.
    public func nextMessage(track: Track, anchor: CivilDate, onOrAfter date: CivilDate) -> DueMessage? {
        switch track {
        case .pregnancy:
            let day = GestationalAge(on: date, due: anchor).days
            return SortedStages.first(sorted.pregnancyDays, atLeast: day).map { message(.gestationalDay($0), anchor) }
        case .child:
            var best: DueMessage?
            func consider(_ stage: Stage) {
                let m = message(stage, anchor)
                if best == nil || m.date < best!.date || (m.date == best!.date && Schedule.specificity(m.stage) > Schedule.specificity(best!.stage)) {
                    best = m
                }
            }
            if let d = SortedStages.first(sorted.childDays, atLeast: max(0, date - anchor)) { consider(.childDay(d)) }
            // Whole months are not a fixed number of days: start at the month of `date` and step once.
            let months = ChildAge(on: max(date, anchor), birth: anchor).months
            if let m = firstMonth(sorted.childMonths, from: months, scale: 1, anchor: anchor, onOrAfter: date) { consider(.childMonth(m)) }
            if let y = firstMonth(sorted.childYears, from: months / 12, scale: 12, anchor: anchor, onOrAfter: date) { consider(.childYear(y)) }
            guard let best, best.date <= Schedule.lastChildDay(birth: anchor) else { return nil }
            return best
        }
    }

    /// The track's last message for this anchor (a child's up to the 18th birthday).
    public func lastMessage(track: Track, anchor: CivilDate) -> DueMessage? {
        switch track {
        case .pregnancy:
            return sorted.pregnancyDays.last.map { message(.gestationalDay($0), anchor) }
        case .child:
            let limit = Schedule.lastChildDay(birth: anchor)
            let candidates: [Stage] = [
                SortedStages.last(sorted.childDays, atMost: limit - anchor).map { Stage.childDay($0) },
                SortedStages.last(sorted.childMonths, atMost: 12 * NewSubscriber.childMaxYears).map { Stage.childMonth($0) },
                SortedStages.last(sorted.childYears, atMost: NewSubscriber.childMaxYears).map { Stage.childYear($0) },
            ].compactMap { $0 }
            return candidates.map { message($0, anchor) }.max { a, b in
                a.date != b.date ? a.date < b.date : Schedule.specificity(a.stage) < Schedule.specificity(b.stage)
            }
        }
    }

    /// Why the subscription ends tonight, or nil when it goes on. It ends on the first night
    /// that sends it nothing (`sendingTonight` false, so a caught-up last message goes first)
    /// and has no message ahead; a pregnancy not before `lastPregnancyDay` has passed. A track
    /// the catalog has no message for never ends (see `hasMessages`).
    public func end(_ sub: ScheduledSubscription, on date: CivilDate, sendingTonight: Bool) -> SubscriptionEndReason? {
        guard !sendingTonight, hasMessages(track: sub.track),
              nextMessage(track: sub.track, anchor: sub.anchor, onOrAfter: date) == nil else { return nil }
        switch sub.track {
        case .pregnancy:
            return date > Schedule.lastPregnancyDay(due: sub.anchor) ? .catalogEnded : nil
        case .child:
            return date > Schedule.lastChildDay(birth: sub.anchor) ? .agedOut : .catalogEnded
        }
    }

    /// The date of the next mail a subscription gets after `date`: its next message, or, when
    /// none is left, the farewell (the first night `end` ends it). nil for a track without messages.
    public func nextMailDate(track: Track, anchor: CivilDate, after date: CivilDate) -> CivilDate? {
        guard hasMessages(track: track) else { return nil }
        let tomorrow = date.adding(days: 1)
        if let next = nextMessage(track: track, anchor: anchor, onOrAfter: tomorrow) { return next.date }
        var farewell = (lastMessage(track: track, anchor: anchor)?.date ?? date).adding(days: 1)
        if track == .pregnancy { farewell = max(farewell, Schedule.lastPregnancyDay(due: anchor).adding(days: 1)) }
        return max(farewell, tomorrow)
    }

    /// Why a subscription with this anchor, starting `today`, would get nothing; nil when it
    /// would get at least one message. For refusing to add or import it.
    public func coverageProblem(track: Track, anchor: CivilDate, today: CivilDate) -> CoverageProblem? {
        guard hasMessages(track: track) else { return .noMessages(track) }
        guard nextMessage(track: track, anchor: anchor, onOrAfter: today) == nil else { return nil }
        guard let last = lastMessage(track: track, anchor: anchor) else { return .noMessages(track) }
        return .beyondCatalog(track: track, anchor: anchor, last: last.stage, today: today)
    }

    private func message(_ stage: Stage, _ anchor: CivilDate) -> DueMessage {
        DueMessage(stage: stage, date: stage.date(anchor: anchor))
    }

    /// The first whole-month stage (`scale` months per unit) dated on or after `date`, starting
    /// the search at unit `from`.
    private func firstMonth(_ units: [Int], from: Int, scale: Int, anchor: CivilDate, onOrAfter date: CivilDate) -> Int? {
        var n = max(1, from)
        while let u = SortedStages.first(units, atLeast: n) {
            if anchor.adding(months: u * scale) >= date { return u }
            n = u + 1
        }
        return nil
    }
}
