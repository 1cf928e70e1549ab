import Foundation
import KizunaCore
import KizunaStore

/// The deliveries ledger as the night's jobs write it: `Store` in production, in-memory
/// doubles in tests. What every job reads and recovers with.
public protocol DeliveryLedger: AnyObject, Sendable {
    /// The ids of the deliveries in `status`, ascending.
    func deliveries(status: DeliveryStatus) throws -> [Int64]
    /// Planned deliveries whose file reached the spool are `queued`.
    @discardableResult
    func markRecoveredQueued(ids: [Int64], at: Date) throws -> Int
}

/// The ledger as a send writes it: outcomes.
public protocol SendLedger: DeliveryLedger {
    /// The outcomes as they are, without scoring (a send that died after its 250s).
    @discardableResult
    func recordOutcomes(_ outcomes: [DeliveryOutcome], at: Date) throws -> [Int64]
    /// The outcomes, with the bounce score they feed (a 5xx or an expiry) or clear (a 250) in
    /// the same transaction; returns the scoring's decisions.
    func recordScoredOutcomes(_ outcomes: [DeliveryOutcome], at: Date, scoringOn today: CivilDate,
                              policy: BounceScorePolicy) throws -> [BounceDecision]
}

/// The ledger (and the instance's secret) as a batch plans and queues the day's mail.
public protocol BatchLedger: DeliveryLedger {
    /// The HMAC key for tokens and VERP addresses.
    func secret() throws -> [UInt8]
    /// Up to `limit` recipients with active subscriptions, after subscriber id `after`.
    func recipientsPage(after: Int64, limit: Int) throws -> [Recipient]
    /// Per subscription, the message keys already in the ledger since `since`.
    func ledgerKeys(subscriptionIDs: [Int64], since: CivilDate) throws -> [Int64: Set<String>]
    /// Which of these subscribers already have a daily delivery on `date`.
    func subscribersWithDaily(on date: CivilDate, among subscriberIDs: [Int64]) throws -> Set<Int64>
    /// Records the plans as `planned` deliveries; nil for a plan that was already there.
    @discardableResult
    func planDeliveries(_ plans: [DeliveryPlan], at: Date) throws -> [Int64?]
    /// Deliveries whose file is durable in the spool are `queued`.
    @discardableResult
    func markQueued(_ items: [(id: Int64, messageID: String, subject: String, envelopeFrom: String)], at: Date) throws -> [Int64]
    /// Removes planned deliveries (to be planned again).
    @discardableResult
    func deleteDeliveries(ids: [Int64]) throws -> Int
    /// Ends subscriptions whose track has no later message, each with its farewell rendered
    /// by `render` and stored until the spool has it (`Store.endTracks`).
    func endTracks(_ endings: [TrackEnding], today: CivilDate, at: Date,
                   render: @escaping (SystemMailRequest) throws -> SystemMailContent) throws -> TrackEndingOutcome
    /// System mail planned but not yet in the spool; only of one purpose when given.
    func pendingSystemMail(purpose: String?) throws -> [PendingSystemMail]
    /// System mail in the spool is `queued`, and its stored bytes are dropped.
    @discardableResult
    func markSystemMailQueued(_ mail: [PendingSystemMail], at: Date) throws -> [Int64]
    /// Which of these subscriptions already have a catalog message in a delivery.
    func subscriptionsWithMessages(among ids: [Int64]) throws -> Set<Int64>
    /// How many subscribers the batch's pages hold (`recipientsPage`), for a progress display; nil: not known.
    func recipientCount() throws -> Int?
    /// The ids of the surveys each of these subscribers has been sent.
    func surveysSent(subscriberIDs: [Int64]) throws -> [Int64: Set<String>]
    /// Which of these subscribers reported a loss (never sent a survey).
    func subscribersWithLoss(among ids: [Int64]) throws -> Set<Int64>
}

extension BatchLedger {
    /// A ledger that keeps no surveys (a test's double) has sent none and knows of no loss.
    public func surveysSent(subscriberIDs: [Int64]) throws -> [Int64: Set<String>] { [:] }
    public func subscribersWithLoss(among ids: [Int64]) throws -> Set<Int64> { [] }
}

extension BatchLedger {
    public func recipientCount() throws -> Int? { nil }
    /// A ledger that never follows an assumed birth date (tests' doubles) has nothing to tell.
    public func subscriptionsWithMessages(among ids: [Int64]) throws -> Set<Int64> { [] }
}

extension Store: BatchLedger {}

extension Store: SendLedger {
    public func recordScoredOutcomes(_ outcomes: [DeliveryOutcome], at: Date, scoringOn today: CivilDate,
                                     policy: BounceScorePolicy) throws -> [BounceDecision] {
        try BounceScoring(store: self, policy: policy).recordOutcomes(outcomes, at: at, scoringOn: today).decisions
    }
}
