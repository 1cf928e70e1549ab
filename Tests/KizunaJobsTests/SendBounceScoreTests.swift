import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaStore
import KizunaTestSupport
import XCTest

/// The send step feeds the bounce score: a 5xx at SMTP time, or a message that stays deferred
/// past the retry lifetime, counts against the address, and a later 250 clears a score that only
/// the send step made.
final class SendBounceScoreTests: XCTestCase {
    let day = CivilDate(iso: "2026-05-01")!
    var due: CivilDate { day.adding(days: 140) }

    func testTheThresholdComesFromTheConfig() throws {
        let server = try ScriptedSMTPServer()
        defer { server.stop() }
        let night = try NightInstance(config: loopbackSMTPConfig(port: server.port) + "\n\n[bounces]\nthreshold = 2\nstale_after_days = 10\n")
        XCTAssertEqual(night.instance.configuration.bounces, BounceScorePolicy(threshold: 2, staleAfterDays: 10))
        try night.add("refuse@families.example", track: .pregnancy, anchor: due, today: day)
        for n in 0..<2 {
            let d = day.adding(days: 7 * n)
            XCTAssertEqual(try night.batch(d).queued, 1)
            XCTAssertEqual(try night.send(at: noonInTokyo(d)).bounced, 1)
        }
        XCTAssertEqual(try night.store.subscriber(address: EmailAddress(parsing: "refuse@families.example"), edition: nil)?.subscriber.status, .bouncing)
    }

    func testBadBounceSettingsNameTheKey() throws {
        let base = loopbackSMTPConfig(port: 25)
        for (table, message) in [("threshold = 0", "bounces.threshold: must be a number above 0"),
                                 ("soft_weight = \"half\"", "bounces.soft_weight: must be a number"),
                                 ("stale_after_days = 0", "bounces.stale_after_days: must be 1–365"),
                                 ("treshold = 3", "bounces.treshold: unknown key")] {
            XCTAssertThrowsError(try ConfigurationLoader.parse(base + "\n\n[bounces]\n\(table)\n", file: "k.toml"), table) { error in
                XCTAssertTrue("\(error)".contains(message), "\(table): \(error)")
            }
        }
        XCTAssertEqual(try ConfigurationLoader.parse(base, file: "k.toml").bounces, .standard)
    }

    func detail(_ night: NightInstance, _ address: String) throws -> BounceDetail {
        try XCTUnwrap(try night.store.bounceDetail(address: EmailAddress(parsing: address)), address)
    }

    func testRefusalsCountAndALaterAcceptanceClears() throws {
        let server = try ScriptedSMTPServer()
        defer { server.stop() }
        let night = try NightInstance(config: loopbackSMTPConfig(port: server.port))
        for a in ["refuse@families.example", "full552@families.example", "ok@families.example"] {
            try night.add(a, track: .pregnancy, anchor: due, today: day)
        }
        XCTAssertEqual(try night.batch(day).queued, 3)
        let first = try night.send(at: noonInTokyo(day))
        XCTAssertEqual(first.sent, 1)
        XCTAssertEqual(first.bounced, 2)

        let refused = try detail(night, "refuse@families.example")
        XCTAssertEqual(refused.score.score, 1, "550 5.1.1 is a hard refusal")
        XCTAssertEqual(refused.events.map(\.kind), [.smtp])
        XCTAssertEqual(refused.events.first?.status, "5.1.1")
        XCTAssertEqual(refused.events.first?.reason, "userunknown")
        XCTAssertEqual(refused.events.first?.hard, true)
        XCTAssertEqual(try night.store.delivery(id: try XCTUnwrap(refused.events.first?.deliveryID))?.status, .bounced)
        XCTAssertEqual(try detail(night, "full552@families.example").score.score, 0.5, "a full mailbox is soft")
        XCTAssertEqual(try detail(night, "ok@families.example").score, .clean)
        XCTAssertTrue(try detail(night, "ok@families.example").events.isEmpty)

        // A week later (the sample catalog is weekly in pregnancy): the refusal counts again; the
        // full mailbox takes mail again and is cleared.
        let next = day.adding(days: 7)
        XCTAssertEqual(try night.batch(next).queued, 3)
        let second = try night.send(at: noonInTokyo(next))
        XCTAssertEqual(second.sent, 2)
        XCTAssertEqual(second.bounced, 1)
        XCTAssertEqual(try detail(night, "refuse@families.example").score.score, 2)
        let cleared = try detail(night, "full552@families.example")
        XCTAssertEqual(cleared.score, .clean)
        XCTAssertEqual(cleared.events.map(\.kind), [.smtp, .cleared])
        XCTAssertEqual(try night.store.subscriber(address: EmailAddress(parsing: "refuse@families.example"), edition: nil)?.subscriber.status, .active)
    }

    func testAMessageThatExpiresAfter4xxDeferralsCountsAsASoftBounce() throws {
        let server = try ScriptedSMTPServer()
        defer { server.stop() }
        let night = try NightInstance(config: loopbackSMTPConfig(port: server.port))
        try night.add("always451@families.example", track: .pregnancy, anchor: due, today: day)
        try night.add("ok@families.example", track: .pregnancy, anchor: due, today: day)
        XCTAssertEqual(try night.batch(day).queued, 2)
        let t0 = noonInTokyo(day)
        let first = try night.send(at: t0)
        XCTAssertEqual(first.sent, 1)
        XCTAssertEqual(first.deferred, 1)
        XCTAssertEqual(try detail(night, "always451@families.example").score, .clean, "a deferral alone is not a bounce")

        // Past the retry lifetime (120 hours by default) the next 451 ends it.
        let expired = try night.send(at: t0.addingTimeInterval(121 * 3600))
        XCTAssertEqual(expired.bounced, 1)
        XCTAssertEqual(server.rcptCount("always451@"), 2)
        let d = try detail(night, "always451@families.example")
        XCTAssertEqual(d.score.score, 0.5, "an expiry is a soft bounce")
        XCTAssertEqual(d.score.bounceCount, 1)
        let event = try XCTUnwrap(d.events.first)
        XCTAssertEqual(d.events.map(\.kind), [.smtp])
        XCTAssertEqual(event.reason, "expired")
        XCTAssertEqual(event.hard, false)
        XCTAssertEqual(event.status, "4.3.0")
        XCTAssertTrue(event.counted)
        XCTAssertTrue(event.detail?.contains("451 4.3.0 scripted: try later") == true, event.detail ?? "")
        XCTAssertTrue(event.detail?.contains("queued longer than 120 hours") == true, event.detail ?? "")
        XCTAssertEqual(try night.store.delivery(id: try XCTUnwrap(event.deliveryID))?.status, .bounced)
        XCTAssertEqual(try night.store.subscriber(address: EmailAddress(parsing: "always451@families.example"), edition: nil)?.subscriber.status, .active)
        XCTAssertEqual(try detail(night, "ok@families.example").score, .clean)
    }

    func testAnExpiryWhileTheRelayItselfWasBusyIsRecordedNotCounted() throws {
        let server = try ScriptedSMTPServer(mailFromReply: "451 4.3.2 scripted: system busy")
        defer { server.stop() }
        let night = try NightInstance(config: loopbackSMTPConfig(port: server.port))
        try night.add("parent@families.example", track: .pregnancy, anchor: due, today: day)
        XCTAssertEqual(try night.batch(day).queued, 1)
        let t0 = noonInTokyo(day)
        XCTAssertEqual(try night.send(at: t0).deferred, 1)
        XCTAssertEqual(try night.send(at: t0.addingTimeInterval(121 * 3600)).bounced, 1)
        XCTAssertEqual(server.log.filter { $0 == "MAIL" }.count, 2)
        XCTAssertEqual(server.rcptCount("parent@"), 0, "the relay never got as far as the recipient")
        let d = try detail(night, "parent@families.example")
        XCTAssertEqual(d.score, .clean, "a relay that was busy says nothing about the address")
        let event = try XCTUnwrap(d.events.first)
        XCTAssertEqual(event.reason, "expired")
        XCTAssertFalse(event.counted)
        XCTAssertTrue(event.detail?.contains("from the relay itself") == true, event.detail ?? "")
    }

    func testFiveRefusalsStopTheMail() throws {
        let server = try ScriptedSMTPServer()
        defer { server.stop() }
        let night = try NightInstance(config: loopbackSMTPConfig(port: server.port))
        try night.add("refuse@families.example", track: .pregnancy, anchor: due, today: day)
        for n in 0..<5 {
            let d = day.adding(days: 7 * n)
            XCTAssertEqual(try night.batch(d).queued, 1, "day \(n)")
            XCTAssertEqual(try night.send(at: noonInTokyo(d)).bounced, 1, "day \(n)")
        }
        XCTAssertEqual(try night.store.subscriber(address: EmailAddress(parsing: "refuse@families.example"), edition: nil)?.subscriber.status, .bouncing)
        XCTAssertEqual(try detail(night, "refuse@families.example").score.score, 5)
        // The sixth night writes nothing to the address.
        XCTAssertEqual(try night.batch(day.adding(days: 35)).queued, 0)
        XCTAssertEqual(server.rcptCount("refuse@"), 5)
    }
}
