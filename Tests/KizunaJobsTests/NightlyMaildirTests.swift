import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaStore
import XCTest

/// A whole night (batch, then send) into the Maildir transport with the sample families.
final class NightlyMaildirTests: XCTestCase {
    /// Sections in a text part: the layouts start each with "■ " and its subject.
    func sectionCount(_ text: String) -> Int { text.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("■ ") }.count }

    let day = CivilDate(iso: "2026-05-01")!

    func testSampleFamiliesEachGetExactlyOneEmailAndASecondRunSendsNothing() throws {
        let night = try NightInstance(config: maildirConfig())
        let store = try night.store
        let samples = InitJob.sampleFamilies(today: day, edition: "sakura")
        for s in samples { try store.addSubscriber(s.subscriber, today: day, at: noonInTokyo(day), source: "test") }
        let recipients = Set(samples.map { $0.subscriber.address.smtpPath })
        XCTAssertEqual(recipients.count, 8, "nine sample subscriptions, one parent has two")

        let batch = try night.batch(day)
        XCTAssertEqual(batch.queued, 8)
        XCTAssertEqual(batch.sections, 9)
        XCTAssertEqual(batch.failures, 0)
        XCTAssertEqual(try night.spoolCount(.incoming), 8)

        // The carrier address travels quoted: in the ledger and in the spool file's envelope.
        let carrier = #""taro..sample."@docomo.ne.jp"#
        let ledgerRecipients = try night.deliveries().map(\.recipient)
        let carrierDelivery = try XCTUnwrap(try night.deliveries().first { $0.recipient == carrier }, "ledger recipients: \(ledgerRecipients)")
        XCTAssertEqual(try night.envelope(carrierDelivery.id!)["rcpt-to"], carrier)

        let send = try night.send(at: noonInTokyo(day))
        XCTAssertEqual(send.sent, 8)
        XCTAssertEqual(send.deferred + send.bounced + send.remaining, 0)

        let mails = try night.delivered()
        XCTAssertEqual(mails.count, 8)
        let byRecipient = Dictionary(grouping: mails) { $0.header("Delivered-To") ?? "?" }
        XCTAssertEqual(Set(byRecipient.keys), recipients)
        for (rcpt, list) in byRecipient { XCTAssertEqual(list.count, 1, "emails to \(rcpt)") }
        XCTAssertNotNil(byRecipient[carrier], "Delivered-To carries the quoted carrier address")

        // The parent with two subscriptions gets one email with two sections (and two ledger items).
        let mika = try XCTUnwrap(byRecipient["mika.sample@families.example"]?.first)
        let mikaText = try XCTUnwrap(mika.part("text/plain"))
        XCTAssertEqual(sectionCount(mikaText), 2, mikaText)
        let mikaDelivery = try XCTUnwrap(try night.deliveries().first { $0.recipient == "mika.sample@families.example" })
        let items = try store.deliveryItems(deliveryID: mikaDelivery.id!)
        XCTAssertEqual(Set(items.map(\.messageKey)), ["child/m24", "pregnancy/d0196"])
        XCTAssertEqual(Set(items.map(\.status)), [.included])
        for (rcpt, list) in byRecipient where rcpt != "mika.sample@families.example" {
            let sections = sectionCount(list[0].part("text/plain") ?? "")
            XCTAssertEqual(sections, 1, "sections in the email to \(rcpt)")
        }

        // The ledger says sent, with the Message-ID and subject that went out.
        let ledger = try night.deliveries()
        XCTAssertEqual(ledger.count, 8)
        for d in ledger {
            XCTAssertEqual(d.status, .sent, "delivery \(d.id!) to \(d.recipient)")
            XCTAssertEqual(d.smtpCode, 250)
            XCTAssertEqual(d.attempts, 1)
            let mail = try XCTUnwrap(byRecipient[d.recipient]?.first)
            XCTAssertEqual(mail.angle("Message-ID"), d.messageID)
            XCTAssertEqual(mail.subject, d.subject)
            // The envelope sender is the delivery's VERP address, which maps back to it.
            let returnPath = try XCTUnwrap(mail.angle("Return-Path"))
            XCTAssertEqual(returnPath, d.envelopeFrom)
            XCTAssertEqual(OwnAddress.readVERP(try EmailAddress(parsing: returnPath), tokens: try night.instance.tokens()), .valid(d.id!))
        }
        XCTAssertEqual(try store.stats(on: day, now: noonInTokyo(day)).deliveriesOnDate, [.sent: 8])
        XCTAssertEqual(try night.spoolCount(.incoming) + night.spoolCount(.active) + night.spoolCount(.deferred), 0)

        // The same day again: nothing planned, nothing sent.
        let again = try night.batch(day)
        XCTAssertEqual(again.queued, 0)
        XCTAssertEqual(again.alreadyPlanned, 8)
        let sendAgain = try night.send(at: noonInTokyo(day).addingTimeInterval(60))
        XCTAssertEqual(sendAgain.sent, 0)
        XCTAssertEqual(try night.delivered().count, 8)
        XCTAssertEqual(try night.deliveries().count, 8)
    }
}
