import Foundation
import KizunaContent
import KizunaCore
import KizunaMail
import KizunaMIME
import KizunaStore
import Logging

/// The mailbox the poller reads, as a small protocol so tests can use a double.
public protocol InboundMailbox: AnyObject {
    /// The mailbox's name (the ledger's key together with UIDVALIDITY and UID).
    var name: String { get }
    func uidValidity() throws -> UInt32
    /// UIDs ≥ `uidFrom`, ascending.
    func search(uidFrom: UInt32) throws -> [UInt32]
    func fetch(uid: UInt32) throws -> [UInt8]
    /// Called before a chunk's messages are fetched one by one (the IMAP mailbox marks them
    /// \Seen in one command, so fetching them changes no flags).
    func willFetch(uids: [UInt32]) throws
    /// Files messages whose effects are committed: `handled` ones to the processed folder,
    /// the others to the failed folder (or flags them when there is no folder or moving fails).
    func file(uids: [UInt32], handled: Bool) throws
}

extension InboundMailbox {
    public func willFetch(uids: [UInt32]) throws {}
}

/// `InboundMailbox` over libcurl IMAP.
public final class IMAPMailbox: InboundMailbox {
    let client: IMAPClient
    let processed: String?
    let failed: String?
    let logger: Logger
    private var created = Set<String>()
    private var delimiter: String??

    public init(client: IMAPClient, processed: String?, failed: String?, logger: Logger) {
        self.client = client; self.processed = processed; self.failed = failed; self.logger = logger
    }

    public var name: String { client.settings.mailbox }
    public func uidValidity() throws -> UInt32 { try client.uidValidity() }
    public func search(uidFrom: UInt32) throws -> [UInt32] { try client.search(uidFrom: uidFrom) }
    public func fetch(uid: UInt32) throws -> [UInt8] { try client.fetch(uid: uid) }
    /// libcurl fetches `BODY[]`, which sets \Seen: a flag change per message, and on a Maildir
    /// server a rename and a rescan of the folder per fetch. One STORE for the chunk first makes
    /// the fetches read-only (measured on 10,000 messages: Dovecot's CPU ~11 s → ~1.2 s, the poll 22 s → 14 s).
    public func willFetch(uids: [UInt32]) throws { try client.store(uids: uids, addFlags: ["\\Seen"]) }

    public func file(uids: [UInt32], handled: Bool) throws {
        guard !uids.isEmpty else { return }
        let flag = handled ? "$KizunaProcessed" : "$KizunaFailed"
        if var folder = handled ? processed : failed {
            do {
                // The config writes folders with `/`; servers whose delimiter is `.` (Dovecot's Maildir) want `Kizuna.Processed`.
                if delimiter == nil { delimiter = .some(try client.hierarchyDelimiter()) }
                if let d = delimiter ?? nil, d != "/" { folder = folder.replacingOccurrences(of: "/", with: d) }
                if !created.contains(folder) { try client.createMailbox(folder); created.insert(folder) }
                try client.move(uids: uids, to: folder)
                return
            } catch {
                logger.warning("imap: cannot move the messages; flagging them instead", metadata: ["imap.uids": "\(uids.count)", "imap.folder": "\(folder)", "error": "\(error)"])
            }
        }
        try client.store(uids: uids, addFlags: ["\\Seen", flag])
    }
}

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

    public var line: String {
        "poll: \(fetched) fetched, \(applied) applied, \(ignored) ignored, \(duplicates) already handled, \(failed) failed; "
            + "\(replies) replies queued\(recovered > 0 ? ", \(recovered) recovered" : "")\(uidValidityChanged ? "; UIDVALIDITY changed" : "")"
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

    /// Messages fetched and committed to `spool/inbound` together, and their byte limit.
    let chunkSize: Int
    let chunkByteLimit: Int

    public init(instance: Instance, chunkSize: Int = 256, chunkByteLimit: Int = 64 << 20) {
        self.instance = instance
        self.chunkSize = max(1, chunkSize)
        self.chunkByteLimit = chunkByteLimit
    }

    /// `mailbox`: a double for tests; otherwise the configured `[imap]` mailbox.
    public func run(mailbox override: InboundMailbox? = nil, progress: ((Int) -> Void)? = nil) throws -> PollSummary {
        let now = instance.clock.now()
        let config = instance.configuration
        let spool = try instance.spool()
        // The batch's lock: a batch's reconciliation must never see a poll's planned system mail half-way.
        let lock = try InstanceLock.forInstance(spool: spool, purpose: "poll or batch")
        defer { lock.close() }
        let mailbox = try override ?? makeMailbox()
        let store = try instance.store()
        let catalog = try instance.catalog()
        let inbound = try InboundSpool(root: spool.root)
        let composer = MessageComposer(catalog: catalog, tokens: try instance.tokens(), timeZone: instance.timeZone)
        let schedule = Schedule(stages: catalog.stages(track: .pregnancy) + catalog.stages(track: .child), catchUpDays: config.catchUpDays)
        let today = instance.today(at: now)
        var summary = PollSummary()
        let worker = Worker(job: self, store: store, spool: spool, inbound: inbound, mailbox: mailbox, composer: composer,
                            schedule: schedule, tokens: try instance.tokens(), today: today, now: now)

        summary.recovered += try worker.queuePendingSystemMail()

        let uidValidity: UInt32
        do { uidValidity = try mailbox.uidValidity() } catch { throw unreachable(error) }
        let known = try store.knownUIDValidities(mailbox: mailbox.name)
        if !known.isEmpty && !known.contains(uidValidity) {
            // The server renumbered the mailbox: read it all again; the Message-ID ledger keeps
            // what was already handled from being applied twice.
            summary.uidValidityChanged = true
            logger.warning("imap: UIDVALIDITY changed; reading the mailbox again from the start",
                           metadata: ["imap.mailbox": "\(mailbox.name)", "imap.uidvalidity": "\(uidValidity)", "imap.previous": "\(known)"])
        }

        // Messages a crashed run fetched but did not finish.
        var finished = Worker.Finished()
        for name in inbound.waiting() {
            guard let place = Self.place(fromName: name, mailbox: mailbox.name, uidValidity: uidValidity) else { continue }
            let bytes = try inbound.read(name)
            summary.recovered += 1
            try worker.handle(place: place, name: name, bytes: bytes, summary: &summary, finished: &finished)
        }
        try worker.complete(&finished, summary: &summary)

        let last = try store.lastUID(mailbox: mailbox.name, uidValidity: uidValidity)
        let uids: [UInt32]
        do { uids = try mailbox.search(uidFrom: last + 1) } catch { throw unreachable(error) }
        var pendingUIDs = uids.filter { $0 > last }[...]
        // In chunks: fetch, one group commit into spool/inbound, apply each message (its own
        // transaction), then one group commit of the chunk's replies into the spool, then filing.
        while !pendingUIDs.isEmpty {
            var chunk: [(place: InboundPlace, name: String, bytes: [UInt8])] = []
            var chunkBytes = 0
            var fetchError: Error?
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
                    fetchError = error
                    break
                }
            }
            try inbound.write(batch: chunk.map { ($0.name, $0.bytes) })
            summary.fetched += chunk.count
            for m in chunk {
                try worker.handle(place: m.place, name: m.name, bytes: m.bytes, summary: &summary, finished: &finished)
            }
            try worker.complete(&finished, summary: &summary)
            progress?(summary.fetched)
            if let fetchError {
                // A dropped connection: what is done is committed; the rest waits for the next run.
                let uid = pendingUIDs.first ?? 0
                logger.error("imap: fetch failed; stopping this poll", metadata: ["imap.uid": "\(uid)", "error": "\(fetchError)"])
                throw JobError("IMAP fetch of UID \(uid) failed: \(fetchError); \(summary.line)", exitCode: ExitStatus.tempFail)
            }
        }
        return summary
    }

    func unreachable(_ error: Error) -> JobError {
        JobError("cannot read the IMAP mailbox: \(error)", exitCode: ExitStatus.unavailable)
    }

    func makeMailbox() throws -> InboundMailbox {
        guard let c = instance.configuration.imap else {
            throw JobError("\(instance.configuration.file): no [imap] table: there is no mailbox to poll", exitCode: ExitStatus.config)
        }
        var password = ""
        if let env = c.passwordEnv {
            guard let v = ProcessInfo.processInfo.environment[env], !v.isEmpty else {
                throw JobError("\(instance.configuration.file): imap.password_env: the environment variable \(env) is not set", exitCode: ExitStatus.config)
            }
            password = v
        } else if let file = c.passwordFile {
            guard let data = FileManager.default.contents(atPath: file), let v = String(data: data, encoding: .utf8) else {
                throw JobError("\(instance.configuration.file): imap.password_file: cannot read \(file)", exitCode: ExitStatus.config)
            }
            password = v.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let settings = IMAPSettings(url: c.url, starttls: StartTLSPolicy(rawValue: c.starttls.rawValue) ?? .required, username: c.username,
                                    password: password, mailbox: c.mailbox, connectTimeout: c.connectTimeout,
                                    responseTimeout: Int(c.responseTimeout), verifyPeer: c.verifyPeer, caFile: c.caFile)
        do {
            return IMAPMailbox(client: try IMAPClient(settings: settings), processed: c.processedMailbox, failed: c.failedMailbox, logger: logger)
        } catch let e as TransportConfigurationError {
            throw JobError("\(instance.configuration.file): imap: \(e)", exitCode: ExitStatus.config)
        }
    }

    /// The place of a file in `spool/inbound`, when it belongs to this mailbox and UIDVALIDITY.
    static func place(fromName name: String, mailbox: String, uidValidity: UInt32) -> InboundPlace? {
        let parts = name.split(separator: "-")
        guard parts.count >= 3, let uid = UInt32(parts[parts.count - 1]), let uv = UInt32(parts[parts.count - 2]),
              name == InboundSpool.name(mailbox: mailbox, uidValidity: uv, uid: uid), uv == uidValidity else { return nil }
        return InboundPlace(mailbox: mailbox, uidValidity: uv, uid: uid)
    }

    /// One poll's working parts.
    struct Worker {
        let job: PollJob
        let store: Store
        let spool: Spool
        let inbound: InboundSpool
        let mailbox: InboundMailbox
        let composer: MessageComposer
        let schedule: Schedule
        let tokens: AddressTokens
        let today: CivilDate
        let now: Date
        var logger: Logger { job.logger }
        var editions: [Edition] { job.instance.configuration.editions }
        var bounceIntake: BounceIntake { BounceIntake(store: store, tokens: tokens, logger: logger, policy: job.instance.configuration.bounces) }

        /// System mail a crashed run committed but did not spool.
        func queuePendingSystemMail() throws -> Int {
            let pending = try store.pendingSystemMail()
            guard !pending.isEmpty else { return 0 }
            try queue(pending)
            logger.notice("queued system mail left by an interrupted poll", metadata: ["count": "\(pending.count)"])
            return pending.count
        }

        func queue(_ mail: [PendingSystemMail]) throws {
            try SystemMailQueue.queue(mail, spool: spool, store: store, now: now)
        }

        /// What a chunk's messages left to do once their effects are committed: system mail to
        /// spool (kept in the store until then), then filing and removing the raw copies.
        struct Finished {
            struct Command {
                var place: InboundPlace
                var name: String
                var reading: InboundReading
                var parsed: ParsedCommand
                var sender: EmailAddress
                var edition: Edition
                var decisionJSON: String
                var meta: Logger.Metadata
            }
            var commands: [Command] = []
            var mail: [PendingSystemMail] = []
            var filing: [(place: InboundPlace, name: String, handled: Bool)] = []
        }

        func complete(_ f: inout Finished, summary: inout PollSummary) throws {
            try applyCommands(&f, summary: &summary)
            try queue(f.mail)
            // One command per outcome for the whole chunk (fewer round trips and mailbox syncs).
            for handled in [true, false] {
                let group = f.filing.filter { $0.handled == handled }
                guard !group.isEmpty else { continue }
                do { try mailbox.file(uids: group.map(\.place.uid), handled: handled) } catch {
                    logger.warning("imap: cannot file the messages", metadata: ["imap.uids": "\(group.count)", "error": "\(error)"])
                }
                if handled { for x in group { try? inbound.remove(x.name) } }
            }
            f = Finished()
        }

        func handle(place: InboundPlace, name: String, bytes: [UInt8], summary: inout PollSummary, finished: inout Finished) throws {
            func finish(place: InboundPlace, name: String, handled: Bool) { finished.filing.append((place, name, handled)) }
            let reading = InboundReader.read(bytes, editions: editions, today: today)
            let decision = reading.decision
            let decisionJSON = decision.json()
            var meta: Logger.Metadata = ["imap.uid": "\(place.uid)", "inbound.kind": "\(decision.kind)"]
            if let id = reading.messageID { meta["message.id"] = "\(id)" }

            guard let kind = reading.kind else {
                let kept = try? inbound.moveToCorrupt(name)
                try store.closeInbound(place: place, messageID: nil, status: .failed, kind: nil, sender: nil, decision: decisionJSON,
                                       event: LifecycleRecord(kind: .inboundUnreadable, detail: "\(decision.reason ?? "") (kept in \(kept ?? "?"))", messageID: nil), at: now)
                logger.error("inbound message cannot be read; kept in spool/corrupt/inbound", metadata: meta)
                summary.failed += 1
                finish(place: place, name: name, handled: false)
                return
            }

            if let existing = try store.inbound(place: place, messageID: reading.messageID), existing.status != .fetched {
                try store.advanceIMAPPosition(mailbox: place.mailbox, uidValidity: place.uidValidity, to: place.uid, at: now)
                logger.info("inbound message already handled", metadata: meta)
                summary.duplicates += 1
                finish(place: place, name: name, handled: true)
                return
            }

            guard kind == .command, let parsed = reading.parsed, let sender = reading.sender, let edition = reading.edition else {
                var detail = "\(decision.reason ?? "") from \(decision.from ?? "?")"
                // Reports (and non-standard bounces that look like auto-replies) feed the bounce
                // score; recorded once per report, so a crash before the ledger row is harmless.
                if BounceIntake.reads(kind: kind),
                   let message = reading.message,
                   case let r = try bounceIntake.record(message, fallbackKey: "imap:\(place.mailbox)/\(place.uidValidity)/\(place.uid)", today: today, at: now),
                   !r.decisions.isEmpty {
                    detail += "; " + r.summary
                }
                try store.closeInbound(place: place, messageID: reading.messageID, status: .ignored, kind: kind,
                                       sender: decision.from, decision: decisionJSON,
                                       event: LifecycleRecord(kind: .inbound(kind), detail: detail, messageID: reading.messageID),
                                       at: now)
                logger.info("inbound message recorded, not acted on: \(decision.reason ?? "")", metadata: meta)
                summary.ignored += 1
                finish(place: place, name: name, handled: true)
                return
            }

            finished.commands.append(.init(place: place, name: name, reading: reading, parsed: parsed, sender: sender, edition: edition,
                                           decisionJSON: decisionJSON, meta: meta))
        }

        /// The lifecycle's actions for a command, from the sender's state inside the applying transaction.
        func decide(_ c: Finished.Command, _ state: SenderState) -> [LifecycleAction] {
            let lifecycleState = LifecycleState(subscriber: state.detail.map { Self.lifecycleSubscriber($0, state) },
                                                autoRepliesToday: state.autoRepliesToday)
            // Failures reported by the trusted server: the lifecycle holds a confirmed parent's
            // command until the parent confirms it (a new address needs its confirmation anyway).
            let failures = c.reading.decision.authenticationFailures.map { "\($0) at \(c.edition.trustedAuthservID ?? "")" }
            let event = LifecycleEvent(c.parsed, from: c.sender, messageID: c.reading.messageID, tokens: tokens, today: today,
                                       authenticationFailures: failures)
            let limits = LifecycleLimits(autoRepliesPerDay: c.edition.maxAutoRepliesPerDay,
                                         defaultLanguage: ReplyLanguage(code: c.edition.defaultLanguage))
            return Lifecycle.handle(event, state: lifecycleState, today: today, limits: limits).1
        }

        /// Applies the chunk's commands in one transaction (a savepoint each).
        func applyCommands(_ f: inout Finished, summary: inout PollSummary) throws {
            guard !f.commands.isEmpty else { return }
            let commands = f.commands
            let composer = self.composer, schedule = self.schedule, today = self.today, now = self.now, editions = self.editions
            let items = commands.map { c in
                InboundCommand(place: c.place, messageID: c.reading.messageID, kind: .command, sender: c.sender,
                               edition: c.edition.id, decision: c.decisionJSON, decide: { state in self.decide(c, state) })
            }
            let applier = CommandApplier(
                today: today, at: now,
                welcomeItems: { subs in
                    composer.todaysMessages(subs, schedule: schedule, today: today).map {
                        ItemPlan(subscriptionID: $0.0.id!, messageKey: $0.1.messageKey, scheduledDate: $0.1.date, status: .included)
                    }
                },
                render: { request in
                    guard let edition = editions.first(where: { $0.id == request.subscriber.edition }) else {
                        throw JobError("edition \(request.subscriber.edition) is not configured")
                    }
                    return try composer.renderSystemMail(request, edition: edition, schedule: schedule, today: today, now: now)
                })
            let results = try applier.apply(items, in: store)
            var replies: [(subscriberID: Int64, messageID: String?)] = []
            for (c, result) in zip(commands, results) {
                var meta = c.meta
                switch result {
                case .success(let a):
                    if a.applied, let id = a.subscriberID { replies.append((id, c.reading.messageID)) }
                    if a.applied {
                        summary.applied += 1
                        meta["command"] = "\(c.parsed.command.name)"
                        logger.info("inbound command applied", metadata: meta)
                    } else {
                        summary.duplicates += 1
                    }
                    f.mail += a.mail
                    summary.replies += a.mail.count
                    f.filing.append((c.place, c.name, true))
                case .failure(let error):
                    // This message cannot be applied (nothing of it was committed): keep it for a human, go on.
                    let kept = try? inbound.moveToCorrupt(c.name)
                    try store.closeInbound(place: c.place, messageID: c.reading.messageID, status: .failed, kind: .command,
                                           sender: c.reading.decision.from, decision: c.decisionJSON,
                                           event: LifecycleRecord(kind: .inboundFailed, detail: "\(error) (kept in \(kept ?? "?"))", messageID: c.reading.messageID),
                                           at: now)
                    logger.error("inbound message could not be applied; kept in spool/corrupt/inbound: \(error)", metadata: meta)
                    summary.failed += 1
                    f.filing.append((c.place, c.name, false))
                }
            }
            f.commands = []
            // A parent who writes to us has a working address: any bounce score is cleared.
            for id in try bounceIntake.scoring.recordReplies(replies, today: today, at: now) {
                logger.notice("bounce score cleared by the parent's mail", metadata: ["subscriber.id": "\(id)"])
            }
        }

        static func lifecycleSubscriber(_ d: SubscriberDetail, _ state: SenderState) -> LifecycleSubscriber {
            LifecycleSubscriber(
                id: d.subscriber.id, status: d.subscriber.status, pausedUntil: d.subscriber.pausedUntil,
                language: ReplyLanguage(code: d.subscriber.language),
                subscriptions: d.subscriptions.map {
                    LifecycleSubscription(id: $0.id, track: $0.track, anchor: $0.anchorDate, nickname: $0.nickname, status: $0.status)
                },
                lastConfirmationRequest: state.lastConfirmationRequest, held: state.held)
        }
    }
}

extension InboundReading {
    /// The message's kind; nil when the bytes are no message.
    var kind: InboundKind? { InboundKind(rawValue: decision.kind) }
}
