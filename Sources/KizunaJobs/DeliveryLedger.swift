import Foundation
import KizunaCore
import KizunaStore

/// The deliveries ledger as a send writes it: `Store` in production, an in-memory double in tests.
public protocol SendLedger: AnyObject, Sendable {
    /// The ids of the deliveries in `status`, ascending.
    func deliveries(status: DeliveryStatus) throws -> [Int64]
    /// Planned deliveries whose file reached the spool are `queued`.
    @discardableResult
    func markRecoveredQueued(ids: [Int64], at: Date) throws -> Int
    /// The outcomes as they are, without scoring (a send that died after its 250s).
    @discardableResult
    func recordOutcomes(_ outcomes: [DeliveryOutcome], at: Date) throws -> [Int64]
    /// The outcomes, with the bounce score they feed (a 5xx or an expiry) or clear (a 250) in
    /// the same transaction; returns the scoring's decisions.
    func recordScoredOutcomes(_ outcomes: [DeliveryOutcome], at: Date, scoringOn today: CivilDate,
                              policy: BounceScorePolicy) throws -> [BounceDecision]
}

extension Store: SendLedger {
    public func recordScoredOutcomes(_ outcomes: [DeliveryOutcome], at: Date, scoringOn today: CivilDate,
                                     policy: BounceScorePolicy) throws -> [BounceDecision] {
        try BounceScoring(store: self, policy: policy).recordOutcomes(outcomes, at: at, scoringOn: today).decisions
    }
}
