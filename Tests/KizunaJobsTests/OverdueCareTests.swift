import Foundation
import KizunaCore
@testable import KizunaJobs
@testable import KizunaStore
import XCTest

/// The night's overdue care with the shipped catalog into a Maildir: one check-in per
/// pregnancy past due + `overdue_check_in_days`, crash-safe; the switch at due + `auto_switch_days`.
final class OverdueCareJobTests: XCTestCase {
    let due = CivilDate(iso: "2026-05-01")!

    func instance(care: String = "") throws -> NightInstance {
        try NightInstance(config: maildirConfig() + (care.isEmpty ? "" : "\n\n[care]\n" + care))
    }

    func checkIns(_ night: NightInstance) throws -> [DeliveryRecord] {
        try night.store.writer.read { db in
            try DeliveryRecord.fetchAll(db, sql: """
                SELECT d.* FROM deliveries d JOIN delivery_items i ON i.delivery_id = d.id WHERE i.message_key = ? ORDER BY d.id
                """, arguments: [OverdueCare.checkInKey])
        }
    }

    /// The last daily email delivered into the Maildir.
    func lastDaily(_ night: NightInstance) throws -> DeliveredMail? {
        let id = try night.deliveries().last { $0.kind == .daily }?.messageID
        return try night.delivered().first { $0.angle("Message-ID") == id }
    }

    func testOneNeutralCheckInAtDuePlusSevenAndNeverASecond() throws {
        let night = try instance()
        try night.add("mother@families.example", track: .pregnancy, anchor: due, language: "en", today: due.adding(days: -30))
        XCTAssertEqual(try night.batch(due.adding(days: 6)).checkIns, 0)
        let day7 = due.adding(days: 7)
        let batch = try night.batch(day7)
        XCTAssertEqual(batch.checkIns, 1)
        XCTAssertTrue(batch.line.hasSuffix("; 1 overdue check-in, 0 switched to the child track (birth assumed)"), batch.line)
        XCTAssertEqual(try night.send(at: noonInTokyo(day7)).sent, 2, "the day's message (pregnancy/d0287) and the check-in")
        let mail = try XCTUnwrap(try night.delivered().first { $0.subject == "Checking in from Sakura Clinic" })
        let text = try XCTUnwrap(mail.part("text/plain"))
        XCTAssertTrue(text.contains("born 2027-04-28"), text)
        XCTAssertTrue(text.contains("2026-05-01"), "names the due date: \(text)")
        XCTAssertTrue(text.contains("reply stop"), text)
        XCTAssertFalse(text.lowercased().contains("congratulations"), text)
        XCTAssertEqual(mail.header("Auto-Submitted"), "auto-generated")

        for day in 8...12 { XCTAssertEqual(try night.batch(due.adding(days: day)).checkIns, 0) }
        XCTAssertEqual(try checkIns(night).count, 1)
        XCTAssertEqual(try night.store.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE kind = 'overdue check-in'")
        }, 1)
    }

    func testACrashBetweenTheCommitAndTheSpoolNeitherLosesNorDoublesTheCheckIn() throws {
        let night = try instance()
        try night.add("mother@families.example", track: .pregnancy, anchor: due, language: "ja", today: due.adding(days: -30))
        let day7 = due.adding(days: 7)
        // Killed after the commit: the delivery is planned with its bytes in the store, no file.
        let dying = BatchJob(instance: night.instance)
        dying.beforeSpoolingCheckIns = { throw TestFailure("killed") }
        night.instance.testClock.set(noonInTokyo(day7))
        XCTAssertThrowsError(try dying.run(date: day7))
        let planned = try XCTUnwrap(try checkIns(night).first)
        XCTAssertEqual(planned.status, .planned)
        XCTAssertNil(night.spoolFile(planned.id!))

        // The next run spools it and plans no second one.
        XCTAssertEqual(try night.batch(day7).checkIns, 0)
        XCTAssertEqual(try checkIns(night).map(\.status), [.queued])
        XCTAssertNotNil(night.spoolFile(planned.id!))

        // Killed after the spool's write but before the ledger's `queued`: the file is only marked.
        try night.sql("UPDATE deliveries SET status = 'planned' WHERE id = \(planned.id!)")
        try night.sql("UPDATE system_mail SET body = x'00' WHERE delivery_id = \(planned.id!)")
        XCTAssertEqual(try night.batch(day7.adding(days: 1)).checkIns, 0)
        XCTAssertEqual(try checkIns(night).map(\.status), [.queued])
        XCTAssertEqual(try night.send(at: noonInTokyo(day7.adding(days: 1))).sent, 2, "the daily message of due + 7 and one check-in")
        XCTAssertEqual(try night.delivered().filter { $0.subject?.contains("その後いかがお過ごしですか") ?? false }.count, 1)
    }

    func testACheckInNotYetSentIsWithdrawnByALossABirthOrAStop() throws {
        let night = try instance()
        let earlier = due.adding(days: -30), day7 = due.adding(days: 7)
        let lost = try night.add("lost@families.example", track: .pregnancy, anchor: due, today: earlier)
        let born = try night.add("born@families.example", track: .pregnancy, anchor: due, today: earlier)
        let stopped = try night.add("stopped@families.example", track: .pregnancy, anchor: due, today: earlier)
        XCTAssertEqual(try night.batch(day7).checkIns, 3)
        XCTAssertEqual(try checkIns(night).map(\.status), [.queued, .queued, .queued])
        // Before the send: a loss, a birth and a stop, each by email.
        for (ids, action) in [(lost, LifecycleAction.endSubscription(subscriptionID: lost.subscriptionID, reason: .loss)),
                              (born, .switchToChild(subscriptionID: born.subscriptionID, birth: due.adding(days: 2))),
                              (stopped, .stop(.all))] {
            let subscriber = try XCTUnwrap(try night.store.writer.read { db in try SubscriberRecord.fetchOne(db, key: ids.subscriberID) })
            try night.store.inTransaction { tx in
                var sender = CommandSender(address: subscriber.address, edition: "sakura", subscriberID: ids.subscriberID, messageID: "<m@phone>")
                try tx.carryOut(action, for: &sender, today: day7, at: noonInTokyo(day7))
            }
        }
        XCTAssertEqual(try checkIns(night).map(\.status), [.cancelled, .cancelled, .cancelled])
        let send = try night.send(at: noonInTokyo(day7))
        XCTAssertEqual(try night.delivered().filter { $0.subject?.contains("その後いかがお過ごしですか") ?? false }.count, 0, send.line)
    }

    func testNoCheckInForPausedStoppedBouncingOrEndedPregnanciesNorWhenTurnedOff() throws {
        let night = try instance()
        let earlier = due.adding(days: -30), day7 = due.adding(days: 7)
        let paused = try night.add("paused@families.example", track: .pregnancy, anchor: due, today: earlier)
        let stopped = try night.add("stopped@families.example", track: .pregnancy, anchor: due, today: earlier)
        let bouncing = try night.add("bouncing@families.example", track: .pregnancy, anchor: due, today: earlier)
        let lost = try night.add("lost@families.example", track: .pregnancy, anchor: due, today: earlier)
        try night.sql("UPDATE subscribers SET status = 'paused', paused_until = '\(day7.adding(days: 3).iso)' WHERE id = \(paused.subscriberID)")
        try night.sql("UPDATE subscribers SET status = 'stopped' WHERE id = \(stopped.subscriberID)")
        try night.sql("UPDATE subscribers SET status = 'bouncing' WHERE id = \(bouncing.subscriberID)")
        try night.sql("UPDATE subscriptions SET status = 'ended' WHERE id = \(lost.subscriptionID)")
        XCTAssertEqual(try night.batch(day7).checkIns, 0)
        // The paused parent is asked on the first night the pause is over, once.
        XCTAssertEqual(try night.batch(day7.adding(days: 3)).checkIns, 1)
        XCTAssertEqual(try checkIns(night).map(\.subscriberID), [paused.subscriberID])

        let off = try instance(care: "overdue_check_in_days = 0")
        try off.add("mother@families.example", track: .pregnancy, anchor: due, today: earlier)
        XCTAssertEqual(try off.batch(due.adding(days: 20)).checkIns, 0)
    }

    func testTheSwitchAtDuePlusNAssumesTheDueDateAndTheFirstChildMessageSaysSo() throws {
        let night = try instance(care: "auto_switch_days = 14")
        let ids = try night.add("mother@families.example", track: .pregnancy, anchor: due, language: "en", today: due.adding(days: -30))
        XCTAssertEqual(try night.batch(due.adding(days: 7)).checkIns, 1)
        XCTAssertEqual(try night.batch(due.adding(days: 13)).switched, 0)
        let day14 = due.adding(days: 14)
        let batch = try night.batch(day14)
        XCTAssertEqual(batch.switched, 1)
        XCTAssertEqual(batch.queued, 1, "child/d0014, the same night")
        let detail = try XCTUnwrap(try night.store.subscriber(address: try EmailAddress(parsing: "mother@families.example"), edition: "sakura"))
        XCTAssertEqual(detail.subscriptions.map(\.status), [.ended, .active])
        let child = try XCTUnwrap(detail.subscriptions.last)
        XCTAssertEqual(child.track, .child)
        XCTAssertEqual(child.anchorDate, due)
        XCTAssertTrue(child.birthAssumed)
        XCTAssertTrue(detail.events.contains { $0.kind == .birthAssumed && ($0.detail ?? "").contains("pregnancy \(ids.subscriptionID)") })

        _ = try night.send(at: noonInTokyo(day14))
        let first = try XCTUnwrap(try lastDaily(night))
        let text = try XCTUnwrap(first.part("text/plain"))
        XCTAssertTrue(text.contains("About your baby's birth date"), text)
        XCTAssertTrue(text.contains("we took the due date, 2026-05-01, as your baby's birth date"), text)
        XCTAssertTrue(text.contains("born 2027-04-28"), text)
        XCTAssertFalse((first.subject ?? "").contains("more"), "still one message: \(first.subject ?? "")")

        // The next child message carries no note.
        let day21 = due.adding(days: 21)
        XCTAssertEqual(try night.batch(day21).queued, 1)
        _ = try night.send(at: noonInTokyo(day21))
        let second = try XCTUnwrap(try lastDaily(night)?.part("text/plain"))
        XCTAssertFalse(second.contains("About your baby's birth date"), second)
        XCTAssertEqual(try night.batch(day21.adding(days: 1)).switched, 0)
    }

    func testCareSettingsAreValidated() throws {
        func parse(_ care: String) throws -> Configuration {
            try ConfigurationLoader.parse(maildirConfig().replacingOccurrences(of: "@DIR@", with: "/tmp").replacingOccurrences(of: "@TEMPLATES@", with: "/tmp")
                                          + "\n\n[care]\n" + care, file: "kizuna.toml")
        }
        func problem(_ care: String) -> String {
            do { _ = try parse(care); return "accepted" } catch { return "\(error)" }
        }
        XCTAssertEqual(try parse("").care, CareConfiguration(overdueCheckInDays: 7, autoSwitchDays: 0))
        XCTAssertEqual(try parse("overdue_check_in_days = 10\nauto_switch_days = 21").care, CareConfiguration(overdueCheckInDays: 10, autoSwitchDays: 21))
        XCTAssertEqual(try parse("overdue_check_in_days = 0\nauto_switch_days = 3").care, CareConfiguration(overdueCheckInDays: 0, autoSwitchDays: 3))
        XCTAssertTrue(problem("overdue_check_in_days = -1").hasPrefix("kizuna.toml: care.overdue_check_in_days: must be a whole number of days from 0 (never) to 42"))
        XCTAssertEqual(problem("overdue_check_in_days = 7.5"), "kizuna.toml: care.overdue_check_in_days: must be an integer")
        XCTAssertTrue(problem("auto_switch_days = 7").hasPrefix("kizuna.toml: care.auto_switch_days: must be more than overdue_check_in_days (7)"))
        XCTAssertTrue(problem("auto_switch_days = 100").contains("from 0 (never) to 42, not 100"))
        XCTAssertTrue(problem("overdue_check_in = 3").contains("care.overdue_check_in: unknown key"))
    }
}
