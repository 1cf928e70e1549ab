import Testing
@testable import KizunaCore

@Suite struct ScheduleTests {
    let weekly = (4...41).map { Stage.gestationalDay($0 * 7) } + [.childDay(7), .childDay(100)]
        + (1...36).map { Stage.childMonth($0) } + [.childYear(1)]
    let due = CivilDate(iso: "2027-05-01")!

    func sub(_ track: Track, _ anchor: CivilDate, start: CivilDate) -> ScheduledSubscription {
        ScheduledSubscription(id: 1, track: track, anchor: anchor, startDate: start)
    }

    @Test func sendsTheMessageOfTheDay() {
        let s = Schedule(stages: weekly, catchUpDays: 2)
        let day140 = due.adding(days: 140 - 280)
        let d = s.decide(sub(.pregnancy, due, start: day140.adding(days: -30)), on: day140, recorded: [])
        #expect(d.send?.messageKey == "pregnancy/d0140")
        #expect(d.skipped.isEmpty)
        #expect(s.decide(sub(.pregnancy, due, start: day140.adding(days: -30)), on: day140.adding(days: 3), recorded: []).send == nil)
    }

    @Test func catchesUpAMissedNightWithoutFlooding() {
        let s = Schedule(stages: weekly, catchUpDays: 2)
        let day140 = due.adding(days: 140 - 280)
        // The night of day 140 was missed; on day 141 it is still sent.
        let d = s.decide(sub(.pregnancy, due, start: day140.adding(days: -30)), on: day140.adding(days: 1), recorded: [])
        #expect(d.send?.messageKey == "pregnancy/d0140")
        // Already sent: nothing again.
        #expect(s.decide(sub(.pregnancy, due, start: day140.adding(days: -30)), on: day140.adding(days: 1), recorded: ["pregnancy/d0140"]).send == nil)
        // Outside the window: not sent.
        #expect(s.decide(sub(.pregnancy, due, start: day140.adding(days: -30)), on: day140.adding(days: 3), recorded: []).send == nil)
    }

    @Test func dailyCatalogSkipsOlderMessagesInTheWindow() {
        let daily = Schedule(stages: (28...300).map { Stage.gestationalDay($0) }, catchUpDays: 3)
        let today = due.adding(days: -100)
        let d = daily.decide(sub(.pregnancy, due, start: today.adding(days: -50)), on: today, recorded: [GestationalAge(on: today.adding(days: -3), due: due).days].map { Stage.gestationalDay($0).messageKey }.reduce(into: Set<String>()) { $0.insert($1) })
        #expect(d.send?.stage == .gestationalDay(180))
        #expect(d.skipped.map(\.message.stage) == [.gestationalDay(178), .gestationalDay(179)])
        #expect(d.skipped.allSatisfy { $0.reason.contains("superseded") })
    }

    @Test func newSubscriberGetsNoBacklog() {
        let daily = Schedule(stages: (28...300).map { Stage.gestationalDay($0) }, catchUpDays: 5)
        let today = due.adding(days: -100)
        let d = daily.decide(sub(.pregnancy, due, start: today), on: today, recorded: [])
        #expect(d.send?.stage == .gestationalDay(180))
        #expect(d.skipped.isEmpty)
    }

    @Test func monthAnniversariesAtMonthEnd() {
        let s = Schedule(stages: weekly, catchUpDays: 0)
        let birth = CivilDate(iso: "2027-01-31")!
        let child = sub(.child, birth, start: birth)
        #expect(s.decide(child, on: CivilDate(iso: "2027-02-28")!, recorded: []).send?.stage == .childMonth(1))
        #expect(s.decide(child, on: CivilDate(iso: "2027-03-31")!, recorded: []).send?.stage == .childMonth(2))
        #expect(s.decide(child, on: CivilDate(iso: "2027-04-30")!, recorded: []).send?.stage == .childMonth(3))
        #expect(s.decide(child, on: CivilDate(iso: "2027-03-30")!, recorded: []).send == nil)
        // Every month of three years falls on exactly one date.
        var seen: [Int] = []
        var day = birth
        while day < birth.adding(months: 37) {
            if case .childMonth(let m)? = s.decide(child, on: day, recorded: []).send?.stage { seen.append(m) }
            day = day.adding(days: 1)
        }
        #expect(seen.filter { $0 != 12 } == (1...36).filter { $0 != 12 })
    }

    @Test func leapDayBirthday() {
        let s = Schedule(stages: [.childYear(1), .childMonth(12)], catchUpDays: 0)
        let birth = CivilDate(iso: "2028-02-29")!
        let d = s.decide(sub(.child, birth, start: birth), on: CivilDate(iso: "2029-02-28")!, recorded: [])
        #expect(d.send?.stage == .childYear(1))
        #expect(d.skipped.map(\.message.stage) == [.childMonth(12)])
        #expect(d.skipped.first?.reason.contains("same day") == true)
    }
}

@Suite struct RetryPolicyTests {
    @Test func backoffGrowsAndCaps() {
        let p = RetryPolicy(minimumBackoff: 300, maximumBackoff: 4000, lifetime: 86_400)
        #expect(p.decide(.temporaryFailure, attempts: 0, firstQueued: 0, now: 10) == .retry(at: 310))
        #expect(p.decide(.temporaryFailure, attempts: 1, firstQueued: 0, now: 10) == .retry(at: 610))
        #expect(p.decide(.temporaryFailure, attempts: 10, firstQueued: 0, now: 10) == .retry(at: 4010))
        #expect(p.decide(.accepted, attempts: 3, firstQueued: 0, now: 10) == .remove)
        if case .bounce = p.decide(.permanentFailure, attempts: 0, firstQueued: 0, now: 10) {} else { Issue.record("5xx must bounce") }
        if case .bounce(let r) = p.decide(.temporaryFailure, attempts: 9, firstQueued: 0, now: 86_400) { #expect(r.contains("expired")) } else { Issue.record("expired must bounce") }
    }
}
