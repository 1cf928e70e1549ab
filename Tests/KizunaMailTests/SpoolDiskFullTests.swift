import Foundation
import KizunaTestSupport
import XCTest
@preconcurrency import Glibc
@testable import KizunaMail

/// A full disk must throw a clear error and leave nothing of the batch in incoming or tmp.
final class SpoolDiskFullTests: XCTestCase {
    var mountPoint: URL!
    var mounted = false

    override func setUpWithError() throws {
        mountPoint = try makeTemporaryDirectory("enospc")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/mount")
        p.arguments = ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint.path]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        mounted = p.terminationStatus == 0
        if !mounted {
            let msg = "cannot mount a 256 KiB tmpfs at \(mountPoint.path) (needs root)"
            if isCI { XCTFail("CI=true: \(msg)") }
            throw XCTSkip(msg)
        }
    }

    override func tearDownWithError() throws {
        if mounted {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/umount")
            p.arguments = [mountPoint.path]
            try p.run()
            p.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: mountPoint)
    }

    func testFullDiskThrowsAndLeavesNoPartialFiles() throws {
        let spool = try Spool(root: mountPoint.appendingPathComponent("spool"))
        try spool.enqueue([(SpoolEnvelope(deliveryID: 1, mailFrom: "k@clinic.test", rcptTo: "p@families.test", firstQueued: 0), sampleMessage(token: "fits"))])
        let big = sampleMessage(token: "big", bodyLines: 400)  // ~25 KB each
        let batch = (2...30).map { (SpoolEnvelope(deliveryID: Int64($0), mailFrom: "k@clinic.test", rcptTo: "p@families.test", firstQueued: 0), big) }
        XCTAssertThrowsError(try spool.enqueue(batch)) { error in
            let e = error as? SpoolError
            XCTAssertEqual(e?.code, .diskFull, "\(error)")
            XCTAssertTrue("\(error)".contains("disk is full"), "\(error)")
        }
        let counts = spool.counts()
        XCTAssertEqual(counts[.incoming], 1, "only the earlier batch stays")
        XCTAssertEqual(spool.state(ofDelivery: 1), .incoming)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mountPoint.appendingPathComponent("spool/tmp").path), [])
        // A batch large enough for the syncfs path fails the same way.
        let many = (200...300).map { (SpoolEnvelope(deliveryID: Int64($0), mailFrom: "k@clinic.test", rcptTo: "p@families.test", firstQueued: 0), sampleMessage(token: "m", bodyLines: 80)) }
        XCTAssertGreaterThan(many.count, Spool.fsyncEachLimit)
        XCTAssertThrowsError(try spool.enqueue(many)) { XCTAssertEqual(($0 as? SpoolError)?.code, .diskFull, "\($0)") }
        XCTAssertEqual(spool.counts()[.incoming], 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mountPoint.appendingPathComponent("spool/tmp").path), [])
        // With room again, the same batch goes in.
        let small = Array(batch.prefix(3)).map { ($0.0, sampleMessage(token: "small")) }
        XCTAssertEqual(try spool.enqueue(small).queued, [2, 3, 4])
    }
}
