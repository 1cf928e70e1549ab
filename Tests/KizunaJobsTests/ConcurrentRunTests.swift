import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaStore
import XCTest

/// Two sends, or two batches, on one instance at once: the second refuses at once with a clear
/// error and status 75, and nothing goes out twice.
final class ConcurrentRunTests: XCTestCase {
    let day = CivilDate(iso: "2026-05-01")!

    func sampleNight() throws -> NightInstance {
        let night = try NightInstance(config: maildirConfig())
        for s in InitJob.sampleFamilies(today: day, edition: "sakura") {
            try night.store.addSubscriber(s.subscriber, today: day, at: noonInTokyo(day), source: "test")
        }
        return night
    }

    func testASecondSendWhileOneRunsFailsWithTheLockMessage() throws {
        let night = try sampleNight()
        XCTAssertEqual(try night.batch(day).queued, 8)
        // A second Instance on the same files, as a second process would open it.
        let other = Instance(configuration: night.instance.configuration, clock: night.instance.clock, logger: quietLogger)
        var secondError: Error?
        var secondResult: SendSummary?
        let transport = InterleavingTransport(inner: MaildirTransport(path: night.maildir)) {
            do { secondResult = try SendJob(instance: other).run(at: noonInTokyo(self.day)) } catch { secondError = error }
        }
        let first = try night.send(at: noonInTokyo(day), transport: transport)
        XCTAssertEqual(first.sent, 8)
        XCTAssertNil(secondResult, "the second send ran: \(String(describing: secondResult))")
        let error = try XCTUnwrap(secondError)
        XCTAssertTrue(describe(error).contains("another kizuna send is running"), describe(error))
        XCTAssertTrue(describe(error).contains("pid \(getpid())"), describe(error))
        XCTAssertEqual(exitStatus(for: error), ExitStatus.locked)
        XCTAssertEqual(exitStatus(for: error), 75)

        // The lock went with the first send: a third runs, with nothing left to send.
        XCTAssertEqual(try SendJob(instance: other).run(at: noonInTokyo(self.day)).sent, 0)
        XCTAssertEqual(try night.delivered().count, 8)
        XCTAssertEqual(Set(try night.deliveries().map(\.status)), [.sent])
    }

    func testASecondBatchWhileOneRunsFailsWithTheLockMessage() throws {
        let night = try sampleNight()
        let other = Instance(configuration: night.instance.configuration, clock: night.instance.clock, logger: quietLogger)
        var secondError: Error?
        var secondResult: BatchSummary?
        var tried = false
        let first = try BatchJob(instance: night.instance, pageSize: 3).run(date: day, now: noonInTokyo(day), progress: { _ in
            guard !tried else { return }
            tried = true
            do { secondResult = try BatchJob(instance: other).run(date: self.day, now: noonInTokyo(self.day)) } catch { secondError = error }
        })
        XCTAssertTrue(tried)
        XCTAssertEqual(first.queued, 8)
        XCTAssertNil(secondResult, "the second batch ran: \(String(describing: secondResult))")
        let error = try XCTUnwrap(secondError)
        XCTAssertTrue(describe(error).contains("another kizuna batch is running on this instance (pid \(getpid()))"), describe(error))
        XCTAssertEqual(exitStatus(for: error), 75)

        XCTAssertEqual(try BatchJob(instance: other).run(date: day, now: noonInTokyo(day)).queued, 0)
        XCTAssertEqual(try night.send(at: noonInTokyo(day)).sent, 8)
        XCTAssertEqual(try night.delivered().count, 8)
        XCTAssertEqual(try night.deliveries().count, 8)
    }

    func testTheLocksAreTheDocumentedFiles() throws {
        let night = try sampleNight()
        let sendLock = try night.spool.lockForSending()
        XCTAssertThrowsError(try night.send(at: noonInTokyo(day))) { error in
            XCTAssertEqual(exitStatus(for: error), 75)
        }
        sendLock.close()
        let batchLock = try InstanceLock(path: night.spoolRoot.appendingPathComponent(".batch.lock").path, purpose: "batch")
        XCTAssertThrowsError(try night.batch(day)) { error in
            XCTAssertTrue(describe(error).contains("another kizuna batch is running"), describe(error))
        }
        // A batch and a send do not exclude each other.
        XCTAssertEqual(try night.send(at: noonInTokyo(day)).sent, 0)
        batchLock.close()
        XCTAssertEqual(try night.batch(day).queued, 8)
    }
}
