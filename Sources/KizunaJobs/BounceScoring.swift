import Foundation
import KizunaCore
import KizunaStore

/// What a bounce report says about one recipient, as the poller hands it to `BounceScoring`.
public struct BounceNotice: Sendable, Hashable {
    /// The recipient the report names.
    public var address: String
    /// The delivery the report maps to (VERP or our Message-ID), when it does.
    public var deliveryID: Int64?
    public var status: String?
    public var reason: String
    public var hard: Bool
    /// The bounce's own Message-ID: the same report is never counted twice.
    public var messageID: String?
    public var diagnostic: String?

    public init(address: String, deliveryID: Int64?, status: String?, reason: String, hard: Bool,
                messageID: String?, diagnostic: String? = nil) {
        self.address = address; self.deliveryID = deliveryID; self.status = status; self.reason = reason; self.hard = hard
        self.messageID = messageID; self.diagnostic = diagnostic
    }
}

/// An RFC 5965 feedback report about one of our messages.
public struct ComplaintNotice: Sendable, Hashable {
    public var address: String
    public var deliveryID: Int64?
    public var feedbackType: String
    public var messageID: String?

    public init(address: String, deliveryID: Int64?, feedbackType: String, messageID: String?) {
        self.address = address; self.deliveryID = deliveryID; self.feedbackType = feedbackType; self.messageID = messageID
    }
}

/// What was done with a bounce, a refusal or a complaint: the decision, for the log.
public struct BounceDecision: Sendable, Hashable, CustomStringConvertible {
    public enum Effect: String, Sendable {
        /// Added to the score.
        case counted
        /// Recorded as evidence, but another bounce already counted that day.
        case notCounted = "not-counted"
        /// Added to the score, which reached the threshold: the subscriber is now `bouncing`.
        case bouncing
        /// A complaint: the subscriber is stopped.
        case stopped
        /// This report was already recorded: nothing done again.
        case duplicate
        /// Not about a recipient we sent to (or not ours to trust): no effect.
        case ignored
    }

    public var effect: Effect
    public var subscriberID: Int64?
    public var deliveryID: Int64?
    /// The score afterwards.
    public var score: Double
    public var detail: String

    public var description: String {
        "\(effect.rawValue)\(subscriberID.map { " subscriber \($0)" } ?? "")\(deliveryID.map { " delivery \($0)" } ?? ""): \(detail)"
    }
}

/// Bounce scores: the store reads a subscriber's score and writes the result, `BounceScore`
/// (Core) decides, and this composes the two — each call one transaction. Bounce reports,
/// refusals and expiries count against an address; a 250 or the parent's own mail clears it;
/// past the threshold the subscriber is `bouncing` and its unsent daily mail is cancelled.
public struct BounceScoring {
    let store: Store
    let policy: BounceScorePolicy

    public init(store: Store, policy: BounceScorePolicy = .standard) {
        self.store = store
        self.policy = policy
    }

    // MARK: - Bounce reports and complaints

    /// Records one recipient of a bounce report: the event with its evidence, the score, and
    /// the `bouncing` status past the threshold. The same report (by its Message-ID) is recorded
    /// once. A report about an address we never sent to, or whose delivery went to another
    /// address, changes nothing.
    @discardableResult
    public func recordBounce(_ notice: BounceNotice, today: CivilDate, at: Date) throws -> BounceDecision {
        try store.inTransaction { tx in try recordBounce(notice, today: today, at: at, tx) }
    }

    /// `recordBounce` for every recipient of one report, in one transaction (a DSN may name 200).
    @discardableResult
    public func recordBounces(_ notices: [BounceNotice], today: CivilDate, at: Date) throws -> [BounceDecision] {
        guard !notices.isEmpty else { return [] }
        return try store.inTransaction { tx in try notices.map { try recordBounce($0, today: today, at: at, tx) } }
    }

    private func recordBounce(_ notice: BounceNotice, today: CivilDate, at: Date, _ tx: LedgerTransaction) throws -> BounceDecision {
        let target: BounceTarget
        switch try tx.bounceTarget(address: notice.address, deliveryID: notice.deliveryID) {
        case .failure(let why): return BounceDecision(effect: .ignored, subscriberID: nil, deliveryID: notice.deliveryID, score: 0, detail: why.text)
        case .success(let t): target = t
        }
        if let mid = notice.messageID, try tx.reportRecorded(messageID: mid, addressKey: target.addressKey, kind: .bounce) {
            return BounceDecision(effect: .duplicate, subscriberID: target.subscriberID, deliveryID: target.deliveryID,
                                  score: try tx.bounceScore(subscriberID: target.subscriberID).score,
                                  detail: "bounce \(mid) for \(target.addressKey) is already recorded")
        }
        let step = try score(.bounce(hard: notice.hard, on: today), subscriberID: target.subscriberID, tx, at: at,
                             why: "bounce \(notice.status ?? "-") \(notice.reason)", messageID: notice.messageID)
        try tx.recordBounceEvent(BounceEventRecord(
            at: at, localDate: today, subscriberID: target.subscriberID, deliveryID: target.deliveryID, kind: .bounce,
            addressKey: target.addressKey, status: notice.status, reason: notice.reason, hard: notice.hard, messageID: notice.messageID,
            counted: step.counted, score: step.state.score,
            detail: ([step.detail] + (notice.diagnostic.map { ["diagnostic: \($0)"] } ?? [])).joined(separator: "; ")))
        try tx.recordEvent(.bounce, subscriberID: target.subscriberID,
                           detail: "\(notice.status ?? "-") \(notice.reason) \(notice.hard ? "hard" : "soft"): \(step.detail)",
                           messageID: notice.messageID, at: at)
        if let id = target.deliveryID { try tx.markBounced(deliveryID: id, at: at) }
        return step.decision(subscriberID: target.subscriberID, deliveryID: target.deliveryID)
    }

    /// Records a complaint and stops the subscriber at once (its unsent daily mail is
    /// cancelled). Once per complaint Message-ID; no effect for an address we never sent to.
    @discardableResult
    public func recordComplaint(_ notice: ComplaintNotice, today: CivilDate, at: Date) throws -> BounceDecision {
        try store.inTransaction { tx in
            let target: BounceTarget
            switch try tx.bounceTarget(address: notice.address, deliveryID: notice.deliveryID) {
            case .failure(let why): return BounceDecision(effect: .ignored, subscriberID: nil, deliveryID: notice.deliveryID, score: 0, detail: why.text)
            case .success(let t): target = t
            }
            if let mid = notice.messageID, try tx.reportRecorded(messageID: mid, addressKey: target.addressKey, kind: .complaint) {
                return BounceDecision(effect: .duplicate, subscriberID: target.subscriberID, deliveryID: target.deliveryID, score: 0,
                                      detail: "complaint \(mid) for \(target.addressKey) is already recorded")
            }
            let detail = "complaint (\(notice.feedbackType)): stopped at once"
            try tx.stopSubscriber(id: target.subscriberID, reason: "complaint (\(notice.feedbackType))", at: at, messageID: notice.messageID)
            try tx.deleteBounceScore(subscriberID: target.subscriberID)
            try tx.recordBounceEvent(BounceEventRecord(
                at: at, localDate: today, subscriberID: target.subscriberID, deliveryID: target.deliveryID, kind: .complaint,
                addressKey: target.addressKey, feedbackType: notice.feedbackType, messageID: notice.messageID,
                counted: false, score: 0, detail: detail))
            try tx.recordEvent(.complaint, subscriberID: target.subscriberID, detail: notice.feedbackType, messageID: notice.messageID, at: at)
            return BounceDecision(effect: .stopped, subscriberID: target.subscriberID, deliveryID: target.deliveryID, score: 0, detail: detail)
        }
    }

    // MARK: - The parent's mail

    /// A message from the parent proves the address works: any score is cleared, and a
    /// `bouncing` subscriber is active again.
    @discardableResult
    public func recordReply(subscriberID: Int64, today: CivilDate, at: Date, messageID: String?) throws -> Bool {
        try !recordReplies([(subscriberID, messageID)], today: today, at: at).isEmpty
    }

    /// `recordReply` for many subscribers in one transaction; a read and no write when nobody
    /// has a score. Returns the subscribers whose score was cleared.
    @discardableResult
    public func recordReplies(_ replies: [(subscriberID: Int64, messageID: String?)], today: CivilDate, at: Date) throws -> [Int64] {
        guard !replies.isEmpty else { return [] }
        let scored = try store.subscribersWithBounceStanding(among: replies.map(\.subscriberID))
        guard !scored.isEmpty else { return [] }
        return try store.inTransaction { tx in
            var cleared: [Int64] = []
            for r in replies where scored.contains(r.subscriberID) && !cleared.contains(r.subscriberID) {
                let step = try score(.replied(on: today), subscriberID: r.subscriberID, tx, at: at, why: "reply", messageID: r.messageID)
                var changed = step.cleared
                if !changed {
                    // Bouncing with no score left (stale, or cleared by hand before): the mail still proves the address.
                    changed = try tx.changeStatus(subscriberID: r.subscriberID, fromAnyOf: [.bouncing], to: .active, reason: "the parent wrote",
                                                  at: at, messageID: r.messageID)
                }
                guard changed else { continue }
                try tx.recordClearing(.cleared, subscriberID: r.subscriberID, today: today, at: at,
                                      detail: step.detail.isEmpty ? "the parent wrote" : step.detail, messageID: r.messageID)
                cleared.append(r.subscriberID)
            }
            return cleared
        }
    }

    // MARK: - One event through the score

    /// What one event did to a subscriber's score.
    struct Step {
        var state: BounceScore
        var counted: Bool
        var becameBouncing = false
        var cleared = false
        var detail = ""

        func decision(subscriberID: Int64, deliveryID: Int64?) -> BounceDecision {
            BounceDecision(effect: becameBouncing ? .bouncing : counted ? .counted : .notCounted,
                           subscriberID: subscriberID, deliveryID: deliveryID, score: state.score, detail: detail)
        }
    }

    /// Runs `event` through the subscriber's `BounceScore`, writes the new score and carries out
    /// its actions: `bouncing` (and the unsent daily mail cancelled) past the threshold, active
    /// again when cleared. `why` goes into the status event's reason.
    func score(_ event: BounceScoreEvent, subscriberID: Int64, _ tx: LedgerTransaction, at: Date,
               why: String, messageID: String?) throws -> Step {
        let old = try tx.bounceScore(subscriberID: subscriberID)
        let t = old.applying(event, policy: policy)
        try tx.saveBounceScore(t.state, replacing: old, subscriberID: subscriberID, at: at)
        var step = Step(state: t.state, counted: t.counted)
        var lines: [String] = []
        for action in t.actions {
            switch action {
            case .recordEvent(let text): lines.append(text)
            case .setBouncing:
                step.becameBouncing = try tx.changeStatus(
                    subscriberID: subscriberID, fromAnyOf: [.pending, .active, .paused], to: .bouncing,
                    reason: "bounce score \(BounceScore.text(t.state.score)) reached \(BounceScore.text(policy.threshold)) (\(why))",
                    at: at, messageID: messageID)
                if step.becameBouncing {
                    // Held like a stop: what is queued for the address is not sent.
                    try tx.cancelUnsentDaily(subscriberID: subscriberID, at: at)
                    lines.append("now bouncing: no more mail is sent")
                }
            case .clear:
                step.cleared = true
                try tx.changeStatus(subscriberID: subscriberID, fromAnyOf: [.bouncing], to: .active, reason: "bounce score cleared (\(why))",
                                    at: at, messageID: messageID)
            }
        }
        step.detail = lines.joined(separator: "; ")
        return step
    }
}
