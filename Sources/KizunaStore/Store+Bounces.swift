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

/// What a bounce report says about one recipient, as the poller hands it to the store.
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
        self.address = address
        self.deliveryID = deliveryID
        self.status = status
        self.reason = reason
        self.hard = hard
        self.messageID = messageID
        self.diagnostic = diagnostic
    }
}

/// An RFC 5965 feedback report about one of our messages.
public struct ComplaintNotice: Sendable, Hashable {
    public var address: String
    public var deliveryID: Int64?
    public var feedbackType: String
    public var messageID: String?

    public init(address: String, deliveryID: Int64?, feedbackType: String, messageID: String?) {
        self.address = address
        self.deliveryID = deliveryID
        self.feedbackType = feedbackType
        self.messageID = messageID
    }
}

/// What the store did with a bounce, a refusal or a complaint: the decision, for the log.
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

/// A row of `bounce_events`: one bounce, refusal, complaint or clearing, with its evidence.
public struct BounceEventRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "bounce_events"
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { Timestamp.encoding }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { Timestamp.decoding }

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
    // MARK: - Bounce reports and complaints

    /// Records one recipient of a bounce report in one transaction: the event with its evidence,
    /// the score through `BounceScore`, and the `bouncing` status past the threshold. The same
    /// report (by its Message-ID) is recorded once. A report about an address we never sent to,
    /// or whose delivery went to another address, changes nothing.
    @discardableResult
    public func recordBounce(_ notice: BounceNotice, today: CivilDate, at: Date, policy: BounceScorePolicy = .standard) throws -> BounceDecision {
        try writer.write { db in try Store.recordBounce(db, notice, today: today, at: at, policy: policy) }
    }

    /// `recordBounce` for every recipient of one report, in one transaction (a DSN may name 200).
    @discardableResult
    public func recordBounces(_ notices: [BounceNotice], today: CivilDate, at: Date, policy: BounceScorePolicy = .standard) throws -> [BounceDecision] {
        guard !notices.isEmpty else { return [] }
        return try writer.write { db in try notices.map { try Store.recordBounce(db, $0, today: today, at: at, policy: policy) } }
    }

    static func recordBounce(_ db: Database, _ notice: BounceNotice, today: CivilDate, at: Date, policy: BounceScorePolicy) throws -> BounceDecision {
        let target: Target
        switch try Store.resolve(db, address: notice.address, deliveryID: notice.deliveryID) {
        case .failure(let why): return BounceDecision(effect: .ignored, subscriberID: nil, deliveryID: notice.deliveryID, score: 0, detail: why.text)
        case .success(let t): target = t
        }
        if let mid = notice.messageID, try Store.reportSeen(db, messageID: mid, addressKey: target.addressKey, kind: .bounce) {
            return BounceDecision(effect: .duplicate, subscriberID: target.subscriberID, deliveryID: target.deliveryID,
                                  score: try Store.score(db, subscriberID: target.subscriberID).score,
                                  detail: "bounce \(mid) for \(target.addressKey) is already recorded")
        }
        let step = try Store.apply(.bounce(hard: notice.hard, on: today), to: target.subscriberID, policy: policy, db: db, at: at,
                                   why: "bounce \(notice.status ?? "-") \(notice.reason)", messageID: notice.messageID)
        var event = BounceEventRecord(at: at, localDate: today, subscriberID: target.subscriberID, deliveryID: target.deliveryID, kind: .bounce,
                                      addressKey: target.addressKey, status: notice.status, reason: notice.reason, hard: notice.hard,
                                      feedbackType: nil, messageID: notice.messageID, counted: step.counted, score: step.state.score,
                                      detail: ([step.detail] + (notice.diagnostic.map { ["diagnostic: \($0)"] } ?? [])).joined(separator: "; "))
        try event.insert(db)
        var general = EventRecord(at: at, subscriberID: target.subscriberID, kind: .bounce,
                                  detail: "\(notice.status ?? "-") \(notice.reason) \(notice.hard ? "hard" : "soft"): \(step.detail)",
                                  messageID: notice.messageID)
        try general.insert(db)
        if let id = target.deliveryID {
            // The relay took it, but the mail did not arrive: the ledger says so.
            try db.execute(sql: "UPDATE deliveries SET status = 'bounced', updated_at = ? WHERE id = ? AND status = 'sent'",
                           arguments: [Timestamp.string(from: at), id])
        }
        return BounceDecision(effect: step.becameBouncing ? .bouncing : step.counted ? .counted : .notCounted,
                              subscriberID: target.subscriberID, deliveryID: target.deliveryID, score: step.state.score, detail: step.detail)
    }

    /// Records a complaint and stops the subscriber at once (its unsent daily mail is
    /// cancelled). Once per complaint Message-ID; no effect for an address we never sent to.
    @discardableResult
    public func recordComplaint(_ notice: ComplaintNotice, today: CivilDate, at: Date) throws -> BounceDecision {
        try writer.write { db in
            let target: Target
            switch try Store.resolve(db, address: notice.address, deliveryID: notice.deliveryID) {
            case .failure(let why): return BounceDecision(effect: .ignored, subscriberID: nil, deliveryID: notice.deliveryID, score: 0, detail: why.text)
            case .success(let t): target = t
            }
            if let mid = notice.messageID, try Store.reportSeen(db, messageID: mid, addressKey: target.addressKey, kind: .complaint) {
                return BounceDecision(effect: .duplicate, subscriberID: target.subscriberID, deliveryID: target.deliveryID, score: 0,
                                      detail: "complaint \(mid) for \(target.addressKey) is already recorded")
            }
            let detail = "complaint (\(notice.feedbackType)): stopped at once"
            _ = try Store.stop(db, id: target.subscriberID, reason: "complaint (\(notice.feedbackType))", at: at, messageID: notice.messageID)
            try db.execute(sql: "DELETE FROM bounce_scores WHERE subscriber_id = ?", arguments: [target.subscriberID])
            var event = BounceEventRecord(at: at, localDate: today, subscriberID: target.subscriberID, deliveryID: target.deliveryID, kind: .complaint,
                                          addressKey: target.addressKey, status: nil, reason: nil, hard: nil, feedbackType: notice.feedbackType,
                                          messageID: notice.messageID, counted: false, score: 0, detail: detail)
            try event.insert(db)
            var general = EventRecord(at: at, subscriberID: target.subscriberID, kind: .complaint, detail: notice.feedbackType, messageID: notice.messageID)
            try general.insert(db)
            return BounceDecision(effect: .stopped, subscriberID: target.subscriberID, deliveryID: target.deliveryID, score: 0, detail: detail)
        }
    }

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
        let ids = replies.map(\.subscriberID)
        let scored = try writer.read { db -> Set<Int64> in
            var found: Set<Int64> = []
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                found.formUnion(try Int64.fetchAll(db, sql: """
                    SELECT s.id FROM subscribers s LEFT JOIN bounce_scores b ON b.subscriber_id = s.id
                    WHERE s.id IN (\(marks)) AND (b.subscriber_id IS NOT NULL OR s.status = 'bouncing')
                    """, arguments: StatementArguments(chunk)))
            }
            return found
        }
        guard !scored.isEmpty else { return [] }
        return try writer.write { db in
            var cleared: [Int64] = []
            for r in replies where scored.contains(r.subscriberID) && !cleared.contains(r.subscriberID) {
                let step = try Store.apply(.replied(on: today), to: r.subscriberID, policy: .standard, db: db, at: at, why: "reply", messageID: r.messageID)
                var changed = step.cleared
                if !changed {
                    // Bouncing with no score left (stale, or cleared by hand before): the mail still proves the address.
                    changed = try Store.changeStatus(db, r.subscriberID, fromAnyOf: [.bouncing], to: .active, reason: "the parent wrote",
                                                     at: at, messageID: r.messageID)
                }
                guard changed else { continue }
                try Store.insertClearing(db, kind: .cleared, subscriberID: r.subscriberID, today: today, at: at,
                                         detail: step.detail.isEmpty ? "the parent wrote" : step.detail, messageID: r.messageID)
                cleared.append(r.subscriberID)
            }
            return cleared
        }
    }

    // MARK: - SMTP outcomes

    /// `recordOutcomes(_:at:)` and, in the same transaction, the score: each 5xx refusal and each
    /// expiry after 4xx deferrals counts (once per delivery), and a 250 clears the score of a
    /// subscriber who has one when only the send step's outcomes made it. Subscribers without a score cost one small query per call.
    /// Returns the ids not found and the decisions about refusals.
    @discardableResult
    public func recordOutcomes(_ outcomes: [DeliveryOutcome], at: Date, scoringOn today: CivilDate,
                               policy: BounceScorePolicy = .standard) throws -> (unknown: [Int64], decisions: [BounceDecision]) {
        try Store.checkOutcomes(outcomes)
        return try writer.write { db in
            let unknown = try Store.updateOutcomes(db, outcomes, at: at)
            let missing = Set(unknown)
            var decisions: [BounceDecision] = []
            for o in outcomes where o.status == .bounced && !missing.contains(o.id) {
                decisions.append(try Store.applyRefusal(db, o, today: today, at: at, policy: policy))
            }
            let accepted = outcomes.filter { $0.status == .sent && !missing.contains($0.id) }.map(\.id)
            guard !accepted.isEmpty, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM bounce_scores)") == true else {
                return (unknown, decisions)
            }
            for start in stride(from: 0, to: accepted.count, by: 500) {
                let chunk = Array(accepted[start..<min(start + 500, accepted.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let scored = try Row.fetchAll(db, sql: """
                    SELECT d.id, d.subscriber_id FROM deliveries d JOIN bounce_scores s ON s.subscriber_id = d.subscriber_id
                    WHERE d.id IN (\(marks))
                    """, arguments: StatementArguments(chunk))
                for row in scored {
                    let deliveryID: Int64 = row[0], subscriberID: Int64 = row[1]
                    let step = try Store.apply(.delivered(on: today), to: subscriberID, policy: policy, db: db, at: at,
                                         why: "delivery \(deliveryID) accepted", messageID: nil)
                    if step.cleared {
                        try Store.insertClearing(db, kind: .cleared, subscriberID: subscriberID, deliveryID: deliveryID, today: today, at: at,
                                           detail: step.detail, messageID: nil)
                    }
                }
            }
            return (unknown, decisions)
        }
    }

    /// A `bounced` outcome (a 5xx refusal, or an expiry) as an `smtp` bounce event and its score.
    static func applyRefusal(_ db: Database, _ o: DeliveryOutcome, today: CivilDate, at: Date, policy: BounceScorePolicy) throws -> BounceDecision {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT d.subscriber_id, s.address_key FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.id = ?
            """, arguments: [o.id]) else {
            return BounceDecision(effect: .ignored, subscriberID: nil, deliveryID: o.id, score: 0, detail: "no delivery \(o.id)")
        }
        let subscriberID: Int64 = row[0], key: String = row[1]
        if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM bounce_events WHERE kind = 'smtp' AND delivery_id = ?)", arguments: [o.id]) == true {
            return BounceDecision(effect: .duplicate, subscriberID: subscriberID, deliveryID: o.id,
                                  score: try score(db, subscriberID: subscriberID).score, detail: "refusal of delivery \(o.id) is already recorded")
        }
        let code = o.code ?? 0
        let status = BounceRules.enhancedStatus(in: o.reply) ?? BounceRules.status(fromReply: code)
        let event: BounceScoreEvent, reason: BounceReason, hard: Bool
        if o.expired {
            // The queue gave up on the address after deferrals: soft, whatever the last reply said.
            (event, reason, hard) = (.expired(lastCode: o.code, byRecipient: o.deferredForRecipient, on: today), .expired, false)
        } else {
            event = BounceScoreEvent.smtpRejected(code: code, reply: o.reply, on: today)
            reason = BounceRules.reason(status: status, diagnostic: o.reply)
            if case .smtpRejected(_, let h, _) = event { hard = h } else { hard = false }
        }
        let why = o.expired ? "expired after \(o.code.map { "SMTP \($0)" } ?? "no reply")" : "SMTP \(code)"
        let step = try apply(event, to: subscriberID, policy: policy, db: db, at: at, why: why, messageID: nil)
        var record = BounceEventRecord(at: at, localDate: today, subscriberID: subscriberID, deliveryID: o.id, kind: .smtp, addressKey: key,
                                       status: status, reason: reason.rawValue, hard: hard, feedbackType: nil, messageID: nil,
                                       counted: step.counted, score: step.state.score,
                                       detail: "\(step.detail); \(o.expired ? "last reply" : "reply"): \(o.reply)")
        try record.insert(db)
        return BounceDecision(effect: step.becameBouncing ? .bouncing : step.counted ? .counted : .notCounted,
                              subscriberID: subscriberID, deliveryID: o.id, score: step.state.score, detail: step.detail)
    }

    // MARK: - Administration

    /// Clears a subscriber's score; a `bouncing` subscriber becomes active again. A `reset`
    /// event keeps who did it and why. Returns false when there was nothing to clear.
    @discardableResult
    public func clearBounces(subscriberID: Int64, reason: String = "reset by an administrator", today: CivilDate, at: Date) throws -> Bool {
        try writer.write { db in
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

    /// For `kizuna stats`.
    public func bounceSummary(now: Date = Date()) throws -> BounceSummary {
        try writer.read { db in
            let events: [BounceEventKind: Int] = try Store.counts(
                db, "SELECT kind, COUNT(*) FROM bounce_events WHERE at > ? AND at <= ? GROUP BY kind",
                [Timestamp.string(from: now.addingTimeInterval(-86_400)), Timestamp.string(from: now)])
            return BounceSummary(
                bouncing: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subscribers WHERE status = 'bouncing'") ?? 0,
                scored: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM bounce_scores WHERE score > 0") ?? 0,
                eventsLastDay: events)
        }
    }

    // MARK: - Inside a transaction

    /// The subscriber a report is about, checked: we act only on recipients we sent to.
    struct Target {
        var subscriberID: Int64
        var deliveryID: Int64?
        var addressKey: String
    }

    struct Refusal: Error {
        var text: String
    }

    static func resolve(_ db: Database, address: String, deliveryID: Int64?) throws -> Result<Target, Refusal> {
        guard let parsed = try? EmailAddress(parsing: address) else {
            return .failure(Refusal(text: "\"\(address)\" is not an address we can match"))
        }
        let key = parsed.matchKey
        if let deliveryID {
            guard let row = try Row.fetchOne(db, sql: """
                SELECT d.subscriber_id, d.status, s.address_key FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.id = ?
                """, arguments: [deliveryID]) else {
                return .failure(Refusal(text: "there is no delivery \(deliveryID)"))
            }
            let status: DeliveryStatus = row[1], owner: String = row[2]
            guard owner == key else {
                return .failure(Refusal(text: "delivery \(deliveryID) went to \(owner), not \(key): not acted on"))
            }
            guard [.queued, .sent, .deferred, .bounced].contains(status) else {
                return .failure(Refusal(text: "delivery \(deliveryID) was never sent (\(status))"))
            }
            return .success(Target(subscriberID: row[0], deliveryID: deliveryID, addressKey: key))
        }
        guard let row = try Row.fetchOne(db, sql: """
            SELECT d.id, d.subscriber_id FROM subscribers s JOIN deliveries d ON d.subscriber_id = s.id
            WHERE s.address_key = ? AND d.status IN ('sent', 'bounced', 'deferred', 'queued')
            ORDER BY d.id DESC LIMIT 1
            """, arguments: [key]) else {
            return .failure(Refusal(text: "we never sent to \(key): no effect"))
        }
        return .success(Target(subscriberID: row[1], deliveryID: nil, addressKey: key))
    }

    static func reportSeen(_ db: Database, messageID: String, addressKey: String, kind: BounceEventKind) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM bounce_events WHERE message_id = ? AND address_key = ? AND kind = ?)",
                          arguments: [messageID, addressKey, kind]) ?? false
    }

    static func score(_ db: Database, subscriberID: Int64) throws -> BounceScore {
        guard let row = try Row.fetchOne(db, sql: "SELECT score, last_bounce_date, bounce_count, from_reports FROM bounce_scores WHERE subscriber_id = ?",
                                         arguments: [subscriberID]) else { return .clean }
        return BounceScore(score: row[0], lastBounceDate: row[1], bounceCount: row[2], fromReports: row[3])
    }

    struct Step {
        var state: BounceScore
        var counted: Bool
        var becameBouncing: Bool
        var cleared: Bool
        var detail: String
    }

    /// Runs `event` through the subscriber's `BounceScore` and carries out its actions.
    static func apply(_ event: BounceScoreEvent, to subscriberID: Int64, policy: BounceScorePolicy, db: Database, at: Date,
                      why: String, messageID: String?) throws -> Step {
        let old = try score(db, subscriberID: subscriberID)
        let t = old.applying(event, policy: policy)
        let now = Timestamp.string(from: at)
        if t.state == .clean {
            try db.execute(sql: "DELETE FROM bounce_scores WHERE subscriber_id = ?", arguments: [subscriberID])
        } else if t.state != old {
            try db.execute(sql: """
                INSERT INTO bounce_scores (subscriber_id, score, last_bounce_date, bounce_count, from_reports, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (subscriber_id) DO UPDATE SET score = excluded.score, last_bounce_date = excluded.last_bounce_date,
                    bounce_count = excluded.bounce_count, from_reports = excluded.from_reports, updated_at = excluded.updated_at
                """, arguments: [subscriberID, t.state.score, t.state.lastBounceDate, t.state.bounceCount, t.state.fromReports, now])
        }
        var step = Step(state: t.state, counted: t.counted, becameBouncing: false, cleared: false, detail: "")
        var lines: [String] = []
        for action in t.actions {
            switch action {
            case .recordEvent(let text): lines.append(text)
            case .setBouncing:
                step.becameBouncing = try changeStatus(db, subscriberID, fromAnyOf: [.pending, .active, .paused], to: .bouncing,
                                                       reason: "bounce score \(BounceScore.text(t.state.score)) reached \(BounceScore.text(policy.threshold)) (\(why))",
                                                       at: at, messageID: messageID)
                if step.becameBouncing {
                    // Held like a stop: what is queued for the address is not sent.
                    try db.execute(sql: """
                        UPDATE deliveries SET status = 'cancelled', updated_at = ?
                        WHERE subscriber_id = ? AND kind = 'daily' AND status IN ('planned', 'queued', 'deferred')
                        """, arguments: [now, subscriberID])
                    lines.append("now bouncing: no more mail is sent")
                }
            case .clear:
                step.cleared = true
                _ = try changeStatus(db, subscriberID, fromAnyOf: [.bouncing], to: .active, reason: "bounce score cleared (\(why))", at: at, messageID: messageID)
            }
        }
        step.detail = lines.joined(separator: "; ")
        return step
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
