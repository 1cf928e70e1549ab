/// What a transport said about one attempt to hand a message over.
public enum AttemptResult: Sendable, Equatable {
    case accepted
    case temporaryFailure
    case permanentFailure
}

/// What the spool must do with a message after an attempt.
public enum RetryAction: Sendable, Equatable {
    /// Delivered: remove the file; the ledger keeps the record.
    case remove
    /// Keep it in `deferred` until this Unix time.
    case retry(at: Int)
    /// Give up: move to `bounced`.
    case bounce(reason: String)
}

/// Postfix-style retry decisions: exponential backoff between a minimum and a maximum,
/// bounced once a message has been queued longer than the lifetime.
public struct RetryPolicy: Sendable, Equatable {
    public var minimumBackoff: Int
    public var maximumBackoff: Int
    public var lifetime: Int

    public init(minimumBackoff: Int = 300, maximumBackoff: Int = 4000, lifetime: Int = 5 * 86_400) {
        self.minimumBackoff = minimumBackoff; self.maximumBackoff = maximumBackoff; self.lifetime = lifetime
    }

    /// `attempts` counts attempts before this one; `firstQueued` and `now` are Unix times.
    public func decide(_ result: AttemptResult, attempts: Int, firstQueued: Int, now: Int) -> RetryAction {
        switch result {
        case .accepted: return .remove
        case .permanentFailure: return .bounce(reason: "permanent failure")
        case .temporaryFailure:
            if now - firstQueued >= lifetime { return .bounce(reason: "expired: queued longer than \(lifetime / 3600) hours") }
            var delay = minimumBackoff
            for _ in 0..<min(attempts, 30) { delay = min(maximumBackoff, delay * 2) }
            return .retry(at: now + min(delay, maximumBackoff))
        }
    }
}
