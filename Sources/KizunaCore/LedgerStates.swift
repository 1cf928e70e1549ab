// The closed vocabularies of the store's ledgers. Each raw value is the exact text stored in
// SQLite (the schema's CHECK constraints list the same words), so the stored data is unchanged.
// `description` is the raw value, so that interpolating a state into a log line or an output
// line prints the stored word, not the Swift case name.

/// What a delivery is: the day's message, a reply or confirmation, or the administrator's report.
public enum DeliveryKind: String, Sendable, Codable, CaseIterable, Hashable, CustomStringConvertible {
    /// The day's message: at most one per subscriber and day.
    case daily
    /// Replies, confirmation requests, welcomes.
    case system
    /// The administrator's daily report, once per recipient and day (no subscriber).
    case report

    public var description: String { rawValue }
}

/// Where a delivery is between planning and the relay's answer.
public enum DeliveryStatus: String, Sendable, Codable, CaseIterable, Hashable, CustomStringConvertible {
    case planned
    /// Its file is in the spool.
    case queued
    case sent
    case deferred
    /// Refused for good (5xx, an expiry), or bounced after the relay took it.
    case bounced
    /// Withdrawn before it went out (a stop, a loss, a bouncing address).
    case cancelled

    /// What the relay's answer can make a delivery.
    public static let outcomes: Set<DeliveryStatus> = [.sent, .deferred, .bounced]

    public var description: String { rawValue }
}

/// A catalog message's place in a subscription's ledger.
public enum DeliveryItemStatus: String, Sendable, Codable, CaseIterable, Hashable, CustomStringConvertible {
    /// Travels in a delivery.
    case included
    /// Left out by catch-up (the reason says why).
    case skipped

    public var description: String { rawValue }
}

/// Where an inbound message is in the inbound ledger.
public enum InboundStatus: String, Sendable, Codable, CaseIterable, Hashable, CustomStringConvertible {
    /// In `spool/inbound`, not yet acted on.
    case fetched
    /// Its command's effects are committed.
    case applied
    /// Unreadable, or failed while applied: kept for a person.
    case failed
    /// Recorded, not acted on (a report, an auto-reply, list mail).
    case ignored

    public var description: String { rawValue }
}

extension InboundKind: CustomStringConvertible {
    public var description: String { rawValue }
}

/// What a row of the bounce evidence records.
public enum BounceEventKind: String, Sendable, Codable, CaseIterable, Hashable, CustomStringConvertible {
    /// A bounce report (DSN) about one recipient.
    case bounce
    /// A refusal (or an expiry) at SMTP time.
    case smtp
    case complaint
    /// The score cleared by a 250 or by the parent's mail.
    case cleared
    /// The score cleared by an administrator.
    case reset

    public var description: String { rawValue }
}
