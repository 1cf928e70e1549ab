import Foundation
import GRDB
import KizunaCore

extension Schema {
    /// The administrator's daily report travels in the deliveries ledger like system mail (its
    /// rendered bytes wait in `system_mail` until the spool has them), but to an address that is
    /// no subscriber: `kind = 'report'` without a subscriber, at most one per recipient and day.
    ///
    /// SQLite cannot change a CHECK or a NOT NULL in place, so `deliveries` is rebuilt the way
    /// https://sqlite.org/lang_altertable.html#otheralter describes (GRDB runs migrations with
    /// foreign keys off and checks them before committing). Ids and the AUTOINCREMENT sequence
    /// are kept: spool files, VERP addresses and bounce evidence name deliveries by id, and an
    /// id must never be handed out twice.
    static func v5Reports(_ db: Database) throws {
        let columns = """
            id, subscriber_id, kind, local_date, recipient, status, message_id, subject, envelope_from, attempts,
            smtp_code, smtp_reply, created_at, updated_at
            """
        try db.execute(sql: """
            CREATE TABLE deliveries_v5 (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                subscriber_id INTEGER REFERENCES subscribers(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('daily', 'system', 'report')),
                local_date TEXT NOT NULL CHECK (local_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                recipient TEXT NOT NULL CHECK (recipient <> ''),
                status TEXT NOT NULL CHECK (status IN ('planned', 'queued', 'sent', 'deferred', 'bounced', 'cancelled')),
                message_id TEXT UNIQUE,
                subject TEXT,
                envelope_from TEXT,
                attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                smtp_code INTEGER CHECK (smtp_code IS NULL OR smtp_code BETWEEN 100 AND 599),
                smtp_reply TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                -- A report goes to an administrator; every other delivery to a subscriber.
                CHECK ((subscriber_id IS NULL) = (kind = 'report'))
            ) STRICT;
            INSERT INTO deliveries_v5 (\(columns)) SELECT \(columns) FROM deliveries;
            DELETE FROM sqlite_sequence WHERE name = 'deliveries_v5';
            INSERT INTO sqlite_sequence (name, seq) SELECT 'deliveries_v5', seq FROM sqlite_sequence WHERE name = 'deliveries';
            DROP TABLE deliveries;
            ALTER TABLE deliveries_v5 RENAME TO deliveries;

            CREATE UNIQUE INDEX deliveries_one_daily ON deliveries(subscriber_id, local_date) WHERE kind = 'daily';
            CREATE INDEX deliveries_subscriber ON deliveries(subscriber_id, id);
            CREATE INDEX deliveries_status ON deliveries(status);
            CREATE INDEX deliveries_local_date ON deliveries(local_date, status);
            -- The report is queued once per recipient and day, however often `kizuna report` runs.
            CREATE UNIQUE INDEX deliveries_one_report ON deliveries(local_date, recipient) WHERE kind = 'report';
            -- The report's look-ups by period: failed deliveries (few) and inbound mail handled.
            CREATE INDEX deliveries_bounced ON deliveries(updated_at) WHERE status = 'bounced';
            CREATE INDEX inbound_messages_updated ON inbound_messages(updated_at);
            """)
    }
}

/// A subscriber the daily report names: newly bouncing, or stopped by a complaint.
public struct ReportedSubscriber: Sendable, Hashable {
    public var at: Date
    public var address: String
    public var edition: String
    /// The status now (a bouncing subscriber may have written since and be active again).
    public var status: SubscriberStatus
    /// The score after the last bounce (0 for a complaint).
    public var score: Double
    /// The last bounce's status and reason (`5.1.1 userunknown, hard`), or the complaint's feedback type.
    public var reason: String?
}

/// A command held because its authentication failed (`command held` event).
public struct ReportedHold: Sendable, Hashable {
    public var at: Date
    public var address: String?
    public var detail: String
}

/// A delivery that failed for good (`bounced`): refused at SMTP time, or bounced later.
public struct ReportedFailure: Sendable, Hashable {
    public var deliveryID: Int64
    public var kind: DeliveryKind
    public var localDate: CivilDate
    public var recipient: String
    public var smtpCode: Int?
    public var reply: String?
}

/// What happened in a report's period, beyond `StoreStats`' counts. Lists hold at most the
/// limit asked for; the totals count them all.
public struct ReportActivity: Sendable, Hashable {
    public var newlyBouncing: [ReportedSubscriber] = []
    public var newlyBouncingTotal = 0
    public var complaints: [ReportedSubscriber] = []
    public var complaintsTotal = 0
    public var held: [ReportedHold] = []
    public var heldTotal = 0
    public var failures: [ReportedFailure] = []
    public var failuresTotal = 0
    /// Losses reported by parents: a person may want to reach out.
    public var losses: [ReportedLoss] = []
    public var lossesTotal = 0
    /// Administrators' mail refused (or interrupted while carried out).
    public var adminMail: [ReportedAdminMail] = []
    public var adminMailTotal = 0
    /// Inbound messages closed in the period: kind (nil: the message could not be read) → status → count.
    public var inbound: [InboundKind?: [InboundStatus: Int]] = [:]
    /// Subscribers confirmed by email (consent) in the period.
    public var confirmed = 0
    /// Single subscriptions stopped (the subscriber goes on) and ended (a birth, a loss) in the period.
    public var subscriptionsStopped = 0
    public var subscriptionsEnded = 0

    public init() {}
}

extension Store {
    // MARK: - The report's ledger

    /// When the last report before `date` was made: the start of the next report's period.
    public func lastReportMoment(before date: CivilDate) throws -> Date? {
        try writer.read { db in
            try String.fetchOne(db, sql: "SELECT max(created_at) FROM deliveries WHERE kind = 'report' AND local_date < ?",
                                arguments: [date]).flatMap(Timestamp.date(from:))
        }
    }

    /// The report deliveries of `date`, in id order.
    public func reportDeliveries(on date: CivilDate) throws -> [DeliveryRecord] {
        try writer.read { db in
            try DeliveryRecord.filter(DeliveryRecord.Columns.kind == DeliveryKind.report && DeliveryRecord.Columns.localDate == date)
                .order(DeliveryRecord.Columns.id).fetchAll(db)
        }
    }

    /// Plans the report of `date` for each recipient who has none yet, in ONE transaction: the
    /// delivery (`planned`, kind `report`) and, rendered by `render` with its delivery id, the
    /// message in `system_mail` until the spool has it (`pendingSystemMail(purpose: "report")`).
    /// A recipient who already has the day's report gets nothing new, so running the report
    /// twice queues one. `render` must not call the store. Returns what was planned.
    public func planReport(on date: CivilDate, recipients: [String], at: Date,
                           render: (_ deliveryID: Int64, _ recipient: String) throws -> SystemMailContent) throws -> [PendingSystemMail] {
        let now = Timestamp.string(from: at)
        return try writer.write { db in
            var planned: [PendingSystemMail] = []
            for recipient in recipients {
                try db.execute(sql: """
                    INSERT INTO deliveries (subscriber_id, kind, local_date, recipient, status, created_at, updated_at)
                    VALUES (NULL, 'report', ?, ?, 'planned', ?, ?) ON CONFLICT (local_date, recipient) WHERE kind = 'report' DO NOTHING
                    """, arguments: [date, recipient, now, now])
                guard db.changesCount > 0 else { continue }
                let id = db.lastInsertedRowID
                let content = try render(id, recipient)
                try Store.storeSystemMail(db, deliveryID: id, inboundID: nil, purpose: "report", content: content)
                planned.append(PendingSystemMail(deliveryID: id, recipient: recipient, content: content))
            }
            return planned
        }
    }

    // MARK: - What the report tells

    /// What happened after `since` up to `until`: subscribers newly bouncing or stopped by a
    /// complaint, held commands, failed deliveries (at most `limit` of each, oldest first),
    /// inbound mail per kind, and the subscription changes `StoreStats` does not count. One snapshot.
    /// Of every edition, or only what belongs to `editions` (`EditionScope`; administrators' mail
    /// by the edition it was sent to).
    public func reportActivity(since: Date, until: Date, editions: [String]? = nil, limit: Int = 50) throws -> ReportActivity {
        let period: StatementArguments = [Timestamp.string(from: since), Timestamp.string(from: until)]
        return try writer.read { db in
            var a = ReportActivity()
            (a.newlyBouncingTotal, a.newlyBouncing) = try Store.newlyBouncing(db, period, editions, limit: limit)
            (a.complaintsTotal, a.complaints) = try Store.complaints(db, period, editions, limit: limit)
            (a.heldTotal, a.held) = try Store.heldCommands(db, period, editions, limit: limit)
            (a.failuresTotal, a.failures) = try Store.failures(db, period, editions, limit: limit)
            (a.lossesTotal, a.losses) = try Store.lossesReported(db, period, editions, limit: limit)
            (a.adminMailTotal, a.adminMail) = try Store.adminMailAttention(db, period, editions, limit: limit)
            a.inbound = try Store.inboundHandled(db, period, editions)
            (a.confirmed, a.subscriptionsStopped, a.subscriptionsEnded) = try Store.subscriptionChanges(db, period, editions)
            return a
        }
    }

    /// The status changes to bouncing, each with the bounce that made it (the last one counted before it).
    private static func newlyBouncing(_ db: Database, _ period: StatementArguments, _ editions: [String]?, limit: Int) throws -> (Int, [ReportedSubscriber]) {
        let scope = EditionScope.edition("s.edition", editions), period = period + scope.arguments
        let bouncing = """
            FROM events e JOIN subscribers s ON s.id = e.subscriber_id
            WHERE e.at > ? AND e.at <= ? AND e.kind = 'status' AND e.detail LIKE '% -> bouncing:%'\(scope.sql)
            """
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(bouncing)", arguments: period) ?? 0
        let rows = try Row.fetchAll(db, sql: """
            SELECT e.at, s.address, s.edition, s.status,
                   (SELECT b.score FROM bounce_events b WHERE b.subscriber_id = s.id AND b.at <= e.at AND b.kind IN ('bounce', 'smtp')
                    ORDER BY b.id DESC LIMIT 1) AS score,
                   (SELECT trim(coalesce(b.status, '') || ' ' || coalesce(b.reason, '')) || CASE b.hard WHEN 1 THEN ', hard' WHEN 0 THEN ', soft' ELSE '' END
                    FROM bounce_events b WHERE b.subscriber_id = s.id AND b.at <= e.at AND b.kind IN ('bounce', 'smtp')
                    ORDER BY b.id DESC LIMIT 1) AS reason
            \(bouncing) ORDER BY e.at, e.id LIMIT ?
            """, arguments: period + [limit])
        return (total, try rows.map { row in
            ReportedSubscriber(at: try Timestamp.decode(row, "at"), address: row["address"], edition: row["edition"],
                               status: row["status"], score: row["score"] ?? 0, reason: row["reason"])
        })
    }

    /// Subscribers stopped by a complaint.
    private static func complaints(_ db: Database, _ period: StatementArguments, _ editions: [String]?, limit: Int) throws -> (Int, [ReportedSubscriber]) {
        let scope = EditionScope.edition("s.edition", editions), period = period + scope.arguments
        let complaints = "FROM events e JOIN subscribers s ON s.id = e.subscriber_id WHERE e.at > ? AND e.at <= ? AND e.kind = 'complaint'\(scope.sql)"
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(complaints)", arguments: period) ?? 0
        let rows = try Row.fetchAll(db, sql: "SELECT e.at, e.detail, s.address, s.edition, s.status \(complaints) ORDER BY e.at, e.id LIMIT ?",
                                    arguments: period + [limit])
        return (total, try rows.map { row in
            ReportedSubscriber(at: try Timestamp.decode(row, "at"), address: row["address"], edition: row["edition"],
                               status: row["status"], score: 0, reason: row["detail"])
        })
    }

    /// Commands held because their authentication failed.
    private static func heldCommands(_ db: Database, _ period: StatementArguments, _ editions: [String]?, limit: Int) throws -> (Int, [ReportedHold]) {
        let scope = EditionScope.edition("s.edition", editions), period = period + scope.arguments
        let held = "FROM events e LEFT JOIN subscribers s ON s.id = e.subscriber_id WHERE e.at > ? AND e.at <= ? AND e.kind = 'command held'\(scope.sql)"
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(held)", arguments: period) ?? 0
        let rows = try Row.fetchAll(db, sql: "SELECT e.at, e.detail, s.address \(held) ORDER BY e.at, e.id LIMIT ?", arguments: period + [limit])
        return (total, try rows.map { row in
            ReportedHold(at: try Timestamp.decode(row, "at"), address: row["address"], detail: row["detail"] ?? "")
        })
    }

    /// Deliveries that failed for good.
    private static func failures(_ db: Database, _ period: StatementArguments, _ editions: [String]?, limit: Int) throws -> (Int, [ReportedFailure]) {
        let scope = EditionScope.subscriber("subscriber_id", editions), period = period + scope.arguments
        // The partial index holds only failed deliveries; the status index would walk every bounced one ever.
        let failed = "FROM deliveries INDEXED BY deliveries_bounced WHERE status = 'bounced' AND updated_at > ? AND updated_at <= ?\(scope.sql)"
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(failed)", arguments: period) ?? 0
        let rows = try Row.fetchAll(db, sql: "SELECT id, kind, local_date, recipient, smtp_code, smtp_reply \(failed) ORDER BY id LIMIT ?",
                                    arguments: period + [limit])
        return (total, rows.map { row in
            ReportedFailure(deliveryID: row["id"], kind: row["kind"], localDate: row["local_date"],
                            recipient: row["recipient"], smtpCode: row["smtp_code"], reply: row["smtp_reply"])
        })
    }

    /// Inbound messages closed in the period, by kind and status.
    private static func inboundHandled(_ db: Database, _ period: StatementArguments, _ editions: [String]?) throws -> [InboundKind?: [InboundStatus: Int]] {
        let scope = EditionScope.subscriber("subscriber_id", editions)
        var counts: [InboundKind?: [InboundStatus: Int]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT kind, status, COUNT(*) FROM inbound_messages
            WHERE updated_at > ? AND updated_at <= ? AND status <> 'fetched'\(scope.sql) GROUP BY 1, 2
            """, arguments: period + scope.arguments) {
            let kind: InboundKind? = row[0], status: InboundStatus = row[1]
            counts[kind, default: [:]][status] = row[2]
        }
        return counts
    }

    /// Subscribers confirmed by email, single subscriptions stopped, and subscriptions ended.
    private static func subscriptionChanges(_ db: Database, _ period: StatementArguments, _ editions: [String]?) throws -> (Int, Int, Int) {
        let scope = EditionScope.subscriber("subscriber_id", editions)
        guard let row = try Row.fetchOne(db, sql: """
            SELECT sum(kind = 'status' AND detail LIKE 'pending -> active:%'),
                   sum(kind = 'subscription' AND detail LIKE '%-> stopped%'),
                   sum(kind = 'subscription' AND (detail LIKE '%-> ended%' OR detail LIKE 'pregnancy ended%' OR detail LIKE 'pregnancy % -> child born%'))
            FROM events WHERE at > ? AND at <= ? AND kind IN ('status', 'subscription')\(scope.sql)
            """, arguments: period + scope.arguments) else { return (0, 0, 0) }
        return (row[0] ?? 0, row[1] ?? 0, row[2] ?? 0)
    }
}
