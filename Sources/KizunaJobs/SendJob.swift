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

    public var line: String {
        let rate = seconds > 0 ? String(format: " (%.0f msgs/s)", Double(sent) / seconds) : ""
        return "send: \(sent) sent\(rate), \(deferred) deferred, \(bounced) bounced; \(remaining) waiting in the spool"
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

    public init(instance: Instance, flushEvery: Int = 2000) {
        self.instance = instance
        self.flushEvery = flushEvery
    }

    public func run(transport override: MailTransport? = nil, progress: ((Int) -> Void)? = nil) throws -> SendSummary {
        let clock = instance.clock
        let spool = try instance.spool()
        let lock = try spool.lockForSending()
        defer { lock.close() }
        let store = try instance.store()
        let policy = instance.configuration.retry
        var summary = SendSummary()
        // Elapsed time for the rate only: a monotonic clock, not the wall clock.
        let started = ContinuousClock.now

        let marker = spool.root.appendingPathComponent(".send.in-progress").path
        if FileManager.default.fileExists(atPath: marker) {
            summary.recoveredAsSent = try recordInterruptedSends(store: store, spool: spool, at: clock.now())
        }
        summary.requeued = try spool.recover().requeued
        // A batch that died before marking its page queued leaves planned rows whose files are
        // in the spool. Promote them before sending: otherwise, if this send also dies after a
        // 250, the next batch would take "planned, no file" for "never spooled" and plan again.
        // Only promote here; removing planned rows is the batch's job (a batch may be writing now).
        let planned = try store.deliveries(status: .planned).filter { spool.state(ofDelivery: $0) != nil }
        if !planned.isEmpty { try store.markRecoveredQueued(ids: planned, at: clock.now()) }
        // A family that stopped after its message was queued must not get it.
        for id in try store.deliveries(status: .cancelled) where try spool.withdraw(deliveryID: id) {
            summary.withdrawn += 1
        }
        _ = FileManager.default.createFile(atPath: marker, contents: Array("\(getpid())\n".utf8).withUnsafeBytes { Data($0) })

        let transport = try override ?? makeTransport()
        let reaper = TombstoneReaper(spool.tombstones)
        defer { reaper.stop() }
        var pending: [DeliveryOutcome] = []
        pending.reserveCapacity(flushEvery)
        var claimed: [Int64: ClaimedMessage] = [:]
        var firstError: Error?
        let ledger = LedgerWriter(store: store, logger: logger)
        func flush() {
            guard !pending.isEmpty else { return }
            if let error = ledger.wait(), firstError == nil { firstError = error }
            let at = clock.now()
            ledger.record(pending, at: at, today: instance.today(at: at), policy: instance.configuration.bounces)
            pending = []
            pending.reserveCapacity(flushEvery)
        }

        try transport.deliver(
            next: {
                guard let c = spool.claimNext(now: Int(clock.now().timeIntervalSince1970)) else { return nil }
                claimed[c.envelope.deliveryID] = c
                return OutboundMessage(id: c.envelope.deliveryID, mailFrom: c.envelope.mailFrom, rcptTo: c.envelope.rcptTo, data: c.message)
            },
            onResult: { message, outcome in
                guard let c = claimed.removeValue(forKey: message.id) else { return }
                let nowSeconds = Int(clock.now().timeIntervalSince1970)
                let (result, code, reply, forRecipient): (AttemptResult, Int?, String, Bool) = {
                    switch outcome {
                    case .accepted(let code, let reply): return (.accepted, code, reply, true)
                    case .deferred(let code, let reply, let forRecipient): return (.temporaryFailure, code, reply, forRecipient)
                    case .rejected(let code, let reply): return (.permanentFailure, code, reply, true)
                    }
                }()
                let action = policy.decide(result, attempts: c.envelope.attempts, firstQueued: c.envelope.firstQueued, now: nowSeconds)
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
                if pending.count >= flushEvery { flush() }
                progress?(summary.sent + summary.deferred + summary.bounced)
            })
        flush()
        if let error = ledger.wait(), firstError == nil { firstError = error }
        if firstError == nil { try? FileManager.default.removeItem(atPath: marker) }
        let counts = spool.counts()
        summary.remaining = (counts[.incoming] ?? 0) + (counts[.deferred] ?? 0) + (counts[.active] ?? 0)
        summary.corrupt = counts[.corrupt] ?? 0
        summary.seconds = (ContinuousClock.now - started) / .seconds(1)
        if let firstError { throw JobError("send stopped short: \(firstError)", exitCode: ExitStatus.ioError) }
        return summary
    }

    /// Unlinks accepted messages' files from `spool/sent` on a thread of its own while the send
    /// runs (see `Spool.complete`), and once more when stopped.
    final class TombstoneReaper: @unchecked Sendable {
        private let tombstones: SentTombstones
        private let stopped = NSCondition()
        private var stopping = false
        private let finished = DispatchSemaphore(value: 0)

        init(_ tombstones: SentTombstones) {
            self.tombstones = tombstones
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
        private let store: Store
        private let logger: Logger
        private let queue = DispatchQueue(label: "kizuna.send.ledger")
        private let group = DispatchGroup()
        // Written on `queue` only; read after `group.wait()`.
        private var failure: Error?

        init(store: Store, logger: Logger) {
            self.store = store
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
                    let decisions = try BounceScoring(store: store, policy: policy)
                        .recordOutcomes(outcomes.sorted { $0.id < $1.id }, at: at, scoringOn: today).decisions
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
    func recordInterruptedSends(store: Store, spool: Spool, at: Date) throws -> Int {
        var outcomes: [DeliveryOutcome] = []
        for status in [DeliveryStatus.queued, .deferred] {
            for id in try store.deliveries(status: status) where spool.state(ofDelivery: id) == nil {
                outcomes.append(DeliveryOutcome(id: id, status: .sent, code: 250, reply: "accepted; recorded after an interrupted send"))
            }
        }
        if !outcomes.isEmpty { try store.recordOutcomes(outcomes, at: at) }
        logger.notice("reconciled an interrupted send", metadata: ["recorded.sent": "\(outcomes.count)"])
        return outcomes.count
    }

    func makeTransport() throws -> MailTransport {
        switch instance.configuration.transport {
        case .maildir(let path):
            return MaildirTransport(path: URL(fileURLWithPath: path))
        case .smtp(let c):
            var password: String?
            if let env = c.passwordEnv {
                guard let v = ProcessInfo.processInfo.environment[env], !v.isEmpty else {
                    throw JobError("\(instance.configuration.file): smtp.password_env: the environment variable \(env) is not set", exitCode: ExitStatus.config)
                }
                password = v
            } else if let file = c.passwordFile {
                guard let data = FileManager.default.contents(atPath: file), let v = String(data: data, encoding: .utf8) else {
                    throw JobError("\(instance.configuration.file): smtp.password_file: cannot read \(file)", exitCode: ExitStatus.config)
                }
                password = v.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let settings = SMTPSettings(url: c.url, starttls: StartTLSPolicy(rawValue: c.starttls.rawValue) ?? .required, username: c.username, password: password,
                                        connections: c.connections, connectTimeout: c.connectTimeout,
                                        responseTimeout: Int(c.responseTimeout), verifyPeer: c.verifyPeer, caFile: c.caFile)
            return SMTPTransport(settings: settings, logger: logger)
        }
    }
}
