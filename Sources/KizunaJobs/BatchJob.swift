import Foundation
import KizunaContent
import KizunaCore
import KizunaMail
import KizunaMIME
import KizunaStore
import Logging

/// What one batch did.
public struct BatchSummary: Sendable, Equatable {
    public var date: CivilDate
    public var recipients = 0
    public var queued = 0
    public var sections = 0
    public var skippedItems = 0
    public var alreadyPlanned = 0
    public var recovered = 0
    public var failures = 0
    /// Subscriptions whose track ended tonight, each with its farewell queued.
    public var farewells = 0
    /// Overdue check-ins planned tonight, and pregnancies switched to the child track with an assumed birth date.
    public var checkIns = 0
    public var switched = 0
    /// Families sent a survey tonight (with their mail, or as its own).
    public var surveys = 0
    /// The editions whose local date tonight is not `date` (`time_zone`), by that date.
    public var otherDates: [CivilDate: [String]] = [:]

    public var line: String {
        var care = ""
        if checkIns > 0 || switched > 0 {
            care = "; \(checkIns) overdue check-in\(checkIns == 1 ? "" : "s"), \(switched) switched to the child track (birth assumed)"
        }
        let dates = otherDates.keys.sorted().map { d in " (\(otherDates[d]!.joined(separator: ", ")) on \(d))" }.joined()
        return "batch \(date)\(dates): \(queued) emails queued (\(sections) messages) for \(recipients) recipients; "
            + "\(skippedItems) skipped, \(alreadyPlanned) already done tonight, \(recovered) recovered, \(failures) failed"
            + (farewells > 0 ? "; \(farewells) subscriptions ended (farewell queued)" : "") + care
            + (surveys > 0 ? "; \(surveys) survey\(surveys == 1 ? "" : "s") sent" : "")
    }
}

/// The nightly batch: every active subscription's message for the date, rendered into MIME and
/// made durable in the spool before the ledger calls it queued.
///
/// Streams subscribers in pages (flat memory for any count). For each page: the schedule's
/// decisions are recorded as planned deliveries in one transaction, the emails are rendered
/// on all cores, the spool writes the page with one group commit, and one more transaction
/// marks them queued. A crash anywhere leaves planned rows that the next run reconciles with
/// the spool: a planned delivery whose file exists is queued; one without a file is planned again.
///
/// The commit of a page (spool, then ledger) runs on a thread of its own while the next page
/// is read, planned and rendered, so the disk's flushes overlap the rendering. At most one
/// page is committing at a time, and its failure stops the run before the next page commits.
///
/// A subscription the schedule has nothing more for ends on its page with one farewell
/// (`BatchJob+Farewell.swift`), committed with its `ended` and spooled like a reply.
public final class BatchJob {
    let instance: Instance
    let pageSize: Int
    var logger: Logger { instance.logger }
    /// Told how many items the run has in all, once it knows (a progress display's total).
    public var expecting: ((Int) -> Void)?
    /// The spool and the ledger, opened when the run starts (in this order).
    let openSpool: () throws -> any BatchSpool
    let openLedger: () throws -> any BatchLedger
    /// Whether the overdue care runs: on the instance's own store and spool, not beside doubles.
    let caresForOverdue: Bool
    /// Called between the check-ins' commit and their spooling; tests simulate a crash there.
    var beforeSpoolingCheckIns: () throws -> Void = {}

    /// A batch on the instance's spool and store, or on `spool` and `ledger` when given (tests'
    /// doubles; the instance still gives the configuration, catalog, clock and logger).
    public init(instance: Instance, pageSize: Int = 2000, spool: (any BatchSpool)? = nil, ledger: (any BatchLedger)? = nil) {
        self.instance = instance
        self.pageSize = pageSize
        openSpool = { try spool ?? instance.spool() }
        openLedger = { try ledger ?? instance.store() }
        caresForOverdue = spool == nil && ledger == nil
    }

    public func run(date: CivilDate, progress: ((Int) -> Void)? = nil) throws -> BatchSummary {
        try run(date: date, scope: .every, progress: progress)
    }

    /// The batch for `date` of the subscribers `scope` serves (`BatchJob+EditionDates.swift`).
    func run(date: CivilDate, scope: BatchScope, progress: ((Int) -> Void)? = nil) throws -> BatchSummary {
        let now = instance.clock.now()
        // In production, unreviewed content refuses the batch before it touches the spool or the store.
        _ = try instance.catalog()
        let spool = try openSpool()
        let lock = try spool.lockInstance(purpose: "batch")
        defer { lock.close() }
        let ledger = try openLedger()
        let (composer, schedules) = try prepare(ledger: ledger)
        var summary = BatchSummary(date: date)
        if let expecting, let total = try ledger.recipientCount() { expecting(total) }

        summary.recovered = try queuePendingFarewells(ledger: ledger, spool: spool, now: now)
        summary.recovered += try reconcile(ledger: ledger, spool: spool, now: now)
        if caresForOverdue { try overdueCare(date: date, scope: scope, now: now, composer: composer, schedules: schedules, summary: &summary) }

        let committer = PageCommitter(spool: spool, ledger: ledger, now: now)
        defer { _ = try? committer.wait() }
        var after: Int64 = 0
        while true {
            let read = try ledger.recipientsPage(after: after, limit: pageSize)
            guard let last = read.last else { break }
            after = last.subscriber.id!
            let page = read.filter { scope.serves($0.subscriber.edition) }
            let (plans, work, endings) = try plan(page, date: date, ledger: ledger, schedules: schedules, summary: &summary)
            if !plans.isEmpty {
                let rendered = try record(plans, work, date: date, now: now, ledger: ledger, composer: composer, summary: &summary)
                (summary.queued, summary.sections) = try committer.wait()
                committer.commit(rendered)
            }
            if !endings.isEmpty {
                // Farewells are few: they are spooled here, after the page's daily commit is done.
                (summary.queued, summary.sections) = try committer.wait()
                try endTracks(endings, date: date, now: now, ledger: ledger, spool: spool, composer: composer, schedules: schedules,
                              summary: &summary)
            }
            progress?(summary.recipients)
        }
        (summary.queued, summary.sections) = try committer.wait()
        return summary
    }

    /// The composer and each edition's schedule of this run's catalog (an edition whose overlay
    /// adds stages has its own; built once per run). In production, content that is not
    /// reviewed stops the batch before anything is planned (`Instance.catalog()`, `ReviewGate`).
    func prepare(ledger: any BatchLedger) throws -> (MessageComposer, EditionSchedules) {
        let catalog = try instance.catalog()
        let composer = MessageComposer(catalog: catalog, tokens: AddressTokens(secret: try ledger.secret()), timeZone: instance.timeZone)
        return (composer, catalog.schedules(catchUpDays: instance.configuration.catchUpDays))
    }

    /// A page's plans: for each recipient who receives mail and has none tonight, the
    /// message of each subscription on its edition's schedule (and the older ones catch-up skips),
    /// as one delivery, with the work of rendering it; and the subscriptions whose track ends tonight.
    func plan(_ page: [Recipient], date: CivilDate, ledger: any BatchLedger, schedules: EditionSchedules,
              summary: inout BatchSummary) throws -> ([DeliveryPlan], [MessageComposer.Work], [TrackEnding]) {
        let recorded = try ledger.ledgerKeys(subscriptionIDs: page.flatMap { $0.subscriptions.compactMap(\.id) },
                                             since: date.adding(days: -instance.configuration.catchUpDays))
        let done = try ledger.subscribersWithDaily(on: date, among: page.map { $0.subscriber.id! })
        // A child followed from an assumed birth date is told so in its first message.
        let assumed = page.flatMap { $0.subscriptions.filter(\.birthAssumed).compactMap(\.id) }
        let told = assumed.isEmpty ? [] : try ledger.subscriptionsWithMessages(among: assumed)
        let surveys = try instance.catalog().surveys
        let surveysSent = surveys.isEmpty ? [:] : try ledger.surveysSent(subscriberIDs: page.map { $0.subscriber.id! })
        let bereaved = surveys.isEmpty ? [] : try ledger.subscribersWithLoss(among: page.map { $0.subscriber.id! })
        var plans: [DeliveryPlan] = []
        var work: [MessageComposer.Work] = []
        var endings: [TrackEnding] = []
        for recipient in page {
            let sub = recipient.subscriber
            summary.recipients += 1
            guard isReceiving(sub, on: date) else { continue }
            if done.contains(sub.id!) { summary.alreadyPlanned += 1; continue }
            guard let edition = instance.edition(id: sub.edition) else {
                logger.warning("subscriber's edition is not configured; skipped", metadata: ["subscriber.id": "\(sub.id!)", "edition": "\(sub.edition)"])
                summary.failures += 1
                continue
            }
            // The edition's own stages (its overlay's) decide its families' messages and ends.
            let schedule = schedules.schedule(editionID: sub.edition)
            var items: [ItemPlan] = []
            var sections: [MessageComposer.Section] = []
            for s in recipient.subscriptions {
                let scheduled = ScheduledSubscription(id: s.id!, track: s.track, anchor: s.anchorDate, startDate: s.startDate)
                let decision = schedule.decide(scheduled, on: date, recorded: recorded[s.id!] ?? [])
                if let reason = schedule.end(scheduled, on: date, sendingTonight: decision.send != nil) {
                    endings.append(TrackEnding(subscriberID: sub.id!, subscriptionID: s.id!, reason: reason))
                }
                for skipped in decision.skipped {
                    items.append(ItemPlan(subscriptionID: s.id!, messageKey: skipped.message.messageKey,
                                          scheduledDate: skipped.message.date, status: .skipped, reason: skipped.reason))
                }
                if let due = decision.send {
                    items.append(ItemPlan(subscriptionID: s.id!, messageKey: due.messageKey, scheduledDate: due.date, status: .included, reason: nil))
                    sections.append(.init(stage: due.stage, nickname: s.nickname,
                                          assumedBirth: s.birthAssumed && !told.contains(s.id!) ? s.anchorDate : nil))
                }
            }
            summary.skippedItems += items.count - sections.count
            // A survey rides on tonight's mail, or is tonight's mail when there is no message.
            let survey = bereaved.contains(sub.id!) ? nil : surveyPlan(for: recipient, date: date, surveys: surveys, sent: surveysSent[sub.id!] ?? [],
                                                                                     alone: sections.isEmpty)
            if let survey { items.append(survey.item); summary.surveys += 1 }
            guard !items.isEmpty else { continue }
            plans.append(DeliveryPlan(subscriberID: sub.id!, kind: .daily, localDate: date, recipient: sub.address.smtpPath, items: items,
                                      surveySend: survey?.send))
            work.append(.init(deliveryID: 0, subscriber: sub, edition: edition, sections: sections, survey: survey?.opening))
        }
        return (plans, work, endings)
    }

    /// Records the plans as planned deliveries (in one transaction) and renders their emails
    /// on all cores. An email that cannot be rendered is counted, logged and unplanned, so the
    /// next run plans it again.
    func record(_ plans: [DeliveryPlan], _ work: [MessageComposer.Work], date: CivilDate, now: Date, ledger: any BatchLedger,
                composer: MessageComposer, summary: inout BatchSummary) throws -> [MessageComposer.Rendered] {
        let ids = try ledger.planDeliveries(plans, at: now)
        var toRender: [MessageComposer.Work] = []
        for (i, id) in ids.enumerated() {
            guard let id else { continue }
            var w = work[i]; w.deliveryID = id
            toRender.append(w)
        }
        let outcome = composer.render(toRender, date: date, now: now)
        for failure in outcome.failures {
            logger.error("cannot render the email; it stays planned for the next run", metadata: ["delivery.id": "\(failure.id)", "error": "\(failure.error)"])
        }
        summary.failures += outcome.failures.count
        if !outcome.failures.isEmpty { try ledger.deleteDeliveries(ids: outcome.failures.map(\.id)) }
        return outcome.rendered
    }

    /// Commits rendered pages one at a time on its own queue: the spool's group commit, then
    /// the ledger's `queued` (never the other way round).
    final class PageCommitter: @unchecked Sendable {
        private let spool: any BatchSpool
        private let ledger: any BatchLedger
        private let now: Date
        private let queue = DispatchQueue(label: "kizuna.batch.commit")
        private let group = DispatchGroup()
        // Written on `queue` only; read after `group.wait()`.
        private var failure: Error?
        private var queued = 0, sections = 0

        init(spool: any BatchSpool, ledger: any BatchLedger, now: Date) {
            self.spool = spool
            self.ledger = ledger
            self.now = now
        }

        /// Starts committing a page; call `wait()` first, so that one page commits at a time.
        func commit(_ rendered: [MessageComposer.Rendered]) {
            guard !rendered.isEmpty else { return }
            group.enter()
            queue.async { [self] in
                defer { group.leave() }
                guard failure == nil else { return }
                do {
                    try spool.enqueue(rendered.map { ($0.envelope, $0.bytes) })
                    try ledger.markQueued(rendered.map { (id: $0.envelope.deliveryID, messageID: $0.messageID, subject: $0.subject, envelopeFrom: $0.envelope.mailFrom) }, at: now)
                    queued += rendered.count
                    sections += rendered.reduce(0) { $0 + $1.sectionCount }
                } catch {
                    failure = error
                }
            }
        }

        /// Waits for the page being committed; throws what a commit threw. Returns the emails
        /// and sections queued so far.
        func wait() throws -> (queued: Int, sections: Int) {
            group.wait()
            if let failure { throw failure }
            return (queued, sections)
        }
    }

    /// Active subscribers receive mail; paused ones again once their pause has ended.
    func isReceiving(_ s: SubscriberRecord, on date: CivilDate) -> Bool {
        switch s.status {
        case .active: return true
        case .paused: return s.pausedUntil.map { $0 <= date } ?? false
        default: return false
        }
    }

    /// Planned deliveries left by an interrupted run: queued if their file reached the spool,
    /// otherwise removed so that this run plans them again.
    func reconcile(ledger: any BatchLedger, spool: any BatchSpool, now: Date) throws -> Int {
        let planned = try ledger.deliveries(status: .planned)
        guard !planned.isEmpty else { return 0 }
        var inSpool: [Int64] = [], missing: [Int64] = []
        for id in planned {
            if spool.state(ofDelivery: id) != nil { inSpool.append(id) } else { missing.append(id) }
        }
        if !inSpool.isEmpty { try ledger.markRecoveredQueued(ids: inSpool, at: now) }
        if !missing.isEmpty { try ledger.deleteDeliveries(ids: missing) }
        logger.notice("reconciled an interrupted batch", metadata: ["queued": "\(inSpool.count)", "replanned": "\(missing.count)"])
        return planned.count
    }
}
