import Foundation
import GRDB
import KizunaCore

/// Where an inbound message sits in the mail store: one place per (mailbox, UIDVALIDITY, UID).
public struct InboundPlace: Sendable, Hashable, CustomStringConvertible {
    public var mailbox: String
    public var uidValidity: UInt32
    public var uid: UInt32

    public init(mailbox: String, uidValidity: UInt32, uid: UInt32) {
        self.mailbox = mailbox; self.uidValidity = uidValidity; self.uid = uid
    }

    public var description: String { "\(mailbox);UIDVALIDITY=\(uidValidity);UID=\(uid)" }
}

/// One row of the inbound ledger.
public struct InboundRecord: Sendable, Hashable {
    public var id: Int64
    public var place: InboundPlace
    public var messageID: String?
    public var status: InboundStatus
    /// Nil until the message is read (and for one that cannot be read).
    public var kind: InboundKind?
    public var decision: String?

    public init(id: Int64, place: InboundPlace, messageID: String?, status: InboundStatus, kind: InboundKind?, decision: String?) {
        self.id = id; self.place = place; self.messageID = messageID; self.status = status; self.kind = kind; self.decision = decision
    }
}

extension InboundRecord {
    static let columns = "id, mailbox, uidvalidity, uid, message_id, status, kind, decision"

    init(row: Row) {
        self.init(id: row["id"], place: InboundPlace(mailbox: row["mailbox"], uidValidity: UInt32(row["uidvalidity"] as Int64),
                                                     uid: UInt32(row["uid"] as Int64)),
                  messageID: row["message_id"], status: row["status"], kind: row["kind"], decision: row["decision"])
    }
}

/// What the lifecycle needs to know about a sender, read in one transaction.
public struct SenderState: Sendable {
    public var detail: SubscriberDetail?
    public var autoRepliesToday: Int
    /// The local date of the last confirmation request planned for this subscriber.
    public var lastConfirmationRequest: CivilDate?
    /// The command waiting for the subscriber's confirmation, if any.
    public var held: HeldCommand?
    /// The reader survey sent to the subscriber and open today, if any.
    public var openSurvey: OpenSurveySend?

    public init(detail: SubscriberDetail?, autoRepliesToday: Int, lastConfirmationRequest: CivilDate?, held: HeldCommand? = nil) {
        self.detail = detail; self.autoRepliesToday = autoRepliesToday
        self.lastConfirmationRequest = lastConfirmationRequest; self.held = held
    }
}

extension Store {
    // MARK: - IMAP position

    /// The last UID handled in `mailbox` under `uidValidity` (0 when none).
    public func lastUID(mailbox: String, uidValidity: UInt32) throws -> UInt32 {
        try writer.read { db in
            UInt32(try Int64.fetchOne(db, sql: "SELECT last_uid FROM imap_state WHERE mailbox = ? AND uidvalidity = ?",
                                      arguments: [mailbox, Int64(uidValidity)]) ?? 0)
        }
    }

    /// The UIDVALIDITY values seen for `mailbox`, newest first.
    public func knownUIDValidities(mailbox: String) throws -> [UInt32] {
        try writer.read { db in
            try Int64.fetchAll(db, sql: "SELECT uidvalidity FROM imap_state WHERE mailbox = ? ORDER BY updated_at DESC", arguments: [mailbox])
                .map { UInt32($0) }
        }
    }

    /// Moves the position forward (never back): every UID up to `uid` is handled.
    public func advanceIMAPPosition(mailbox: String, uidValidity: UInt32, to uid: UInt32, at: Date) throws {
        try writer.write { db in try Store.advance(db, mailbox: mailbox, uidValidity: uidValidity, to: uid, at: at) }
    }

    static func advance(_ db: Database, mailbox: String, uidValidity: UInt32, to uid: UInt32, at: Date) throws {
        try db.execute(sql: """
            INSERT INTO imap_state (mailbox, uidvalidity, last_uid, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (mailbox, uidvalidity) DO UPDATE SET last_uid = max(last_uid, excluded.last_uid), updated_at = excluded.updated_at
            """, arguments: [mailbox, Int64(uidValidity), Int64(uid), Timestamp.string(from: at)])
    }

    // MARK: - Inbound ledger

    /// The ledger row of a place, or of a Message-ID (the same message at another place).
    public func inbound(place: InboundPlace, messageID: String?) throws -> InboundRecord? {
        try writer.read { db in try Store.inbound(db, place: place, messageID: messageID) }
    }

    static func inbound(_ db: Database, place: InboundPlace, messageID: String?) throws -> InboundRecord? {
        let columns = InboundRecord.columns
        var row = try Row.fetchOne(db, sql: "SELECT \(columns) FROM inbound_messages WHERE mailbox = ? AND uidvalidity = ? AND uid = ?",
                                   arguments: [place.mailbox, Int64(place.uidValidity), Int64(place.uid)])
        if row == nil, let messageID {
            row = try Row.fetchOne(db, sql: "SELECT \(columns) FROM inbound_messages WHERE message_id = ?", arguments: [messageID])
        }
        return row.map(InboundRecord.init(row:))
    }

    /// Records that a message was fetched and written to the inbound spool (before anything
    /// acts on it). Returns the existing row when the place or Message-ID is already known.
    @discardableResult
    public func recordInboundFetched(place: InboundPlace, messageID: String?, size: Int, at: Date) throws -> InboundRecord {
        try writer.write { db in
            if let existing = try Store.inbound(db, place: place, messageID: messageID) { return existing }
            let now = Timestamp.string(from: at)
            try db.execute(sql: """
                INSERT INTO inbound_messages (mailbox, uidvalidity, uid, message_id, status, size, fetched_at, updated_at)
                VALUES (?, ?, ?, ?, 'fetched', ?, ?, ?)
                """, arguments: [place.mailbox, Int64(place.uidValidity), Int64(place.uid), messageID, size, now, now])
            return InboundRecord(id: db.lastInsertedRowID, place: place, messageID: messageID, status: .fetched, kind: nil, decision: nil)
        }
    }

    /// Closes a message that is not acted on (a report, an auto-reply, list mail, or one that
    /// could not be read): `ignored` or `failed`, with its kind and decision, and the position
    /// moves past it — one transaction. An already closed message stays as it was.
    public func closeInbound(place: InboundPlace, messageID: String?, status: InboundStatus, kind: InboundKind?, sender: String?,
                             decision: String, event: LifecycleRecord?, at: Date) throws {
        guard [.ignored, .failed].contains(status) else { throw StoreError.invalidValue(field: "inbound status", value: status.rawValue) }
        try writer.write { db in
            let now = Timestamp.string(from: at)
            if let row = try Store.inbound(db, place: place, messageID: messageID) {
                guard row.status == .fetched else { return }
                try db.execute(sql: "UPDATE inbound_messages SET status = ?, kind = ?, sender = ?, decision = ?, updated_at = ? WHERE id = ?",
                               arguments: [status, kind, sender, decision, now, row.id])
            } else {
                try db.execute(sql: """
                    INSERT INTO inbound_messages (mailbox, uidvalidity, uid, message_id, status, kind, sender, decision, fetched_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [place.mailbox, Int64(place.uidValidity), Int64(place.uid), messageID, status, kind, sender, decision, now, now])
            }
            if let event {
                var e = EventRecord(at: at, subscriberID: nil, kind: event.kind, detail: event.detail, messageID: event.messageID)
                try e.insert(db)
            }
            try Store.advance(db, mailbox: place.mailbox, uidValidity: place.uidValidity, to: place.uid, at: at)
        }
    }

    // MARK: - Senders

    /// The subscriber with this address in the edition, how many automatic mails it got on
    /// `today`, and when its last confirmation request was planned.
    public func senderState(address: EmailAddress, edition: String, today: CivilDate) throws -> SenderState {
        try writer.read { db in try Store.senderState(db, address: address, edition: edition, today: today) }
    }

    static func senderState(_ db: Database, address: EmailAddress, edition: String, today: CivilDate) throws -> SenderState {
        let count = try Int.fetchOne(db, sql: "SELECT count FROM auto_reply_counts WHERE address_key = ? AND local_date = ?",
                                     arguments: [address.matchKey, today.iso]) ?? 0
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM subscribers WHERE edition = ? AND address_key = ?",
                                          arguments: [edition, address.matchKey]) else {
            return SenderState(detail: nil, autoRepliesToday: count, lastConfirmationRequest: nil)
        }
        let last = try String.fetchOne(db, sql: """
            SELECT max(d.local_date) FROM deliveries d JOIN system_mail m ON m.delivery_id = d.id
            WHERE d.subscriber_id = ? AND m.purpose IN ('confirm', 'confirm command')
            """, arguments: [id]).flatMap(CivilDate.init(iso:))
        let held = try Row.fetchOne(db, sql: "SELECT command, held_on, message_id FROM held_commands WHERE subscriber_id = ?", arguments: [id])
            .flatMap { row -> HeldCommand? in
                guard let command = MailCommand(heldForm: row["command"]), let day = CivilDate(iso: row["held_on"] as String) else { return nil }
                return HeldCommand(command: command, day: day, messageID: row["message_id"])
            }
        var state = SenderState(detail: try Store.detail(db, id: id), autoRepliesToday: count, lastConfirmationRequest: last, held: held)
        state.openSurvey = try Store.openSurveySend(db, subscriberID: id, edition: edition, on: today)
        return state
    }

    /// Inbound ledger rows with a status, oldest first (for tests and the operator).
    public func inboundMessages(status: InboundStatus? = nil) throws -> [InboundRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(InboundRecord.columns) FROM inbound_messages \(status == nil ? "" : "WHERE status = ?") ORDER BY id
                """, arguments: status.map { [$0] } ?? []).map(InboundRecord.init(row:))
        }
    }
}
