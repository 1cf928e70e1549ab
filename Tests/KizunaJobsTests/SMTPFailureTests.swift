import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaStore
import KizunaTestSupport
import XCTest

/// The send's outcomes against a scripted loopback SMTP server and a dead port.
final class SMTPFailureTests: XCTestCase {
    let day = CivilDate(iso: "2026-05-01")!
    /// Gestational day 140 on `day`: the shipped catalog has pregnancy/d0140 in English.
    var due: CivilDate { day.adding(days: 140) }

    func testRefusedDeferredAndRetriedRecipients() throws {
        let server = try ScriptedSMTPServer()
        defer { server.stop() }
        let night = try NightInstance(config: loopbackSMTPConfig(port: server.port))
        let addresses = ["ok1@families.example", "ok2@families.example", "refuse@families.example", "later@families.example"]
        for a in addresses { try night.add(a, track: .pregnancy, anchor: due, today: day) }
        XCTAssertEqual(try night.batch(day).queued, 4)
        func delivery(_ rcpt: String) throws -> DeliveryRecord { try XCTUnwrap(try night.deliveries().first { $0.recipient == rcpt }) }
        let refused = try delivery("refuse@families.example").id!, later = try delivery("later@families.example").id!

        let t0 = noonInTokyo(day)
        let first = try night.send(at: t0)
        XCTAssertEqual(first.sent, 2)
        XCTAssertEqual(first.bounced, 1)
        XCTAssertEqual(first.deferred, 1)
        XCTAssertEqual(first.unreachable, 0, "a 451 is a server reply")
        XCTAssertEqual(first.remaining, 1)
        XCTAssertEqual(server.acceptCount("ok1@"), 1)
        XCTAssertEqual(server.acceptCount("ok2@"), 1)

        // 550: bounced in the ledger, the file kept in spool/bounced.
        XCTAssertEqual(try night.store.delivery(id: refused)?.status, .bounced)
        XCTAssertEqual(try night.store.delivery(id: refused)?.smtpCode, 550)
        XCTAssertEqual(night.spoolFile(refused)?.state, "bounced")
        // 451: deferred, in spool/deferred with one attempt and the next one in the future.
        XCTAssertEqual(try night.store.delivery(id: later)?.status, .deferred)
        XCTAssertEqual(try night.store.delivery(id: later)?.smtpCode, 451)
        XCTAssertEqual(night.spoolFile(later)?.state, "deferred")
        let env = try night.envelope(later)
        XCTAssertEqual(env["attempts"], "1")
        let next = try XCTUnwrap(Int(env["next-attempt"] ?? ""))
        XCTAssertGreaterThan(next, Int(t0.timeIntervalSince1970))
        XCTAssertEqual(next, Int(t0.timeIntervalSince1970) + 300)
        XCTAssertTrue(env["last-reply"]?.contains("451") ?? false, "\(env)")
        for ok in ["ok1@families.example", "ok2@families.example"] {
            let d = try delivery(ok)
            XCTAssertEqual(d.status, .sent)
            XCTAssertNil(night.spoolFile(d.id!))
        }

        // Right away: the deferred message is not due; nothing is tried.
        let soon = try night.send(at: t0.addingTimeInterval(60))
        XCTAssertEqual(soon.sent + soon.deferred + soon.bounced, 0)
        XCTAssertEqual(soon.remaining, 1)
        XCTAssertEqual(server.rcptCount("later@"), 1)

        // Past its next attempt: retried, and this time accepted.
        let retry = try night.send(at: Date(timeIntervalSince1970: TimeInterval(next + 1)))
        XCTAssertEqual(retry.sent, 1)
        XCTAssertEqual(retry.remaining, 0)
        XCTAssertEqual(server.rcptCount("later@"), 2)
        XCTAssertEqual(server.acceptCount("later@"), 1)
        let record = try XCTUnwrap(try night.store.delivery(id: later))
        XCTAssertEqual(record.status, .sent)
        XCTAssertEqual(record.attempts, 2)
        XCTAssertNil(night.spoolFile(later))

        // Nobody got anything twice; the refused one was tried once.
        for a in ["ok1@", "ok2@", "later@"] { XCTAssertEqual(server.acceptCount(a), 1, a) }
        XCTAssertEqual(server.rcptCount("refuse@"), 1)
        XCTAssertEqual(night.spoolFile(refused)?.state, "bounced")
    }

    func testAPersistentTemporaryFailureBacksOffAndCountsAttempts() throws {
        let server = try ScriptedSMTPServer()
        defer { server.stop() }
        let night = try NightInstance(config: loopbackSMTPConfig(port: server.port))
        try night.add("always451@families.example", track: .pregnancy, anchor: due, today: day)
        _ = try night.batch(day)
        let id = try XCTUnwrap(try night.deliveries().first?.id)
        let t0 = noonInTokyo(day)
        XCTAssertEqual(try night.send(at: t0).deferred, 1)
        let next1 = Int(try night.envelope(id)["next-attempt"]!)!
        XCTAssertEqual(try night.send(at: Date(timeIntervalSince1970: TimeInterval(next1))).deferred, 1)
        let env = try night.envelope(id)
        XCTAssertEqual(env["attempts"], "2")
        XCTAssertEqual(Int(env["next-attempt"]!)!, next1 + 600, "the backoff doubles")
        XCTAssertEqual(try night.store.delivery(id: id)?.attempts, 2)
        XCTAssertEqual(server.rcptCount("always451@"), 2)
    }

    func testADeadPortLeavesEveryMessageDeferredInTheSpool() throws {
        let port = unusedPort()
        XCTAssertFalse(acceptsConnections(port: port))
        let night = try NightInstance(config: loopbackSMTPConfig(port: port))
        for s in InitJob.sampleFamilies(today: day, edition: "sakura") {
            try night.store.addSubscriber(s.subscriber, today: day, at: noonInTokyo(day), source: "test")
        }
        XCTAssertEqual(try night.batch(day).queued, 8)
        let send = try night.send(at: noonInTokyo(day))
        XCTAssertEqual(send.sent, 0)
        XCTAssertEqual(send.deferred, 8)
        XCTAssertEqual(send.unreachable, 8)
        XCTAssertEqual(send.bounced, 0)
        XCTAssertEqual(send.remaining, 8)
        XCTAssertEqual(try night.spoolCount(.deferred), 8)
        XCTAssertEqual(try night.spoolCount(.incoming), 0)
        XCTAssertEqual(Set(try night.deliveries().map(\.status)), [.deferred])
        for d in try night.deliveries() {
            XCTAssertNil(try night.store.delivery(id: d.id!)?.smtpCode, "no server reply caused it")
            XCTAssertEqual(try night.envelope(d.id!)["attempts"], "1")
        }
    }
}
