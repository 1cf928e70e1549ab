import Foundation
import KizunaCore
import KizunaMail
import KizunaStore
import Logging

/// What one send did.
public struct SendSummary: Sendable, Equatable {
    public var sent = 0
    public var deferred = 0
    /// Deferred without any server reply: the server could not be reached or the connection broke.
    public var unreachable = 0
    public var bounced = 0
    public var recoveredAsSent = 0
    public var requeued = 0
    /// Queued messages removed because their delivery was cancelled (the family stopped).
    public var withdrawn = 0
    public var corrupt = 0
    /// Messages left in the spool for a later run (deferred, not yet due).
    public var remaining = 0
    public var seconds: Double = 0
    /// When editions have relays of their own: the relays that took messages and let none
    /// through, deferring them for their own sake (no connection, their greeting, AUTH, a 421):
    /// `edition ID` for an edition's own relay, `instance` for the instance's. Their messages
    /// wait in the spool; the other relays' went on.
    public var failedRelays: [String] = []

    public var line: String {
        let rate = seconds > 0 ? String(format: " (%.0f msgs/s)", Double(sent) / seconds) : ""
        return "send: \(sent) sent\(rate), \(deferred) deferred, \(bounced) bounced; \(remaining) waiting in the spool" + failedRelaysText
    }

    /// `; relay failed: edition clinic` (empty when every relay worked).
    public var failedRelaysText: String {
        failedRelays.isEmpty ? "" : "; relay failed: \(failedRelays.joined(separator: ", ")) (its mail waits in the spool)"
    }
}

/// Drains the spool through the configured transport. One sender per spool (a `flock`).
///
/// On a 250 the file is unlinked at once, and the outcome joins a batch that is written to the
/// ledger in one transaction. If the process dies in between, the ledger still says "queued"
/// for a delivery whose file is gone: the next run records those as sent (files are removed
/// only after a 250 or moved to `bounced`, never lost), so nothing is sent twice.
///
/// The ledger writes run on a queue of their own (one at a time), so the SMTP connections
/// never wait for SQLite's fsync; the run waits for the last one before it returns.
public final class SendJob {
    let instance: Instance
    var logger: Logger { instance.logger }
    let flushEvery: Int
    /// Told how many items the run has in all, once it knows (a progress display's total).
    public var expecting: ((Int) -> Void)?
    /// The spool and the ledger, opened when the run starts (in this order).
    let openSpool: () throws -> any SendingSpool
    let openLedger: () throws -> any SendLedger

    /// A send on the instance's spool and store, or on `spool` and `ledger` when given (tests'
    /// doubles; the instance still gives the configuration, clock and logger).
    public init(instance: Instance, flushEvery: Int = 2000, spool: (any SendingSpool)? = nil, ledger: (any SendLedger)? = nil) {
        self.instance = instance
        self.flushEvery = flushEvery
        openSpool = { try spool ?? instance.spool() }
        openLedger = { try ledger ?? instance.store() }
    }

    /// `transport`: a double for tests; otherwise the configured one.
    public func run(transport override: MailTransport? = nil, progress: ((Int) -> Void)? = nil) throws -> SendSummary {
        let spool = try openSpool()
        let lock = try spool.lockSending()
        defer { lock.close() }
        let ledger = try openLedger()
        // Elapsed time for the rate only: a monotonic clock, not the wall clock.
        let started = ContinuousClock.now
        var summary = SendSummary()
        try recover(spool: spool, ledger: ledger, into: &summary)
        spool.markSendInProgress()
        // At most this many go out now: deferred mail that is not yet due is counted too.
        if let expecting { expecting(spool.counts().filter { [.incoming, .active, .deferred].contains($0.key) }.values.reduce(0, +)) }

        let transport = try override ?? instance.transport()
        let delivery = Delivery(job: self, spool: spool, ledger: ledger, summary: summary, progress: progress)
        try delivery.run(through: transport)
        summary = delivery.summary
        summary.failedRelays = delivery.failedRelays
        for relay in summary.failedRelays {
            logger.error("relay failed: nothing went out through it; its mail waits in the spool for the next run", metadata: ["relay": "\(relay)"])
        }
        let firstError = delivery.firstError
        if firstError == nil { spool.clearSendInProgress() }

        let counts = spool.counts()
        summary.remaining = (counts[.incoming] ?? 0) + (counts[.deferred] ?? 0) + (counts[.active] ?? 0)
        summary.corrupt = counts[.corrupt] ?? 0
        summary.seconds = (ContinuousClock.now - started) / .seconds(1)
        if let firstError { throw JobError("send stopped short: \(firstError)", exitCode: ExitStatus.ioError) }
        return summary
    }

    /// What an earlier run left, put right before sending: outcomes an interrupted send did not
    /// record, claimed files, a batch's unmarked page, and queued mail of families who stopped.
    func recover(spool: any SendingSpool, ledger: any SendLedger, into summary: inout SendSummary) throws {
        let clock = instance.clock
        if spool.sendWasInterrupted {
            summary.recoveredAsSent = try recordInterruptedSends(ledger: ledger, spool: spool, at: clock.now())
        }
        summary.requeued = try spool.recover().requeued
        // A batch that died before marking its page queued leaves planned rows whose files are
        // in the spool. Promote them before sending: otherwise, if this send also dies after a
        // 250, the next batch would take "planned, no file" for "never spooled" and plan again.
        // Only promote here; removing planned rows is the batch's job (a batch may be writing now).
        let planned = try ledger.deliveries(status: .planned).filter { spool.state(ofDelivery: $0) != nil }
        if !planned.isEmpty { try ledger.markRecoveredQueued(ids: planned, at: clock.now()) }
        // A family that stopped after its message was queued must not get it.
        for id in try ledger.deliveries(status: .cancelled) where try spool.withdraw(deliveryID: id) {
            summary.withdrawn += 1
        }
    }

    /// One run's traffic: claims the spool's messages for the transport, files each outcome in
    /// the spool as the retry policy decides, and hands the outcomes to the ledger in batches.
    final class Delivery {
        let job: SendJob
        let spool: any SendingSpool
        let ledger: LedgerWriter
        let progress: ((Int) -> Void)?
        var summary: SendSummary
        /// The first spool or ledger error: the run goes on, then reports it.
        var firstError: Error?
        private var claimed: [Int64: ClaimedMessage] = [:]
        /// Per relay (edition id, nil for the instance's): messages accepted, and deferred for the relay's own sake.
        private var relays: [String?: (accepted: Int, relayDeferred: Int)] = [:]
        /// The editions that send through a relay of their own.
        let ownRelays: Set<String>
        private var pending: [DeliveryOutcome] = []
        var logger: Logger { job.logger }
        var clock: any WallClock { job.instance.clock }

        init(job: SendJob, spool: any SendingSpool, ledger: any SendLedger, summary: SendSummary, progress: ((Int) -> Void)?) {
            self.job = job
            self.spool = spool
            self.summary = summary
            self.ledger = LedgerWriter(ledger: ledger, logger: job.logger)
            self.progress = progress
            ownRelays = Set(job.instance.configuration.editionsWithOwnRelay.map(\.id))
            pending.reserveCapacity(job.flushEvery)
        }

        /// The relays that failed as a whole this run (see `SendSummary.failedRelays`); with the
        /// instance's relay alone, none are named (the send's line and status are as they always were).
        var failedRelays: [String] {
            guard !ownRelays.isEmpty else { return [] }
            return relays.filter { $0.value.accepted == 0 && $0.value.relayDeferred > 0 }.keys
                .map { $0.map { "edition \($0)" } ?? "instance" }.sorted()
        }

        private func countForRelay(_ message: OutboundMessage, _ outcome: SendOutcome) {
            // With the instance's relay alone nothing is named: the send loop stays as it was.
            guard !ownRelays.isEmpty else { return }
            let relay = message.edition.flatMap { ownRelays.contains($0) ? $0 : nil }
            var counts = relays[relay] ?? (0, 0)
            switch outcome {
            case .accepted: counts.accepted += 1
            case .deferred(_, _, let forRecipient) where !forRecipient: counts.relayDeferred += 1
            default: break
            }
            relays[relay] = counts
        }

        func run(through transport: MailTransport) throws {
            let reaper = TombstoneReaper(spool.acceptedFiles)
            defer { reaper.stop() }
            try transport.deliver(next: next, onResult: file)
            flush()
            if let error = ledger.wait(), firstError == nil { firstError = error }
        }

        /// The next due message, claimed.
        func next() -> OutboundMessage? {
            guard let c = spool.claimNext(now: Int(clock.now().timeIntervalSince1970)) else { return nil }
            claimed[c.envelope.deliveryID] = c
            return OutboundMessage(id: c.envelope.deliveryID, mailFrom: c.envelope.mailFrom, rcptTo: c.envelope.rcptTo, data: c.message,
                                   edition: c.envelope.edition)
        }

        /// Files a message's outcome: sent, deferred until the policy's next attempt, or bounced.
        func file(_ message: OutboundMessage, _ outcome: SendOutcome) {
            guard let c = claimed.removeValue(forKey: message.id) else { return }
            countForRelay(message, outcome)
            let (result, code, reply, forRecipient) = Self.attempt(outcome)
            let action = job.instance.configuration.retry.decide(result, attempts: c.envelope.attempts, firstQueued: c.envelope.firstQueued,
                                                                 now: Int(clock.now().timeIntervalSince1970))
            // Built only when something is logged: most messages are a quiet 250.
            var meta: Logger.Metadata {
                var m: Logger.Metadata = ["delivery.id": "\(message.id)", "smtp.reply": "\(reply)"]
                if let code { m["smtp.code"] = "\(code)" }
                return m
            }
            do {
                switch action {
                case .remove:
                    try spool.complete(c)
                    pending.append(DeliveryOutcome(id: message.id, status: .sent, code: code, reply: reply))
                    summary.sent += 1
                case .retry(let at):
                    try spool.deferMessage(c, reply: reply, nextAttempt: at)
                    pending.append(DeliveryOutcome(id: message.id, status: .deferred, code: code, reply: reply))
                    summary.deferred += 1
                    if code == nil { summary.unreachable += 1 }
                    logger.info("deferred", metadata: meta)
                case .bounce(let why):
                    try spool.bounceMessage(c, reply: reply)
                    // A temporary failure bounces only past the retry lifetime: an expiry,
                    // which the store scores as a soft bounce when the server deferred this
                    // recipient (a relay that was unavailable itself says nothing of the address).
                    let expired = result == .temporaryFailure
                    pending.append(DeliveryOutcome(id: message.id, status: .bounced, code: code, reply: expired ? "\(why): \(reply)" : reply,
                                                   expired: expired, deferredForRecipient: forRecipient))
                    summary.bounced += 1
                    logger.warning("bounced", metadata: meta)
                }
            } catch {
                logger.error("spool operation failed; the message stays where it is", metadata: meta.merging(["error": "\(error)"]) { a, _ in a })
                if firstError == nil { firstError = error }
            }
            if pending.count >= job.flushEvery { flush() }
            progress?(summary.sent + summary.deferred + summary.bounced)
        }

        /// The transport's outcome as the retry policy reads it: the result, the reply, and
        /// whether a deferral was about this recipient.
        static func attempt(_ outcome: SendOutcome) -> (result: AttemptResult, code: Int?, reply: String, forRecipient: Bool) {
            switch outcome {
            case .accepted(let code, let reply): return (.accepted, code, reply, true)
            case .deferred(let code, let reply, let forRecipient): return (.temporaryFailure, code, reply, forRecipient)
            case .rejected(let code, let reply): return (.permanentFailure, code, reply, true)
            }
        }

        /// Hands the pending outcomes to the ledger (after the batch before them is written).
        func flush() {
            guard !pending.isEmpty else { return }
            if let error = ledger.wait(), firstError == nil { firstError = error }
            let at = clock.now()
            ledger.record(pending, at: at, today: job.instance.today(at: at), policy: job.instance.configuration.bounces)
            pending = []
            pending.reserveCapacity(job.flushEvery)
        }
    }

    /// Unlinks accepted messages' files from `spool/sent` on a thread of its own while the send
    /// runs (see `Spool.complete`), and once more when stopped.
    final class TombstoneReaper: @unchecked Sendable {
        private let tombstones: SentTombstones?
        private let stopped = NSCondition()
        private var stopping = false
        private let finished = DispatchSemaphore(value: 0)

        /// Without files to unlink (a spool double), there is no thread.
        init(_ tombstones: SentTombstones?) {
            self.tombstones = tombstones
            guard let tombstones else { stopping = true; return }
            Thread.detachNewThread { [self] in
                while true {
                    tombstones.purge()
                    stopped.lock()
                    if !stopping { _ = stopped.wait(until: Date(timeIntervalSinceNow: 0.2)) }
                    let done = stopping
                    stopped.unlock()
                    if done { break }
                }
                tombstones.purge()
                finished.signal()
            }
        }

        func stop() {
            stopped.lock()
            guard !stopping else { stopped.unlock(); return }
            stopping = true
            stopped.signal()
            stopped.unlock()
            finished.wait()
        }
    }

    /// Writes batches of outcomes to the ledger on its own queue, one batch at a time.
    final class LedgerWriter: @unchecked Sendable {
        private let ledger: any SendLedger
        private let logger: Logger
        private let queue = DispatchQueue(label: "kizuna.send.ledger")
        private let group = DispatchGroup()
        // Written on `queue` only; read after `group.wait()`.
        private var failure: Error?

        init(ledger: any SendLedger, logger: Logger) {
            self.ledger = ledger
            self.logger = logger
        }

        /// Starts writing `outcomes`; call `wait()` first, so that one batch is written at a time.
        func record(_ outcomes: [DeliveryOutcome], at: Date, today: CivilDate, policy: BounceScorePolicy) {
            group.enter()
            queue.async { [self] in
                defer { group.leave() }
                // In id order, the updates walk the table's pages in order. A 5xx feeds the
                // address's bounce score and a 250 clears one, in the same transaction.
                do {
                    let decisions = try ledger.recordScoredOutcomes(outcomes.sorted { $0.id < $1.id }, at: at, scoringOn: today, policy: policy)
                    for d in decisions where d.effect == .bouncing {
                        logger.warning("bounce score reached the threshold: no more mail to this subscriber",
                                       metadata: ["subscriber.id": "\(d.subscriberID ?? 0)", "delivery.id": "\(d.deliveryID ?? 0)", "bounce.score": "\(d.score)"])
                    }
                } catch {
                    logger.error("cannot record outcomes in the store; they will be reconciled on the next run", metadata: ["error": "\(error)"])
                    if failure == nil { failure = error }
                }
            }
        }

        /// Waits for the batch being written; returns the first error any batch met.
        func wait() -> Error? {
            group.wait()
            return failure
        }
    }

    /// After an interrupted send: a delivery still "queued" or "deferred" in the ledger whose
    /// file is no longer in the spool was accepted (files leave only after a 250).
    func recordInterruptedSends(ledger: any SendLedger, spool: any SendingSpool, at: Date) throws -> Int {
        var outcomes: [DeliveryOutcome] = []
        for status in [DeliveryStatus.queued, .deferred] {
            for id in try ledger.deliveries(status: status) where spool.state(ofDelivery: id) == nil {
                outcomes.append(DeliveryOutcome(id: id, status: .sent, code: 250, reply: "accepted; recorded after an interrupted send"))
            }
        }
        if !outcomes.isEmpty { try ledger.recordOutcomes(outcomes, at: at) }
        logger.notice("reconciled an interrupted send", metadata: ["recorded.sent": "\(outcomes.count)"])
        return outcomes.count
    }
}
