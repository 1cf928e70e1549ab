import Foundation
import GRDB
import KizunaCore

/// What a store method refuses, beyond SQLite's own errors.
public enum StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The subscriber already follows this track with this anchor (the same pregnancy or child).
    case duplicateSubscription(subscriberID: Int64, subscriptionID: Int64)
    case noSuchSubscriber(Int64)
    case noSuchSubscription(Int64)
    /// A daily delivery for this subscriber and day is already in the store.
    case dailyAlreadyPlanned(subscriberID: Int64, localDate: CivilDate)
    /// This message is already in the ledger for this subscription (planned, sent or skipped).
    case alreadyInLedger(subscriptionID: Int64, messageKey: String)
    /// A value outside the set a column allows (a delivery status, an item status, a kind).
    case invalidValue(field: String, value: String)
    /// A setting that the store wrote cannot be read back.
    case corruptSetting(key: String)

    public var description: String {
        switch self {
        case .duplicateSubscription(let s, let sub): return "subscriber \(s) already has this subscription (\(sub))"
        case .noSuchSubscriber(let id): return "there is no subscriber \(id)"
        case .noSuchSubscription(let id): return "there is no subscription \(id)"
        case .dailyAlreadyPlanned(let s, let d): return "subscriber \(s) already has a daily delivery on \(d)"
        case .alreadyInLedger(let sub, let key): return "subscription \(sub) already has \(key) in the ledger"
        case .invalidValue(let field, let value): return "\"\(value)\" is not a valid \(field)"
        case .corruptSetting(let key): return "the setting \(key) cannot be read"
        }
    }
}

/// Everything about one subscriber, for an administrator or a `status` reply.
public struct SubscriberDetail: Sendable, Hashable {
    public var subscriber: SubscriberRecord
    /// All subscriptions, oldest first.
    public var subscriptions: [SubscriptionRecord]
    /// The last 20 deliveries, newest first.
    public var recentDeliveries: [DeliveryRecord]
    /// All events, oldest first.
    public var events: [EventRecord]
}

/// The owner of the SQLite database. Each method is one transaction.
public final class Store: Sendable {
    let writer: any DatabaseWriter

    /// Opens (creating if needed) the database file in WAL mode and brings its schema up to date.
    public init(path: String) throws {
        var config = Store.configuration()
        // A second kizuna process (cron while an administrator runs the CLI) waits instead of failing.
        config.busyMode = .timeout(5)
        writer = try DatabasePool(path: path, configuration: config)
        try Schema.migrator.migrate(writer)
    }

    init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try Schema.migrator.migrate(writer)
    }

    /// Frees the connections' page caches (up to 64 MiB each), so that a step that reads the whole
    /// ledger after a night's batch and send reuses that memory instead of adding its own.
    public func releaseMemory() {
        if let pool = writer as? DatabasePool { pool.releaseMemory() } else if let queue = writer as? DatabaseQueue { queue.releaseMemory() }
    }

    /// A store in memory with the real schema, for tests.
    public static func inMemory() throws -> Store {
        try Store(writer: DatabaseQueue(configuration: configuration()))
    }

    private static func configuration() -> GRDB.Configuration {
        var config = GRDB.Configuration()
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            // 64 MiB of page cache per connection: an import or a night touches indexes all over.
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        return config
    }

    // MARK: - Settings

    private static let secretKey = "hmac_secret"

    /// The HMAC key for tokens and VERP addresses: 32 random bytes made on first use and kept.
    public func secret() throws -> [UInt8] {
        try writer.write { db in
            if let bytes = try Store.storedSecret(db) { return bytes }
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let hex = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
            try db.execute(sql: "INSERT INTO settings (key, value) VALUES (?, ?)", arguments: [Store.secretKey, hex])
            return bytes
        }
    }

    /// The instance's secret, read without writing anything: nil when the database file or the
    /// secret does not exist yet. For `kizuna inspect`, which must not change the store.
    public static func existingSecret(databasePath path: String) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var config = configuration()
        config.readonly = true
        config.busyMode = .timeout(5)
        return try DatabaseQueue(path: path, configuration: config).read { db in
            try db.tableExists("settings") ? try storedSecret(db) : nil
        }
    }

    private static func storedSecret(_ db: Database) throws -> [UInt8]? {
        guard let hex = try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [secretKey]) else { return nil }
        guard let bytes = bytes(hex: hex), bytes.count == 32 else { throw StoreError.corruptSetting(key: secretKey) }
        return bytes
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let u = Array(hex.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        for i in stride(from: 0, to: u.count, by: 2) {
            guard let b = UInt8(String(decoding: u[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
        }
        return out
    }

    // MARK: - Subscribers

    /// Subscribes a family. An address already known in the edition gets one more subscription
    /// (a second child) and keeps its status; the same track and anchor again is
    /// `StoreError.duplicateSubscription`. The subscription starts `today`; a `subscribed`
    /// event records the source (for consent).
    @discardableResult
    public func addSubscriber(_ s: NewSubscriber, status: SubscriberStatus = .active, today: CivilDate, at: Date,
                              source: String) throws -> (subscriberID: Int64, subscriptionID: Int64) {
        try writer.write { db in try Store.addSubscriber(db, s, status: status, today: today, at: at, source: source) }
    }

    static func addSubscriber(_ db: Database, _ s: NewSubscriber, status: SubscriberStatus, today: CivilDate, at: Date,
                              source: String) throws -> (subscriberID: Int64, subscriptionID: Int64) {
        let subscriberID: Int64
        if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM subscribers WHERE edition = ? AND address_key = ?",
                                             arguments: [s.edition, s.address.matchKey]) {
            subscriberID = existing
        } else {
            var record = SubscriberRecord(address: s.address, edition: s.edition, language: s.language, area: s.area,
                                          status: status, createdAt: at, updatedAt: at)
            try record.insert(db)
            subscriberID = record.id!
        }
        if let duplicate = try Int64.fetchOne(db, sql: "SELECT id FROM subscriptions WHERE subscriber_id = ? AND track = ? AND anchor_date = ?",
                                              arguments: [subscriberID, s.track, s.anchor]) {
            throw StoreError.duplicateSubscription(subscriberID: subscriberID, subscriptionID: duplicate)
        }
        var subscription = SubscriptionRecord(subscriberID: subscriberID, track: s.track, anchorDate: s.anchor, nickname: s.nickname,
                                              status: .active, startDate: today, createdAt: at, updatedAt: at)
        try subscription.insert(db)
        var event = EventRecord(at: at, subscriberID: subscriberID, subscriptionID: subscription.id, kind: .subscribed, detail: source)
        try event.insert(db)
        return (subscriberID, subscription.id!)
    }

    /// Adds many families in one transaction (callers batch about 10,000 rows). New subscribers
    /// are active; a known address gets one more subscription and keeps its status, so an
    /// import never brings back a family that said stop. A subscription already present
    /// (or repeated in the rows) counts as a duplicate.
    @discardableResult
    public func importSubscribers(_ rows: [NewSubscriber], today: CivilDate, at: Date,
                                  source: String = "import") throws -> (added: Int, duplicates: Int) {
        try writer.write { db in try Store.importSubscribers(db, rows, today: today, at: at, source: source) }
    }

    static func importSubscribers(_ db: Database, _ rows: [NewSubscriber], today: CivilDate, at: Date,
                                  source: String) throws -> (added: Int, duplicates: Int) {
        let now = Timestamp.string(from: at)
        // `ON CONFLICT ... DO NOTHING` names the one rule it may skip; `OR IGNORE` would also skip CHECK failures.
        let insertSubscriber = try db.cachedStatement(sql: """
            INSERT INTO subscribers (address, address_key, edition, language, area, status, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, 'active', ?, ?) ON CONFLICT (address_key, edition) DO NOTHING
            """)
        let findSubscriber = try db.cachedStatement(sql: "SELECT id FROM subscribers WHERE edition = ? AND address_key = ?")
        let insertSubscription = try db.cachedStatement(sql: """
            INSERT INTO subscriptions (subscriber_id, track, anchor_date, nickname, status, start_date, created_at, updated_at)
            VALUES (?, ?, ?, ?, 'active', ?, ?, ?) ON CONFLICT (subscriber_id, track, anchor_date) DO NOTHING
            """)
        let insertEvent = try db.cachedStatement(sql: """
            INSERT INTO events (at, subscriber_id, subscription_id, kind, detail) VALUES (?, ?, ?, 'subscribed', ?)
            """)
        let startDate = today.iso
        var added = 0, duplicates = 0
        for row in rows {
            let key = row.address.matchKey
            try insertSubscriber.execute(arguments: [row.address.description, key, row.edition, row.language, row.area, now, now])
            let subscriberID: Int64
            if db.changesCount > 0 {
                subscriberID = db.lastInsertedRowID
            } else {
                guard let id = try Int64.fetchOne(findSubscriber, arguments: [row.edition, key]) else {
                    throw StoreError.invalidValue(field: "address", value: row.address.description)
                }
                subscriberID = id
            }
            try insertSubscription.execute(arguments: [subscriberID, row.track.rawValue, row.anchor.iso, row.nickname, startDate, now, now])
            guard db.changesCount > 0 else {
                duplicates += 1
                continue
            }
            try insertEvent.execute(arguments: [now, subscriberID, db.lastInsertedRowID, source])
            added += 1
        }
        return (added, duplicates)
    }

    /// The subscriber with this address in the edition (in any edition when nil: the first
    /// subscribed), with subscriptions, recent deliveries and events.
    public func subscriber(address: EmailAddress, edition: String?) throws -> SubscriberDetail? {
        try writer.read { db in
            let id: Int64?
            if let edition {
                id = try Int64.fetchOne(db, sql: "SELECT id FROM subscribers WHERE edition = ? AND address_key = ?",
                                        arguments: [edition, address.matchKey])
            } else {
                id = try Int64.fetchOne(db, sql: "SELECT id FROM subscribers WHERE address_key = ? ORDER BY id LIMIT 1",
                                        arguments: [address.matchKey])
            }
            guard let id else { return nil }
            return try Store.detail(db, id: id)
        }
    }

    public func subscriber(id: Int64) throws -> SubscriberDetail? {
        try writer.read { db in try Store.detail(db, id: id) }
    }

    static func detail(_ db: Database, id: Int64) throws -> SubscriberDetail? {
        guard let record = try SubscriberRecord.fetchOne(db, key: id) else { return nil }
        let subscriptions = try SubscriptionRecord
            .filter(SubscriptionRecord.Columns.subscriberID == id).order(SubscriptionRecord.Columns.id).fetchAll(db)
        let deliveries = try DeliveryRecord
            .filter(DeliveryRecord.Columns.subscriberID == id).order(DeliveryRecord.Columns.id.desc).limit(20).fetchAll(db)
        let events = try EventRecord
            .filter(EventRecord.Columns.subscriberID == id).order(EventRecord.Columns.id).fetchAll(db)
        return SubscriberDetail(subscriber: record, subscriptions: subscriptions, recentDeliveries: deliveries, events: events)
    }

    /// Subscribers in id order, optionally of one edition and status.
    public func listSubscribers(edition: String? = nil, status: SubscriberStatus? = nil, limit: Int, offset: Int = 0) throws -> [SubscriberRecord] {
        try writer.read { db in
            var request = SubscriberRecord.all()
            if let edition { request = request.filter(SubscriberRecord.Columns.edition == edition) }
            if let status { request = request.filter(SubscriberRecord.Columns.status == status) }
            return try request.order(SubscriberRecord.Columns.id).limit(limit, offset: offset).fetchAll(db)
        }
    }

    /// Calls `body` with every subscription and its subscriber, in subscriber order, reading
    /// from a cursor so that no more than one row is in memory. `body` must not call the store.
    public func forEachSubscription(_ body: (SubscriberRecord, SubscriptionRecord) throws -> Void) throws {
        try writer.read { db in
            let width = try db.columns(in: SubscriberRecord.databaseTableName).count
            let parts = splittingRowAdapters(columnCounts: [width])
            let adapter = ScopeAdapter(["subscriber": parts[0], "subscription": parts[1]])
            let rows = try Row.fetchCursor(db, sql: """
                SELECT subscribers.*, subscriptions.* FROM subscribers
                CROSS JOIN subscriptions ON subscriptions.subscriber_id = subscribers.id
                ORDER BY subscribers.id, subscriptions.id
                """, adapter: adapter)
            // CROSS JOIN keeps subscribers as the outer loop, so SQLite walks them in id order and
            // sorts only each subscriber's few subscriptions instead of the whole result.
            var current: SubscriberRecord?
            while let row = try rows.next() {
                let subscription = try SubscriptionRecord(row: row.scopes["subscription"]!)
                if current?.id != subscription.subscriberID {
                    current = try SubscriberRecord(row: row.scopes["subscriber"]!)
                }
                try body(current!, subscription)
            }
        }
    }

    /// Stops a subscriber for good: its status and its active subscriptions become stopped,
    /// its daily deliveries not yet sent are cancelled, and a `stopped` event keeps the reason.
    /// Returns the number of deliveries cancelled (their spool files must not be sent).
    @discardableResult
    public func stopSubscriber(id: Int64, reason: String, at: Date, messageID: String?) throws -> Int {
        try writer.write { db in try Store.stop(db, id: id, reason: reason, at: at, messageID: messageID) }
    }

    static func stop(_ db: Database, id: Int64, reason: String, at: Date, messageID: String?) throws -> Int {
        let now = Timestamp.string(from: at)
        try db.execute(sql: "UPDATE subscribers SET status = 'stopped', paused_until = NULL, updated_at = ? WHERE id = ?", arguments: [now, id])
        guard db.changesCount > 0 else { throw StoreError.noSuchSubscriber(id) }
        try db.execute(sql: "UPDATE subscriptions SET status = 'stopped', updated_at = ? WHERE subscriber_id = ? AND status = 'active'",
                       arguments: [now, id])
        let cancelled = try cancelUnsentDaily(db, subscriberID: id, now: now)
        var event = EventRecord(at: at, subscriberID: id, kind: .stopped, detail: reason, messageID: messageID)
        try event.insert(db)
        return cancelled
    }

    /// Cancels the subscriber's daily deliveries not yet sent, and an overdue check-in not yet
    /// sent (it is no reply: nothing asked for it); how many.
    static func cancelUnsentDaily(_ db: Database, subscriberID: Int64, now: String) throws -> Int {
        try db.execute(sql: """
            UPDATE deliveries SET status = 'cancelled', updated_at = ?
            WHERE subscriber_id = ? AND status IN ('planned', 'queued', 'deferred')
              AND (kind = 'daily' OR id IN (SELECT delivery_id FROM delivery_items WHERE message_key = ? AND delivery_id IS NOT NULL))
            """, arguments: [now, subscriberID, OverdueCare.checkInKey])
        return db.changesCount
    }

    /// Changes a subscriber's status (confirmation, pause, resume, bounce), with a `status`
    /// event saying from what to what and why. Stopping goes through `stopSubscriber`.
    public func setSubscriberStatus(id: Int64, to status: SubscriberStatus, pausedUntil: CivilDate? = nil, reason: String,
                                    at: Date, messageID: String? = nil) throws {
        try writer.write { db in
            if status == .stopped {
                _ = try Store.stop(db, id: id, reason: reason, at: at, messageID: messageID)
                return
            }
            guard let old = try SubscriberStatus.fetchOne(db, sql: "SELECT status FROM subscribers WHERE id = ?", arguments: [id]) else {
                throw StoreError.noSuchSubscriber(id)
            }
            try db.execute(sql: "UPDATE subscribers SET status = ?, paused_until = ?, updated_at = ? WHERE id = ?",
                           arguments: [status, status == .paused ? pausedUntil : nil, Timestamp.string(from: at), id])
            var event = EventRecord(at: at, subscriberID: id, kind: .status,
                                    detail: "\(old.rawValue) -> \(status.rawValue): \(reason)", messageID: messageID)
            try event.insert(db)
        }
    }

    /// Changes one subscription's status (a pregnancy that ended, a child that grew up), with a
    /// `subscription` event.
    public func setSubscriptionStatus(id: Int64, to status: SubscriptionStatus, reason: String, at: Date, messageID: String? = nil) throws {
        try writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT subscriber_id, status FROM subscriptions WHERE id = ?", arguments: [id]) else {
                throw StoreError.noSuchSubscription(id)
            }
            let old: SubscriptionStatus = row["status"]
            try db.execute(sql: "UPDATE subscriptions SET status = ?, updated_at = ? WHERE id = ?",
                           arguments: [status, Timestamp.string(from: at), id])
            var event = EventRecord(at: at, subscriberID: row["subscriber_id"], subscriptionID: id, kind: .subscription,
                                    detail: "\(old.rawValue) -> \(status.rawValue): \(reason)", messageID: messageID)
            try event.insert(db)
        }
    }

    /// Records an event (an administrator action, a bounce, a consent step).
    @discardableResult
    public func recordEvent(kind: EventKind, subscriberID: Int64?, subscriptionID: Int64? = nil, detail: String? = nil,
                            messageID: String? = nil, at: Date) throws -> Int64 {
        try writer.write { db in
            var event = EventRecord(at: at, subscriberID: subscriberID, subscriptionID: subscriptionID, kind: kind,
                                    detail: detail, messageID: messageID)
            try event.insert(db)
            return event.id!
        }
    }
}
