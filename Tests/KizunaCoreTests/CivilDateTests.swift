import Testing
@testable import KizunaCore

@Suite struct CivilDateTests {
    @Test func dayNumberRoundTrips() {
        for n in stride(from: -800_000, through: 2_000_000, by: 997) {
            #expect(CivilDate(dayNumber: n).dayNumber == n)
        }
        #expect(CivilDate(year: 1970, month: 1, day: 1)!.dayNumber == 0)
        #expect(CivilDate(year: 2000, month: 3, day: 1)!.dayNumber == 11_017)
    }

    @Test func rejectsImpossibleDates() {
        #expect(CivilDate(year: 2027, month: 2, day: 29) == nil)
        #expect(CivilDate(year: 2028, month: 2, day: 29) != nil)
        #expect(CivilDate(year: 1900, month: 2, day: 29) == nil)
        #expect(CivilDate(year: 2000, month: 2, day: 29) != nil)
        #expect(CivilDate(year: 2026, month: 4, day: 31) == nil)
        #expect(CivilDate(iso: "2026-13-01") == nil)
        #expect(CivilDate(iso: "2026-1-01") == nil)
        #expect(CivilDate(iso: "２０２６-01-01") == nil)
        #expect(CivilDate(iso: "2026-11-24")?.iso == "2026-11-24")
    }

    @Test func monthArithmeticClampsToMonthEnd() {
        let jan31 = CivilDate(iso: "2027-01-31")!
        #expect(jan31.adding(months: 1).iso == "2027-02-28")
        #expect(jan31.adding(months: 13).iso == "2028-02-29")
        #expect(jan31.adding(months: 3).iso == "2027-04-30")
        #expect(CivilDate(iso: "2028-02-29")!.adding(months: 12).iso == "2029-02-28")
        #expect(CivilDate(iso: "2026-12-15")!.adding(months: 1).iso == "2027-01-15")
    }

    @Test func childAgeUsesAnniversaries() {
        let birth = CivilDate(iso: "2027-01-31")!
        #expect(ChildAge(on: CivilDate(iso: "2027-02-27")!, birth: birth).months == 0)
        #expect(ChildAge(on: CivilDate(iso: "2027-02-28")!, birth: birth).months == 1)
        #expect(ChildAge(on: CivilDate(iso: "2027-03-30")!, birth: birth).months == 1)
        #expect(ChildAge(on: CivilDate(iso: "2027-03-31")!, birth: birth).months == 2)
        let leap = CivilDate(iso: "2028-02-29")!
        #expect(ChildAge(on: CivilDate(iso: "2029-02-28")!, birth: leap).years == 1)
        #expect(ChildAge(on: CivilDate(iso: "2029-02-27")!, birth: leap).years == 0)
    }

    @Test func gestationalAgeFromDueDate() {
        let due = CivilDate(iso: "2027-05-01")!
        #expect(GestationalAge(on: due, due: due).days == 280)
        let g = GestationalAge(on: due.adding(days: -137), due: due)
        #expect(g.weeks == 20 && g.dayOfWeek == 3)
    }
}

@Suite struct StageTests {
    @Test func messageKeysRoundTrip() {
        for s in [Stage.gestationalDay(28), .childDay(100), .childMonth(3), .childYear(12)] {
            #expect(Stage(messageKey: s.messageKey) == s)
        }
        #expect(Stage.gestationalDay(28).messageKey == "pregnancy/d0028")
        #expect(Stage(messageKey: "child/x03") == nil)
        #expect(Stage(messageKey: "pregnancy/m03") == nil)
    }

    @Test func stageDates() {
        let due = CivilDate(iso: "2027-05-01")!
        #expect(Stage.gestationalDay(280).date(anchor: due) == due)
        #expect(Stage.gestationalDay(273).date(anchor: due).iso == "2027-04-24")
        let birth = CivilDate(iso: "2027-01-31")!
        #expect(Stage.childMonth(1).date(anchor: birth).iso == "2027-02-28")
        #expect(Stage.childYear(1).date(anchor: birth).iso == "2028-01-31")
        #expect(Stage.childDay(100).date(anchor: birth).iso == "2027-05-11")
    }
}
