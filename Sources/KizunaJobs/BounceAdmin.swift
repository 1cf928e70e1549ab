import Foundation
import KizunaCore
import KizunaStore

/// The administrator's view of bounces behind `kizuna bounces …`.
public struct BounceAdmin {
    let instance: Instance
    public init(instance: Instance) { self.instance = instance }

    /// Subscribers who are `bouncing` or have a score, highest first, one line each:
    /// `ADDRESS<TAB>EDITION<TAB>STATUS<TAB>score S<TAB>bounces N<TAB>last DATE`.
    /// Of one edition only, when `edition` is given.
    public func list(edition: String? = nil) throws -> [String] {
        let today = instance.today()
        return try instance.store().bouncingSubscribers().filter { edition == nil || $0.subscriber.edition == edition }.map { s in
            line(s.subscriber, s.score, today: today)
        }
    }

    /// The address's score and every bounce event with its evidence, oldest first.
    public func show(email: String, edition: String?) throws -> [String] {
        let d = try detail(email: email, edition: edition)
        var out = [line(d.subscriber, d.score, today: instance.today())]
        for e in d.events {
            var fields = ["  \(e.localDate.iso)", e.kind.rawValue]
            if let s = e.status { fields.append("status=\(s)") }
            if let r = e.reason { fields.append("reason=\(r)") }
            if let h = e.hard { fields.append(h ? "hard" : "soft") }
            if let f = e.feedbackType { fields.append("feedback=\(f)") }
            if let id = e.deliveryID { fields.append("delivery=\(id)") }
            if let m = e.messageID { fields.append("message-id=\(m)") }
            fields.append(e.counted ? "counted" : "not-counted")
            fields.append("score=\(BounceScore.text(e.score))")
            out.append(fields.joined(separator: " ") + (e.detail.map { ": \($0)" } ?? ""))
        }
        return out
    }

    /// Clears the score; a `bouncing` subscriber is active again. Returns the one-line summary.
    public func reset(email: String, edition: String?) throws -> String {
        let d = try detail(email: email, edition: edition)
        return try instance.store().inTransaction { tx in try reset(d.subscriber.id!, by: "cli", in: tx) }
    }

    /// Clears the score of the subscriber `id` inside `tx`; `actor` says who asked, for the
    /// events. Returns the one-line summary `reset` prints.
    public func reset(_ id: Int64, by actor: String, in tx: LedgerTransaction) throws -> String {
        let now = instance.clock.now()
        let (before, _) = try tx.subscriber(id: id)
        let score = try tx.bounceScore(subscriberID: id)
        let changed = try tx.clearBounces(subscriberID: id, reason: "reset by an administrator (\(actor))", today: instance.today(at: now), at: now)
        guard changed else { return "\(before.address): no bounce score to reset (status \(before.status.rawValue))" }
        let (after, _) = try tx.subscriber(id: id)
        return "\(before.address): score \(BounceScore.text(score.score)) cleared, status \(after.status.rawValue)"
    }

    func detail(email: String, edition: String?) throws -> BounceDetail {
        try AdminInput.subscriber(email, edition: edition) { try instance.store().bounceDetail(address: $0, edition: edition) }
    }

    func line(_ s: SubscriberRecord, _ score: BounceScore, today: CivilDate) -> String {
        let policy = instance.configuration.bounces
        let current = score.current(on: today, policy: policy)
        var fields = [s.address.description, s.edition, s.status.rawValue, "score \(BounceScore.text(current))",
                      "bounces \(score.bounceCount)"]
        if let last = score.lastBounceDate { fields.append("last \(last.iso)\(score.isStale(on: today, policy: policy) ? " (stale)" : "")") }
        return fields.joined(separator: "\t")
    }
}
