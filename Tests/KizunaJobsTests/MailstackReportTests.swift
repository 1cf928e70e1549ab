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
}
