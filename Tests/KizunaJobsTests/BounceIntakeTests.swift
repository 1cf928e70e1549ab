import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMIME
import KizunaStore
import XCTest

/// A received bounce report or complaint, read by `BounceAnalysis` and scored by the store:
/// the VERP of a real delivery, the same report twice, a forged VERP, a stranger, a complaint.
final class BounceIntakeTests: XCTestCase {
    let day = CivilDate(iso: "2026-05-01")!

    func arf(recipient: String, messageID: String) -> [UInt8] {
        let text = """
        From: feedback@fbl.example
        To: kizuna@clinic.example
        Subject: Abuse report
        Message-ID: <\(messageID)>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="f1"

        --f1
        Content-Type: text/plain

        An abuse report.

        --f1
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: FBL/1.0
        Version: 1
        Original-Rcpt-To: <\(recipient)>

        --f1--
        """
        return Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }

    func testAReportMapsToItsDeliveryAndIsCountedOnce() throws {
        let night = try NightInstance(config: maildirConfig(languages: #"["en"]"#))
        try night.add("hana@families.example", track: .pregnancy, anchor: day.adding(days: 140), today: day)
        try night.add("taro@families.example", track: .pregnancy, anchor: day.adding(days: 140), today: day)
        XCTAssertEqual(try night.batch(day).queued, 2)
        XCTAssertEqual(try night.send(at: noonInTokyo(day)).sent, 2)
        let hana = try XCTUnwrap(try night.deliveries().first { $0.recipient.hasPrefix("hana") })
        let verp = try XCTUnwrap(hana.envelopeFrom)
        XCTAssertTrue(verp.hasPrefix("kizuna+b-"), verp)
        let intake = BounceIntake(store: try night.store, tokens: try night.instance.tokens(), logger: quietLogger)
        let at = noonInTokyo(day)

        let report = postfixDSN(to: verp, recipient: "hana@families.example", messageID: "dsn1@mx.clinic.example")
        let first = try XCTUnwrap(try intake.record(report, today: day, at: at))
        XCTAssertEqual(first.verdict.kind, .bounce)
        XCTAssertEqual(first.verdict.verp, .valid)
        XCTAssertEqual(first.decisions.map(\.effect), [.counted])
        XCTAssertEqual(first.decisions.first?.deliveryID, hana.id)
        XCTAssertEqual(try night.store.delivery(id: hana.id!)?.status, .bounced)
        let again = try XCTUnwrap(try intake.record(report, today: day.adding(days: 1), at: at))
        XCTAssertEqual(again.decisions.map(\.effect), [.duplicate])
        let detail = try XCTUnwrap(try night.store.bounceDetail(address: EmailAddress(parsing: "hana@families.example")))
        XCTAssertEqual(detail.score.score, 1)
        XCTAssertEqual(detail.events.count, 1)
        XCTAssertEqual(detail.events.first?.messageID, "dsn1@mx.clinic.example")
        XCTAssertEqual(detail.events.first?.status, "5.1.1")
        XCTAssertEqual(detail.events.first?.reason, "userunknown")

        // Hana's VERP with another MAC: forged, so the delivery is not trusted; Taro's address in
        // a report on Hana's delivery: not hers, no effect.
        let forgedVERP = String(verp.dropLast("@clinic.example".count + 2)) + "zz@clinic.example"
        let forged = try XCTUnwrap(try intake.record(postfixDSN(to: forgedVERP, recipient: "stranger@families.example", messageID: "dsn2@mx"), today: day, at: at))
        XCTAssertEqual(forged.verdict.verp, .forged)
        XCTAssertEqual(forged.decisions.map(\.effect), [.ignored])
        let wrong = try XCTUnwrap(try intake.record(postfixDSN(to: verp, recipient: "taro@families.example", messageID: "dsn3@mx"), today: day, at: at))
        XCTAssertEqual(wrong.decisions.map(\.effect), [.ignored])
        XCTAssertTrue(wrong.decisions.first?.detail.contains("went to hana@families.example") ?? false, "\(wrong.decisions)")
        XCTAssertEqual(try night.store.bounceDetail(address: EmailAddress(parsing: "taro@families.example"))?.score, .clean)

        // A report without a Message-ID is recorded once by the key the poller gives (its mailbox place).
        let taro = try XCTUnwrap(try night.deliveries().first { $0.recipient.hasPrefix("taro") })
        var bare = String(decoding: postfixDSN(to: try XCTUnwrap(taro.envelopeFrom), recipient: "taro@families.example", messageID: "x"), as: UTF8.self)
        bare = bare.replacingOccurrences(of: "Message-ID: <x>\r\n", with: "")
        let once = try XCTUnwrap(try intake.record(Array(bare.utf8), fallbackKey: "imap:INBOX/7/42", today: day, at: at))
        XCTAssertEqual(once.decisions.map(\.effect), [.counted])
        let twice = try XCTUnwrap(try intake.record(Array(bare.utf8), fallbackKey: "imap:INBOX/7/42", today: day, at: at))
        XCTAssertEqual(twice.decisions.map(\.effect), [.duplicate])
        XCTAssertEqual(try night.store.bounceDetail(address: EmailAddress(parsing: "taro@families.example"))?.events.first?.messageID, "imap:INBOX/7/42")
    }

    func testAReportWithTwoHundredStrangersChangesNothing() throws {
        let night = try NightInstance(config: maildirConfig(languages: #"["en"]"#))
        try night.add("hana@families.example", track: .pregnancy, anchor: day.adding(days: 140), today: day)
        _ = try night.batch(day)
        _ = try night.send(at: noonInTokyo(day))
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/bounces/postfix-200recipients.eml")
        let intake = BounceIntake(store: try night.store, tokens: try night.instance.tokens(), logger: quietLogger)
        let result = try XCTUnwrap(try intake.record(Array(try Data(contentsOf: fixture)), today: day, at: noonInTokyo(day)))
        XCTAssertEqual(result.verdict.kind, .bounce)
        XCTAssertEqual(result.decisions.count, 200)
        XCTAssertTrue(result.decisions.allSatisfy { $0.effect == .ignored }, "\(Set(result.decisions.map(\.effect)))")
        let summary = try night.store.bounceSummary(now: noonInTokyo(day))
        XCTAssertEqual(summary.scored, 0)
        XCTAssertEqual(summary.eventsLastDay, [:])
        XCTAssertEqual(try night.store.subscriber(address: EmailAddress(parsing: "hana@families.example"), edition: nil)?.subscriber.status, .active)
    }

    func testAComplaintStopsTheSubscriber() throws {
        let night = try NightInstance(config: maildirConfig(languages: #"["en"]"#))
        try night.add("shiori@families.example", track: .pregnancy, anchor: day.adding(days: 140), today: day)
        _ = try night.batch(day)
        _ = try night.send(at: noonInTokyo(day))
        let intake = BounceIntake(store: try night.store, tokens: try night.instance.tokens(), logger: quietLogger)
        let result = try XCTUnwrap(try intake.record(arf(recipient: "shiori@families.example", messageID: "arf1@fbl.example"), today: day, at: noonInTokyo(day)))
        XCTAssertEqual(result.verdict.kind, .complaint)
        XCTAssertEqual(result.decisions.map(\.effect), [.stopped])
        XCTAssertEqual(try night.store.subscriber(address: EmailAddress(parsing: "shiori@families.example"), edition: nil)?.subscriber.status, .stopped)
        let stranger = try XCTUnwrap(try intake.record(arf(recipient: "nobody@families.example", messageID: "arf2@fbl.example"), today: day, at: noonInTokyo(day)))
        XCTAssertEqual(stranger.decisions.map(\.effect), [.ignored])
    }
}
