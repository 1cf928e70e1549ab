import Foundation
import KizunaTestSupport
import XCTest
@preconcurrency import Glibc
@testable import KizunaMail

final class SpoolTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try makeTemporaryDirectory("spool") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func envelope(_ id: Int64, rcpt: String = "parent1@families.test") -> SpoolEnvelope {
        SpoolEnvelope(deliveryID: id, mailFrom: "kizuna+b-\(id)-ab12cd@clinic.test", rcptTo: rcpt, firstQueued: 1_764_000_000)
    }

    func testInitCreatesStateDirectoriesWithBuckets() throws {
        _ = try Spool(root: dir)
        for d in ["tmp", "incoming", "active", "deferred", "bounced", "hold", "corrupt", "inbound"] {
            var isDir: ObjCBool = false
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(d).path, isDirectory: &isDir) && isDir.boolValue, d)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("incoming/00").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("deferred/ff").path))
    }

    func testEnqueueWritesTheDocumentedFormatIntoAHashedBucket() throws {
        let spool = try Spool(root: dir)
        let msg = sampleMessage(token: "fmt")
        let env = SpoolEnvelope(deliveryID: 123, mailFrom: "", rcptTo: "\"taro..x\"@docomo.ne.jp", firstQueued: 1_764_000_000)
        let r = try spool.enqueue([(env, msg)])
        XCTAssertEqual(r.queued, [123])
        let path = spool.path(.incoming, id: 123)
        XCTAssertTrue(path.hasSuffix("/incoming/\(Spool.bucketName(Spool.bucket(of: 123)))/d123"), path)
        let bytes = try POSIX.readFile(path)
        let expectedHeader = "KIZUNA-SPOOL 1\ndelivery: 123\nmail-from: \nrcpt-to: \"taro..x\"@docomo.ne.jp\nattempts: 0\nfirst-queued: 1764000000\nnext-attempt: 0\nlast-reply: \n\n"
        XCTAssertEqual(Array(bytes.prefix(expectedHeader.utf8.count)), Array(expectedHeader.utf8))
        XCTAssertEqual(Array(bytes.dropFirst(expectedHeader.utf8.count)), msg)
        XCTAssertEqual(spool.state(ofDelivery: 123), .incoming)
        XCTAssertNil(spool.state(ofDelivery: 124))
    }

    func testBucketsHoldRunsOfConsecutiveIDsAndFillEvenly() {
        XCTAssertEqual(Set((0..<256).map { Spool.bucket(of: Int64($0)) }), [0])
        XCTAssertEqual(Spool.bucket(of: 256), 1)
        XCTAssertEqual(Spool.bucket(of: 65_536), 0)
        var perBucket = [Int](repeating: 0, count: 256)
        for id in stride(from: Int64(1), through: 1_048_576, by: 1) { perBucket[Spool.bucket(of: id)] += 1 }
        XCTAssertEqual(perBucket.min(), 4096)
        XCTAssertEqual(perBucket.max(), 4096)
    }

    func testEnqueueClaimComplete() throws {
        let spool = try Spool(root: dir)
        let items = (1...3).map { (envelope(Int64($0)), sampleMessage(token: "m\($0)")) }
        try spool.enqueue(items)
        XCTAssertEqual(spool.counts()[.incoming], 3)

        var claimed: [ClaimedMessage] = []
        while let c = spool.claimNext(now: 1_764_000_100) { claimed.append(c) }
        XCTAssertEqual(claimed.map(\.envelope.deliveryID).sorted(), [1, 2, 3])
        for c in claimed {
            XCTAssertEqual(c.envelope, envelope(c.envelope.deliveryID))
            XCTAssertEqual(c.message, sampleMessage(token: "m\(c.envelope.deliveryID)"))
            XCTAssertEqual(spool.state(ofDelivery: c.envelope.deliveryID), .active)
            XCTAssertTrue(c.path.contains("/active/"))
        }
        XCTAssertEqual(spool.counts()[.incoming], 0)
        XCTAssertEqual(spool.counts()[.active], 3)
        for c in claimed { try spool.complete(c) }
        XCTAssertEqual(spool.counts().values.reduce(0, +), 0)
        XCTAssertNil(spool.state(ofDelivery: 1))
        XCTAssertNil(spool.claimNext(now: 1_764_000_100))
    }

    func testLargeBatchTakesTheSyncfsPath() throws {
        let spool = try Spool(root: dir)
        let big = (100...(100 + Int64(Spool.fsyncEachLimit))).map { (envelope($0), sampleMessage(token: "big\($0)")) }
        XCTAssertEqual(try spool.enqueue(big).queued.count, big.count)
        XCTAssertEqual(spool.counts()[.incoming], big.count)
        var n = 0
        while let c = spool.claimNext(now: 0) {
            XCTAssertEqual(c.message, sampleMessage(token: "big\(c.envelope.deliveryID)"))
            n += 1
        }
        XCTAssertEqual(n, big.count)
    }

    func testEnqueueIsIdempotentPerDelivery() throws {
        let spool = try Spool(root: dir)
        try spool.enqueue([(envelope(7), sampleMessage(token: "a"))])
        let c = try XCTUnwrap(spool.claimNext(now: 0))
        let again = try spool.enqueue([(envelope(7), sampleMessage(token: "b")), (envelope(8), sampleMessage(token: "c"))])
        XCTAssertEqual(again.alreadyQueued, [7])
        XCTAssertEqual(again.queued, [8])
        XCTAssertEqual(spool.state(ofDelivery: 7), .active)
        XCTAssertEqual(c.message, sampleMessage(token: "a"))
    }

    func testEnqueueRefusesLineBreaksInAddressesAndDuplicateIDs() throws {
        let spool = try Spool(root: dir)
        var bad = envelope(1)
        bad.rcptTo = "a@b.example\r\nRCPT TO:<x@evil.example>"
        XCTAssertThrowsError(try spool.enqueue([(bad, [])])) { XCTAssertEqual(($0 as? SpoolError)?.code, .invalidEnvelope) }
        XCTAssertThrowsError(try spool.enqueue([(envelope(2), []), (envelope(2), [])]))
        XCTAssertEqual(spool.counts().values.reduce(0, +), 0)
    }

    func testDeferWaitsForNextAttemptAndRecordsTheReply() throws {
        let spool = try Spool(root: dir)
        let now = 1_764_000_000
        try spool.enqueue([(envelope(10), sampleMessage(token: "d"))])
        let c = try XCTUnwrap(spool.claimNext(now: now))
        try spool.deferMessage(c, reply: "451 4.3.0 try\r\nlater", nextAttempt: now + 600)
        XCTAssertEqual(spool.state(ofDelivery: 10), .deferred)
        // Not due yet.
        XCTAssertNil(spool.claimNext(now: now))
        XCTAssertNil(spool.claimNext(now: now + 599))
        let again = try XCTUnwrap(spool.claimNext(now: now + 600))
        XCTAssertEqual(again.envelope.attempts, 1)
        XCTAssertEqual(again.envelope.nextAttempt, now + 600)
        XCTAssertEqual(again.envelope.lastReply, "451 4.3.0 try  later")
        XCTAssertEqual(again.message, sampleMessage(token: "d"))
        try spool.deferMessage(again, reply: "421 busy", nextAttempt: now + 1200)
        // Deferred during this pass: it waits for the next pass even when due.
        XCTAssertNil(spool.claimNext(now: now + 5000))
        let third = try XCTUnwrap(spool.claimNext(now: now + 5000))
        XCTAssertEqual(third.envelope.attempts, 2)
        XCTAssertEqual(third.envelope.lastReply, "421 busy")
    }

    func testIncomingIsClaimedBeforeDeferredAndAPassEnds() throws {
        let spool = try Spool(root: dir)
        try spool.enqueue([(envelope(1), sampleMessage(token: "1")), (envelope(2), sampleMessage(token: "2"))])
        let first = try XCTUnwrap(spool.claimNext(now: 0))
        try spool.deferMessage(first, reply: "451 later", nextAttempt: 0)
        let other: Int64 = first.envelope.deliveryID == 1 ? 2 : 1
        // The other one waits in incoming; the deferred one, though due, waits for the next pass.
        XCTAssertEqual(spool.claimNext(now: 100)?.envelope.deliveryID, other)
        XCTAssertNil(spool.claimNext(now: 100))
        XCTAssertEqual(spool.claimNext(now: 100)?.envelope.deliveryID, first.envelope.deliveryID)
        XCTAssertNil(spool.claimNext(now: 100))
    }

    func testMessagesQueuedDuringAPassAreClaimedByTheNextPassAtTheLatest() throws {
        let spool = try Spool(root: dir)
        try spool.enqueue([(envelope(1), sampleMessage(token: "1"))])
        XCTAssertNotNil(spool.claimNext(now: 0))
        try spool.enqueue((2...50).map { (envelope(Int64($0)), sampleMessage(token: "\($0)")) })
        var ids = Set<Int64>()
        while let c = spool.claimNext(now: 0) { ids.insert(c.envelope.deliveryID) }
        while let c = spool.claimNext(now: 0) { ids.insert(c.envelope.deliveryID) }
        XCTAssertEqual(ids, Set(2...50))
    }

    func testBounceKeepsTheMessageWithTheReply() throws {
        let spool = try Spool(root: dir)
        try spool.enqueue([(envelope(5), sampleMessage(token: "b"))])
        let c = try XCTUnwrap(spool.claimNext(now: 0))
        try spool.bounceMessage(c, reply: "550 5.1.1 no such user")
        XCTAssertEqual(spool.state(ofDelivery: 5), .bounced)
        let (env, start) = try SpoolFileFormat.parse(try POSIX.readFile(spool.path(.bounced, id: 5)))
        XCTAssertEqual(env.lastReply, "550 5.1.1 no such user")
        XCTAssertEqual(env.attempts, 1)
        XCTAssertEqual(Array(try POSIX.readFile(spool.path(.bounced, id: 5)).dropFirst(start)), sampleMessage(token: "b"))
        XCTAssertNil(spool.claimNext(now: .max))
    }

    func testHoldAndRelease() throws {
        let spool = try Spool(root: dir)
        try spool.enqueue([(envelope(1), sampleMessage(token: "1")), (envelope(2), sampleMessage(token: "2"))])
        XCTAssertTrue(try spool.hold(deliveryID: 1))
        XCTAssertFalse(try spool.hold(deliveryID: 99))
        XCTAssertEqual(spool.state(ofDelivery: 1), .hold)
        let c = try XCTUnwrap(spool.claimNext(now: 0))
        XCTAssertEqual(c.envelope.deliveryID, 2)
        try spool.hold(c)
        XCTAssertNil(spool.claimNext(now: 0))
        XCTAssertEqual(spool.counts()[.hold], 2)
        XCTAssertTrue(try spool.release(deliveryID: 1))
        XCTAssertFalse(try spool.release(deliveryID: 1))
        XCTAssertEqual(spool.state(ofDelivery: 1), .incoming)
        XCTAssertEqual(spool.claimNext(now: 0)?.envelope.deliveryID, 1)
    }

    func testRecoverAfterACrash() throws {
        do {
            let spool = try Spool(root: dir)
            try spool.enqueue((1...4).map { (envelope(Int64($0)), sampleMessage(token: "\($0)")) })
            _ = spool.claimNext(now: 0)
            _ = spool.claimNext(now: 0)
            // A half-written file from a batch that died.
            FileManager.default.createFile(atPath: dir.appendingPathComponent("tmp/d77").path, contents: Data("KIZUNA-SPOOL 1\ndeliv".utf8))
            // The process "crashes" here: nothing is completed.
        }
        let spool = try Spool(root: dir)
        XCTAssertEqual(spool.counts()[.active], 2)
        let r = try spool.recover()
        XCTAssertEqual(r.requeued, 2)
        XCTAssertEqual(r.removedTmp, 1)
        XCTAssertEqual(spool.counts()[.active], 0)
        XCTAssertEqual(spool.counts()[.incoming], 4)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("tmp").path), [])
        var ids: [Int64] = []
        while let c = spool.claimNext(now: 0) { ids.append(c.envelope.deliveryID) }
        XCTAssertEqual(ids.sorted(), [1, 2, 3, 4])
    }

    func testUnparseableFileGoesToCorruptAndIsKept() throws {
        let spool = try Spool(root: dir)
        try spool.enqueue([(envelope(1), sampleMessage(token: "ok"))])
        let garbage = Data("this is not a spool file\n".utf8)
        FileManager.default.createFile(atPath: spool.path(.incoming, id: 99), contents: garbage)
        let junk = dir.appendingPathComponent("incoming/00/stray.txt").path
        FileManager.default.createFile(atPath: junk, contents: Data("x".utf8))

        var ids: [Int64] = []
        while let c = spool.claimNext(now: 0) { ids.append(c.envelope.deliveryID) }
        XCTAssertEqual(ids, [1])
        XCTAssertEqual(spool.state(ofDelivery: 99), .corrupt)
        XCTAssertEqual(FileManager.default.contents(atPath: spool.path(.corrupt, id: 99)), garbage)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("corrupt/00/stray.txt").path))
        XCTAssertEqual(spool.counts()[.corrupt], 2)
    }

    func testSendLockIsExclusiveWithAClearMessage() throws {
        let spool = try Spool(root: dir)
        let first = try spool.lockForSending()
        // A second open file description in the same process conflicts just as another process would.
        let other = try Spool(root: dir)
        XCTAssertThrowsError(try other.lockForSending()) { error in
            let e = error as? SpoolError
            XCTAssertEqual(e?.code, .sendLockHeld)
            XCTAssertEqual(e?.message, "another kizuna send is running on this spool (pid \(getpid()))")
        }
        first.close()
        let again = try other.lockForSending()
        again.close()
    }

    func testSendLockHeldByAnotherProcess() throws {
        let spool = try Spool(root: dir)
        let lockPath = dir.appendingPathComponent(".send.lock").path
        // A stand-in for another `kizuna send`: takes the flock and writes its pid, as SpoolLock does.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", """
            import fcntl, os, sys, time
            fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0); os.write(fd, b"%d\\n" % os.getpid())
            print("locked", flush=True)
            time.sleep(60)
            """, lockPath]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        defer { holder.terminate(); holder.waitUntilExit() }
        var line = ""
        while !line.hasSuffix("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += String(decoding: chunk, as: UTF8.self)
        }
        XCTAssertEqual(line, "locked\n")
        XCTAssertThrowsError(try spool.lockForSending()) { error in
            XCTAssertEqual("\(error)", "another kizuna send is running on this spool (pid \(holder.processIdentifier))")
        }
        holder.terminate()
        holder.waitUntilExit()
        let mine = try spool.lockForSending()
        XCTAssertEqual(try String(contentsOfFile: lockPath, encoding: .utf8), "\(getpid())\n")
        mine.close()
    }
}
