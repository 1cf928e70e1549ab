import Foundation
import GRDB
import KizunaCore

/// A subscriber the nightly batch may write to, with its active subscriptions.
public struct Recipient: Sendable, Hashable {
    public var subscriber: SubscriberRecord
    /// Active subscriptions, oldest first; empty when all have stopped or ended.
    public var subscriptions: [SubscriptionRecord]
}

/// One catalog message decided for one subscription: sent in the delivery, or skipped.
public struct ItemPlan: Sendable, Hashable {
    public var subscriptionID: Int64
    public var messageKey: String
    public var scheduledDate: CivilDate
    public var status: DeliveryItemStatus
    public var reason: String?

    public init(subscriptionID: Int64, messageKey: String, scheduledDate: CivilDate, status: DeliveryItemStatus, reason: String? = nil) {
        self.subscriptionID = subscriptionID; self.messageKey = messageKey; self.scheduledDate = scheduledDate
        self.status = status; self.reason = reason
    }
}

/// One email the batch means to write, with the ledger entries it settles.
public struct DeliveryPlan: Sendable, Hashable {
    public typealias Item = ItemPlan

    public var subscriberID: Int64
    /// `daily` or `system` (a report has no subscriber: `planReport` writes it).
    public var kind: DeliveryKind
    public var localDate: CivilDate
    public var recipient: String
    public var items: [ItemPlan]
    /// The survey this delivery carries (its item is `survey/<id>`), recorded with the plan.
    public var surveySend: SurveySend?

    public init(subscriberID: Int64, kind: DeliveryKind = .daily, localDate: CivilDate, recipient: String, items: [ItemPlan],
                surveySend: SurveySend? = nil) {
        self.subscriberID = subscriberID; self.kind = kind; self.localDate = localDate; self.recipient = recipient
        self.items = items; self.surveySend = surveySend
    }
}

/// What the SMTP relay said about one delivery.
public struct DeliveryOutcome: Sendable, Hashable {
    public var id: Int64
    /// `sent`, `deferred` or `bounced`.
    public var status: DeliveryStatus
    /// The last reply's code; nil when there was no server reply.
    public var code: Int?
    public var reply: String
    /// `bounced` because the send step gave up after deferrals (the retry lifetime), not
    /// because of a 5xx: then `code` and `reply` are the last attempt's.
    public var expired: Bool
    /// For an expiry: whether the last deferral was the server's answer for this recipient
    /// (RCPT TO, the data), not the relay being unavailable (greeting, MAIL FROM, 421).
    public var deferredForRecipient: Bool

    public init(id: Int64, status: DeliveryStatus, code: Int?, reply: String, expired: Bool = false, deferredForRecipient: Bool = true) {
        self.id = id; self.status = status; self.code = code; self.reply = reply; self.expired = expired
        self.deferredForRecipient = deferredForRecipient
    }
}

/// Counts for the administrator's daily report.
public struct StoreStats: Sendable, Hashable {
    public var date: CivilDate
    public var subscribersByStatus: [SubscriberStatus: Int]
    public var subscriptionsByTrack: [Track: [SubscriptionStatus: Int]]
    /// Deliveries of all days, by status.
    public var deliveriesByStatus: [DeliveryStatus: Int]
    /// Deliveries whose local date is `date`, by status (all kinds together).
    public var deliveriesOnDate: [DeliveryStatus: Int]
    /// Deliveries whose local date is `date`, by kind, then status.
    public var deliveriesOnDateByKind: [DeliveryKind: [DeliveryStatus: Int]]
    /// Catalog messages left out by catch-up in the emails of `date` (ledger items `skipped`).
    public var skippedOnDate: Int
    /// Events in the period asked about, by kind: by default the 24 hours before the moment
    /// asked about (`kizuna stats`); the daily report asks for the time since the last report.
    public var eventsLastDay: [EventKind: Int]
}

extension Store {
    /// How many ids go into one `IN (...)` list.
    private static let chunk = 500

    /// Calls `body` with slices of `ids` small enough for one `IN (...)` list, and the slice's
    /// `?,?,…` to put in it.
    static func forEachChunk(of ids: [Int64], _ body: (_ chunk: [Int64], _ marks: String) throws -> Void) rethrows {
        for start in stride(from: 0, to: ids.count, by: chunk) {
            let slice = Array(ids[start..<min(start + chunk, ids.count)])
            try body(slice, Array(repeating: "?", count: slice.count).joined(separator: ","))
        }
    }

    /// `forEachChunk` collecting what each slice's query returns, in order.
    static func chunked<T>(_ ids: [Int64], _ body: (_ chunk: [Int64], _ marks: String) throws -> [T]) rethrows -> [T] {
        var out: [T] = []
        try forEachChunk(of: ids) { out += try body($0, $1) }
        return out
    }

    /// The next page of subscribers that are active or paused, after subscriber id `after`, in
    /// id order, each with its active subscriptions. Pass the last subscriber's id to get the
    /// next page; an empty page is the end. Two queries per page, one snapshot.
    /// How many subscribers `recipientsPage` walks through.
    public func recipientCount() throws -> Int? {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM subscribers WHERE status IN ('active', 'paused')") }
    }

    public func recipientsPage(after: Int64, limit: Int) throws -> [Recipient] {
        try writer.read { db in
            let subscribers = try SubscriberRecord.fetchAll(db, sql: """
                SELECT * FROM subscribers WHERE id > ? AND +status IN ('active', 'paused') ORDER BY id LIMIT ?
                """, arguments: [after, limit])
            // `+status` keeps SQLite off the status index: walking the primary key from `after`
            // stops after `limit` rows, where the index would collect and sort every later row.
            guard let last = subscribers.last?.id else { return [] }
            let subscriptions = try SubscriptionRecord.fetchAll(db, sql: """
                SELECT * FROM subscriptions WHERE subscriber_id > ? AND subscriber_id <= ? AND status = 'active'
                ORDER BY subscriber_id, id
                """, arguments: [after, last])
            let bySubscriber = Dictionary(grouping: subscriptions, by: \.subscriberID)
            return subscribers.map { Recipient(subscriber: $0, subscriptions: bySubscriber[$0.id!] ?? []) }
        }
    }

    /// The message keys already in the ledger (planned, sent or skipped) for each subscription,
    /// scheduled on or after `since`. Every id asked about has an entry.
    public func ledgerKeys(subscriptionIDs: [Int64], since: CivilDate) throws -> [Int64: Set<String>] {
        try writer.read { db in
            var keys: [Int64: Set<String>] = [:]
            for id in subscriptionIDs { keys[id] = [] }
            try Store.forEachChunk(of: subscriptionIDs) { ids, marks in
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT subscription_id, message_key FROM delivery_items
                    WHERE subscription_id IN (\(marks)) AND scheduled_date >= ?
                    """, arguments: StatementArguments(ids) + [since])
                while let row = try rows.next() {
                    keys[row[0], default: []].insert(row[1])
                }
            }
            return keys
        }
    }

    /// Which of these subscribers already have a daily delivery on `date`.
    public func subscribersWithDaily(on date: CivilDate, among subscriberIDs: [Int64]) throws -> Set<Int64> {
        try writer.read { db in
            var found: Set<Int64> = []
            try Store.forEachChunk(of: subscriberIDs) { ids, marks in
                let rows = try Int64.fetchCursor(db, sql: """
                    SELECT subscriber_id FROM deliveries WHERE kind = 'daily' AND local_date = ? AND subscriber_id IN (\(marks))
                    """, arguments: [date] + StatementArguments(ids))
                while let id = try rows.next() { found.insert(id) }
            }
            return found
        }
    }

    /// Writes the plans in one transaction. A plan becomes a delivery (status `planned`) when it
    /// includes at least one item, or is a `system` email; its items all go to the ledger, tied
    /// to the delivery. A plan with only skipped items writes its items alone. Returns each
    /// plan's delivery id (nil for skip-only plans), in order. A second daily delivery for the
    /// same subscriber and day, or a message already in a subscription's ledger, fails the whole
    /// call with `StoreError.dailyAlreadyPlanned` or `.alreadyInLedger`: nothing is written.
    @discardableResult
    public func planDeliveries(_ plans: [DeliveryPlan], at: Date) throws -> [Int64?] {
        for plan in plans {
            // A report has no subscriber: `planReport` writes it.
            guard plan.kind != .report else {
                throw StoreError.invalidValue(field: "delivery kind", value: plan.kind.rawValue)
            }
        }
        let now = Timestamp.string(from: at)
        return try writer.write { db in
            let insertDelivery = try db.cachedStatement(sql: """
                INSERT INTO deliveries (subscriber_id, kind, local_date, recipient, status, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'planned', ?, ?)
                """)
            let insertItem = try db.cachedStatement(sql: """
                INSERT INTO delivery_items (delivery_id, subscription_id, message_key, scheduled_date, status, reason)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
            var ids: [Int64?] = []
            ids.reserveCapacity(plans.count)
            for plan in plans {
                var deliveryID: Int64?
                if plan.kind == .system || plan.items.contains(where: { $0.status == .included }) {
                    do {
                        try insertDelivery.execute(arguments: [plan.subscriberID, plan.kind, plan.localDate.iso, plan.recipient, now, now])
                    } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                        throw StoreError.dailyAlreadyPlanned(subscriberID: plan.subscriberID, localDate: plan.localDate)
                    }
                    deliveryID = db.lastInsertedRowID
                }
                for item in plan.items {
                    do {
                        try insertItem.execute(arguments: [deliveryID, item.subscriptionID, item.messageKey, item.scheduledDate.iso,
                                                           item.status, item.reason])
                    } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                        throw StoreError.alreadyInLedger(subscriptionID: item.subscriptionID, messageKey: item.messageKey)
                    }
                }
                if let send = plan.surveySend { try Store.insertSurveySend(db, send) }
                ids.append(deliveryID)
            }
            return ids
        }
    }

    /// Marks deliveries as written to the spool, with their Message-ID, subject and MAIL FROM.
    /// Only `planned` (or already `queued`) deliveries change; returns the ids that did not
    /// (cancelled meanwhile, or unknown), whose spool files must not be sent.
    @discardableResult
    public func markQueued(_ items: [(id: Int64, messageID: String, subject: String, envelopeFrom: String)], at: Date) throws -> [Int64] {
        let now = Timestamp.string(from: at)
        return try writer.write { db in try Store.markQueued(db, items, now: now) }
    }

    static func markQueued(_ db: Database, _ items: [(id: Int64, messageID: String, subject: String, envelopeFrom: String)],
                           now: String) throws -> [Int64] {
        let update = try db.cachedStatement(sql: """
            UPDATE deliveries SET status = 'queued', message_id = ?, subject = ?, envelope_from = ?, updated_at = ?
            WHERE id = ? AND status IN ('planned', 'queued')
            """)
        var refused: [Int64] = []
        for item in items {
            try update.execute(arguments: [item.messageID, item.subject, item.envelopeFrom, now, item.id])
            if db.changesCount == 0 { refused.append(item.id) }
        }
        return refused
    }

    /// After an interrupted batch: planned deliveries whose spool file did reach the spool
    /// become `queued` (their Message-ID and subject stay as they were). Returns how many changed.
    @discardableResult
    public func markRecoveredQueued(ids: [Int64], at: Date) throws -> Int {
        let now = Timestamp.string(from: at)
        return try writer.write { db in
            var changed = 0
            try Store.forEachChunk(of: ids) { chunk, marks in
                try db.execute(sql: "UPDATE deliveries SET status = 'queued', updated_at = ? WHERE status = 'planned' AND id IN (\(marks))",
                               arguments: [now] + StatementArguments(chunk))
                changed += db.changesCount
            }
            return changed
        }
    }

    /// Records what the relay said, counting one more attempt. Returns the ids not found.
    @discardableResult
    public func recordOutcomes(_ outcomes: [DeliveryOutcome], at: Date) throws -> [Int64] {
        try Store.checkOutcomes(outcomes)
        return try writer.write { db in try Store.updateOutcomes(db, outcomes, at: at) }
    }

    static func checkOutcomes(_ outcomes: [DeliveryOutcome]) throws {
        for outcome in outcomes where !DeliveryStatus.outcomes.contains(outcome.status) {
            throw StoreError.invalidValue(field: "delivery outcome", value: outcome.status.rawValue)
        }
    }

    static func updateOutcomes(_ db: Database, _ outcomes: [DeliveryOutcome], at: Date) throws -> [Int64] {
        let now = Timestamp.string(from: at)
        let update = try db.cachedStatement(sql: """
            UPDATE deliveries SET status = ?, smtp_code = ?, smtp_reply = ?, attempts = attempts + 1, updated_at = ?
            WHERE id = ?
            """)
        var unknown: [Int64] = []
        for outcome in outcomes {
            try update.execute(arguments: [outcome.status, outcome.code, outcome.reply, now, outcome.id])
            if db.changesCount == 0 { unknown.append(outcome.id) }
        }
        return unknown
    }

    /// The ids of deliveries with a status, in id order (to reconcile with the spool after a crash).
    public func deliveries(status: DeliveryStatus) throws -> [Int64] {
        try writer.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM deliveries WHERE status = ? ORDER BY id", arguments: [status])
        }
    }

    public func delivery(id: Int64) throws -> DeliveryRecord? {
        try writer.read { db in try DeliveryRecord.fetchOne(db, key: id) }
    }

    /// The ledger entries of a delivery, in the order they were planned.
    public func deliveryItems(deliveryID: Int64) throws -> [DeliveryItemRecord] {
        try writer.read { db in
            try DeliveryItemRecord.filter(DeliveryItemRecord.Columns.deliveryID == deliveryID).order(DeliveryItemRecord.Columns.id).fetchAll(db)
        }
    }

    /// Deletes planned deliveries whose spool file never appeared, with their ledger items, so
    /// that the next batch plans them again. Deliveries past `planned` are never deleted: they
    /// may have been sent, and a system mail whose rendered bytes wait in `system_mail` (a poll
    /// committed it; the next poll spools it) is kept: nothing would render it again. Returns
    /// how many were deleted.
    @discardableResult
    public func deleteDeliveries(ids: [Int64]) throws -> Int {
        try writer.write { db in
            var deleted = 0
            try Store.forEachChunk(of: ids) { chunk, marks in
                try Store.deleteSurveySends(db, deliveryIDs: chunk, marks: marks)
                try db.execute(sql: """
                    DELETE FROM deliveries WHERE status = 'planned' AND id IN (\(marks))
                      AND NOT EXISTS (SELECT 1 FROM system_mail m WHERE m.delivery_id = deliveries.id AND length(m.body) > 0)
                    """, arguments: StatementArguments(chunk))
                deleted += db.changesCount
            }
            return deleted
        }
    }

    /// Counts for the report: subscribers, subscriptions, deliveries overall and on `date`, and
    /// the events after `since` (default: 24 hours before `now`) up to `now`; of every edition, or
    /// only of the subscribers of `editions` (`EditionScope`).
    public func stats(on date: CivilDate, now: Date, since: Date? = nil, editions: [String]? = nil) throws -> StoreStats {
        let own = EditionScope.edition("edition", editions), theirs = EditionScope.subscriber("subscriber_id", editions)
        return try writer.read { db in
            let subscribers: [SubscriberStatus: Int] = try Store.counts(db, "SELECT status, COUNT(*) FROM subscribers WHERE 1\(own.sql) GROUP BY status",
                                                                        own.arguments)
            var subscriptions: [Track: [SubscriptionStatus: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT track, status, COUNT(*) FROM subscriptions WHERE 1\(theirs.sql) GROUP BY track, status",
                                        arguments: theirs.arguments) {
                if let track = Track(rawValue: row[0]), let status = SubscriptionStatus(rawValue: row[1]) {
                    subscriptions[track, default: [:]][status] = row[2]
                }
            }
            var onDate: [DeliveryStatus: Int] = [:], byKind: [DeliveryKind: [DeliveryStatus: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT kind, status, COUNT(*) FROM deliveries WHERE local_date = ?\(theirs.sql) GROUP BY kind, status",
                                        arguments: [date] + theirs.arguments) {
                let kind: DeliveryKind = row[0], status: DeliveryStatus = row[1], n: Int = row[2]
                byKind[kind, default: [:]][status] = n
                onDate[status, default: 0] += n
            }
            let skipped = EditionScope.subscriber("d.subscriber_id", editions)
            return StoreStats(
                date: date,
                subscribersByStatus: subscribers,
                subscriptionsByTrack: subscriptions,
                deliveriesByStatus: try Store.counts(db, "SELECT status, COUNT(*) FROM deliveries WHERE 1\(theirs.sql) GROUP BY status", theirs.arguments),
                deliveriesOnDate: onDate,
                deliveriesOnDateByKind: byKind,
                skippedOnDate: try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM deliveries d JOIN delivery_items i ON i.delivery_id = d.id
                    WHERE d.local_date = ? AND i.status = 'skipped'\(skipped.sql)
                    """, arguments: [date] + skipped.arguments) ?? 0,
                eventsLastDay: try Store.counts(db, "SELECT kind, COUNT(*) FROM events WHERE at > ? AND at <= ?\(theirs.sql) GROUP BY kind",
                                                [Timestamp.string(from: since ?? now.addingTimeInterval(-86_400)), Timestamp.string(from: now)]
                                                + theirs.arguments))
        }
    }

    /// Counts by the first column's value (a state), from a `SELECT value, COUNT(*) … GROUP BY` query.
    static func counts<Key: DatabaseValueConvertible & Hashable>(_ db: Database, _ sql: String,
                                                                 _ arguments: StatementArguments = []) throws -> [Key: Int] {
        var out: [Key: Int] = [:]
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
            // A value no case names (none is ever written) is left out rather than failing the count.
            if let key = Key.fromDatabaseValue(row[0]) { out[key] = row[1] }
        }
        return out
    }
}
