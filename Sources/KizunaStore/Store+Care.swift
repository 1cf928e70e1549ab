import Foundation
import GRDB
import KizunaCore

extension Schema {
    /// A child subscription may follow an assumed birth date (the due date, when no birth was
    /// reported by `[care] auto_switch_days`): the flag lets the first child message say so and
    /// the parent's `born DATE` correct it. The overdue check-in needs no table of its own: it
    /// is a ledger item (`care/overdue-check-in`) of the pregnancy subscription, once by the
    /// ledger's unique index, in a system delivery whose bytes wait in `system_mail`.
    static func v7CareOverdue(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE subscriptions ADD COLUMN birth_assumed INTEGER NOT NULL DEFAULT 0 CHECK (birth_assumed IN (0, 1));
            """)
    }
}

/// An active pregnancy whose due date has passed, with its subscriber, for the night's overdue care.
public struct OverduePregnancy: Sendable, Hashable {
    public var subscriber: SubscriberRecord
    public var subscription: SubscriptionRecord
    /// Whether its check-in is already in the ledger.
    public var checkInSent: Bool
}

extension Store {
    /// Active pregnancy subscriptions due on or before `latestDue`, of subscribers that are
    /// active or paused (the caller asks whether they receive mail tonight), by subscription id.
    public func overduePregnancies(dueOnOrBefore latestDue: CivilDate) throws -> [OverduePregnancy] {
        try writer.read { db in
            let subscriptions = try SubscriptionRecord.fetchAll(db, sql: """
                SELECT s.* FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id
                WHERE s.track = 'pregnancy' AND s.status = 'active' AND s.anchor_date <= ? AND p.status IN ('active', 'paused')
                ORDER BY s.id
                """, arguments: [latestDue])
            return try subscriptions.compactMap { s in
                guard let subscriber = try SubscriberRecord.fetchOne(db, key: s.subscriberID) else { return nil }
                let sent = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM delivery_items WHERE subscription_id = ? AND message_key = ?)",
                                             arguments: [s.id, OverdueCare.checkInKey]) ?? false
                return OverduePregnancy(subscriber: subscriber, subscription: s, checkInSent: sent)
            }
        }
    }

    /// Which of these subscriptions already have a catalog message in a delivery (included,
    /// whatever became of the delivery since; a survey the delivery carried is no message).
    public func subscriptionsWithMessages(among ids: [Int64]) throws -> Set<Int64> {
        try writer.read { db in
            Set(try Store.chunked(ids) { chunk, marks in
                try Int64.fetchAll(db, sql: """
                    SELECT DISTINCT subscription_id FROM delivery_items WHERE subscription_id IN (\(marks)) AND status = 'included' AND message_key NOT GLOB 'survey/*'
                    """, arguments: StatementArguments(chunk))
            })
        }
    }
}

extension LedgerTransaction {
    /// Plans the overdue check-in of a pregnancy subscription: a `system` delivery on `today`
    /// carrying the ledger item `care/overdue-check-in` (once per subscription), and an event.
    /// Nil when the subscription has its check-in already, or is no longer an active pregnancy.
    public func planCheckIn(subscriptionID: Int64, today: CivilDate, at: Date) throws -> Int64? {
        guard let s = try SubscriptionRecord.fetchOne(db, key: subscriptionID), s.track == .pregnancy, s.status == .active,
              let subscriber = try SubscriberRecord.fetchOne(db, key: s.subscriberID) else { return nil }
        let sent = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM delivery_items WHERE subscription_id = ? AND message_key = ?)",
                                     arguments: [subscriptionID, OverdueCare.checkInKey]) ?? false
        guard !sent else { return nil }
        let now = Timestamp.string(from: at)
        try db.execute(sql: """
            INSERT INTO deliveries (subscriber_id, kind, local_date, recipient, status, created_at, updated_at)
            VALUES (?, 'system', ?, ?, 'planned', ?, ?)
            """, arguments: [subscriber.id, today.iso, subscriber.address.smtpPath, now, now])
        let deliveryID = db.lastInsertedRowID
        try db.execute(sql: """
            INSERT INTO delivery_items (delivery_id, subscription_id, message_key, scheduled_date, status, reason)
            VALUES (?, ?, ?, ?, 'included', 'overdue check-in')
            """, arguments: [deliveryID, subscriptionID, OverdueCare.checkInKey, today.iso])
        var event = EventRecord(at: at, subscriberID: subscriber.id, subscriptionID: subscriptionID, kind: .overdueCheckIn,
                                detail: "due \(s.anchorDate.iso), no birth reported by \(today.iso); delivery \(deliveryID)")
        try event.insert(db)
        return deliveryID
    }

    /// The pregnancy subscription switches to the child track with the due date as the birth
    /// date — the same store transition as a parent's `born` — and the child is marked as
    /// followed from an assumed birth date, with an event saying so. Returns the child
    /// subscription's id; nil when the pregnancy is no longer active (a loss, a stop, a birth).
    public func assumeBirth(pregnancyID: Int64, today: CivilDate, at: Date, reason: String) throws -> Int64? {
        guard let s = try SubscriptionRecord.fetchOne(db, key: pregnancyID), s.track == .pregnancy, s.status == .active,
              let subscriber = try SubscriberRecord.fetchOne(db, key: s.subscriberID) else { return nil }
        var sender = CommandSender(address: subscriber.address, edition: subscriber.edition, subscriberID: subscriber.id, messageID: nil)
        try carryOut(.switchToChild(subscriptionID: pregnancyID, birth: s.anchorDate), for: &sender, today: today, at: at)
        guard let child = try Int64.fetchOne(db, sql: """
            SELECT id FROM subscriptions WHERE subscriber_id = ? AND track = 'child' AND anchor_date = ?
            """, arguments: [subscriber.id, s.anchorDate]) else { return nil }
        try db.execute(sql: "UPDATE subscriptions SET birth_assumed = 1 WHERE id = ?", arguments: [child])
        try recordEvent(.birthAssumed, "pregnancy \(pregnancyID) -> child \(child), birth assumed \(s.anchorDate.iso) (the due date): \(reason)",
                        for: sender, subscription: child, at: at)
        return child
    }
}
