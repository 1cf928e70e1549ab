import Foundation
import KizunaTestSupport
import XCTest
@testable import KizunaMail

final class SpoolTombstoneTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try makeTemporaryDirectory("spool-tombstones") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testACompletedMessageIsGoneForEveryStateAndRecoveryUntilPurged() throws {
        let spool = try Spool(root: dir)
        try spool.enqueue((1...3).map { id in
            (SpoolEnvelope(deliveryID: Int64(id), mailFrom: "kizuna@clinic.test", rcptTo: "parent1@families.test", firstQueued: 0),
             sampleMessage(token: "\(id)"))
        })
        var completed: [Int64] = []
        while let c = spool.claimNext(now: 0) {
            try spool.complete(c)
            completed.append(c.envelope.deliveryID)
        }
        XCTAssertEqual(completed.sorted(), [1, 2, 3])
        for id in completed { XCTAssertNil(spool.state(ofDelivery: id)) }
        XCTAssertEqual(try spool.recover().requeued, 0, "a tombstone is never sent again")
        XCTAssertNil(spool.claimNext(now: 0))
        XCTAssertEqual(spool.counts().values.reduce(0, +), 0)

        let sent = dir.appendingPathComponent("sent/00")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sent.path).sorted(), ["d1", "d2", "d3"])
        XCTAssertEqual(spool.tombstones.purge(), 3)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sent.path), [])
        XCTAssertEqual(spool.tombstones.purge(), 0)
    }
}
