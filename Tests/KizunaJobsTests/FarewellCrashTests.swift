import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import XCTest

/// The farewell survives a crash at any point of the night that ends a track, and is never sent
/// twice: it is committed with the subscription's `ended`, kept in the store until the spool has
/// it, and spooled by the next run.
final class FarewellCrashTests: XCTestCase {
    struct Crash: Error {}

    /// The instance's spool, dying (throwing) around the first write of a system delivery.
    final class CrashingSpool: BatchSpool {
        let real: Spool
        let afterWriting: Bool
        var crashed = false
        init(real: Spool, afterWriting: Bool) { self.real = real; self.afterWriting = afterWriting }
        func lockInstance(purpose: String) throws -> any RunLock { try real.lockInstance(purpose: purpose) }
        func state(ofDelivery id: Int64) -> SpoolState? { real.state(ofDelivery: id) }
        func enqueue(_ items: [(SpoolEnvelope, [UInt8])]) throws -> EnqueueResult {
            guard !crashed else { return try real.enqueue(items) }
            crashed = true
            if afterWriting { _ = try real.enqueue(items) }
            throw Crash()
        }
    }

    func testAFarewellInterruptedBeforeOrAfterTheSpoolGoesOutOnce() throws {
        for afterWriting in [false, true] {
            let night = try NightInstance(config: maildirConfig())
            let today = CivilDate(iso: "2026-12-07")!
            // The 18th birthday was three days ago (before the catch-up window): nothing is left for this child.
            let ids = try night.add("grown@families.example", track: .child, anchor: today.adding(days: -3).adding(months: -216), today: today.adding(days: -30))
            let crashing = CrashingSpool(real: try night.spool, afterWriting: afterWriting)
            XCTAssertThrowsError(try BatchJob(instance: night.instance, spool: crashing).run(date: today, now: noonInTokyo(today)))
            // Committed: the subscription has ended and the farewell waits in the store (or the spool).
            let detail = try XCTUnwrap(try night.store.subscriber(id: ids.subscriberID))
            XCTAssertEqual(detail.subscriptions.map(\.status), [.ended])
            XCTAssertEqual(detail.subscriptions.map(\.endReason), [.agedOut])
            XCTAssertEqual(detail.subscriber.status, .stopped)
            let farewell = try XCTUnwrap(try night.deliveries().first { $0.kind == .system })
            XCTAssertEqual(farewell.status, .planned)
            XCTAssertEqual(night.spoolFile(farewell.id!) != nil, afterWriting)

            let next = try night.batch(today, now: noonInTokyo(today).addingTimeInterval(600))
            XCTAssertEqual(next.recovered, 1, next.line)
            XCTAssertEqual(next.farewells, 0, next.line)
            XCTAssertEqual(try night.send(at: noonInTokyo(today).addingTimeInterval(700)).sent, 1)
            XCTAssertEqual(try night.batch(today.adding(days: 1)).farewells, 0)
            XCTAssertEqual(try night.send(at: noonInTokyo(today.adding(days: 1)).addingTimeInterval(60)).sent, 0)
            let mails = try night.delivered()
            XCTAssertEqual(mails.count, 1, "afterWriting \(afterWriting)")
            XCTAssertEqual(mails.first?.subject, "Thank you from Sakura Clinic")
            XCTAssertTrue(try night.store.subscriber(id: ids.subscriberID)!.events.contains {
                $0.kind == .subscription && $0.detail == "active -> ended: aged out"
            })
        }
    }
}
