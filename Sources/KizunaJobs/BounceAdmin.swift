import Foundation
import KizunaCore
import KizunaStore

/// The administrator's view of bounces behind `kizuna bounces …`.
public struct BounceAdmin {
    let instance: Instance
    public init(instance: Instance) { self.instance = instance }

    /// Subscribers who are `bouncing` or have a score, highest first, one line each:
    /// `ADDRESS<TAB>EDITION<TAB>STATUS<TAB>score S<TAB>bounces N<TAB>last DATE`.
    public func list() throws -> [String] {
        let today = instance.today()
        return try instance.store().bouncingSubscribers().map { s in
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
        let now = instance.clock.now()
        let d = try detail(email: email, edition: edition)
        let id = d.subscriber.id!
        let changed = try instance.store().clearBounces(subscriberID: id, reason: "reset by an administrator (cli)",
                                                        today: instance.today(at: now), at: now)
        guard changed else { return "\(d.subscriber.address): no bounce score to reset (status \(d.subscriber.status.rawValue))" }
        let status = try instance.store().subscriber(id: id)?.subscriber.status ?? d.subscriber.status
        return "\(d.subscriber.address): score \(BounceScore.text(d.score.score)) cleared, status \(status.rawValue)"
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
