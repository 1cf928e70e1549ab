import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaStore
import KizunaTestSupport
import XCTest

/// A real DSN end to end through the test mail stack: `kizuna send` hands a daily message for
/// an unknown families.test user to Postfix (127.0.0.1:2525), which accepts it, fails it at
/// Dovecot's LMTP and returns a DSN to the VERP envelope sender — into kizuna@clinic.test's
/// INBOX. `kizuna poll` reads it, maps it to the delivery by the VERP and scores it once.
final class MailstackBounceTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    /// Runs `kizuna ARGS` in `dir`.
    func kizuna(_ args: [String], env: [String: String] = [:], in dir: URL) throws -> (status: Int32, output: String) {
        try runProcess(try kizunaBinary(), args, env: env, in: dir)
    }

    func testAPostfixDSNForAnUnknownUserIsMappedByVERPAndScoredOnce() throws {
        let marker = "b" + UUID().uuidString.prefix(8).lowercased()
        let config = mailstackConfig(edition: marker, languages: ["en", "ja"])
        let night = try NightInstance(config: config)
        let dir = night.dir
        let cfg = ["--config", dir.appendingPathComponent("kizuna.toml").path]
        let env = ["KIZUNA_TEST_IMAP_PASSWORD": "kizuna-pass"]
        let store = try night.store
        let today = night.instance.today()
        let address = "nosuchuser-\(marker)@families.test"
        // Gestational day 140 today: the shipped catalog has a message for it.
        try night.add(address, track: .pregnancy, anchor: today.adding(days: 140), today: today)

        // Only mail that arrives from now on is this test's: start the position at the mailbox's end.
        let box = try IMAPClient(settings: IMAPSettings(url: "imap://127.0.0.1:1143", username: "kizuna@clinic.test",
                                                        password: "kizuna-pass", responseTimeout: 10))
        try store.advanceIMAPPosition(mailbox: "INBOX", uidValidity: try box.uidValidity(), to: try box.search(uidFrom: 1).last ?? 0, at: Date())

        let batch = try kizuna(["batch"] + cfg, in: dir)
        XCTAssertEqual(batch.status, 0, batch.output)
        let send = try kizuna(["send"] + cfg, in: dir)
        XCTAssertEqual(send.status, 0, send.output)
        let delivery = try XCTUnwrap(try night.deliveries().first { $0.recipient == address })
        XCTAssertEqual(delivery.status, .sent, "Postfix accepts the unknown user and bounces it afterwards")
        XCTAssertTrue(delivery.envelopeFrom?.hasPrefix("kizuna+b-") ?? false, "\(delivery)")

        // The DSN takes a moment through Postfix's bounce daemon and LMTP.
        var detail: BounceDetail?
        let deadline = Date().addingTimeInterval(30)
        repeat {
            let poll = try kizuna(["poll"] + cfg, env: env, in: dir)
            XCTAssertEqual(poll.status, 0, poll.output)
            detail = try store.bounceDetail(address: EmailAddress(parsing: address))
            if detail?.events.isEmpty == false { break }
            usleep(300_000)
        } while Date() < deadline
        let found = try XCTUnwrap(detail)
        let event = try XCTUnwrap(found.events.first, "no DSN was scored within 30 s")
        XCTAssertEqual(found.events.count, 1)
        XCTAssertEqual(event.kind, .bounce)
        XCTAssertEqual(event.deliveryID, delivery.id, "mapped by the VERP")
        XCTAssertEqual(event.status?.hasPrefix("5."), true, "\(event)")
        XCTAssertEqual(event.reason, "userunknown")
        XCTAssertEqual(event.hard, true)
        XCTAssertNotNil(event.messageID, "the DSN's own Message-ID is the evidence")
        XCTAssertTrue(event.counted)
        XCTAssertEqual(found.score.score, 1)
        XCTAssertEqual(try store.delivery(id: delivery.id!)?.status, .bounced)

        // Polled again: nothing new, nothing counted twice.
        XCTAssertEqual(try kizuna(["poll"] + cfg, env: env, in: dir).status, 0)
        XCTAssertEqual(try store.bounceDetail(address: EmailAddress(parsing: address))?.events.count, 1)
        XCTAssertEqual(try store.bounceDetail(address: EmailAddress(parsing: address))?.score.score, 1)
    }
}
