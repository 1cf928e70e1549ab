import Foundation
import KizunaCore
@testable import KizunaJobs
@testable import KizunaMail
@testable import KizunaStore
import XCTest

/// BatchJob's decisions with in-memory doubles for the spool and the ledger (the shipped
/// catalog renders): who gets a message tonight, and what an interrupted batch left. The same
/// paths against the real spool and store are in NightlyMaildirTests, CatchUpTests and
/// CrashSafetyTests.
final class BatchDecisionTests: XCTestCase {
    let day = CivilDate(iso: "2026-05-01")!

    func batch(_ spool: MemoryBatchSpool, _ ledger: MemoryBatchLedger) throws -> BatchSummary {
        let night = try NightInstance(config: maildirConfig())
        return try BatchJob(instance: night.instance, spool: spool, ledger: ledger).run(date: day, now: noonInTokyo(day))
    }

    func testOnlyReceivingSubscribersWithoutTonightsMailArePlannedAndQueued() throws {
        let ledger = MemoryBatchLedger()
        // Due in 140 days: gestational day 140 today, a message of the shipped catalog.
        ledger.add(1, status: .active, due: day.adding(days: 140))
        ledger.add(2, status: .active, due: day.adding(days: 140))
        ledger.add(3, status: .paused, pausedUntil: day.adding(days: 1), due: day.adding(days: 140))
        ledger.add(4, status: .stopped, due: day.adding(days: 140))
        ledger.withDailyTonight = [2]
        let spool = MemoryBatchSpool()
        let summary = try batch(spool, ledger)

        XCTAssertEqual(ledger.plans.map(\.subscriberID), [1])
        let plan = try XCTUnwrap(ledger.plans.first)
        XCTAssertEqual(plan.kind, .daily)
        XCTAssertEqual(plan.items.map(\.messageKey), ["pregnancy/d0140"])
        XCTAssertEqual(plan.items.map(\.status), [.included])
        XCTAssertEqual(spool.enqueued.map(\.deliveryID), [1001], "the rendered email reached the spool")
        XCTAssertEqual(spool.enqueued.first?.rcptTo, "parent1@families.example")
        XCTAssertEqual(ledger.queued, [1001], "queued only after the spool had it")
        XCTAssertEqual([summary.recipients, summary.queued, summary.sections, summary.alreadyPlanned, summary.failures], [4, 1, 1, 1, 0])
        XCTAssertEqual(summary.exitStatus, ExitStatus.ok)
    }

    func testAnInterruptedBatchsPlannedRowsAreQueuedWhenTheirFileIsThereElsePlannedAgain() throws {
        let ledger = MemoryBatchLedger()
        ledger.statuses = [7: .planned, 8: .planned, 9: .queued]
        let spool = MemoryBatchSpool()
        spool.present = [7]
        let summary = try batch(spool, ledger)
        XCTAssertEqual(ledger.recoveredQueued, [7])
        XCTAssertEqual(ledger.deleted, [8])
        XCTAssertEqual(summary.recovered, 2)
        XCTAssertEqual(summary.queued, 0)
    }
}

/// A spool in memory for the batch: which deliveries have a file, and what was enqueued.
final class MemoryBatchSpool: BatchSpool {
    final class Lock: RunLock { func close() {} }
    var present: Set<Int64> = []
    var enqueued: [SpoolEnvelope] = []
    private let lock = NSLock()

    func lockInstance(purpose: String) throws -> any RunLock { Lock() }
    func state(ofDelivery id: Int64) -> SpoolState? { lock.withLock { present.contains(id) ? .incoming : nil } }
    func enqueue(_ items: [(SpoolEnvelope, [UInt8])]) throws -> EnqueueResult {
        lock.withLock {
            enqueued += items.map(\.0)
            present.formUnion(items.map(\.0.deliveryID))
        }
        return EnqueueResult(queued: items.map(\.0.deliveryID), alreadyQueued: [])
    }
}

/// A ledger in memory for the batch: its recipients, and what the batch planned and queued.
/// Planned deliveries get ids from 1001.
final class MemoryBatchLedger: BatchLedger, @unchecked Sendable {
    private let lock = NSLock()
    var recipients: [Recipient] = []
    var withDailyTonight: Set<Int64> = []
    var statuses: [Int64: DeliveryStatus] = [:]
    var plans: [DeliveryPlan] = []
    var queued: [Int64] = []
    var recoveredQueued: [Int64] = []
    var deleted: [Int64] = []

    func add(_ id: Int64, status: SubscriberStatus, pausedUntil: CivilDate? = nil, due: CivilDate) {
        let at = noonInTokyo(CivilDate(iso: "2026-04-01")!)
        var s = SubscriberRecord(id: id, address: try! EmailAddress(parsing: "parent\(id)@families.example"), edition: "sakura",
                                 language: "en", area: nil, status: status, createdAt: at, updatedAt: at)
        s.pausedUntil = pausedUntil
        let sub = SubscriptionRecord(id: id * 10, subscriberID: id, track: .pregnancy, anchorDate: due, nickname: nil, status: .active,
                                     startDate: CivilDate(iso: "2026-04-01")!, createdAt: at, updatedAt: at)
        recipients.append(Recipient(subscriber: s, subscriptions: [sub]))
    }

    func secret() throws -> [UInt8] { Array(repeating: 7, count: 32) }
    func deliveries(status: DeliveryStatus) throws -> [Int64] {
        lock.withLock { statuses.filter { $0.value == status }.map(\.key).sorted() }
    }
    func markRecoveredQueued(ids: [Int64], at: Date) throws -> Int {
        lock.withLock { recoveredQueued += ids }
        return ids.count
    }
    func recipientsPage(after: Int64, limit: Int) throws -> [Recipient] {
        Array(recipients.filter { $0.subscriber.id! > after }.prefix(limit))
    }
    func ledgerKeys(subscriptionIDs: [Int64], since: CivilDate) throws -> [Int64: Set<String>] {
        Dictionary(uniqueKeysWithValues: subscriptionIDs.map { ($0, []) })
    }
    func subscribersWithDaily(on date: CivilDate, among subscriberIDs: [Int64]) throws -> Set<Int64> {
        withDailyTonight.intersection(subscriberIDs)
    }
    func planDeliveries(_ plans: [DeliveryPlan], at: Date) throws -> [Int64?] {
        lock.withLock {
            let first = Int64(1001 + self.plans.count)
            self.plans += plans
            return plans.indices.map { first + Int64($0) }
        }
    }
    func markQueued(_ items: [(id: Int64, messageID: String, subject: String, envelopeFrom: String)], at: Date) throws -> [Int64] {
        lock.withLock { queued += items.map(\.id) }
        return items.map(\.id)
    }
    func deleteDeliveries(ids: [Int64]) throws -> Int {
        lock.withLock { deleted += ids }
        return ids.count
    }
    var ended: [TrackEnding] = []
    func endTracks(_ endings: [TrackEnding], today: CivilDate, at: Date,
                   render: @escaping (SystemMailRequest) throws -> SystemMailContent) throws -> TrackEndingOutcome {
        lock.withLock { ended += endings }
        return TrackEndingOutcome()
    }
    func pendingSystemMail(purpose: String?) throws -> [PendingSystemMail] { [] }
    func markSystemMailQueued(_ mail: [PendingSystemMail], at: Date) throws -> [Int64] { [] }
}
