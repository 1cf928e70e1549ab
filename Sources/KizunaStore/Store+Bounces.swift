import Foundation
import GRDB
import KizunaCore

extension Schema {
    /// Bounce scores per subscriber and the evidence of every bounce, refusal and complaint.
    static func v3Bounces(_ db: Database) throws {
        try db.execute(sql: """
            -- A row exists only while a subscriber has a score: a clean address has none, so the
            -- send step's "clear after a 250" looks up only the few that bounced.
            CREATE TABLE bounce_scores (
                subscriber_id INTEGER PRIMARY KEY REFERENCES subscribers(id) ON DELETE CASCADE,
                score REAL NOT NULL CHECK (score >= 0),
                last_bounce_date TEXT CHECK (last_bounce_date IS NULL OR last_bounce_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                bounce_count INTEGER NOT NULL CHECK (bounce_count >= 0),
                from_reports INTEGER NOT NULL CHECK (from_reports IN (0, 1)),
                updated_at TEXT NOT NULL
            ) STRICT;

            CREATE TABLE bounce_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at TEXT NOT NULL,
                local_date TEXT NOT NULL CHECK (local_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
                delivery_id INTEGER REFERENCES deliveries(id) ON DELETE SET NULL,
                kind TEXT NOT NULL CHECK (kind IN ('bounce', 'smtp', 'complaint', 'cleared', 'reset')),
                address_key TEXT NOT NULL CHECK (address_key LIKE '%_@_%'),
                status TEXT,
                reason TEXT,
                hard INTEGER CHECK (hard IS NULL OR hard IN (0, 1)),
                feedback_type TEXT,
                -- The Message-ID of the bounce or complaint itself (not of our message).
                message_id TEXT,
                counted INTEGER NOT NULL CHECK (counted IN (0, 1)),
                score REAL NOT NULL CHECK (score >= 0),
                detail TEXT
            ) STRICT;
            CREATE INDEX bounce_events_subscriber ON bounce_events(subscriber_id, id);
            -- A report is recorded once per recipient, however often it is read again.
            CREATE UNIQUE INDEX bounce_events_report ON bounce_events(message_id, address_key, kind)
                WHERE message_id IS NOT NULL AND kind IN ('bounce', 'complaint');
            -- A delivery is refused at SMTP time once.
            CREATE UNIQUE INDEX bounce_events_refusal ON bounce_events(delivery_id) WHERE kind = 'smtp';
            CREATE INDEX bounce_events_at ON bounce_events(at);
            """)
    }
}

/// A row of `bounce_events`: one bounce, refusal, complaint or clearing, with its evidence.
public struct BounceEventRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    public static let databaseTableName = "bounce_events"

    public var id: Int64?
    public var at: Date
    public var localDate: CivilDate
    public var subscriberID: Int64
    public var deliveryID: Int64?
    public var kind: BounceEventKind
    public var addressKey: String
    public var status: String?
    public var reason: String?
    public var hard: Bool?
    public var feedbackType: String?
    public var messageID: String?
    public var counted: Bool
    /// The score after this event.
    public var score: Double
    public var detail: String?

    public enum CodingKeys: String, CodingKey {
        case id, at, localDate = "local_date", subscriberID = "subscriber_id", deliveryID = "delivery_id", kind
        case addressKey = "address_key", status, reason, hard, feedbackType = "feedback_type", messageID = "message_id"
        case counted, score, detail
    }

    public init(at: Date, localDate: CivilDate, subscriberID: Int64, deliveryID: Int64?, kind: BounceEventKind, addressKey: String,
                status: String? = nil, reason: String? = nil, hard: Bool? = nil, feedbackType: String? = nil, messageID: String?,
                counted: Bool, score: Double, detail: String?) {
        self.at = at; self.localDate = localDate; self.subscriberID = subscriberID; self.deliveryID = deliveryID; self.kind = kind
        self.addressKey = addressKey; self.status = status; self.reason = reason; self.hard = hard; self.feedbackType = feedbackType
        self.messageID = messageID; self.counted = counted; self.score = score; self.detail = detail
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A subscriber with a bounce score or the `bouncing` status.
public struct BounceStanding: Sendable, Hashable {
    public var subscriber: SubscriberRecord
    /// `.clean` when the subscriber is bouncing but the score was cleared or never kept.
    public var score: BounceScore
}

/// Everything known about one address's bounces.
public struct BounceDetail: Sendable, Hashable {
    public var subscriber: SubscriberRecord
    public var score: BounceScore
    /// Oldest first.
    public var events: [BounceEventRecord]
}

/// Counts for `kizuna stats`.
public struct BounceSummary: Sendable, Hashable {
    public var bouncing: Int
    /// Subscribers with a score above zero.
    public var scored: Int
    /// Bounce events of the 24 hours before the moment asked about, by kind.
    public var eventsLastDay: [BounceEventKind: Int]
}

extension Store {
    // MARK: - Administration

    /// Clears a subscriber's score; a `bouncing` subscriber becomes active again. A `reset`
    /// event keeps who did it and why. Returns false when there was nothing to clear.
    @discardableResult
    public func clearBounces(subscriberID: Int64, reason: String = "reset by an administrator", today: CivilDate, at: Date) throws -> Bool {
        try writer.write { db in try Store.clearBounces(db, subscriberID: subscriberID, reason: reason, today: today, at: at) }
    }

    static func clearBounces(_ db: Database, subscriberID: Int64, reason: String, today: CivilDate, at: Date) throws -> Bool {
        guard let status = try SubscriberStatus.fetchOne(db, sql: "SELECT status FROM subscribers WHERE id = ?", arguments: [subscriberID]) else {
            throw StoreError.noSuchSubscriber(subscriberID)
        }
        let old = try Store.score(db, subscriberID: subscriberID)
        guard old != .clean || status == .bouncing else { return false }
        try db.execute(sql: "DELETE FROM bounce_scores WHERE subscriber_id = ?", arguments: [subscriberID])
        if status == .bouncing { try Store.changeStatus(db, subscriberID, from: .bouncing, to: .active, reason: reason, at: at, messageID: nil) }
        try Store.insertClearing(db, kind: .reset, subscriberID: subscriberID, today: today, at: at,
                                 detail: "\(reason): score \(BounceScore.text(old.score)) cleared", messageID: nil)
        var general = EventRecord(at: at, subscriberID: subscriberID, kind: .bouncesReset, detail: reason)
        try general.insert(db)
        return true
    }

    /// Which of these subscribers have a score or are `bouncing`: the only ones a sign of a
    /// working address (the parent's mail) changes anything for. A read; most nights none.
    public func subscribersWithBounceStanding(among ids: [Int64]) throws -> Set<Int64> {
        try writer.read { db in
            Set(try Store.chunked(ids) { chunk, marks in
                try Int64.fetchAll(db, sql: """
                    SELECT s.id FROM subscribers s LEFT JOIN bounce_scores b ON b.subscriber_id = s.id
                    WHERE s.id IN (\(marks)) AND (b.subscriber_id IS NOT NULL OR s.status = 'bouncing')
                    """, arguments: StatementArguments(chunk))
            })
        }
    }

    /// Subscribers who are `bouncing` or have a score, highest score first.
    public func bouncingSubscribers() throws -> [BounceStanding] {
        try writer.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT s.id FROM subscribers s LEFT JOIN bounce_scores b ON b.subscriber_id = s.id
                WHERE s.status = 'bouncing' OR b.subscriber_id IS NOT NULL
                ORDER BY coalesce(b.score, 0) DESC, s.id
                """)
            return try rows.map { row in
                let id: Int64 = row[0]
                guard let subscriber = try SubscriberRecord.fetchOne(db, key: id) else { throw StoreError.noSuchSubscriber(id) }
                return BounceStanding(subscriber: subscriber, score: try Store.score(db, subscriberID: id))
            }
        }
    }

    /// One address's score and bounce events (in one edition, or the first subscribed).
    public func bounceDetail(address: EmailAddress, edition: String? = nil) throws -> BounceDetail? {
        try writer.read { db in
            let id: Int64? = edition == nil
                ? try Int64.fetchOne(db, sql: "SELECT id FROM subscribers WHERE address_key = ? ORDER BY id LIMIT 1", arguments: [address.matchKey])
                : try Int64.fetchOne(db, sql: "SELECT id FROM subscribers WHERE address_key = ? AND edition = ?", arguments: [address.matchKey, edition])
            guard let id, let subscriber = try SubscriberRecord.fetchOne(db, key: id) else { return nil }
            let events = try BounceEventRecord.fetchAll(db, sql: "SELECT * FROM bounce_events WHERE subscriber_id = ? ORDER BY id", arguments: [id])
            return BounceDetail(subscriber: subscriber, score: try Store.score(db, subscriberID: id), events: events)
        }
    }

    /// For `kizuna stats`: of every edition, or only of the subscribers of `editions`.
    public func bounceSummary(now: Date, editions: [String]? = nil) throws -> BounceSummary {
        let own = EditionScope.edition("edition", editions), theirs = EditionScope.subscriber("subscriber_id", editions)
        return try writer.read { db in
            let events: [BounceEventKind: Int] = try Store.counts(
                db, "SELECT kind, COUNT(*) FROM bounce_events WHERE at > ? AND at <= ?\(theirs.sql) GROUP BY kind",
                [Timestamp.string(from: now.addingTimeInterval(-86_400)), Timestamp.string(from: now)] + theirs.arguments)
            return BounceSummary(
                bouncing: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subscribers WHERE status = 'bouncing'\(own.sql)", arguments: own.arguments) ?? 0,
                scored: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM bounce_scores WHERE score > 0\(theirs.sql)", arguments: theirs.arguments) ?? 0,
                eventsLastDay: events)
        }
    }

    // MARK: - Inside a transaction

    static func score(_ db: Database, subscriberID: Int64) throws -> BounceScore {
        guard let row = try Row.fetchOne(db, sql: "SELECT score, last_bounce_date, bounce_count, from_reports FROM bounce_scores WHERE subscriber_id = ?",
                                         arguments: [subscriberID]) else { return .clean }
        return BounceScore(score: row[0], lastBounceDate: row[1], bounceCount: row[2], fromReports: row[3])
    }

    /// Changes the status when it is one of `from`, with a `status` event. Returns whether it changed.
    @discardableResult
    static func changeStatus(_ db: Database, _ subscriberID: Int64, fromAnyOf from: Set<SubscriberStatus>, to status: SubscriberStatus,
                             reason: String, at: Date, messageID: String?) throws -> Bool {
        guard let old = try SubscriberStatus.fetchOne(db, sql: "SELECT status FROM subscribers WHERE id = ?", arguments: [subscriberID]),
              from.contains(old) else { return false }
        try db.execute(sql: "UPDATE subscribers SET status = ?, paused_until = NULL, updated_at = ? WHERE id = ?",
                       arguments: [status, Timestamp.string(from: at), subscriberID])
        var event = EventRecord(at: at, subscriberID: subscriberID, kind: .status, detail: "\(old.rawValue) -> \(status.rawValue): \(reason)",
                                messageID: messageID)
        try event.insert(db)
        return true
    }

    static func changeStatus(_ db: Database, _ subscriberID: Int64, from: SubscriberStatus, to status: SubscriberStatus,
                             reason: String, at: Date, messageID: String?) throws {
        try changeStatus(db, subscriberID, fromAnyOf: [from], to: status, reason: reason, at: at, messageID: messageID)
    }

    static func insertClearing(_ db: Database, kind: BounceEventKind, subscriberID: Int64, deliveryID: Int64? = nil, today: CivilDate, at: Date,
                               detail: String, messageID: String?) throws {
        let key = try String.fetchOne(db, sql: "SELECT address_key FROM subscribers WHERE id = ?", arguments: [subscriberID]) ?? ""
        var event = BounceEventRecord(at: at, localDate: today, subscriberID: subscriberID, deliveryID: deliveryID, kind: kind, addressKey: key,
                                      status: nil, reason: nil, hard: nil, feedbackType: nil, messageID: messageID, counted: false, score: 0,
                                      detail: detail)
        try event.insert(db)
    }
}
