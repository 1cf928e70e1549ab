import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaStore
import KizunaTestSupport
import XCTest

/// The daily report through the real Postfix (127.0.0.1:2525) into a Dovecot mailbox (127.0.0.1:1143).
final class MailstackReportTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    func testTheReportArrivesInTheAdministratorsMailboxOnce() throws {
        let marker = "r" + UUID().uuidString.prefix(8).lowercased()
        let config = mailstackConfig(edition: marker, languages: ["en"]) + """

        [report]
        to = ["parent2@families.test"]
        """
        let night = try NightInstance(config: config)
        let instance = night.instance
        let today = instance.today()
        try night.add("parent1@families.test", track: .pregnancy, anchor: today.adding(days: 140), language: "en", today: today)
        let inbox = try IMAPClient(settings: IMAPSettings(url: "imap://127.0.0.1:1143", username: "parent2@families.test",
                                                          password: "parent2-pass", responseTimeout: 10))
        let before = try inbox.search(uidFrom: 1).last ?? 0

        XCTAssertEqual(try BatchJob(instance: instance).run(date: today).queued, 1)
        XCTAssertEqual(try SendJob(instance: instance).run().sent, 1)
        let summary = try ReportJob(instance: instance).run(date: today)
        XCTAssertEqual(summary.queued, ["parent2@families.test"])
        XCTAssertEqual(try ReportJob(instance: instance).run(date: today).queued, [], "a second run the same day queues nothing")
        let send = try SendJob(instance: instance).run()
        XCTAssertEqual(send.sent, 1, send.line)

        let delivery = try XCTUnwrap(try night.store.reportDeliveries(on: today).first)
        XCTAssertEqual(delivery.status, .sent)
        XCTAssertEqual(delivery.smtpCode, 250)
        let messageID = try XCTUnwrap(delivery.messageID)
        var found: [DeliveredMail] = []
        let deadline = Date().addingTimeInterval(20)
        repeat {
            found = try inbox.search(uidFrom: before + 1).map { DeliveredMail(bytes: try inbox.fetch(uid: $0)) }.filter { $0.angle("Message-ID") == messageID }
            if found.isEmpty { usleep(250_000) }
        } while found.isEmpty && Date() < deadline
        XCTAssertEqual(found.count, 1, "the report reached parent2@families.test's INBOX once")
        guard let mail = found.first else { return }
        XCTAssertEqual(mail.subject, summary.subject)
        XCTAssertEqual(mail.header("Auto-Submitted"), "auto-generated")
        XCTAssertEqual(mail.angle("Return-Path"), "kizuna@clinic.test")
        XCTAssertTrue(singlePartText(mail).contains("daily messages: 1 sent, 0 deferred, 0 failed, 0 cancelled, 0 waiting\r\n"), singlePartText(mail))
    }

    /// Two editions' reports: the second edition's own recipient (kizuna@town.test) finds its
    /// edition's part in its mailbox and nothing of the first's; the instance's recipient gets both.
    func testAnEditionsRecipientsMailboxHoldsOnlyItsEditionsReport() throws {
        let marker = "e" + UUID().uuidString.prefix(8).lowercased()
        let config = mailstackConfig(edition: marker, languages: ["en"]) + """


        \(Self.townEdition(marker))

        [report]
        to = ["parent2@families.test"]
        encrypt = "off"
        """
        let night = try NightInstance(config: config)
        let instance = night.instance
        let today = instance.today()
        let clinicFamily = "hanako-\(marker)@families.example", townFamily = "mika-\(marker)@families.example"
        for (address, edition) in [(clinicFamily, marker), (townFamily, "town")] {
            let ids = try night.add(address, track: .pregnancy, anchor: today.adding(days: 140), language: "en", edition: edition, today: today)
            try night.store.recordEvent(kind: .commandHeld, subscriberID: ids.subscriberID, detail: "stop: dmarc=fail at mx.clinic.test",
                                        messageID: "\(address)@forged.example", at: Date().addingTimeInterval(-60))
        }
        let inboxes = try ["kizuna@town.test", "parent2@families.test"].map(dovecotMailbox)
        let before = try inboxes.map { try $0.search(uidFrom: 1).last ?? 0 }

        let summary = try ReportJob(instance: instance).run(date: today)
        XCTAssertEqual(summary.queued, ["parent2@families.test", "kizuna@town.test"])
        XCTAssertEqual(try SendJob(instance: instance).run().sent, 2)

        // Each from its own sender: an edition's report_to's from the edition's address, the instance-wide one from the instance's.
        func arrived(_ recipient: String, in inbox: IMAPClient, after uid: UInt32, from sender: String) throws -> String {
            let delivery = try XCTUnwrap(try night.store.reportDeliveries(on: today).first { $0.recipient == recipient })
            XCTAssertEqual(delivery.status, .sent)
            let found = try copies(of: delivery, in: inbox, after: uid)
            XCTAssertEqual(found.count, 1, "the report reached \(recipient) once")
            XCTAssertEqual(found.first?.angle("Return-Path"), sender)
            return found.first.map(singlePartText) ?? ""
        }
        let town = try arrived("kizuna@town.test", in: inboxes[0], after: before[0], from: "kizuna@town.test")
        XCTAssertTrue(town.contains("Edition town (Town \(marker)) only.\r\n"), town)
        XCTAssertTrue(town.contains(townFamily), town)
        XCTAssertTrue(town.contains("now: pending 0, active 1, paused 0, stopped 0, bouncing 0\r\n"), town)
        for leak in [clinicFamily, marker + " ", "Kizuna test clinic", "SPOOL", "EDITION "] {
            XCTAssertFalse(town.contains(leak), "\(leak) leaked into the town's report:\n\(town)")
        }
        let whole = try arrived("parent2@families.test", in: inboxes[1], after: before[1], from: "kizuna@clinic.test")
        for expected in [clinicFamily, townFamily, "EDITION \(marker) (Kizuna test clinic)", "EDITION town (Town \(marker))", "SPOOL"] {
            XCTAssertTrue(whole.contains(expected), "\(expected) in\n\(whole)")
        }
    }

    /// An edition with a relay of its own (`[edition.smtp]`, 127.0.0.1:2527) gets its `report_to`
    /// part through it; the instance's relay is a closed port, so the instance-wide report waits
    /// in the spool while the edition's arrives.
    func testAnEditionsRecipientsReportLeavesThroughTheEditionsRelay() throws {
        let marker = "e" + UUID().uuidString.prefix(8).lowercased()
        let config = mailstackConfig(edition: marker, languages: ["en"])
            .replacingOccurrences(of: "url = \"smtp://127.0.0.1:2525\"", with: "url = \"\(TwoEditionStack.deadRelay)\"\nconnect_timeout = 2") + """


        \(Self.townEdition(marker))

        [edition.smtp]
        url = "smtp://127.0.0.1:2527"
        starttls = "off"
        connections = 1
        connect_timeout = 2
        response_timeout = 20

        [report]
        to = ["parent2@families.test"]
        encrypt = "off"
        """
        XCTAssertTrue(config.contains(TwoEditionStack.deadRelay))
        let night = try NightInstance(config: config)
        let instance = night.instance
        let today = instance.today()
        let inbox = try dovecotMailbox("kizuna@town.test")
        let before = try inbox.search(uidFrom: 1).last ?? 0

        XCTAssertEqual(try ReportJob(instance: instance).run(date: today).queued, ["parent2@families.test", "kizuna@town.test"])
        let reports = try night.store.reportDeliveries(on: today)
        let town = try XCTUnwrap(reports.first { $0.recipient == "kizuna@town.test" })
        let whole = try XCTUnwrap(reports.first { $0.recipient == "parent2@families.test" })
        XCTAssertEqual(try night.envelope(try XCTUnwrap(town.id))["edition"], "town")
        XCTAssertNil(try night.envelope(try XCTUnwrap(whole.id))["edition"])
        _ = try? SendJob(instance: instance).run()
        let after = try night.store.reportDeliveries(on: today)
        XCTAssertEqual(after.first { $0.recipient == "kizuna@town.test" }?.status, .sent, "through the town's relay")
        XCTAssertNotEqual(after.first { $0.recipient == "parent2@families.test" }?.status, .sent, "the instance's relay is dead")
        let found = try copies(of: town, in: inbox, after: before)
        XCTAssertEqual(found.count, 1, "the town's report arrived once")
        XCTAssertTrue(found.first.map(singlePartText)?.contains("Edition town (Town \(marker)) only.\r\n") ?? false)
    }

    /// The copies of `delivery`'s report in `inbox` after `uid`, waiting up to 20 s for one.
    /// The second edition of the report tests: `kizuna@town.test`, its report to its own mailbox.
    static func townEdition(_ marker: String) -> String {
        """
        [[edition]]
        id = "town"
        name = "Town \(marker)"
        address = "kizuna@town.test"
        languages = ["en"]
        report_to = ["kizuna@town.test"]
        """
    }

    func copies(of delivery: DeliveryRecord, in inbox: IMAPClient, after uid: UInt32) throws -> [DeliveredMail] {
        var found: [DeliveredMail] = []
        let deadline = Date().addingTimeInterval(20)
        repeat {
            found = try inbox.search(uidFrom: uid + 1).map { DeliveredMail(bytes: try inbox.fetch(uid: $0)) }
                .filter { $0.angle("Message-ID") == delivery.messageID }
            if found.isEmpty { usleep(250_000) }
        } while found.isEmpty && Date() < deadline
        return found
    }
}
