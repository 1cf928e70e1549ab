import Testing
@testable import KizunaCore

@Suite struct OverdueCareTests {
    let due = CivilDate(iso: "2027-05-01")!

    @Test func aCheckInOnceAfterTheConfiguredDaysAndNoSwitchByDefault() {
        let care = CareConfiguration().overdue
        #expect(care.checkInDays == 7 && care.autoSwitchDays == 0)
        #expect(care.decide(due: due, today: due.adding(days: 6), checkInSent: false) == nil)
        #expect(care.decide(due: due, today: due.adding(days: 7), checkInSent: false) == .checkIn)
        #expect(care.decide(due: due, today: due.adding(days: 30), checkInSent: false) == .checkIn, "a paused parent is asked once receiving again")
        #expect(care.decide(due: due, today: due.adding(days: 8), checkInSent: true) == nil)
        #expect(care.decide(due: due, today: due.adding(days: 400), checkInSent: true) == nil, "never switched without auto_switch_days")
        #expect(care.latestDue(on: due.adding(days: 7)) == due)
    }

    @Test func theSwitchAtDuePlusAutoSwitchDaysWinsOverACheckIn() {
        let care = CareConfiguration(overdueCheckInDays: 7, autoSwitchDays: 14).overdue
        #expect(care.decide(due: due, today: due.adding(days: 13), checkInSent: true) == nil)
        #expect(care.decide(due: due, today: due.adding(days: 14), checkInSent: true) == .assumeBirth(due))
        #expect(care.decide(due: due, today: due.adding(days: 20), checkInSent: false) == .assumeBirth(due))
        let switchOnly = CareConfiguration(overdueCheckInDays: 0, autoSwitchDays: 10).overdue
        #expect(switchOnly.decide(due: due, today: due.adding(days: 9), checkInSent: false) == nil)
        #expect(switchOnly.decide(due: due, today: due.adding(days: 10), checkInSent: false) == .assumeBirth(due))
        #expect(switchOnly.latestDue(on: due.adding(days: 10)) == due)
    }

    @Test func bothZeroDecidesNothing() {
        let off = CareConfiguration(overdueCheckInDays: 0, autoSwitchDays: 0).overdue
        #expect(!off.isEnabled)
        #expect(off.latestDue(on: due) == nil)
        #expect(off.decide(due: due, today: due.adding(days: 100), checkInSent: false) == nil)
    }
}
