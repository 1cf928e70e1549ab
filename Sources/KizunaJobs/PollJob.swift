import Foundation
import KizunaContent
import KizunaCore
import KizunaMail
import KizunaMIME
import KizunaStore
import Logging

/// What one poll did.
public struct PollSummary: Sendable, Equatable {
    public var fetched = 0
    public var applied = 0
    /// Reports, auto-replies, list mail and our own messages: recorded, not acted on.
    public var ignored = 0
    /// Already handled (the same place or Message-ID): nothing done again.
    public var duplicates = 0
    /// Unreadable, or failed while being applied: kept in spool/corrupt/inbound.
    public var failed = 0
    /// System mails (replies, confirmation requests, welcomes) put into the spool.
    public var replies = 0
    public var recovered = 0
    public var uidValidityChanged = false
    /// Administrators' mail among the applied and ignored, and how much of it was refused.
    public var adminMail = 0
    public var adminRefused = 0
    /// Mail read outside its edition's mailbox (not a stop or a loss report): recorded, never acted on.
    public var setAside = 0
    /// The mailboxes that could not be read (their labels), when others were.
    public var failedMailboxes: [String] = []

    public var line: String {
        "poll: \(fetched) fetched, \(applied) applied, \(ignored) ignored, \(duplicates) already handled, \(failed) failed; "
            + "\(replies) replies queued\(recovered > 0 ? ", \(recovered) recovered" : "")\(uidValidityChanged ? "; UIDVALIDITY changed" : "")"
            + (adminMail > 0 ? "; \(adminMail) administrator's mail\(adminMail == 1 ? "" : "s"), \(adminRefused) refused" : "")
            + (setAside > 0 ? "; \(setAside) set aside (read outside its edition's mailbox)" : "")
    }
}

/// `kizuna poll`: reads new mail from the edition's mailbox and runs the lifecycle.
///
/// For each new UID: fetch whole → `spool/inbound` (durable) → parse and classify → the
/// lifecycle's actions, the rendered system mail, the ledger's `applied` and the IMAP position
/// in ONE transaction → the system mail into the spool (`queued`) → the message filed in the
/// mailbox → the inbound file removed. A crash at any point leaves either an unapplied message
/// (fetched again, or read from `spool/inbound`) or an applied one that is only filed again:
/// nothing is lost and nothing applies twice (the ledger is unique by place and Message-ID).
public final class PollJob {
    let instance: Instance
    var logger: Logger { instance.logger }
    /// Told how many items the run has in all, once it knows (a progress display's total).
    public var expecting: ((Int) -> Void)?
    /// New messages found so far in this run's mailboxes.
    private var expected = 0

    /// Messages fetched and committed to `spool/inbound` together, and their byte limit.
    let chunkSize: Int
    let chunkByteLimit: Int

    /// Carries out an administrator's accepted request: `AdminMailRunner` unless a test gives another.
    let adminRunner: AdminRequestRunner

    public init(instance: Instance, chunkSize: Int = 256, chunkByteLimit: Int = 64 << 20,
                adminRunner: AdminRequestRunner? = nil) {
        self.instance = instance
        self.adminRunner = adminRunner ?? AdminMailRunner(instance: instance).run
        self.chunkSize = max(1, chunkSize)
        self.chunkByteLimit = chunkByteLimit
    }

    /// `mailbox`: a double for tests (read as the shared mailbox); otherwise every configured one.
    public func run(mailbox override: InboundMailbox? = nil, progress: ((Int) -> Void)? = nil) throws -> PollSummary {
        try run(mailboxes: override.map { m in [PolledMailbox(edition: nil, label: "[imap]") { m }] }, progress: progress)
    }

    /// Reads each mailbox in turn (nil: the configured ones, `Instance.polledMailboxes`). One
    /// that cannot be opened, reached or read to the end is reported and the others are read
    /// all the same; the poll then throws naming each (its exit status the first one's).
    public func run(mailboxes given: [PolledMailbox]?, progress: ((Int) -> Void)? = nil) throws -> PollSummary {
        let now = instance.clock.now()
        let config = instance.configuration
        // Every reply renders from this catalog; in production, unreviewed content refuses the poll
        // before the mailbox is read, so the parents' mail waits there until the content is reviewed.
        let catalog = try instance.catalog()
        let spool = try instance.spool()
        // The batch's lock: a batch's reconciliation must never see a poll's planned system mail half-way.
        let lock = try InstanceLock.forInstance(spool: spool, purpose: "poll or batch")
        defer { lock.close() }
        let mailboxes = try given ?? instance.polledMailboxes()
        let store = try instance.store()
        let inbound = try InboundSpool(root: spool.root)
        let composer = MessageComposer(catalog: catalog, tokens: try instance.tokens(), timeZone: instance.timeZone)
        let schedules = catalog.schedules(catchUpDays: config.catchUpDays)
        let today = instance.today(at: now)
        var summary = PollSummary()
        // The keyring is opened only when an administrator's mail asks for it: parents' mail needs no gpg.
        let keyring = OnDemand { try self.instance.keyring() }
        let admin = AdminMailIntake(store: store, configuration: config, timeZone: instance.timeZone, keyring: keyring.value,
                                    run: adminRunner, now: now, today: today, logger: logger)

        // System mail a crashed run committed but did not spool.
        let pending = ReportJob(instance: instance).routingReports(try store.pendingSystemMail())
        if !pending.isEmpty {
            try SystemMailQueue.queue(pending, spool: spool, ledger: store, now: now)
            logger.notice("queued system mail left by an interrupted poll", metadata: ["count": "\(pending.count)"])
            summary.recovered += pending.count
        }
        var failures: [(label: String, error: JobError)] = []
        for polled in mailboxes {
            do {
                let mailbox = try polled.open()
                let worker = Worker(job: self, store: store, spool: spool, inbound: inbound, mailbox: mailbox, mailboxEdition: polled.edition,
                                    composer: composer, schedules: schedules, tokens: try instance.tokens(), today: today, now: now, admin: admin)
                let uidValidity = try currentUIDValidity(of: mailbox, store: store, summary: &summary)
                try handleInterrupted(worker, uidValidity: uidValidity, summary: &summary)
                try handleNew(worker, uidValidity: uidValidity, summary: &summary, progress: progress)
            } catch let e as JobError where e.exitCode != ExitStatus.locked {
                // One mailbox that cannot be read must not keep the others unread.
                guard mailboxes.count > 1 else { throw e }
                logger.error("poll: the mailbox \(polled.label) could not be read; the others are read", metadata: ["error": "\(e.message)"])
                failures.append((polled.label, e))
            }
        }
        if !failures.isEmpty {
            summary.failedMailboxes = failures.map(\.label)
            throw JobError(failures.map { "\($0.label): \($0.error.message)" }.joined(separator: "; ") + "; " + summary.line,
                           exitCode: failures[0].error.exitCode)
        }
        return summary
    }

    /// The mailbox's UIDVALIDITY; a new one (the server renumbered the mailbox) is read again
    /// from the start, and the Message-ID ledger keeps what was handled from applying twice.
    private func currentUIDValidity(of mailbox: InboundMailbox, store: Store, summary: inout PollSummary) throws -> UInt32 {
        let uidValidity: UInt32
        do { uidValidity = try mailbox.uidValidity() } catch { throw unreachable(error) }
        let known = try store.knownUIDValidities(mailbox: mailbox.name)
        if !known.isEmpty && !known.contains(uidValidity) {
            summary.uidValidityChanged = true
            logger.warning("imap: UIDVALIDITY changed; reading the mailbox again from the start",
                           metadata: ["imap.mailbox": "\(mailbox.name)", "imap.uidvalidity": "\(uidValidity)", "imap.previous": "\(known)"])
        }
        return uidValidity
    }

    /// Messages a crashed run fetched into `spool/inbound` but did not finish.
    private func handleInterrupted(_ worker: Worker, uidValidity: UInt32, summary: inout PollSummary) throws {
        var finished = Worker.Finished()
        for name in worker.inbound.waiting() {
            guard let place = Self.place(fromName: name, mailbox: worker.mailbox.name, uidValidity: uidValidity) else { continue }
            let bytes = try worker.inbound.read(name)
            summary.recovered += 1
            try worker.handle(place: place, name: name, bytes: bytes, summary: &summary, finished: &finished)
        }
        try worker.complete(&finished, summary: &summary)
    }

    /// The new messages, in chunks: fetch, one group commit into spool/inbound, the chunk's
    /// commands applied in one transaction, one group commit of its replies into the spool,
    /// then filing. A dropped connection stops the poll: what is done is committed; the rest
    /// waits for the next run.
    private func handleNew(_ worker: Worker, uidValidity: UInt32, summary: inout PollSummary, progress: ((Int) -> Void)?) throws {
        let mailbox = worker.mailbox
        let last = try worker.store.lastUID(mailbox: mailbox.name, uidValidity: uidValidity)
        let uids: [UInt32]
        do { uids = try mailbox.search(uidFrom: last + 1) } catch { throw unreachable(error) }
        var pendingUIDs = uids.filter { $0 > last }[...]
        expected += pendingUIDs.count
        expecting?(expected)
        var finished = Worker.Finished()
        while !pendingUIDs.isEmpty {
            let (chunk, fetchError) = fetchChunk(&pendingUIDs, from: mailbox, uidValidity: uidValidity)
            try worker.inbound.write(batch: chunk.map { ($0.name, $0.bytes) })
            summary.fetched += chunk.count
            for m in chunk {
                try worker.handle(place: m.place, name: m.name, bytes: m.bytes, summary: &summary, finished: &finished)
            }
            try worker.complete(&finished, summary: &summary)
            progress?(summary.fetched)
            if let fetchError {
                let uid = pendingUIDs.first ?? 0
                logger.error("imap: fetch failed; stopping this poll", metadata: ["imap.uid": "\(uid)", "error": "\(fetchError)"])
                throw JobError("IMAP fetch of UID \(uid) failed: \(fetchError); \(summary.line)", exitCode: ExitStatus.tempFail)
            }
        }
    }

    /// Fetches up to a chunk (by count and bytes) of the pending UIDs, removing those fetched;
    /// the error that stopped it early, if any.
    private func fetchChunk(_ pendingUIDs: inout ArraySlice<UInt32>, from mailbox: InboundMailbox, uidValidity: UInt32)
        -> (chunk: [(place: InboundPlace, name: String, bytes: [UInt8])], error: Error?) {
        var chunk: [(place: InboundPlace, name: String, bytes: [UInt8])] = []
        var chunkBytes = 0
        do { try mailbox.willFetch(uids: Array(pendingUIDs.prefix(chunkSize))) } catch {
            logger.warning("imap: cannot mark the messages seen before fetching them", metadata: ["error": "\(error)"])
        }
        while let uid = pendingUIDs.first, chunk.count < chunkSize, chunkBytes < chunkByteLimit {
            do {
                let bytes = try mailbox.fetch(uid: uid)
                pendingUIDs.removeFirst()
                chunk.append((InboundPlace(mailbox: mailbox.name, uidValidity: uidValidity, uid: uid),
                              InboundSpool.name(mailbox: mailbox.name, uidValidity: uidValidity, uid: uid), bytes))
                chunkBytes += bytes.count
            } catch {
                return (chunk, error)
            }
        }
        return (chunk, nil)
    }

    func unreachable(_ error: Error) -> JobError {
        JobError("cannot read the IMAP mailbox: \(error)", exitCode: ExitStatus.unavailable)
    }

    /// The place of a file in `spool/inbound`, when it belongs to this mailbox and UIDVALIDITY.
    static func place(fromName name: String, mailbox: String, uidValidity: UInt32) -> InboundPlace? {
        let parts = name.split(separator: "-")
        guard parts.count >= 3, let uid = UInt32(parts[parts.count - 1]), let uv = UInt32(parts[parts.count - 2]),
              name == InboundSpool.name(mailbox: mailbox, uidValidity: uv, uid: uid), uv == uidValidity else { return nil }
        return InboundPlace(mailbox: mailbox, uidValidity: uv, uid: uid)
    }
}

/// A mailbox the poller reads, and whose mail it may act on.
public struct PolledMailbox {
    /// The edition whose own mailbox it is (`[edition.imap]`): its mail acts on that edition
    /// only. Nil: the instance's `[imap]`, where each message's address names its edition.
    public var edition: String?
    /// How the operator knows it: `[imap]`, or `edition ID`.
    public var label: String
    /// Opens it (a configuration problem, such as a missing password, throws here).
    public var open: () throws -> InboundMailbox

    public init(edition: String?, label: String, open: @escaping () throws -> InboundMailbox) {
        self.edition = edition; self.label = label; self.open = open
    }
}

/// A value made the first time it is asked for, then kept (a failure is not kept: asked again, it is tried again).
final class OnDemand<Value> {
    private let make: () throws -> Value
    private var made: Value?
    init(_ make: @escaping () throws -> Value) { self.make = make }
    func value() throws -> Value {
        if let made { return made }
        let v = try make()
        made = v
        return v
    }
}
