import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// A mail system's plain-text notice (no delivery status part, an anti-virus gateway's sender
/// name, a copy of our mail with "status" and "stop" in it) through the real Postfix and
/// Dovecot: the poller records it as a bounce for the subscriber it names, answers nobody, and
/// stops nobody.
final class MailstackNoticeTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    func testAGatewaysPlainTextNoticeCountsAsABounceAndIsNeverAnswered() throws {
        let marker = "n" + UUID().uuidString.prefix(8).lowercased()
        let night = try NightInstance(config: mailstackConfig(edition: marker, languages: ["en", "ja"]))
        let binary = try kizunaBinary()
        func kizuna(_ command: String) throws {
            let r = try runProcess(binary, [command, "--config", night.dir.appendingPathComponent("kizuna.toml").path],
                                   env: ["KIZUNA_TEST_IMAP_PASSWORD": "kizuna-pass"], in: night.dir)
            XCTAssertEqual(r.status, 0, "\(command): \(r.output)")
        }
        let store = try night.store
        // A real mailbox, so that our daily mail is really delivered before the notice claims otherwise.
        let parent = "parent2@families.test"
        try night.add(parent, track: .pregnancy, anchor: night.instance.today().adding(days: 140), today: night.instance.today())
        // Only what arrives from now on is this test's.
        let box = try dovecotMailbox("kizuna@clinic.test")
        try store.advanceIMAPPosition(mailbox: "INBOX", uidValidity: try box.uidValidity(), to: try box.search(uidFrom: 1).last ?? 0, at: Date())
        try kizuna("batch")
        try kizuna("send")
        let daily = try XCTUnwrap(try night.deliveries().first { $0.recipient == parent && $0.kind == .daily })
        let sentBefore = try night.deliveries().count

        // The gateway's notice: its own wording, its copy of our mail with our footer's commands.
        let notice = """
            From: Example_AntiVirus_for_SMTP_Relays@families.test
            To: kizuna@clinic.test
            Subject: Delivery failure notification
            Message-ID: <\(marker).notice@families.test>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=us-ascii

            Your message with Subject: status
            could not be delivered to the following recipients:

            \(parent)

            The recipient's mailbox does not exist on this server.

            ------ Original message follows.
            Message-ID: <\(daily.messageID ?? "")>
            Subject: status

            status
            stop
            """
        let file = night.dir.appendingPathComponent("notice.eml")
        try notice.replacingOccurrences(of: "\n", with: "\r\n").write(to: file, atomically: true, encoding: .utf8)
        let submitted = try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "smtp://127.0.0.1:2525", "--mail-from",
                                                                              "parent1@families.test", "--mail-rcpt", "kizuna@clinic.test",
                                                                              "-T", file.path], in: night.dir)
        XCTAssertEqual(submitted.status, 0, submitted.output)

        func recorded() throws -> InboundRecord? {
            try store.inboundMessages().first { $0.messageID == "\(marker).notice@families.test" }
        }
        try eventually("the notice polled", step: { try kizuna("poll") }, done: { try recorded() != nil })
        let row = try XCTUnwrap(try recorded())
        XCTAssertEqual(row.kind, .bounce, row.decision ?? "")
        XCTAssertEqual(row.status, .ignored, "a report is recorded, never applied as a command")
        XCTAssertTrue(row.decision?.contains("mail-system sender") ?? false, row.decision ?? "")

        // Counted once for the parent it names, mapped to our daily mail by the quoted Message-ID.
        let detail = try XCTUnwrap(try store.bounceDetail(address: EmailAddress(parsing: parent)))
        XCTAssertEqual(detail.events.count, 1)
        XCTAssertEqual(detail.events.first?.reason, "userunknown")
        XCTAssertEqual(detail.events.first?.deliveryID, daily.id)
        // Nobody stopped, nothing answered: no reply queued, none sent by the next send.
        XCTAssertEqual(try store.subscriber(address: EmailAddress(parsing: parent), edition: marker)?.subscriber.status, .active)
        try kizuna("send")
        let after = try night.deliveries()
        XCTAssertEqual(after.count, sentBefore, "\(after.suffix(2))")
        XCTAssertEqual(after.filter { $0.kind == .system }.count, 0)
    }
}
