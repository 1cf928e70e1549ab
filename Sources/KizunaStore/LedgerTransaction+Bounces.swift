import Foundation
import GRDB
import KizunaCore

/// The subscriber a bounce report or complaint is about, checked: we act only on recipients we sent to.
public struct BounceTarget: Sendable, Hashable {
    public var subscriberID: Int64
    /// The delivery the report names, when it names one (by VERP or by our Message-ID).
    public var deliveryID: Int64?
    public var addressKey: String
}

extension LedgerTransaction {
    // MARK: - Whom a report is about

    /// The subscriber `address` names, checked against the delivery the report maps to (it must
    /// have gone to this address, and out of the store), or else against the deliveries we sent
    /// it; the reason as text when the report is about nobody we can act on.
    public func bounceTarget(address: String, deliveryID: Int64?) throws -> Result<BounceTarget, BounceRefusal> {
        guard let parsed = try? EmailAddress(parsing: address) else {
            return .failure(BounceRefusal(text: "\"\(address)\" is not an address we can match"))
        }
        let key = parsed.matchKey
        if let deliveryID {
            guard let row = try Row.fetchOne(db, sql: """
                SELECT d.subscriber_id, d.status, s.address_key FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.id = ?
                """, arguments: [deliveryID]) else {
                return .failure(BounceRefusal(text: "there is no delivery \(deliveryID)"))
            }
            let status: DeliveryStatus = row[1], owner: String = row[2]
            guard owner == key else {
                return .failure(BounceRefusal(text: "delivery \(deliveryID) went to \(owner), not \(key): not acted on"))
            }
            guard [.queued, .sent, .deferred, .bounced].contains(status) else {
                return .failure(BounceRefusal(text: "delivery \(deliveryID) was never sent (\(status))"))
            }
            return .success(BounceTarget(subscriberID: row[0], deliveryID: deliveryID, addressKey: key))
        }
        guard let row = try Row.fetchOne(db, sql: """
            SELECT d.id, d.subscriber_id FROM subscribers s JOIN deliveries d ON d.subscriber_id = s.id
            WHERE s.address_key = ? AND d.status IN ('sent', 'bounced', 'deferred', 'queued')
            ORDER BY d.id DESC LIMIT 1
            """, arguments: [key]) else {
            return .failure(BounceRefusal(text: "we never sent to \(key): no effect"))
        }
        return .success(BounceTarget(subscriberID: row[1], deliveryID: nil, addressKey: key))
    }

    /// The subscriber and address of a refused delivery.
    public func refusalTarget(deliveryID: Int64) throws -> (subscriberID: Int64, addressKey: String)? {
        try Row.fetchOne(db, sql: """
            SELECT d.subscriber_id, s.address_key FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.id = ?
            """, arguments: [deliveryID]).map { ($0[0], $0[1]) }
    }

    /// Whether this report (by its Message-ID) is already recorded for the address.
    public func reportRecorded(messageID: String, addressKey: String, kind: BounceEventKind) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM bounce_events WHERE message_id = ? AND address_key = ? AND kind = ?)",
                          arguments: [messageID, addressKey, kind]) ?? false
    }

    /// Whether the refusal of this delivery at SMTP time is already recorded.
    public func refusalRecorded(deliveryID: Int64) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM bounce_events WHERE kind = 'smtp' AND delivery_id = ?)",
                          arguments: [deliveryID]) == true
    }

    // MARK: - Scores

    /// A subscriber's score (`.clean` when it has none).
    public func bounceScore(subscriberID: Int64) throws -> BounceScore {
        try Store.score(db, subscriberID: subscriberID)
    }

    /// Writes a subscriber's new score: a clean score has no row; an unchanged one is not written.
    public func saveBounceScore(_ score: BounceScore, replacing old: BounceScore, subscriberID: Int64, at: Date) throws {
        if score == .clean {
            try deleteBounceScore(subscriberID: subscriberID)
        } else if score != old {
            try db.execute(sql: """
                INSERT INTO bounce_scores (subscriber_id, score, last_bounce_date, bounce_count, from_reports, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (subscriber_id) DO UPDATE SET score = excluded.score, last_bounce_date = excluded.last_bounce_date,
                    bounce_count = excluded.bounce_count, from_reports = excluded.from_reports, updated_at = excluded.updated_at
                """, arguments: [subscriberID, score.score, score.lastBounceDate, score.bounceCount, score.fromReports, Timestamp.string(from: at)])
        }
    }

    public func deleteBounceScore(subscriberID: Int64) throws {
        try db.execute(sql: "DELETE FROM bounce_scores WHERE subscriber_id = ?", arguments: [subscriberID])
    }

    /// Whether any subscriber has a score (most nights none does).
    public func anyBounceScore() throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM bounce_scores)") == true
    }

    /// The deliveries among `ids` whose subscriber has a score, with that subscriber.
    public func scoredDeliveries(among ids: [Int64]) throws -> [(deliveryID: Int64, subscriberID: Int64)] {
        try Store.chunked(ids) { chunk, marks in
            try Row.fetchAll(db, sql: """
                SELECT d.id, d.subscriber_id FROM deliveries d JOIN bounce_scores s ON s.subscriber_id = d.subscriber_id
                WHERE d.id IN (\(marks))
                """, arguments: StatementArguments(chunk)).map { ($0[0], $0[1]) }
        }
    }

    // MARK: - What a score changes

    /// Changes the status when it is one of `from`, with a `status` event. Returns whether it changed.
    @discardableResult
    public func changeStatus(subscriberID: Int64, fromAnyOf from: Set<SubscriberStatus>, to status: SubscriberStatus,
                             reason: String, at: Date, messageID: String?) throws -> Bool {
        try Store.changeStatus(db, subscriberID, fromAnyOf: from, to: status, reason: reason, at: at, messageID: messageID)
    }

    /// Held like a stop: the daily mail not yet sent to the subscriber is cancelled.
    public func cancelUnsentDaily(subscriberID: Int64, at: Date) throws {
        _ = try Store.cancelUnsentDaily(db, subscriberID: subscriberID, now: Timestamp.string(from: at))
    }

    /// Stops a subscriber for good (see `Store.stopSubscriber`).
    public func stopSubscriber(id: Int64, reason: String, at: Date, messageID: String?) throws {
        _ = try Store.stop(db, id: id, reason: reason, at: at, messageID: messageID)
    }

    /// The relay took the delivery, but the mail did not arrive: the ledger says so.
    public func markBounced(deliveryID: Int64, at: Date) throws {
        try db.execute(sql: "UPDATE deliveries SET status = 'bounced', updated_at = ? WHERE id = ? AND status = 'sent'",
                       arguments: [Timestamp.string(from: at), deliveryID])
    }

    /// Records what the relay said, counting one more attempt (see `Store.recordOutcomes`).
    /// Returns the ids not found.
    public func recordOutcomes(_ outcomes: [DeliveryOutcome], at: Date) throws -> [Int64] {
        try Store.checkOutcomes(outcomes)
        return try Store.updateOutcomes(db, outcomes, at: at)
    }

    // MARK: - Evidence

    public func recordBounceEvent(_ event: BounceEventRecord) throws {
        var event = event
        try event.insert(db)
    }

    /// A `cleared` or `reset` line of evidence for the subscriber's address.
    public func recordClearing(_ kind: BounceEventKind, subscriberID: Int64, deliveryID: Int64? = nil, today: CivilDate, at: Date,
                               detail: String, messageID: String?) throws {
        try Store.insertClearing(db, kind: kind, subscriberID: subscriberID, deliveryID: deliveryID, today: today, at: at,
                                 detail: detail, messageID: messageID)
    }

    /// Records an event about a subscriber.
    public func recordEvent(_ kind: EventKind, subscriberID: Int64?, detail: String?, messageID: String?, at: Date) throws {
        var event = EventRecord(at: at, subscriberID: subscriberID, kind: kind, detail: detail, messageID: messageID)
        try event.insert(db)
    }
}

/// Why a report is about nobody we can act on.
public struct BounceRefusal: Error, Sendable, Hashable {
    public var text: String
}
