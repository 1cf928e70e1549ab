import Foundation
@preconcurrency import Glibc
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// The overdue baby by email through the real Postfix (127.0.0.1:2525) and Dovecot
/// (127.0.0.1:1143), with the instance's test clock: the whole night (`NightJob`: poll → batch
/// → send → report) on the days that matter. Each run's parent is `parent1+<marker>@families.test`
/// (Dovecot files it in parent1's INBOX; the store sees an address of its own).
final class MailstackOverdueTests: XCTestCase {
    override func setUpWithError() throws {
        try requireMailstack()
        setenv("KIZUNA_TEST_IMAP_PASSWORD", "kizuna-pass", 1)
    }

    struct Silent: StepProgress {
        func expect(_ total: Int) {}
        func update(_ count: Int) {}
        func done() {}
    }

    /// One journey's instance, parent and mailboxes.
    final class Journey {
        let night: NightInstance
        let marker: String
        let parent: String
        let parentBox: IMAPClient
        var parentSeen: UInt32
        var instance: Instance { night.instance }

        init(care: String, test: String) throws {
            marker = test + UUID().uuidString.prefix(8).lowercased()
            night = try NightInstance(config: mailstackConfig(edition: marker, languages: ["ja", "en"]) + "\n\n[care]\n" + care)
            parent = "parent1+\(marker)@families.test"
            // Only mail that arrives from now on is this journey's: both mailboxes from their ends.
            let kizunaBox = try MailstackOverdueTests.imap("kizuna@clinic.test")
            try night.store.advanceIMAPPosition(mailbox: "INBOX", uidValidity: try kizunaBox.uidValidity(),
                                                to: try kizunaBox.search(uidFrom: 1).last ?? 0, at: Date())
            parentBox = try MailstackOverdueTests.imap("parent1@families.test")
            parentSeen = try parentBox.search(uidFrom: 1).last ?? 0
        }

        /// The whole night of `date`, at noon in Tokyo by the test clock.
        @discardableResult
        func nightly(_ date: CivilDate) throws -> NightSummary {
            instance.testClock.set(noonInTokyo(date))
            let summary = try NightJob(instance: instance, progress: { _ in Silent() }, tell: { _ in }).run(date: date)
            XCTAssertEqual(summary.send.remaining, 0, summary.line)
            return summary
        }

        /// The delivery's email read back from parent1's INBOX (waits up to 20 s).
        func arrived(_ delivery: DeliveryRecord) throws -> DeliveredMail {
            try awaitMail(messageID: try XCTUnwrap(delivery.messageID), in: parentBox, after: &parentSeen)
        }

        /// The parent writes to the edition from a phone (through Postfix into kizuna's INBOX);
        /// polls until the store has applied it (by the test clock's `date`).
        func write(_ body: String, subject: String, on date: CivilDate, until applied: () throws -> Bool) throws {
            let dir = night.dir
            let file = dir.appendingPathComponent("reply-\(UUID().uuidString.prefix(6)).eml")
            let message = """
                From: \(parent)
                To: kizuna@clinic.test
                Subject: =?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?=
                Message-ID: <\(UUID().uuidString.prefix(8)).\(marker)@families.test>
                MIME-Version: 1.0
                Content-Type: text/plain; charset=UTF-8
                Content-Transfer-Encoding: base64

                \(Data((body + "\r\n").utf8).base64EncodedString())
                """
            try message.replacingOccurrences(of: "\n", with: "\r\n").write(to: file, atomically: true, encoding: .utf8)
            let r = try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "smtp://127.0.0.1:2525", "--mail-from", parent,
                                                                          "--mail-rcpt", "kizuna@clinic.test", "-T", file.path], in: dir)
            XCTAssertEqual(r.status, 0, r.output)
            instance.testClock.set(noonInTokyo(date))
            try eventually("the parent's mail applied", step: { _ = try PollJob(instance: instance).run() }, done: applied)
            XCTAssertEqual(try SendJob(instance: instance).run().remaining, 0)
        }

        var subscriptions: [SubscriptionRecord] {
            get throws { try night.store.subscriber(address: try EmailAddress(parsing: parent), edition: marker)?.subscriptions ?? [] }
        }

        /// The check-in deliveries of this journey's store.
        func checkIns() throws -> [DeliveryRecord] {
            try night.store.writer.read { db in
                try DeliveryRecord.fetchAll(db, sql: """
                    SELECT d.* FROM deliveries d JOIN delivery_items i ON i.delivery_id = d.id WHERE i.message_key = ? ORDER BY d.id
                    """, arguments: [OverdueCare.checkInKey])
            }
        }

        /// The mail sent to this journey's parent (the clinic's mailbox is shared with other
        /// tests, so a night may also answer mail that is not this journey's).
        func deliveries() throws -> [DeliveryRecord] { try night.deliveries().filter { $0.recipient == parent } }

        func lastDelivery(_ kind: DeliveryKind) throws -> DeliveryRecord? { try deliveries().last { $0.kind == kind } }
    }

    static func imap(_ user: String) throws -> IMAPClient {
        try IMAPClient(settings: IMAPSettings(url: "imap://127.0.0.1:1143", username: user,
                                              password: user.split(separator: "@")[0] + "-pass", responseTimeout: 10))
    }

    /// (a) due + 7: one neutral check-in arrives; the next night none; `出生 DATE` switches to
    /// the child track and the child's messages follow.
    func testAnOverduePregnancyGetsOneCheckInAndTheParentsBirthDateSwitchesToTheChildTrack() throws {
        let j = try Journey(care: "overdue_check_in_days = 7", test: "ovda")
        let due = CivilDate(iso: "2026-09-01")!, day7 = due.adding(days: 7)
        try j.night.add(j.parent, track: .pregnancy, anchor: due, language: "ja", edition: j.marker, today: due.adding(days: -60))

        let first = try j.nightly(day7)
        XCTAssertEqual(first.batch.checkIns, 1, first.batch.line)
        let delivery = try XCTUnwrap(try j.checkIns().first)
        let checkIn = try j.arrived(try XCTUnwrap(try j.night.store.delivery(id: delivery.id!)))
        XCTAssertEqual(checkIn.subject, "Kizuna test clinicより　その後いかがお過ごしですか")
        XCTAssertEqual(checkIn.header("To"), j.parent)
        XCTAssertEqual(checkIn.header("Auto-Submitted"), "auto-generated")
        let text = try XCTUnwrap(checkIn.part("text/plain"))
        for needle in ["2026年9月1日", "出生 2027-04-28", "停止", "お返事はいりません", "kizuna@clinic.test", "サンプル"] {
            XCTAssertTrue(text.contains(needle), "\(needle) in: \(text)")
        }
        for word in ["おめでとう", "congratulations"] { XCTAssertFalse(text.lowercased().contains(word), text) }

        let second = try j.nightly(day7.adding(days: 1))
        XCTAssertEqual(second.batch.checkIns, 0)
        XCTAssertEqual(try j.checkIns().count, 1, "one check-in per subscription")

        // The parent answers the check-in with the birth date.
        let birth = due.adding(days: 3)
        try j.write("出生 \(birth.iso)", subject: "Re: " + (checkIn.subject ?? ""), on: day7.adding(days: 1)) {
            try j.subscriptions.contains { $0.track == .child && $0.status == .active }
        }
        let subscriptions = try j.subscriptions
        XCTAssertEqual(subscriptions.map(\.status), [.ended, .active])
        XCTAssertEqual(subscriptions.last?.anchorDate, birth)
        XCTAssertEqual(subscriptions.last?.birthAssumed, false)
        let switched = try j.arrived(try XCTUnwrap(try j.lastDelivery(.system)))
        XCTAssertTrue((switched.part("text/plain") ?? "").contains("\(birth.iso)生まれのお子さん向けの配信に切り替えました"))

        // The child's messages follow: day 7 after the birth (child/d0007).
        let childNight = try j.nightly(birth.adding(days: 7))
        XCTAssertEqual(childNight.batch.queued, 1, childNight.batch.line)
        let child = try XCTUnwrap(try j.lastDelivery(.daily))
        let items = try j.night.store.deliveryItems(deliveryID: child.id!)
        XCTAssertEqual(items.map(\.messageKey), ["child/d0007"])
        let childMail = try j.arrived(child)
        XCTAssertFalse((childMail.part("text/plain") ?? "").contains("誕生日についてのお知らせ"), "a reported birth needs no note")
        XCTAssertEqual(try j.checkIns().count, 1)
    }

    /// (b) With `auto_switch_days`, the night at due + N switches with birth = due date; the
    /// first child message says so; the parent's `born DATE` corrects the birth date.
    func testTheAutomaticSwitchAssumesTheDueDateAndTheParentCorrectsIt() throws {
        let j = try Journey(care: "overdue_check_in_days = 7\nauto_switch_days = 14", test: "ovdb")
        let due = CivilDate(iso: "2026-09-01")!
        try j.night.add(j.parent, track: .pregnancy, anchor: due, language: "en", edition: j.marker, today: due.adding(days: -60))
        XCTAssertEqual(try j.nightly(due.adding(days: 7)).batch.checkIns, 1)
        XCTAssertEqual(try j.nightly(due.adding(days: 13)).batch.switched, 0)

        let day14 = due.adding(days: 14)
        let night = try j.nightly(day14)
        XCTAssertEqual(night.batch.switched, 1, night.batch.line)
        let child = try XCTUnwrap(try j.subscriptions.last)
        XCTAssertEqual(child.track, .child)
        XCTAssertEqual(child.anchorDate, due)
        XCTAssertTrue(child.birthAssumed)
        let events = try XCTUnwrap(try j.night.store.subscriber(address: try EmailAddress(parsing: j.parent), edition: j.marker)).events
        XCTAssertTrue(events.contains { $0.kind == .birthAssumed })

        let daily = try XCTUnwrap(try j.lastDelivery(.daily))
        XCTAssertEqual(try j.night.store.deliveryItems(deliveryID: daily.id!).map(\.messageKey), ["child/d0014"])
        let first = try j.arrived(daily)
        let text = try XCTUnwrap(first.part("text/plain"))
        for needle in ["About your baby's birth date", "we took the due date, 2026-09-01, as your baby's birth date",
                       "born 2027-04-28", "reply stop"] {
            XCTAssertTrue(text.contains(needle), "\(needle) in: \(text)")
        }

        // The parent gives the real date: the child's birth date is corrected, nothing else changes.
        let real = due.adding(days: 5)
        try j.write("born \(real.iso)", subject: "Re: " + (first.subject ?? ""), on: day14.adding(days: 1)) {
            try j.subscriptions.last?.birthAssumed == false
        }
        let corrected = try j.subscriptions
        XCTAssertEqual(corrected.map(\.status), [.ended, .active])
        XCTAssertEqual(corrected.last?.anchorDate, real)
        XCTAssertEqual(corrected.last?.id, child.id)
        let reply = try j.arrived(try XCTUnwrap(try j.lastDelivery(.system)))
        XCTAssertTrue((reply.part("text/plain") ?? "").contains("We have noted the birth date as \(real.iso)"))

        // The next child message (day 21 from the real birth) carries no note.
        let day21 = real.adding(days: 21)
        XCTAssertEqual(try j.nightly(day21).batch.queued, 1)
        let next = try j.arrived(try XCTUnwrap(try j.lastDelivery(.daily)))
        XCTAssertFalse((next.part("text/plain") ?? "").contains("About your baby's birth date"))
    }

    /// (c) A loss after the check-in: the kind reply, and nothing more — no second check-in, no
    /// switch, no daily message.
    func testALossAfterTheCheckInEndsEverything() throws {
        let j = try Journey(care: "overdue_check_in_days = 7\nauto_switch_days = 14", test: "ovdc")
        let due = CivilDate(iso: "2026-09-01")!, day7 = due.adding(days: 7)
        try j.night.add(j.parent, track: .pregnancy, anchor: due, language: "ja", edition: j.marker, today: due.adding(days: -60))
        XCTAssertEqual(try j.nightly(day7).batch.checkIns, 1)
        let checkIn = try j.arrived(try XCTUnwrap(try j.checkIns().first.flatMap { try j.night.store.delivery(id: $0.id!) }))

        try j.write("赤ちゃんは流産でした", subject: "Re: " + (checkIn.subject ?? ""), on: day7.adding(days: 1)) {
            try j.subscriptions.allSatisfy { $0.status != .active }
        }
        let loss = try j.arrived(try XCTUnwrap(try j.lastDelivery(.system)))
        XCTAssertTrue((loss.part("text/plain") ?? "").contains("ご連絡くださり"))
        let mailsAfterLoss = try j.deliveries().count

        for day in [8, 14, 15, 21, 30] {
            let night = try j.nightly(due.adding(days: day))
            XCTAssertEqual(night.batch.queued + night.batch.checkIns + night.batch.switched, 0, night.batch.line)
        }
        XCTAssertEqual(try j.deliveries().count, mailsAfterLoss, "nothing more was sent")
        XCTAssertEqual(try j.subscriptions.map(\.track), [.pregnancy], "no child subscription was assumed")
    }

    /// (d) A loss reported after the automatic switch still wins: the child followed from the
    /// assumed birth date ends, and nothing more is sent.
    func testAPregnancyLossAfterTheAutomaticSwitchEndsTheAssumedChild() throws {
        let j = try Journey(care: "overdue_check_in_days = 0\nauto_switch_days = 14", test: "ovdd")
        let due = CivilDate(iso: "2026-09-01")!, day14 = due.adding(days: 14)
        try j.night.add(j.parent, track: .pregnancy, anchor: due, language: "ja", edition: j.marker, today: due.adding(days: -60))
        XCTAssertEqual(try j.nightly(day14).batch.switched, 1)
        let first = try j.arrived(try XCTUnwrap(try j.lastDelivery(.daily)))
        XCTAssertTrue((first.part("text/plain") ?? "").contains("誕生日についてのお知らせ"))

        try j.write("実は流産していました", subject: "Re: " + (first.subject ?? ""), on: day14.adding(days: 1)) {
            try j.subscriptions.allSatisfy { $0.status == .ended }
        }
        let loss = try j.arrived(try XCTUnwrap(try j.lastDelivery(.system)))
        XCTAssertTrue((loss.part("text/plain") ?? "").contains("ご連絡くださり"))
        let mailsAfterLoss = try j.deliveries().count
        for day in [15, 21, 30, 45] {
            let night = try j.nightly(due.adding(days: day))
            XCTAssertEqual(night.batch.queued + night.batch.checkIns + night.batch.switched, 0, night.batch.line)
        }
        XCTAssertEqual(try j.deliveries().count, mailsAfterLoss, "nothing more was sent")
    }
}
