import Foundation
import KizunaCore
import KizunaStore

extension BounceScoring {
    // MARK: - SMTP outcomes

    /// Records what the relay said (`Store.recordOutcomes`) and, in the same transaction, the
    /// score: each 5xx refusal and each expiry after 4xx deferrals counts (once per delivery),
    /// and a 250 clears the score of a subscriber who has one when only the send step's outcomes
    /// made it. Subscribers without a score cost one small query per call. Returns the ids not
    /// found and the decisions about refusals.
    @discardableResult
    public func recordOutcomes(_ outcomes: [DeliveryOutcome], at: Date, scoringOn today: CivilDate) throws
        -> (unknown: [Int64], decisions: [BounceDecision]) {
        try store.inTransaction { tx in
            let unknown = try tx.recordOutcomes(outcomes, at: at)
            let missing = Set(unknown)
            var decisions: [BounceDecision] = []
            for o in outcomes where o.status == .bounced && !missing.contains(o.id) {
                decisions.append(try scoreRefusal(o, today: today, at: at, tx))
            }
            let accepted = outcomes.filter { $0.status == .sent && !missing.contains($0.id) }.map(\.id)
            guard !accepted.isEmpty, try tx.anyBounceScore() else { return (unknown, decisions) }
            for (deliveryID, subscriberID) in try tx.scoredDeliveries(among: accepted) {
                let step = try score(.delivered(on: today), subscriberID: subscriberID, tx, at: at,
                                     why: "delivery \(deliveryID) accepted", messageID: nil)
                if step.cleared {
                    try tx.recordClearing(.cleared, subscriberID: subscriberID, deliveryID: deliveryID, today: today, at: at,
                                          detail: step.detail, messageID: nil)
                }
            }
            return (unknown, decisions)
        }
    }

    /// A `bounced` outcome (a 5xx refusal, or an expiry) as an `smtp` bounce event and its score.
    private func scoreRefusal(_ o: DeliveryOutcome, today: CivilDate, at: Date, _ tx: LedgerTransaction) throws -> BounceDecision {
        guard let (subscriberID, key) = try tx.refusalTarget(deliveryID: o.id) else {
            return BounceDecision(effect: .ignored, subscriberID: nil, deliveryID: o.id, score: 0, detail: "no delivery \(o.id)")
        }
        if try tx.refusalRecorded(deliveryID: o.id) {
            return BounceDecision(effect: .duplicate, subscriberID: subscriberID, deliveryID: o.id,
                                  score: try tx.bounceScore(subscriberID: subscriberID).score,
                                  detail: "refusal of delivery \(o.id) is already recorded")
        }
        let code = o.code ?? 0
        let status = BounceRules.enhancedStatus(in: o.reply) ?? BounceRules.status(fromReply: code)
        let event: BounceScoreEvent, reason: BounceReason, hard: Bool
        if o.expired {
            // The queue gave up on the address after deferrals: soft, whatever the last reply said.
            (event, reason, hard) = (.expired(lastCode: o.code, byRecipient: o.deferredForRecipient, on: today), .expired, false)
        } else {
            event = BounceScoreEvent.smtpRejected(code: code, reply: o.reply, on: today)
            reason = BounceRules.reason(status: status, diagnostic: o.reply)
            if case .smtpRejected(_, let h, _) = event { hard = h } else { hard = false }
        }
        let why = o.expired ? "expired after \(o.code.map { "SMTP \($0)" } ?? "no reply")" : "SMTP \(code)"
        let step = try score(event, subscriberID: subscriberID, tx, at: at, why: why, messageID: nil)
        try tx.recordBounceEvent(BounceEventRecord(
            at: at, localDate: today, subscriberID: subscriberID, deliveryID: o.id, kind: .smtp, addressKey: key,
            status: status, reason: reason.rawValue, hard: hard, messageID: nil, counted: step.counted, score: step.state.score,
            detail: "\(step.detail); \(o.expired ? "last reply" : "reply"): \(o.reply)"))
        return step.decision(subscriberID: subscriberID, deliveryID: o.id)
    }
}
