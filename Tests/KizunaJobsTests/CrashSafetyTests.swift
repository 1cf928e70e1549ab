import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaStore
import XCTest

/// What a crash at each point of a night leaves behind, and that the next run neither loses
/// nor doubles a message. Each test builds the state a killed process would leave.
final class CrashSafetyTests: XCTestCase {
    let day = CivilDate(iso: "2026-05-01")!

    func sampleNight() throws -> NightInstance {
        let night = try NightInstance(config: maildirConfig())
        for s in InitJob.sampleFamilies(today: day, edition: "sakura") {
            try night.store.addSubscriber(s.subscriber, today: day, at: noonInTokyo(day), source: "test")
        }
        return night
    }

    /// Every recipient of the ledger got exactly one email, and the ledger says sent for all.
    func assertEachSentOnce(_ night: NightInstance, recipients expected: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let mails = try night.delivered()
        let counts = Dictionary(grouping: mails) { $0.header("Delivered-To") ?? "?" }.mapValues(\.count)
        XCTAssertEqual(counts.count, expected, "recipients reached: \(counts)", file: file, line: line)
        XCTAssertEqual(counts.values.filter { $0 != 1 }.count, 0, "emails per recipient: \(counts)", file: file, line: line)
        let ledger = try night.deliveries()
        XCTAssertEqual(ledger.count, expected, file: file, line: line)
        XCTAssertEqual(Set(ledger.map(\.status)), [.sent], file: file, line: line)
        XCTAssertEqual(Set(ledger.map(\.recipient)), Set(counts.keys), file: file, line: line)
        XCTAssertEqual(try night.spoolCount(.incoming) + night.spoolCount(.active) + night.spoolCount(.deferred), 0, file: file, line: line)
        let sent = try FileManager.default.subpathsOfDirectory(atPath: night.spoolRoot.appendingPathComponent("sent").path)
        XCTAssertEqual(sent.filter { $0.contains("/d") }, [], "the send purges the accepted messages' files", file: file, line: line)
    }

    // (a) The batch died after the group commit into the spool but before markQueued: the
    // ledger says planned. Some files reached incoming; others were still in tmp.
    func testABatchInterruptedBeforeMarkQueuedIsReconciledAndEachMessageSentOnce() throws {
        let night = try sampleNight()
        XCTAssertEqual(try night.batch(day).queued, 8)
        let ledger = try night.deliveries()
        let inSpool = Array(ledger.prefix(5)), lost = Array(ledger.suffix(3))
        var spoolBytes: [Int64: Data] = [:]
        for d in inSpool { spoolBytes[d.id!] = try Data(contentsOf: try XCTUnwrap(night.spoolFile(d.id!)).url) }
        // The crash state: every delivery planned with no Message-ID; three files never left tmp.
        try night.sql("UPDATE deliveries SET status = 'planned', message_id = NULL, subject = NULL, envelope_from = NULL")
        for d in lost {
            let f = try XCTUnwrap(night.spoolFile(d.id!))
            try FileManager.default.moveItem(at: f.url, to: night.spoolRoot.appendingPathComponent("tmp/d\(d.id!)"))
        }
        XCTAssertEqual(try night.store.deliveries(status: .planned).count, 8)

        let recovery = try night.batch(day)
        XCTAssertEqual(recovery.recovered, 8)
        XCTAssertEqual(recovery.queued, 3, "only the deliveries whose file never reached the spool are rendered again")
        XCTAssertEqual(recovery.alreadyPlanned, 5)
        XCTAssertEqual(try night.store.deliveries(status: .planned), [])
        XCTAssertEqual(try night.store.deliveries(status: .queued).count, 8)
        for d in inSpool {
            XCTAssertEqual(try Data(contentsOf: try XCTUnwrap(night.spoolFile(d.id!)).url), spoolBytes[d.id!],
                           "delivery \(d.id!) is queued from its existing file, not rendered twice")
        }
        for d in lost { XCTAssertNil(try night.store.delivery(id: d.id!), "the planned row without a file was replaced") }
        let replanned = try night.deliveries().filter { d in !inSpool.contains { $0.id == d.id } }
        XCTAssertEqual(Set(replanned.map(\.recipient)), Set(lost.map(\.recipient)))

        let send = try night.send(at: noonInTokyo(day))
        XCTAssertEqual(send.sent, 8)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: night.spoolRoot.appendingPathComponent("tmp").path), [],
                       "the stale tmp files are removed")
        try assertEachSentOnce(night, recipients: 8)
        // The delivered copy of a recovered delivery is the file the interrupted batch wrote.
        for d in inSpool {
            // The spool file is the envelope, a blank line, then the message.
            let file = Array(spoolBytes[d.id!]!)
            let start = try XCTUnwrap((1..<file.count).first { file[$0 - 1] == 10 && file[$0] == 10 }) + 1
            let original = DeliveredMail(bytes: Array(file[start...]))
            XCTAssertNotNil(original.header("Message-ID"))
            let mail = try XCTUnwrap(try night.delivered().first { $0.header("Delivered-To") == d.recipient })
            XCTAssertEqual(mail.header("Message-ID"), original.header("Message-ID"))
        }
        XCTAssertEqual(try night.batch(day).queued, 0)
        XCTAssertEqual(try night.send(at: noonInTokyo(day)).sent, 0)
        try assertEachSentOnce(night, recipients: 8)
    }

    // The same crash built from the parts of a batch: planned in the store, files enqueued,
    // markQueued never called; and one plan whose rendering never reached the spool.
    func testPlannedDeliveriesFromThePartsOfABatchAreQueuedOrReplanned() throws {
        let night = try sampleNight()
        let store = try night.store
        let recipients = try store.recipientsPage(after: 0, limit: 100)
        let catalog = try night.instance.catalog()
        let schedule = Schedule(stages: catalog.stages(track: .pregnancy) + catalog.stages(track: .child), catchUpDays: 2)
        var plans: [DeliveryPlan] = [], work: [MessageComposer.Work] = []
        for r in recipients {
            var items: [ItemPlan] = [], sections: [MessageComposer.Section] = []
            for s in r.subscriptions {
                if let due = schedule.decide(ScheduledSubscription(id: s.id!, track: s.track, anchor: s.anchorDate, startDate: s.startDate),
                                             on: day, recorded: []).send {
                    items.append(ItemPlan(subscriptionID: s.id!, messageKey: due.messageKey, scheduledDate: due.date, status: .included))
                    sections.append(.init(stage: due.stage, nickname: s.nickname))
                }
            }
            plans.append(DeliveryPlan(subscriberID: r.subscriber.id!, localDate: day, recipient: r.subscriber.address.smtpPath, items: items))
            work.append(.init(deliveryID: 0, subscriber: r.subscriber, edition: night.instance.configuration.editions[0], sections: sections))
        }
        let ids = try store.planDeliveries(plans, at: noonInTokyo(day))
        for (i, id) in ids.enumerated() { work[i].deliveryID = id! }
        let composer = MessageComposer(catalog: catalog, tokens: try night.instance.tokens(), timeZone: night.instance.timeZone)
        let rendered = composer.render(Array(work.dropLast()), date: day, now: noonInTokyo(day))
        XCTAssertEqual(rendered.failures.count, 0)
        try night.spool.enqueue(rendered.rendered.map { ($0.envelope, $0.bytes) })
        // The crash: no markQueued.
        XCTAssertEqual(try store.deliveries(status: .planned).count, 8)

        let recovery = try night.batch(day)
        XCTAssertEqual(recovery.recovered, 8)
        XCTAssertEqual(recovery.queued, 1)
        XCTAssertNil(try store.delivery(id: ids.last!!), "the planned row without a spool file is replaced by a new plan")
        XCTAssertEqual(try night.send(at: noonInTokyo(day)).sent, 8)
        try assertEachSentOnce(night, recipients: 8)
    }

    // (b) The send died after the server's 250 and the unlink, before the ledger write.
    func testASendInterruptedAfterThe250IsRecordedAsSentAndNotSentAgain() throws {
        let night = try sampleNight()
        XCTAssertEqual(try night.batch(day).queued, 8)
        let dying = DyingTransport(inner: MaildirTransport(path: night.maildir), deliverCount: 3, claimOneMore: false)
        XCTAssertThrowsError(try night.send(at: noonInTokyo(day), transport: dying))

        // What the crash left: the marker, three files gone, the ledger still "queued" for them.
        XCTAssertTrue(FileManager.default.fileExists(atPath: night.spoolRoot.appendingPathComponent(".send.in-progress").path))
        XCTAssertEqual(dying.deliveredIDs.count, 3)
        for id in dying.deliveredIDs {
            XCTAssertNil(night.spoolFile(id))
            XCTAssertEqual(try night.store.delivery(id: id)?.status, .queued)
        }
        XCTAssertEqual(try night.delivered().count, 3)

        let send = try night.send(at: noonInTokyo(day))
        XCTAssertEqual(send.recoveredAsSent, 3)
        XCTAssertEqual(send.sent, 5)
        XCTAssertFalse(FileManager.default.fileExists(atPath: night.spoolRoot.appendingPathComponent(".send.in-progress").path))
        for id in dying.deliveredIDs {
            XCTAssertEqual(try night.store.delivery(id: id)?.smtpReply, "accepted; recorded after an interrupted send")
        }
        try assertEachSentOnce(night, recipients: 8)
        XCTAssertEqual(try night.send(at: noonInTokyo(day)).sent, 0)
        try assertEachSentOnce(night, recipients: 8)
    }

    // (c) The send died holding a claimed file in spool/active (and files were moved there by hand).
    func testFilesLeftInActiveGoBackToIncomingAndAreSentOnce() throws {
        let night = try sampleNight()
        XCTAssertEqual(try night.batch(day).queued, 8)
        let dying = DyingTransport(inner: MaildirTransport(path: night.maildir), deliverCount: 2, claimOneMore: true)
        XCTAssertThrowsError(try night.send(at: noonInTokyo(day), transport: dying))
        let stranded = try XCTUnwrap(dying.claimedButDropped)
        XCTAssertEqual(night.spoolFile(stranded)?.state, "active")
        // One more, as if a second claim had happened before the crash.
        let other = try XCTUnwrap(try night.deliveries().first { night.spoolFile($0.id!)?.state == "incoming" })
        let from = try XCTUnwrap(night.spoolFile(other.id!)).url
        let to = night.spoolRoot.appendingPathComponent("active").appendingPathComponent(from.deletingLastPathComponent().lastPathComponent)
            .appendingPathComponent(from.lastPathComponent)
        try FileManager.default.moveItem(at: from, to: to)
        XCTAssertEqual(try night.spoolCount(.active), 2)

        let send = try night.send(at: noonInTokyo(day))
        XCTAssertEqual(send.requeued, 2)
        XCTAssertEqual(send.recoveredAsSent, 2)
        XCTAssertEqual(send.sent, 6)
        XCTAssertEqual(try night.spoolCount(.active), 0)
        try assertEachSentOnce(night, recipients: 8)
    }

    // Two crashes in a row: the batch died before markQueued (planned rows, files in incoming),
    // then a send delivered some of them and died before its ledger write. The next runs must
    // not take "planned, no file" for "never spooled" and send those families a second email.
    func testABatchCrashThenASendCrashStillSendsEachMessageOnce() throws {
        let night = try sampleNight()
        XCTAssertEqual(try night.batch(day).queued, 8)
        try night.sql("UPDATE deliveries SET status = 'planned'")
        let dying = DyingTransport(inner: MaildirTransport(path: night.maildir), deliverCount: 3, claimOneMore: false)
        XCTAssertThrowsError(try night.send(at: noonInTokyo(day), transport: dying))
        XCTAssertEqual(dying.deliveredIDs.count, 3)

        let recovery = try night.batch(day)
        XCTAssertEqual(recovery.queued, 0, "nothing is planned again: every delivery reached the spool")
        let send = try night.send(at: noonInTokyo(day))
        XCTAssertEqual(send.recoveredAsSent, 3)
        XCTAssertEqual(send.sent, 5)
        try assertEachSentOnce(night, recipients: 8)
    }

    // A family stops after its message was queued: the send withdraws it from the spool.
    func testAStopAfterQueuingWithdrawsTheMessage() throws {
        let night = try sampleNight()
        XCTAssertEqual(try night.batch(day).queued, 8)
        let victim = try XCTUnwrap(try night.deliveries().first)
        XCTAssertEqual(try night.store.stopSubscriber(id: victim.subscriberID!, reason: "test", at: noonInTokyo(day), messageID: nil), 1)
        let send = try night.send(at: noonInTokyo(day))
        XCTAssertEqual(send.withdrawn, 1)
        XCTAssertEqual(send.sent, 7)
        XCTAssertNil(night.spoolFile(victim.id!))
        XCTAssertEqual(try night.store.delivery(id: victim.id!)?.status, .cancelled)
        XCTAssertFalse(try night.delivered().contains { $0.header("Delivered-To") == victim.recipient })
    }
}
