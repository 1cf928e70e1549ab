/// How bounces weigh against an address, with Mailman-like defaults: a hard bounce counts 1.0,
/// a soft one 0.5, at most one bounce a day counts, 5.0 stops sending (`bouncing`), and a
/// score with no bounce for 7 days is stale and starts again from zero.
public struct BounceScorePolicy: Sendable, Hashable {
    public var hardWeight: Double
    public var softWeight: Double
    /// At or above this score the subscriber is set to `bouncing`.
    public var threshold: Double
    /// A score whose last counted bounce is more than this many days old is forgotten.
    public var staleAfterDays: Int

    public init(hardWeight: Double = 1.0, softWeight: Double = 0.5, threshold: Double = 5.0, staleAfterDays: Int = 7) {
        self.hardWeight = hardWeight
        self.softWeight = softWeight
        self.threshold = threshold
        self.staleAfterDays = staleAfterDays
    }

    public static let standard = BounceScorePolicy()
}

/// What happened to mail for one address, as the score sees it. Dates are the edition's days.
public enum BounceScoreEvent: Sendable, Hashable {
    /// A bounce report (DSN or a non-standard bounce) said delivery failed.
    case bounce(hard: Bool, on: CivilDate)
    /// The relay refused the message at SMTP time with `code` (only 5xx counts).
    case smtpRejected(code: Int, hard: Bool, on: CivilDate)
    /// The send step gave up: the message stayed deferred past the retry policy's lifetime.
    /// `lastCode` is the last attempt's reply code; only a 4xx given to this recipient counts (a
    /// soft bounce), since no reply, a relay's 5xx greeting or a relay that was unavailable itself
    /// (`byRecipient` false: the greeting, MAIL FROM, a 421) says nothing about the address.
    case expired(lastCode: Int?, byRecipient: Bool = true, on: CivilDate)
    /// The relay accepted a message (250).
    case delivered(on: CivilDate)
    /// The parent wrote to us from the address.
    case replied(on: CivilDate)

    /// A send-time rejection, hard or soft by the reason its reply text gives
    /// (`550 5.1.1 no such user` is hard, `552 5.2.2 mailbox full` soft).
    public static func smtpRejected(code: Int, reply: String, on day: CivilDate) -> BounceScoreEvent {
        let status = BounceRules.enhancedStatus(in: reply) ?? BounceRules.status(fromReply: code)
        let reason = BounceRules.reason(status: status, diagnostic: reply)
        return .smtpRejected(code: code, hard: reason.isHard(status: status), on: day)
    }
}

/// What the store must do after an event.
public enum BounceScoreAction: Sendable, Hashable {
    /// Keep a line of evidence: what the event did to the score and why.
    case recordEvent(String)
    /// The score reached the threshold: stop sending (status `bouncing`).
    case setBouncing
    /// The address works again: the score is gone, and a `bouncing` subscriber may be sent to.
    case clear
}

/// One address's bounce score: a small state machine that takes events and returns actions,
/// doing no I/O, so that the same rules serve the send step, the poller and the CLI.
public struct BounceScore: Sendable, Hashable {
    public var score: Double
    /// The day of the last bounce that counted.
    public var lastBounceDate: CivilDate?
    /// Bounces counted in the current score.
    public var bounceCount: Int
    /// Whether a bounce report (not only an SMTP reply) is part of the score. A relay's later
    /// 250 then proves nothing: the relay accepts everything and the report comes afterwards,
    /// so only a reply, an administrator or the stale period clears such a score.
    public var fromReports: Bool

    public init(score: Double = 0, lastBounceDate: CivilDate? = nil, bounceCount: Int = 0, fromReports: Bool = false) {
        self.score = score
        self.lastBounceDate = lastBounceDate
        self.bounceCount = bounceCount
        self.fromReports = fromReports
    }

    public static let clean = BounceScore()

    /// True when the last bounce is more than `staleAfterDays` before `day`.
    public func isStale(on day: CivilDate, policy: BounceScorePolicy) -> Bool {
        guard let last = lastBounceDate else { return false }
        return day.dayNumber - last.dayNumber > policy.staleAfterDays
    }

    /// The score as it stands on `day`: zero once stale.
    public func current(on day: CivilDate, policy: BounceScorePolicy) -> Double {
        isStale(on: day, policy: policy) ? 0 : score
    }

    /// The new state and what to do about `event`. `counted` says whether the event added to
    /// the score.
    public func applying(_ event: BounceScoreEvent, policy: BounceScorePolicy = .standard)
        -> (state: BounceScore, actions: [BounceScoreAction], counted: Bool) {
        switch event {
        case .bounce(let hard, let day):
            return counting(hard: hard, on: day, report: true, what: hard ? "hard bounce" : "soft bounce", policy: policy)
        case .smtpRejected(let code, let hard, let day):
            guard (500...599).contains(code) else {
                return (self, [.recordEvent("SMTP \(code) is not a permanent refusal: not counted")], false)
            }
            return counting(hard: hard, on: day, report: false, what: "SMTP \(code) (\(hard ? "hard" : "soft"))", policy: policy)
        case .expired(let lastCode, let byRecipient, let day):
            guard let code = lastCode, (400...499).contains(code), byRecipient else {
                let after = lastCode.map { "SMTP \($0)\(byRecipient ? "" : " from the relay itself")" } ?? "no server reply"
                return (self, [.recordEvent("expired after \(after): not counted against the address")], false)
            }
            return counting(hard: false, on: day, report: false, what: "expired after SMTP \(code) deferrals (soft)", policy: policy)
        case .delivered(let day):
            guard score > 0 || bounceCount > 0 else { return (self, [], false) }
            if isStale(on: day, policy: policy) {
                return (.clean, [.clear, .recordEvent("accepted on \(day); the score was stale")], false)
            }
            if fromReports {
                // The relay's 250 comes before any report about this very message.
                return (self, [], false)
            }
            if let last = lastBounceDate, day < last { return (self, [], false) }
            return (.clean, [.clear, .recordEvent("accepted on \(day) after \(bounceCount) refusal(s): score \(BounceScore.text(score)) cleared")], false)
        case .replied(let day):
            guard score > 0 || bounceCount > 0 else { return (self, [], false) }
            return (.clean, [.clear, .recordEvent("the parent wrote on \(day): score \(BounceScore.text(score)) cleared")], false)
        }
    }

    private func counting(hard: Bool, on day: CivilDate, report: Bool, what: String, policy: BounceScorePolicy)
        -> (state: BounceScore, actions: [BounceScoreAction], counted: Bool) {
        var next = self
        var actions: [BounceScoreAction] = []
        if isStale(on: day, policy: policy) {
            actions.append(.recordEvent("score \(BounceScore.text(score)) from \(lastBounceDate!) was stale: starting again"))
            next = .clean
        }
        if let last = next.lastBounceDate, day <= last {
            actions.append(.recordEvent("\(what) not counted: a bounce already counted on \(last); score \(BounceScore.text(next.score))"))
            return (next, actions, false)
        }
        next.score += hard ? policy.hardWeight : policy.softWeight
        next.lastBounceDate = day
        next.bounceCount += 1
        next.fromReports = next.fromReports || report
        actions.append(.recordEvent("\(what) on \(day): score \(BounceScore.text(next.score)) of \(BounceScore.text(policy.threshold))"))
        if next.score >= policy.threshold { actions.append(.setBouncing) }
        return (next, actions, true)
    }
}

extension BounceScore {
    /// A score as text: `1`, `2.5`.
    public static func text(_ score: Double) -> String {
        score == score.rounded() ? String(Int(score)) : String(score)
    }
}
