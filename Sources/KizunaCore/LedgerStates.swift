// The closed vocabularies of the store's ledgers. Each raw value is the exact text stored in
// SQLite (the schema's CHECK constraints list the same words), so the stored data is unchanged.

/// A word of a closed vocabulary, stored as its raw value. Its `description` is the raw value,
/// so that a state interpolated into a log or an output line prints the stored word, not the
/// Swift case name.
public protocol StoredWord: RawRepresentable<String>, CustomStringConvertible {}

extension StoredWord {
    public var description: String { rawValue }
}

/// What a delivery is: the day's message, a reply or confirmation, or the administrator's report.
public enum DeliveryKind: String, Sendable, Codable, CaseIterable, Hashable, StoredWord {
    /// The day's message: at most one per subscriber and day.
    case daily
    /// Replies, confirmation requests, welcomes.
    case system
    /// The administrator's daily report, once per recipient and day (no subscriber).
    case report
    /// A reply to an administrator's signed mail, or a notice about one (no subscriber).
    case admin
}

/// Where a delivery is between planning and the relay's answer.
public enum DeliveryStatus: String, Sendable, Codable, CaseIterable, Hashable, StoredWord {
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
}

/// A catalog message's place in a subscription's ledger.
public enum DeliveryItemStatus: String, Sendable, Codable, CaseIterable, Hashable, StoredWord {
    /// Travels in a delivery.
    case included
    /// Left out by catch-up (the reason says why).
    case skipped
}

/// Where an inbound message is in the inbound ledger.
public enum InboundStatus: String, Sendable, Codable, CaseIterable, Hashable, StoredWord {
    /// In `spool/inbound`, not yet acted on.
    case fetched
    /// Its command's effects are committed.
    case applied
    /// Unreadable, or failed while applied: kept for a person.
    case failed
    /// Recorded, not acted on (a report, an auto-reply, list mail).
    case ignored
}

extension InboundKind: StoredWord {}

/// What a row of the bounce evidence records.
public enum BounceEventKind: String, Sendable, Codable, CaseIterable, Hashable, StoredWord {
    /// A bounce report (DSN) about one recipient.
    case bounce
    /// A refusal (or an expiry) at SMTP time.
    case smtp
    case complaint
    /// The score cleared by a 250 or by the parent's mail.
    case cleared
    /// The score cleared by an administrator.
    case reset
}
