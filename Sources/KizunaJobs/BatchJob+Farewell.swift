import Foundation
import KizunaCore
import KizunaStore

/// A subscription the schedule ends tonight (`Schedule.end`): the track has no later message.
public struct TrackEnding: Sendable, Hashable {
    public var subscriberID: Int64
    public var subscriptionID: Int64
    public var reason: SubscriptionEndReason

    public init(subscriberID: Int64, subscriptionID: Int64, reason: SubscriptionEndReason) {
        self.subscriberID = subscriberID; self.subscriptionID = subscriptionID; self.reason = reason
    }
}

/// What ending tracks did: the farewells committed, and the endings that failed (they stay
/// active and are tried again the next night).
public struct TrackEndingOutcome: Sendable {
    public var farewells: [PendingSystemMail] = []
    public var failures: [(ending: TrackEnding, error: String)] = []
    public init() {}
}

extension Store {
    /// Ends the tracks in ONE transaction, a savepoint each: the lifecycle's decision for the
    /// subscriber as stored now (an ending after a loss or a stop does nothing), its writes, and
    /// the farewell planned, rendered by `render` and stored beside its delivery — so that a
    /// crash after the commit leaves the farewell for the next run to spool, and a crash before
    /// it leaves the subscription active for the next batch to end. Never twice: the
    /// subscription is `ended` in the same commit.
    public func endTracks(_ endings: [TrackEnding], today: CivilDate, at: Date,
                          render: @escaping (SystemMailRequest) throws -> SystemMailContent) throws -> TrackEndingOutcome {
        guard !endings.isEmpty else { return TrackEndingOutcome() }
        let applier = CommandApplier(today: today, at: at, welcomeItems: { _, _, _ in [] }, render: render)
        return try inTransaction { tx in
            var outcome = TrackEndingOutcome()
            for ending in endings {
                let result = try tx.inSavepoint { () throws -> [PendingSystemMail] in
                    let (subscriber, subscriptions) = try tx.subscriber(id: ending.subscriberID)
                    let state = LifecycleState(subscriber: LifecycleSubscriber(
                        id: subscriber.id, status: subscriber.status, pausedUntil: subscriber.pausedUntil,
                        language: ReplyLanguage(code: subscriber.language),
                        subscriptions: subscriptions.map {
                            LifecycleSubscription(id: $0.id, track: $0.track, anchor: $0.anchorDate, nickname: $0.nickname, status: $0.status)
                        }))
                    let actions = Lifecycle.handle(.trackEnded(subscriptionID: ending.subscriptionID, reason: ending.reason),
                                                   state: state, today: today, limits: LifecycleLimits()).1
                    var sender = CommandSender(address: subscriber.address, edition: subscriber.edition,
                                               subscriberID: subscriber.id, messageID: nil)
                    return try applier.apply(actions, for: &sender, in: tx)
                }
                switch result {
                case .success(let mail): outcome.farewells += mail
                case .failure(let error): outcome.failures.append((ending, "\(error)"))
                }
            }
            return outcome
        }
    }
}

extension BatchJob {
    /// Ends tonight's finished tracks of a page and spools their farewells (one group commit),
    /// then marks them queued. Returns how many farewells were queued.
    func endTracks(_ endings: [TrackEnding], date: CivilDate, now: Date, ledger: any BatchLedger, spool: any BatchSpool,
                   composer: MessageComposer, schedules: EditionSchedules, summary: inout BatchSummary) throws {
        guard !endings.isEmpty else { return }
        let editions = instance.configuration.editions
        let outcome = try ledger.endTracks(endings, today: date, at: now) { request in
            guard let edition = editions.first(where: { $0.id == request.subscriber.edition }) else {
                throw JobError("edition \(request.subscriber.edition) is not configured")
            }
            return try composer.renderSystemMail(request, edition: edition, schedules: schedules, today: date, now: now)
        }
        for failure in outcome.failures {
            logger.error("cannot end the subscription; it stays active for the next run",
                         metadata: ["subscription.id": "\(failure.ending.subscriptionID)", "error": "\(failure.error)"])
        }
        summary.failures += outcome.failures.count
        try SystemMailQueue.queue(outcome.farewells, spool: spool, ledger: ledger, now: now)
        summary.farewells += outcome.farewells.count
    }

    /// Farewells an interrupted batch committed but did not spool: spooled before anything
    /// else. (A poll or a report spools them too, with the rest of the waiting system mail;
    /// the batch leaves theirs to them.)
    func queuePendingFarewells(ledger: any BatchLedger, spool: any BatchSpool, now: Date) throws -> Int {
        let pending = try ledger.pendingSystemMail(purpose: CommandApplier.purpose(.sendFarewell(subscriptionID: 0)))
        guard !pending.isEmpty else { return 0 }
        try SystemMailQueue.queue(pending, spool: spool, ledger: ledger, now: now)
        logger.notice("queued farewells left by an interrupted batch", metadata: ["count": "\(pending.count)"])
        return pending.count
    }
}
