import Foundation
import GRDB
import KizunaCore

/// A rendered system mail: its envelope sender and the MIME bytes.
public struct SystemMailContent: Sendable {
    public var mailFrom: String
    public var messageID: String
    public var subject: String
    public var bytes: [UInt8]

    public init(mailFrom: String, messageID: String, subject: String, bytes: [UInt8]) {
        self.mailFrom = mailFrom; self.messageID = messageID; self.subject = subject; self.bytes = bytes
    }
}

/// A system mail stored but not yet in the spool.
public struct PendingSystemMail: Sendable {
    public var deliveryID: Int64
    public var recipient: String
    public var content: SystemMailContent
    /// The edition whose relay carries it: the subscriber's, or an administrator's mail's (its
    /// answer or notice); nil for the daily report (the report job sets an edition's
    /// `report_to` part's from the configuration).
    public var edition: String?

    public init(deliveryID: Int64, recipient: String, content: SystemMailContent, edition: String? = nil) {
        self.deliveryID = deliveryID; self.recipient = recipient; self.content = content; self.edition = edition
    }
}

extension Store {
    // MARK: - System mail between store and spool

    /// System mail planned but not yet in the spool (after a crash between the two); only of
    /// one purpose (`report`, `confirm`, …) when `purpose` is given.
    public func pendingSystemMail(purpose: String? = nil) throws -> [PendingSystemMail] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.id, d.recipient, m.mail_from, m.message_id, m.subject, m.body, coalesce(s.edition, a.edition) AS edition
                FROM deliveries d JOIN system_mail m ON m.delivery_id = d.id LEFT JOIN subscribers s ON s.id = d.subscriber_id
                LEFT JOIN admin_mail a ON a.reply_delivery_id = d.id
                WHERE d.status = 'planned' AND length(m.body) > 0 \(purpose == nil ? "" : "AND m.purpose = ?") ORDER BY d.id
                """, arguments: purpose.map { [$0] } ?? []).map { row in
                let body: Data = row["body"]
                return PendingSystemMail(deliveryID: row["id"], recipient: row["recipient"],
                                         content: SystemMailContent(mailFrom: row["mail_from"], messageID: row["message_id"],
                                                                    subject: row["subject"], bytes: Array(body)),
                                         edition: row["edition"])
            }
        }
    }

    /// Marks system mail as in the spool: the deliveries become `queued` and the stored bytes
    /// are dropped (the spool file is the message now). Returns the ids that were not planned.
    @discardableResult
    public func markSystemMailQueued(_ mail: [PendingSystemMail], at: Date) throws -> [Int64] {
        let now = Timestamp.string(from: at)
        return try writer.write { db in
            let refused = try Store.markQueued(db, mail.map { ($0.deliveryID, $0.content.messageID, $0.content.subject, $0.content.mailFrom) },
                                               now: now)
            for m in mail {
                try db.execute(sql: "UPDATE system_mail SET body = x'' WHERE delivery_id = ?", arguments: [m.deliveryID])
            }
            return refused
        }
    }

    /// Stores a rendered system mail beside its delivery until the spool has it.
    static func storeSystemMail(_ db: Database, deliveryID: Int64, inboundID: Int64?, purpose: String, content: SystemMailContent) throws {
        try db.execute(sql: """
            INSERT INTO system_mail (delivery_id, inbound_id, purpose, mail_from, message_id, subject, body)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [deliveryID, inboundID, purpose, content.mailFrom, content.messageID, content.subject, Data(content.bytes)])
    }
}
