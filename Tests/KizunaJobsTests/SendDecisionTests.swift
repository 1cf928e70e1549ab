import Foundation
import KizunaCore
@testable import KizunaJobs
@testable import KizunaMail
import KizunaStore
import XCTest

/// SendJob's decisions with in-memory doubles (no files, no SQLite, no server): what each
/// transport outcome does to the spool, the ledger and the summary, and what a run puts right
/// before it sends. The same paths against the real spool and store are in NightlyMaildirTests,
/// SMTPFailureTests, CrashSafetyTests and SendBounceScoreTests.
final class SendDecisionTests: XCTestCase {
    let noon = noonInTokyo(CivilDate(iso: "2026-05-01")!)
    var seconds: Int { Int(noon.timeIntervalSince1970) }

    func job(_ spool: MemorySpool, _ ledger: MemoryLedger) throws -> (SendJob, NightInstance) {
        let night = try NightInstance(config: maildirConfig())
        night.instance.testClock.set(noon)
        return (SendJob(instance: night.instance, spool: spool, ledger: ledger), night)
    }

    func testEachOutcomeFilesTheMessageAndTellsTheLedger() throws {
        let spool = MemorySpool()
        spool.add(1, firstQueued: seconds - 60)
        spool.add(2, firstQueued: seconds - 60)
        spool.add(3, firstQueued: seconds - 60)
        spool.add(4, firstQueued: seconds - 6 * 86_400)  // past the 5-day lifetime
        spool.add(5, firstQueued: seconds - 60)
        let ledger = MemoryLedger()
        let transport = ScriptedTransport([
            1: .accepted(code: 250, reply: "250 ok"),
            2: .deferred(code: 451, reply: "451 try later", forRecipient: true),
            3: .rejected(code: 550, reply: "550 no such user"),
            4: .deferred(code: 452, reply: "452 mailbox full", forRecipient: true),
            5: .deferred(code: nil, reply: "connection refused", forRecipient: false),
        ])
        let (send, _) = try job(spool, ledger)
        let summary = try send.run(transport: transport)

        XCTAssertEqual(spool.files[1]?.state, nil, "accepted: the message left the spool")
        XCTAssertEqual(spool.files[2]?.state, .deferred)
        XCTAssertEqual(spool.files[2]?.envelope.nextAttempt, seconds + 300, "the first retry after the minimum backoff")
        XCTAssertEqual(spool.files[3]?.state, .bounced)
        XCTAssertEqual(spool.files[4]?.state, .bounced, "a deferral past the lifetime bounces")
        XCTAssertEqual(spool.files[5]?.state, .deferred)

        let outcomes = Dictionary(uniqueKeysWithValues: ledger.scored.map { ($0.id, $0) })
        XCTAssertEqual(outcomes[1]?.status, .sent)
        XCTAssertEqual(outcomes[2]?.status, .deferred)
        XCTAssertEqual(outcomes[3]?.status, .bounced)
        XCTAssertEqual(outcomes[3]?.expired, false)
        XCTAssertEqual(outcomes[3]?.reply, "550 no such user")
        XCTAssertEqual(outcomes[4]?.status, .bounced)
        XCTAssertEqual(outcomes[4]?.expired, true, "an expiry, scored as a soft bounce")
        XCTAssertEqual(outcomes[4]?.deferredForRecipient, true)
        XCTAssertEqual(outcomes[4]?.reply, "expired: queued longer than 120 hours: 452 mailbox full")
        XCTAssertEqual(outcomes[5]?.code, nil)
        XCTAssertEqual(ledger.scoredOn, [CivilDate(iso: "2026-05-01")!])

        XCTAssertEqual([summary.sent, summary.deferred, summary.unreachable, summary.bounced, summary.remaining], [1, 2, 1, 2, 2])
        XCTAssertEqual(summary.exitStatus, ExitStatus.tempFail)
        XCTAssertFalse(spool.inProgress, "a send that finished clears its mark")
    }

    func testARunPutsRightWhatAnEarlierRunLeft() throws {
        let spool = MemorySpool()
        spool.inProgress = true          // the last send died
        spool.add(10, firstQueued: seconds - 600, state: .active)   // claimed by it
        spool.add(11, firstQueued: seconds - 600)                   // a batch's page not marked queued
        spool.add(12, firstQueued: seconds - 600)                   // the family stopped after it was queued
        let ledger = MemoryLedger()
        ledger.statuses = [9: .queued, 10: .queued, 11: .planned, 12: .cancelled, 13: .deferred]
        let (send, _) = try job(spool, ledger)
        let summary = try send.run(transport: ScriptedTransport([:], default: .accepted(code: 250, reply: "250 ok")))

        // 9 and 13 have no file: the dead send had their 250s.
        XCTAssertEqual(ledger.plain.map(\.id), [9, 13])
        XCTAssertEqual(Set(ledger.plain.map(\.status)), [.sent])
        XCTAssertEqual(ledger.recoveredQueued, [11])
        XCTAssertNil(spool.files[12], "withdrawn")
        XCTAssertEqual(Set(ledger.scored.map(\.id)), [10, 11], "the claimed file went back and was sent, and so was the batch's")
        XCTAssertEqual([summary.recoveredAsSent, summary.requeued, summary.withdrawn, summary.sent], [2, 1, 1, 2])
        XCTAssertEqual(summary.exitStatus, ExitStatus.ok)
    }

    func testASpoolThatFailsStopsTheRunShortAndKeepsItsMark() throws {
        let spool = MemorySpool()
        spool.add(1, firstQueued: seconds)
        spool.add(2, firstQueued: seconds)
        spool.failing = [1]
        let ledger = MemoryLedger()
        let (send, _) = try job(spool, ledger)
        XCTAssertThrowsError(try send.run(transport: ScriptedTransport([:], default: .accepted(code: 250, reply: "250 ok")))) { error in
            XCTAssertEqual((error as? JobError)?.exitCode, ExitStatus.ioError)
        }
        XCTAssertEqual(ledger.scored.map(\.id), [2], "the other message's outcome is still recorded")
        XCTAssertTrue(spool.inProgress, "the next run reconciles")
    }
}

/// A transport that answers each delivery id as scripted, one message at a time.
final class ScriptedTransport: MailTransport {
    let answers: [Int64: SendOutcome]
    let fallback: SendOutcome?
    init(_ answers: [Int64: SendOutcome], default fallback: SendOutcome? = nil) { self.answers = answers; self.fallback = fallback }
    func deliver(next: () -> OutboundMessage?, onResult: (OutboundMessage, SendOutcome) -> Void) throws {
        while let m = next() { onResult(m, answers[m.id] ?? fallback!) }
    }
}

/// A spool in memory: each delivery's envelope and state.
final class MemorySpool: SendingSpool {
    struct File { var envelope: SpoolEnvelope; var state: SpoolState }
    final class Lock: RunLock { func close() {} }
    struct Failure: Error {}
    var files: [Int64: File] = [:]
    var inProgress = false
    private var deferredThisRun: Set<Int64> = []
    /// Deliveries whose filing fails, as a full disk would.
    var failing: Set<Int64> = []

    func add(_ id: Int64, firstQueued: Int, state: SpoolState = .incoming) {
        files[id] = File(envelope: SpoolEnvelope(deliveryID: id, mailFrom: "kizuna@clinic.example", rcptTo: "p\(id)@families.example",
                                                 firstQueued: firstQueued), state: state)
    }

    func lockSending() throws -> any RunLock { Lock() }
    var sendWasInterrupted: Bool { inProgress }
    func markSendInProgress() { inProgress = true }
    func clearSendInProgress() { inProgress = false }
    func recover() throws -> (requeued: Int, removedTmp: Int) {
        let active = files.filter { $0.value.state == .active }.map(\.key)
        for id in active { files[id]?.state = .incoming }
        return (active.count, 0)
    }
    func state(ofDelivery id: Int64) -> SpoolState? { files[id]?.state }
    func withdraw(deliveryID id: Int64) throws -> Bool {
        guard let f = files[id], [.incoming, .deferred, .hold].contains(f.state) else { return false }
        files[id] = nil
        return true
    }
    /// Incoming first, then deferred messages that are due (not those deferred in this run).
    func claimNext(now: Int) -> ClaimedMessage? {
        let due = files.sorted { $0.key < $1.key }.first { id, f in
            f.state == .incoming || (f.state == .deferred && f.envelope.nextAttempt <= now && !deferredThisRun.contains(id))
        }
        guard let (id, f) = due.map({ ($0.key, $0.value) }) else { return nil }
        files[id]?.state = .active
        return ClaimedMessage(envelope: f.envelope, message: Array("Subject: \(id)\r\n\r\nhi\r\n".utf8), path: "mem/\(id)")
    }
    func complete(_ c: ClaimedMessage) throws {
        try failIfAsked(c)
        files[c.envelope.deliveryID] = nil
    }
    func deferMessage(_ c: ClaimedMessage, reply: String, nextAttempt: Int) throws {
        try failIfAsked(c)
        files[c.envelope.deliveryID]?.state = .deferred
        files[c.envelope.deliveryID]?.envelope.nextAttempt = nextAttempt
        deferredThisRun.insert(c.envelope.deliveryID)
    }
    func bounceMessage(_ c: ClaimedMessage, reply: String) throws {
        try failIfAsked(c)
        files[c.envelope.deliveryID]?.state = .bounced
    }
    func counts() -> [SpoolState: Int] { Dictionary(grouping: files.values, by: \.state).mapValues(\.count) }
    var acceptedFiles: SentTombstones? { nil }

    private func failIfAsked(_ c: ClaimedMessage) throws {
        if failing.contains(c.envelope.deliveryID) { throw Failure() }
    }
}

/// A deliveries ledger in memory: statuses by id, and every outcome it was given.
final class MemoryLedger: SendLedger, @unchecked Sendable {
    private let lock = NSLock()
    var statuses: [Int64: DeliveryStatus] = [:]
    /// Outcomes recorded with scoring (the send's own), and without (an interrupted send's).
    var scored: [DeliveryOutcome] = []
    var plain: [DeliveryOutcome] = []
    var scoredOn: Set<CivilDate> = []
    var recoveredQueued: [Int64] = []

    func deliveries(status: DeliveryStatus) throws -> [Int64] {
        lock.withLock { statuses.filter { $0.value == status }.map(\.key).sorted() }
    }
    func markRecoveredQueued(ids: [Int64], at: Date) throws -> Int {
        lock.withLock { recoveredQueued += ids; for id in ids { statuses[id] = .queued } }
        return ids.count
    }
    func recordOutcomes(_ outcomes: [DeliveryOutcome], at: Date) throws -> [Int64] {
        lock.withLock { plain += outcomes; for o in outcomes { statuses[o.id] = o.status } }
        return []
    }
    func recordScoredOutcomes(_ outcomes: [DeliveryOutcome], at: Date, scoringOn today: CivilDate,
                              policy: BounceScorePolicy) throws -> [BounceDecision] {
        lock.withLock { scored += outcomes; scoredOn.insert(today); for o in outcomes { statuses[o.id] = o.status } }
        return []
    }
}
