import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaStore
import KizunaTestSupport
import XCTest

/// A night through the real Postfix (127.0.0.1:2525), read back from the real Dovecot
/// (127.0.0.1:1143) started by scripts/mailstack/start-mailstack.sh.
final class MailstackNightTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    func imap(_ user: String) throws -> IMAPClient {
        try IMAPClient(settings: IMAPSettings(url: "imap://127.0.0.1:1143", username: user,
                                              password: user.split(separator: "@")[0] + "-pass", responseTimeout: 10))
    }

    /// The message above UID `after` whose Message-ID is `messageID`, polling up to 20 s.
    func waitForMessage(_ client: IMAPClient, after: UInt32, messageID: String) throws -> DeliveredMail? {
        var seen = Set<UInt32>()
        let deadline = Date().addingTimeInterval(20)
        repeat {
            for uid in try client.search(uidFrom: after + 1) where !seen.contains(uid) {
                seen.insert(uid)
                let mail = DeliveredMail(bytes: try client.fetch(uid: uid))
                if mail.angle("Message-ID") == messageID { return mail }
            }
            usleep(250_000)
        } while Date() < deadline
        return nil
    }

    func testANightThroughPostfixArrivesInDovecotWithTheLedgersHeaders() throws {
        // A unique edition per run: its id is in List-Id, and the Message-IDs are the ledger's.
        let marker = "t" + UUID().uuidString.prefix(8).lowercased()
        let config = """
        database = "@DIR@/kizuna.sqlite"
        templates = "@TEMPLATES@"
        spool = "@DIR@/spool"
        time_zone = "Asia/Tokyo"

        [smtp]
        url = "smtp://127.0.0.1:2525"
        starttls = "off"
        connections = 2
        response_timeout = 20

        [[edition]]
        id = "\(marker)"
        name = "Kizuna test clinic \(marker)"
        address = "kizuna@clinic.test"
        languages = ["ja", "en"]
        plus_addressing = true
        unsubscribe_url = "https://clinic.test/kizuna/u/{token}"
        """
        let night = try NightInstance(config: config)
        let instance = night.instance
        let today = instance.today()
        // parent1: 20 weeks pregnant (en); parent2: a child 100 days old (ja).
        try night.add("parent1@families.test", track: .pregnancy, anchor: today.adding(days: 140), language: "en", today: today)
        try night.add("parent2@families.test", track: .child, anchor: today.adding(days: -100), language: "ja", nickname: "そらちゃん", today: today)

        let inbox1 = try imap("parent1@families.test"), inbox2 = try imap("parent2@families.test")
        let before1 = try inbox1.search(uidFrom: 1).last ?? 0, before2 = try inbox2.search(uidFrom: 1).last ?? 0

        let batch = try BatchJob(instance: instance).run(date: today)
        XCTAssertEqual(batch.queued, 2)
        let send = try SendJob(instance: instance).run()
        XCTAssertEqual(send.sent, 2, "\(send.line)")
        XCTAssertEqual(send.remaining, 0)

        let tokens = try instance.tokens()
        let tools = ContentTools(instance: instance)
        let cases: [(IMAPClient, UInt32, String, String, String)] = [
            (inbox1, before1, "parent1@families.test", "pregnancy/d0140", "en"),
            (inbox2, before2, "parent2@families.test", "child/d0100", "ja"),
        ]
        for (client, before, rcpt, key, lang) in cases {
            let delivery = try XCTUnwrap(try night.deliveries().first { $0.recipient == rcpt })
            XCTAssertEqual(delivery.status, .sent)
            XCTAssertEqual(delivery.smtpCode, 250)
            let messageID = try XCTUnwrap(delivery.messageID)
            XCTAssertTrue(messageID.hasSuffix("@clinic.test"), messageID)
            guard let mail = try waitForMessage(client, after: before, messageID: messageID) else {
                XCTFail("no message with Message-ID <\(messageID)> reached \(rcpt)'s INBOX within 20 s")
                continue
            }
            // The subject decodes to the catalog's subject for this stage, as the preview renders it.
            let preview = DeliveredMail(bytes: try tools.preview(messageKey: key, language: lang, nickname: nil, editionID: marker, area: nil))
            let expectedSubject = try XCTUnwrap(preview.subject)
            XCTAssertEqual(mail.subject, expectedSubject)
            XCTAssertEqual(mail.subject, delivery.subject)
            if lang == "ja" { XCTAssertTrue(mail.header("Subject")?.contains("=?UTF-8?B?") ?? false, "a Japanese subject is encoded") }
            XCTAssertEqual(mail.all("Subject").count, 1)

            XCTAssertTrue(mail.header("Content-Type")?.lowercased().hasPrefix("multipart/alternative") ?? false, mail.header("Content-Type") ?? "none")
            XCTAssertEqual(mail.parts.map { $0.contentType.lowercased().components(separatedBy: ";")[0] }, ["text/plain", "text/html"])
            XCTAssertTrue(mail.part("text/plain")?.contains("■ \(expectedSubject)") ?? false)
            XCTAssertTrue(mail.part("text/html")?.contains("<") ?? false)

            XCTAssertEqual(mail.angle("List-Id"), "\(marker).kizuna.clinic.test")
            let unsubscribe = try XCTUnwrap(mail.header("List-Unsubscribe"))
            let token = OwnAddress.unsubscribe(subscriberID: delivery.subscriberID!).detail(signedWith: tokens)
            XCTAssertTrue(unsubscribe.contains("<mailto:kizuna+\(token)@clinic.test?subject=unsubscribe>"), unsubscribe)
            XCTAssertTrue(unsubscribe.contains("<https://clinic.test/kizuna/u/\(token)>"), unsubscribe)
            XCTAssertEqual(mail.header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click")

            // The envelope sender, as Dovecot recorded it, is the delivery's VERP address.
            let returnPath = try XCTUnwrap(mail.angle("Return-Path"))
            XCTAssertTrue(returnPath.hasPrefix("kizuna+b-") && returnPath.hasSuffix("@clinic.test"), returnPath)
            XCTAssertEqual(OwnAddress.readVERP(try EmailAddress(parsing: returnPath), tokens: tokens), .valid(delivery.id!))
            XCTAssertEqual(returnPath, delivery.envelopeFrom)
        }
        // Re-running the night sends nothing more.
        XCTAssertEqual(try BatchJob(instance: instance).run(date: today).queued, 0)
        XCTAssertEqual(try SendJob(instance: instance).run().sent, 0)
    }
}
