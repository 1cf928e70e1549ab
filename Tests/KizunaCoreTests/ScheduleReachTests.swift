import Testing
@testable import KizunaCore

private func date(_ s: String) -> CivilDate { CivilDate(iso: s)! }

/// Where a track ends for a subscription, what comes next, and what a new subscription would get.
@Suite struct ScheduleReachTests {
    /// Weekly in pregnancy to 41+0, monthly to 3 years (the catalog before it grew to 18).
    let toThree = Schedule(stages: (4...41).map { Stage.gestationalDay($0 * 7) } + (1...36).map { Stage.childMonth($0) }, catchUpDays: 2)
    let birth = date("2024-01-31")

    func child(_ anchor: CivilDate) -> ScheduledSubscription {
        ScheduledSubscription(id: 1, track: .child, anchor: anchor, startDate: anchor)
    }

    @Test func theNextMessageIsTheFirstOnOrAfterTheDate() {
        // Month 1 of a child born on 31 January falls on the last day of February.
        #expect(toThree.nextMessage(track: .child, anchor: birth, onOrAfter: date("2024-02-01"))?.stage == .childMonth(1))
        #expect(toThree.nextMessage(track: .child, anchor: birth, onOrAfter: date("2024-02-01"))?.date == date("2024-02-29"))
        #expect(toThree.nextMessage(track: .child, anchor: birth, onOrAfter: date("2024-02-29"))?.stage == .childMonth(1))
        #expect(toThree.nextMessage(track: .child, anchor: birth, onOrAfter: date("2024-03-01"))?.stage == .childMonth(2))
        #expect(toThree.nextMessage(track: .child, anchor: birth, onOrAfter: date("2027-01-31"))?.stage == .childMonth(36))
        #expect(toThree.nextMessage(track: .child, anchor: birth, onOrAfter: date("2027-02-01")) == nil)
        let due = date("2027-05-01")
        #expect(toThree.nextMessage(track: .pregnancy, anchor: due, onOrAfter: due.adding(days: -1))?.stage == .gestationalDay(280))
        #expect(toThree.nextMessage(track: .pregnancy, anchor: due, onOrAfter: due.adding(days: 8)) == nil)
        // Days, months and years together: the earliest wins; on one date, the broader stage.
        let mixed = Schedule(stages: [.childDay(100), .childMonth(12), .childYear(1), .childDay(400)], catchUpDays: 0)
        #expect(mixed.nextMessage(track: .child, anchor: birth, onOrAfter: birth)?.stage == .childDay(100))
        #expect(mixed.nextMessage(track: .child, anchor: birth, onOrAfter: birth.adding(days: 101))?.stage == .childYear(1))
    }

    @Test func aChildIsFollowedUpToThe18thBirthday() {
        let late = Schedule(stages: [.childYear(17), .childYear(18), .childDay(6800)], catchUpDays: 0)
        let b = date("2008-06-15")
        #expect(late.lastMessage(track: .child, anchor: b)?.stage == .childYear(18))
        #expect(late.nextMessage(track: .child, anchor: b, onOrAfter: date("2026-06-16")) == nil, "day 6800 is after the 18th birthday")
        #expect(late.end(child(b), on: date("2026-06-15"), sendingTonight: true) == nil)
        #expect(late.end(child(b), on: date("2026-06-15"), sendingTonight: false) == nil, "the last message's own night")
        #expect(late.end(child(b), on: date("2026-06-16"), sendingTonight: false) == .agedOut)
    }

    @Test func aTrackEndsTheNightAfterItsLastMessageUnlessACaughtUpMessageGoesFirst() {
        let m36 = birth.adding(months: 36)
        #expect(toThree.lastMessage(track: .child, anchor: birth)?.date == m36)
        #expect(toThree.end(child(birth), on: m36, sendingTonight: false) == nil)
        #expect(toThree.end(child(birth), on: m36.adding(days: 1), sendingTonight: true) == nil, "catch-up sends m36 first")
        #expect(toThree.end(child(birth), on: m36.adding(days: 1), sendingTonight: false) == .catalogEnded)
        #expect(toThree.end(child(birth), on: m36.adding(days: 400), sendingTonight: false) == .catalogEnded)
    }

    @Test func aPregnancyEndsOnlyOnceItIsOver() {
        let due = date("2027-05-01")
        let sub = ScheduledSubscription(id: 2, track: .pregnancy, anchor: due, startDate: due.adding(days: -100))
        // The last message is 41+0 (due + 7); a birth or a loss may still be reported until due + 42.
        #expect(toThree.end(sub, on: due.adding(days: 8), sendingTonight: false) == nil)
        #expect(toThree.end(sub, on: due.adding(days: 42), sendingTonight: false) == nil)
        #expect(toThree.end(sub, on: due.adding(days: 43), sendingTonight: false) == .catalogEnded)
        #expect(toThree.nextMailDate(track: .pregnancy, anchor: due, after: due.adding(days: 10)) == due.adding(days: 43))
    }

    @Test func aTrackWithoutMessagesNeverEnds() {
        let pregnancyOnly = Schedule(stages: [.gestationalDay(140)], catchUpDays: 0)
        #expect(!pregnancyOnly.hasMessages(track: .child))
        #expect(pregnancyOnly.end(child(birth), on: date("2030-01-01"), sendingTonight: false) == nil)
        #expect(pregnancyOnly.nextMailDate(track: .child, anchor: birth, after: date("2030-01-01")) == nil)
        #expect(pregnancyOnly.coverageProblem(track: .child, anchor: birth, today: date("2024-02-01")) == .noMessages(.child))
    }

    @Test func theNextMailIsTheNextMessageOrTheFarewell() {
        #expect(toThree.nextMailDate(track: .child, anchor: birth, after: date("2024-02-29")) == date("2024-03-31"))
        let m36 = birth.adding(months: 36)
        #expect(toThree.nextMailDate(track: .child, anchor: birth, after: m36) == m36.adding(days: 1), "the farewell")
        #expect(toThree.nextMailDate(track: .child, anchor: birth, after: m36.adding(days: 5)) == m36.adding(days: 6))
    }

    @Test func aNewSubscriptionTheCatalogNoLongerCoversIsRefusedNamingTheLastCoveredAge() {
        let today = date("2026-12-07")
        let problem = toThree.coverageProblem(track: .child, anchor: date("2015-11-01"), today: today)
        #expect(problem?.description == "the catalog's child track ends at 3 years 0 months (child/m36); 2015-11-01 is 11 years old")
        #expect(problem?.description(language: .ja).contains("3歳0か月まで") == true)
        #expect(problem?.description(language: .ja).contains("2015年11月1日生まれのお子さんはいま11歳") == true)
        #expect(problem?.description(language: .en).contains("go up to 3 years 0 months") == true)
        // The last day that still has a message is accepted; the day after is not.
        let b = date("2023-12-07")
        #expect(toThree.coverageProblem(track: .child, anchor: b, today: today) == nil)
        #expect(toThree.coverageProblem(track: .child, anchor: b.adding(days: -1), today: today)?.description
                == "the catalog's child track ends at 3 years 0 months (child/m36); 2023-12-06 is 3 years old")
        // A due date whose pregnancy messages are over.
        let pregnancy = toThree.coverageProblem(track: .pregnancy, anchor: today.adding(days: -10), today: today)
        #expect(pregnancy?.description.hasPrefix("the catalog's pregnancy track ends at week 41+0 (pregnancy/d0287); the due date 2026-11-27 was 10 days ago") == true)
        #expect(toThree.coverageProblem(track: .pregnancy, anchor: today.adding(days: 100), today: today) == nil)
    }
}
