import Foundation
import GRDB
import KizunaCore

extension Schema {
    /// Administrators' mail: every decision about one (`admin_mail`), the signatures already
    /// acted on (`admin_signatures`, so a signed message is carried out once), and a delivery
    /// kind `admin` for the replies (addressed to a key's owner, not to a subscriber).
    static func v9AdminMail(_ db: Database) throws {
        let columns = """
            id, subscriber_id, kind, local_date, recipient, status, message_id, subject, envelope_from, attempts,
            smtp_code, smtp_reply, created_at, updated_at
            """
        try db.execute(sql: """
            CREATE TABLE deliveries_v9 (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                subscriber_id INTEGER REFERENCES subscribers(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('daily', 'system', 'report', 'admin')),
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
                -- A report or an administrator's reply goes to a person at the clinic; every other delivery to a subscriber.
                CHECK ((subscriber_id IS NULL) = (kind IN ('report', 'admin')))
            ) STRICT;
            INSERT INTO deliveries_v9 (\(columns)) SELECT \(columns) FROM deliveries;
            DELETE FROM sqlite_sequence WHERE name = 'deliveries_v9';
            INSERT INTO sqlite_sequence (name, seq) SELECT 'deliveries_v9', seq FROM sqlite_sequence WHERE name = 'deliveries';
            DROP TABLE deliveries;
            ALTER TABLE deliveries_v9 RENAME TO deliveries;
            CREATE UNIQUE INDEX deliveries_one_daily ON deliveries(subscriber_id, local_date) WHERE kind = 'daily';
            CREATE INDEX deliveries_subscriber ON deliveries(subscriber_id, id);
            CREATE INDEX deliveries_status ON deliveries(status);
            CREATE INDEX deliveries_local_date ON deliveries(local_date, status);
            CREATE UNIQUE INDEX deliveries_one_report ON deliveries(local_date, recipient) WHERE kind = 'report';
            CREATE INDEX deliveries_bounced ON deliveries(updated_at) WHERE status = 'bounced';

            CREATE TABLE admin_mail (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                inbound_id INTEGER REFERENCES inbound_messages(id) ON DELETE SET NULL,
                received_at TEXT NOT NULL,
                edition TEXT,
                sender TEXT,
                message_id TEXT,
                form TEXT CHECK (form IS NULL OR form IN (\(PGPFormWords.sql))),
                fingerprint TEXT CHECK (fingerprint IS NULL OR (fingerprint <> '' AND fingerprint NOT GLOB '*[^0-9A-F]*')),
                signed_at TEXT,
                status TEXT NOT NULL CHECK (status IN ('refused', 'accepted', 'carried out', 'not carried out')),
                reason TEXT CHECK ((status = 'refused') = (reason IS NOT NULL)),
                detail TEXT,
                reply_delivery_id INTEGER REFERENCES deliveries(id) ON DELETE SET NULL,
                updated_at TEXT NOT NULL
            ) STRICT;
            CREATE INDEX admin_mail_updated ON admin_mail(updated_at);

            -- A signature is acted on once: by its signer, its time and the digest of what it signs.
            CREATE TABLE admin_signatures (
                fingerprint TEXT NOT NULL,
                signed_at TEXT NOT NULL,
                digest TEXT NOT NULL CHECK (length(digest) = 64),
                admin_mail_id INTEGER NOT NULL REFERENCES admin_mail(id),
                PRIMARY KEY (fingerprint, signed_at, digest)
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX admin_signatures_mail ON admin_signatures(admin_mail_id);
            """)
    }
}

/// The words of `PGPMail.Form` as the store keeps them (KizunaStore does not import KizunaMIME).
enum PGPFormWords {
    static let all = ["pgp/mime signed", "pgp/mime encrypted", "inline signed", "inline message"]
    static var sql: String { all.map { "'\($0)'" }.joined(separator: ", ") }
}

/// Where an administrator's mail stands. The raw value is the stored word.
public enum AdminMailStatus: String, Sendable, Hashable, Codable, CaseIterable, StoredWord {
    /// A check failed: nothing was carried out.
    case refused
    /// Every check passed and the signature is recorded; the commands were being carried out.
    /// A row left in this state was interrupted (a crash): it is never carried out again.
    case accepted
    case carriedOut = "carried out"
    /// The commands were read and none was carried out (an invalid line rejects them all).
    case notCarriedOut = "not carried out"
}

extension AdminMailStatus: DatabaseValueConvertible {}

/// One administrator's mail and what was decided about it.
public struct AdminMailEntry: Sendable, Hashable {
    public var place: InboundPlace
    public var messageID: String?
    public var receivedAt: Date
    public var edition: String?
    /// The From address as read (where a reply may go, never who is asking).
    public var sender: String?
    /// `PGPMail.Form`'s word; nil for unsigned mail.
    public var form: String?
    /// The signer's primary fingerprint, when a signature named one.
    public var fingerprint: String?
    public var signedAt: Date?
    /// The reader's decision (JSON), for the inbound ledger.
    public var decision: String

    public init(place: InboundPlace, messageID: String?, receivedAt: Date, edition: String?, sender: String?, form: String?,
                fingerprint: String?, signedAt: Date?, decision: String) {
        self.place = place; self.messageID = messageID; self.receivedAt = receivedAt; self.edition = edition; self.sender = sender
        self.form = form; self.fingerprint = fingerprint; self.signedAt = signedAt; self.decision = decision
    }
}

/// A signature as the replay check knows it: signer, time, and the SHA-256 of the signed bytes.
public struct AdminSignatureKey: Sendable, Hashable {
    public var fingerprint: String
    public var signedAt: Date
    /// Lower-case hex SHA-256 of the signed bytes.
    public var digest: String

    public init(fingerprint: String, signedAt: Date, digest: String) {
        self.fingerprint = fingerprint; self.signedAt = signedAt; self.digest = digest
    }

    var arguments: StatementArguments { [fingerprint, Timestamp.string(from: signedAt), digest] }
}

/// An administrator's mail the daily report lists under "needs attention": refused, or
/// interrupted while it was being carried out.
public struct ReportedAdminMail: Sendable, Hashable {
    public var at: Date
    public var sender: String?
    public var status: AdminMailStatus
    public var reason: String?
    public var fingerprint: String?
}

extension Store {
    /// Whether this signature was seen before (carried out, or refused after it verified).
    public func adminSignatureSeen(_ key: AdminSignatureKey) throws -> Bool {
        try writer.read { db in try Store.adminSignatureSeen(db, key) }
    }

    static func adminSignatureSeen(_ db: Database, _ key: AdminSignatureKey) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM admin_signatures WHERE fingerprint = ? AND signed_at = ? AND digest = ?)",
                          arguments: key.arguments) ?? false
    }

    /// Records a refused administrator's mail: its row (`refused`, the reason), the inbound
    /// ledger's `ignored` (kind `other`: never a parent's command), an `admin mail refused`
    /// event and the IMAP position — one transaction. A good signature refused for its key or
    /// age is remembered too (`signature`), so it never counts later. Returns the row's id.
    @discardableResult
    public func refuseAdminMail(_ entry: AdminMailEntry, reason: AdminRefusal, detail: String, signature: AdminSignatureKey?,
                                at: Date) throws -> Int64 {
        try writer.write { db in
            let inboundID = try Store.closeAdminInbound(db, entry, status: .ignored, kind: .other, at: at)
            let id = try Store.insertAdminMail(db, entry, inboundID: inboundID, status: .refused, reason: reason.rawValue, detail: detail, at: at)
            if let signature, !(try Store.adminSignatureSeen(db, signature)) { try Store.insertAdminSignature(db, signature, mailID: id) }
            var event = EventRecord(at: at, subscriberID: nil, kind: .adminMailRefused,
                                    detail: "\(reason.rawValue) from \(entry.sender ?? "?")" + (entry.fingerprint.map { " (key \($0))" } ?? "")
                                        + (detail.isEmpty ? "" : ": \(detail)"),
                                    messageID: entry.messageID)
            try event.insert(db)
            return id
        }
    }

    /// Records an administrator's mail that passed every check, BEFORE anything of it is carried
    /// out: its row (`accepted`), its signature in `admin_signatures`, the inbound ledger's
    /// `applied` (kind `command`), an `admin mail accepted` event and the IMAP position — one
    /// transaction. A crash after this commit leaves the mail recorded and not carried out; it
    /// is never carried out twice. Nil (nothing written) when the signature is already there.
    public func acceptAdminMail(_ entry: AdminMailEntry, signature: AdminSignatureKey, at: Date) throws -> Int64? {
        try writer.write { db in
            guard !(try Store.adminSignatureSeen(db, signature)) else { return nil }
            let inboundID = try Store.closeAdminInbound(db, entry, status: .applied, kind: .command, at: at)
            let id = try Store.insertAdminMail(db, entry, inboundID: inboundID, status: .accepted, reason: nil, detail: nil, at: at)
            try Store.insertAdminSignature(db, signature, mailID: id)
            var event = EventRecord(at: at, subscriberID: nil, kind: .adminMailAccepted,
                                    detail: "key \(signature.fingerprint) from \(entry.sender ?? "?") (\(entry.form ?? "?"))",
                                    messageID: entry.messageID)
            try event.insert(db)
            return id
        }
    }

    /// What became of an accepted mail's commands, with its reply (planned as an `admin`
    /// delivery, its rendered bytes stored until the spool has them) — one transaction. The
    /// reply carries the mail's `edition` (kept in `admin_mail`), whose relay sends it.
    public func finishAdminMail(id: Int64, status: AdminMailStatus, detail: String, reply: (recipient: String, purpose: String)?,
                                edition: String?, today: CivilDate, at: Date,
                                render: (_ deliveryID: Int64) throws -> SystemMailContent) throws -> PendingSystemMail? {
        try writer.write { db in
            let now = Timestamp.string(from: at)
            var pending: PendingSystemMail?
            if let reply {
                let deliveryID = try Store.planAdminDelivery(db, recipient: reply.recipient, today: today, now: now)
                let content = try render(deliveryID)
                try Store.storeSystemMail(db, deliveryID: deliveryID, inboundID: nil, purpose: reply.purpose, content: content)
                pending = PendingSystemMail(deliveryID: deliveryID, recipient: reply.recipient, content: content, edition: edition)
            }
            try db.execute(sql: "UPDATE admin_mail SET status = ?, detail = ?, reply_delivery_id = ?, updated_at = ? WHERE id = ?",
                           arguments: [status, detail, pending?.deliveryID, now, id])
            return pending
        }
    }

    /// Plans a short notice about a refused mail to its (known) signer, stored until spooled;
    /// it goes through the relay of the mail's `edition`.
    public func planAdminNotice(mailID: Int64, recipient: String, edition: String?, today: CivilDate, at: Date,
                                render: (_ deliveryID: Int64) throws -> SystemMailContent) throws -> PendingSystemMail {
        try writer.write { db in
            let now = Timestamp.string(from: at)
            let deliveryID = try Store.planAdminDelivery(db, recipient: recipient, today: today, now: now)
            let content = try render(deliveryID)
            try Store.storeSystemMail(db, deliveryID: deliveryID, inboundID: nil, purpose: "admin notice", content: content)
            try db.execute(sql: "UPDATE admin_mail SET reply_delivery_id = ?, updated_at = ? WHERE id = ?", arguments: [deliveryID, now, mailID])
            return PendingSystemMail(deliveryID: deliveryID, recipient: recipient, content: content, edition: edition)
        }
    }

    /// The status, reason and fingerprint of one administrator's mail (for tests and `inspect`).
    public func adminMail(id: Int64) throws -> (status: AdminMailStatus, reason: String?, fingerprint: String?, detail: String?)? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT status, reason, fingerprint, detail FROM admin_mail WHERE id = ?", arguments: [id])
                .map { ($0["status"], $0["reason"], $0["fingerprint"], $0["detail"]) }
        }
    }

    /// Every administrator's mail, oldest first: status, reason, fingerprint and sender.
    public func adminMailDecisions() throws -> [(status: AdminMailStatus, reason: String?, fingerprint: String?, sender: String?)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT status, reason, fingerprint, sender FROM admin_mail ORDER BY id")
                .map { ($0["status"], $0["reason"], $0["fingerprint"], $0["sender"]) }
        }
    }

    /// Refused administrators' mail in the period, and accepted mail whose commands were never
    /// finished (interrupted): what the daily report lists under "needs attention".
    static func adminMailAttention(_ db: Database, _ period: StatementArguments, _ editions: [String]?, limit: Int) throws -> (Int, [ReportedAdminMail]) {
        let scope = EditionScope.edition("edition", editions), period = period + scope.arguments
        let which = "FROM admin_mail WHERE updated_at > ? AND updated_at <= ? AND status IN ('refused', 'accepted')\(scope.sql)"
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(which)", arguments: period) ?? 0
        let rows = try Row.fetchAll(db, sql: "SELECT received_at, sender, status, reason, fingerprint \(which) ORDER BY id LIMIT ?",
                                    arguments: period + [limit])
        return (total, try rows.map { row in
            ReportedAdminMail(at: try Timestamp.decode(row, "received_at"), sender: row["sender"], status: row["status"],
                              reason: row["reason"], fingerprint: row["fingerprint"])
        })
    }

    // MARK: - Rows

    private static func closeAdminInbound(_ db: Database, _ entry: AdminMailEntry, status: InboundStatus, kind: InboundKind,
                                          at: Date) throws -> Int64 {
        let now = Timestamp.string(from: at)
        let place = entry.place
        let id: Int64
        if let row = try Store.inbound(db, place: place, messageID: entry.messageID) {
            try db.execute(sql: "UPDATE inbound_messages SET status = ?, kind = ?, sender = ?, decision = ?, updated_at = ? WHERE id = ?",
                           arguments: [status, kind, entry.sender, entry.decision, now, row.id])
            id = row.id
        } else {
            try db.execute(sql: """
                INSERT INTO inbound_messages (mailbox, uidvalidity, uid, message_id, status, kind, sender, decision, fetched_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [place.mailbox, Int64(place.uidValidity), Int64(place.uid), entry.messageID, status, kind, entry.sender,
                                 entry.decision, now, now])
            id = db.lastInsertedRowID
        }
        try Store.advance(db, mailbox: place.mailbox, uidValidity: place.uidValidity, to: place.uid, at: at)
        return id
    }

    private static func insertAdminMail(_ db: Database, _ e: AdminMailEntry, inboundID: Int64, status: AdminMailStatus, reason: String?,
                                        detail: String?, at: Date) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO admin_mail (inbound_id, received_at, edition, sender, message_id, form, fingerprint, signed_at, status, reason, detail, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [inboundID, Timestamp.string(from: e.receivedAt), e.edition, e.sender, e.messageID, e.form, e.fingerprint,
                             e.signedAt.map(Timestamp.string(from:)), status, reason, detail, Timestamp.string(from: at)])
        return db.lastInsertedRowID
    }

    private static func insertAdminSignature(_ db: Database, _ key: AdminSignatureKey, mailID: Int64) throws {
        try db.execute(sql: "INSERT INTO admin_signatures (fingerprint, signed_at, digest, admin_mail_id) VALUES (?, ?, ?, ?)",
                       arguments: key.arguments + [mailID])
    }

    private static func planAdminDelivery(_ db: Database, recipient: String, today: CivilDate, now: String) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO deliveries (subscriber_id, kind, local_date, recipient, status, created_at, updated_at)
            VALUES (NULL, 'admin', ?, ?, 'planned', ?, ?)
            """, arguments: [today, recipient, now, now])
        return db.lastInsertedRowID
    }
}
