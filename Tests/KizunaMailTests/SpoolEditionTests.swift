import Foundation
import KizunaTestSupport
import XCTest
@testable import KizunaMail

/// The edition a spooled message is sent for rides in its envelope (`edition:`), written only
/// when there is one: a file without it is the format queued before, and reads as the instance's.
final class SpoolEditionTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try makeTemporaryDirectory("spool-edition") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testTheEditionIsWrittenKeptThroughADeferralAndReadBack() throws {
        let spool = try Spool(root: dir)
        let message = Array("Subject: hi\r\n\r\nhello\r\n".utf8)
        try spool.enqueue([(SpoolEnvelope(deliveryID: 7, mailFrom: "kizuna@town.test", rcptTo: "p@families.test", firstQueued: 0, edition: "town"), message),
                           (SpoolEnvelope(deliveryID: 8, mailFrom: "kizuna@clinic.test", rcptTo: "p@families.test", firstQueued: 0), message)])
        let text = String(decoding: try POSIX.readFile(spool.path(.incoming, id: 7)), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("KIZUNA-SPOOL 1\ndelivery: 7\n"), text)
        XCTAssertTrue(text.contains("\nlast-reply: \nedition: town\n\nSubject: hi"), text)
        XCTAssertFalse(String(decoding: try POSIX.readFile(spool.path(.incoming, id: 8)), as: UTF8.self).contains("edition:"))

        var editions: [Int64: String?] = [:]
        while let c = spool.claimNext(now: 0) {
            editions[c.envelope.deliveryID] = c.envelope.edition
            XCTAssertEqual(c.message, message)
            try spool.deferMessage(c, reply: "connection refused", nextAttempt: 0)
        }
        XCTAssertEqual(editions, [7: "town", 8: nil])
        let again = try XCTUnwrap(spool.claimNext(now: 1))
        XCTAssertEqual(again.envelope.edition, again.envelope.deliveryID == 7 ? "town" : nil, "the deferral's rewrite keeps it")
        XCTAssertEqual(again.envelope.attempts, 1)
    }

    func testAFileFromBeforeEditionsHadRelaysIsReadAsTheInstances() throws {
        let bytes = Array("KIZUNA-SPOOL 1\ndelivery: 3\nmail-from: kizuna@clinic.test\nrcpt-to: p@families.test\nattempts: 2\nfirst-queued: 5\nnext-attempt: 0\nlast-reply: 451 later\n\nbody".utf8)
        let (envelope, start) = try SpoolFileFormat.parse(bytes)
        XCTAssertNil(envelope.edition)
        XCTAssertEqual(envelope.attempts, 2)
        XCTAssertEqual(Array(bytes[start...]), Array("body".utf8))
        XCTAssertEqual(SpoolFileFormat.header(envelope), Array(bytes.prefix(start)), "written back byte for byte")
    }
}
