import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaStore
import XCTest

/// The poller and bounces, with the in-memory mailbox: a DSN to a delivery's VERP is scored
/// once (the same report delivered twice is one), and the parent's next command clears it.
final class PollBounceTests: XCTestCase {
    let day = CivilDate(iso: "2026-11-25")!

    func testAReportIsScoredOnceAndTheParentsNextMailClearsIt() throws {
        let night = try NightInstance(config: maildirConfig())
        try night.add("hana@families.example", track: .pregnancy, anchor: day.adding(days: 140), today: day)
        XCTAssertEqual(try night.batch(day).queued, 1)
        XCTAssertEqual(try night.send(at: noonInTokyo(day)).sent, 1)
        let delivery = try XCTUnwrap(try night.deliveries().first)
        let verp = try XCTUnwrap(delivery.envelopeFrom)

        let box = FakeMailbox()
        box.deliver(postfixDSN(to: verp, recipient: "hana@families.example", messageID: "dsn-1@mx.clinic.example", date: "Wed, 25 Nov 2026 12:00:04 +0900"))
        let first = try PollJob(instance: night.instance).run(now: noonInTokyo(day), mailbox: box)
        XCTAssertEqual(first.ignored, 1, "a report is recorded, not acted on as a command")
        let address = try EmailAddress(parsing: "hana@families.example")
        var detail = try XCTUnwrap(try night.store.bounceDetail(address: address))
        XCTAssertEqual(detail.score.score, 1)
        XCTAssertEqual(detail.events.map(\.kind), [.bounce])
        XCTAssertEqual(detail.events.first?.deliveryID, delivery.id)
        XCTAssertEqual(try night.store.delivery(id: delivery.id!)?.status, .bounced)
        let inboundEvent = try XCTUnwrap(try night.store.subscriber(id: detail.subscriber.id!)?.events.first { $0.kind == .bounce })
        XCTAssertEqual(inboundEvent.messageID, "dsn-1@mx.clinic.example")

        // The same report again (another copy in the mailbox): nothing counted twice.
        box.deliver(postfixDSN(to: verp, recipient: "hana@families.example", messageID: "dsn-1@mx.clinic.example", date: "Wed, 25 Nov 2026 12:00:04 +0900"))
        let second = try PollJob(instance: night.instance).run(now: noonInTokyo(day), mailbox: box)
        XCTAssertEqual(second.duplicates, 1)
        XCTAssertEqual(try night.store.bounceDetail(address: address)?.events.count, 1)

        // Hana writes: her address works.
        box.deliver(parentMail(from: "hana@families.example", subject: "status", body: "status"))
        let third = try PollJob(instance: night.instance).run(now: noonInTokyo(day), mailbox: box)
        XCTAssertEqual(third.applied, 1)
        detail = try XCTUnwrap(try night.store.bounceDetail(address: address))
        XCTAssertEqual(detail.score, .clean)
        XCTAssertEqual(detail.events.map(\.kind), [.bounce, .cleared])
    }
}
