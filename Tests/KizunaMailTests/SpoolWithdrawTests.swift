import Foundation
import KizunaTestSupport
import XCTest
@testable import KizunaMail

final class SpoolWithdrawTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try makeTemporaryDirectory("spool-withdraw") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testWithdrawRemovesQueuedDeferredAndHeldMessagesOnly() throws {
        let spool = try Spool(root: dir)
        let items = (1...4).map { id in
            (SpoolEnvelope(deliveryID: Int64(id), mailFrom: "kizuna@clinic.test", rcptTo: "parent1@families.test", firstQueued: 0),
             sampleMessage(token: "\(id)"))
        }
        try spool.enqueue(items)
        XCTAssertTrue(try spool.hold(deliveryID: 2))
        let deferred = try XCTUnwrap(spool.claimNext(now: 0))
        try spool.deferMessage(deferred, reply: "451 try later", nextAttempt: 10)
        let bounced = try XCTUnwrap(spool.claimNext(now: 0))
        try spool.bounceMessage(bounced, reply: "550 no such user")
        let queued = Set<Int64>([1, 3, 4]).subtracting([deferred.envelope.deliveryID, bounced.envelope.deliveryID])
        XCTAssertEqual(queued.count, 1)

        XCTAssertTrue(try spool.withdraw(deliveryID: deferred.envelope.deliveryID))
        XCTAssertTrue(try spool.withdraw(deliveryID: 2))                       // held
        XCTAssertTrue(try spool.withdraw(deliveryID: queued.first!))           // incoming
        XCTAssertFalse(try spool.withdraw(deliveryID: bounced.envelope.deliveryID))  // bounced: kept as evidence
        XCTAssertFalse(try spool.withdraw(deliveryID: 99))                     // never queued
        XCTAssertEqual(spool.state(ofDelivery: bounced.envelope.deliveryID), .bounced)
        for id in [deferred.envelope.deliveryID, 2, queued.first!] { XCTAssertNil(spool.state(ofDelivery: id)) }
        XCTAssertNil(spool.claimNext(now: 100))
    }
}
