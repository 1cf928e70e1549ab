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
}

/// What the lifecycle needs to know about a sender, read in one transaction.
public struct SenderState: Sendable {
    public var detail: SubscriberDetail?
    public var autoRepliesToday: Int
    /// The local date of the last confirmation request planned for this subscriber.
    public var lastConfirmationRequest: CivilDate?
    /// The command waiting for the subscriber's confirmation, if any.
    public var held: HeldCommand?
}

/// A system mail the store has planned while carrying out a message's actions; the caller
/// renders it (inside the same transaction) from the subscriber as it is after the actions.
public struct SystemMailRequest: Sendable {
    public var deliveryID: Int64
    /// The action that asked for it: `.sendConfirmationRequest`, `.sendWelcome` or `.reply`.
    public var action: LifecycleAction
    public var subscriber: SubscriberRecord
    public var subscriptions: [SubscriptionRecord]
    /// The ledger items a welcome carries (today's message), already recorded as included.
    public var items: [ItemPlan]
}

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
}

/// One message to apply: where it is, who sent it, and how to decide its actions from the
/// sender's state (read inside the applying transaction).
public struct InboundCommand {
    public var place: InboundPlace
    public var messageID: String?
    public var kind: InboundKind
    public var sender: EmailAddress
    public var edition: String
    public var decision: String
    public var decide: (SenderState) -> [LifecycleAction]

    public init(place: InboundPlace, messageID: String?, kind: InboundKind, sender: EmailAddress, edition: String, decision: String,
                decide: @escaping (SenderState) -> [LifecycleAction]) {
        self.place = place; self.messageID = messageID; self.kind = kind; self.sender = sender; self.edition = edition
        self.decision = decision; self.decide = decide
    }
}

/// The outcome of applying one inbound message.
public struct InboundApplication: Sendable {
    /// False when the ledger already had the message as handled: nothing was done again.
    public var applied: Bool
    public var subscriberID: Int64?
    public var mail: [PendingSystemMail]
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
        let columns = "id, mailbox, uidvalidity, uid, message_id, status, kind, decision"
        var row = try Row.fetchOne(db, sql: "SELECT \(columns) FROM inbound_messages WHERE mailbox = ? AND uidvalidity = ? AND uid = ?",
                                   arguments: [place.mailbox, Int64(place.uidValidity), Int64(place.uid)])
        if row == nil, let messageID {
            row = try Row.fetchOne(db, sql: "SELECT \(columns) FROM inbound_messages WHERE message_id = ?", arguments: [messageID])
        }
        guard let row else { return nil }
        return InboundRecord(id: row["id"], place: InboundPlace(mailbox: row["mailbox"], uidValidity: UInt32(row["uidvalidity"] as Int64),
                                                                uid: UInt32(row["uid"] as Int64)),
                             messageID: row["message_id"], status: row["status"], kind: row["kind"], decision: row["decision"])
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
        do {
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
            return SenderState(detail: try Store.detail(db, id: id), autoRepliesToday: count, lastConfirmationRequest: last, held: held)
        }
    }

    // MARK: - Applying a message

    /// Carries out a message's lifecycle actions, plans and renders its system mail, counts the
    /// automatic mails, marks the message `applied` and moves the IMAP position past it — all
    /// in ONE transaction, so a crash never applies a message twice nor half. A message the
    /// ledger already has as handled (by place or Message-ID) changes nothing.
    ///
    /// `welcomeItems(subscriptions)` names the ledger items a welcome carries (today's message);
    /// `render` turns each planned system mail into MIME (it must not call the store).
    public func applyInbound(place: InboundPlace, messageID: String?, kind: InboundKind, sender: EmailAddress, edition: String,
                             decision: String, actions: [LifecycleAction], today: CivilDate, at: Date,
                             welcomeItems: ([SubscriptionRecord]) -> [ItemPlan],
                             render: (SystemMailRequest) throws -> SystemMailContent) throws -> InboundApplication {
        let item = InboundCommand(place: place, messageID: messageID, kind: kind, sender: sender, edition: edition,
                                  decision: decision, decide: { _ in actions })
        return try writer.write { db in try Store.apply(db, item, today: today, at: at, welcomeItems: welcomeItems, render: render) }
    }

    /// Applies a chunk of messages in ONE transaction (one commit for all: the ledger's group
    /// commit), each message in a savepoint of its own: a message that fails leaves nothing
    /// behind and the others stand. Each message's actions are decided (`decide`) from its
    /// sender's state as the messages before it left it. Returns one result per message.
    public func applyInbound(_ items: [InboundCommand], today: CivilDate, at: Date,
                             welcomeItems: ([SubscriptionRecord]) -> [ItemPlan],
                             render: (SystemMailRequest) throws -> SystemMailContent) throws -> [Result<InboundApplication, Error>] {
        guard !items.isEmpty else { return [] }
        return try writer.write { db in
            var results: [Result<InboundApplication, Error>] = []
            for item in items {
                var outcome: InboundApplication?
                do {
                    try db.inSavepoint {
                        outcome = try Store.apply(db, item, today: today, at: at, welcomeItems: welcomeItems, render: render)
                        return .commit
                    }
                    results.append(.success(outcome!))
                } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR {
                    throw error
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }
    }

    static func apply(_ db: Database, _ item: InboundCommand, today: CivilDate, at: Date,
                      welcomeItems: ([SubscriptionRecord]) -> [ItemPlan],
                      render: (SystemMailRequest) throws -> SystemMailContent) throws -> InboundApplication {
        let place = item.place, messageID = item.messageID, kind = item.kind, sender = item.sender
        let edition = item.edition, decision = item.decision
        do {
            let now = Timestamp.string(from: at)
            let inboundID: Int64
            if let row = try Store.inbound(db, place: place, messageID: messageID) {
                guard row.status == .fetched else {
                    try Store.advance(db, mailbox: place.mailbox, uidValidity: place.uidValidity, to: place.uid, at: at)
                    return InboundApplication(applied: false, subscriberID: nil, mail: [])
                }
                inboundID = row.id
            } else {
                try db.execute(sql: """
                    INSERT INTO inbound_messages (mailbox, uidvalidity, uid, message_id, status, fetched_at, updated_at)
                    VALUES (?, ?, ?, ?, 'fetched', ?, ?)
                    """, arguments: [place.mailbox, Int64(place.uidValidity), Int64(place.uid), messageID, now, now])
                inboundID = db.lastInsertedRowID
            }
            let actions = item.decide(try Store.senderState(db, address: sender, edition: edition, today: today))
            var subscriberID = try Int64.fetchOne(db, sql: "SELECT id FROM subscribers WHERE edition = ? AND address_key = ?",
                                                  arguments: [edition, sender.matchKey])
            var mailPlans: [(LifecycleAction, [ItemPlan])] = []

            func event(_ kind: EventKind, _ detail: String?, subscription: Int64? = nil) throws {
                var e = EventRecord(at: at, subscriberID: subscriberID, subscriptionID: subscription, kind: kind, detail: detail, messageID: messageID)
                try e.insert(db)
            }
            func insertSubscription(_ id: Int64, _ track: Track, _ anchor: CivilDate, _ nickname: String?) throws {
                try db.execute(sql: """
                    INSERT INTO subscriptions (subscriber_id, track, anchor_date, nickname, status, start_date, created_at, updated_at)
                    VALUES (?, ?, ?, ?, 'active', ?, ?, ?)
                    ON CONFLICT (subscriber_id, track, anchor_date) DO UPDATE SET status = 'active', nickname = excluded.nickname,
                        start_date = excluded.start_date, updated_at = excluded.updated_at
                    """, arguments: [id, track.rawValue, anchor.iso, nickname, today.iso, now, now])
            }
            /// A sender with no subscriber row gets one (stopped, no subscription) so that a reply has a recipient.
            func ensureSubscriber(language: String) throws -> Int64 {
                if let subscriberID { return subscriberID }
                try db.execute(sql: """
                    INSERT INTO subscribers (address, address_key, edition, language, status, created_at, updated_at)
                    VALUES (?, ?, ?, ?, 'stopped', ?, ?)
                    """, arguments: [sender.description, sender.matchKey, edition, language, now, now])
                subscriberID = db.lastInsertedRowID
                try event(.contact, "wrote without a subscription; kept only to address the reply")
                return subscriberID!
            }

            for action in actions {
                switch action {
                case .createPending(let p):
                    if let id = subscriberID {
                        // A new subscribe replaces what a pending or stopped address asked for before.
                        try db.execute(sql: "UPDATE subscriptions SET status = 'stopped', updated_at = ? WHERE subscriber_id = ? AND status = 'active'",
                                       arguments: [now, id])
                        try db.execute(sql: """
                            UPDATE subscribers SET status = 'pending', paused_until = NULL, language = ?, area = ?, updated_at = ? WHERE id = ?
                            """, arguments: [p.language.rawValue, p.area, now, id])
                    } else {
                        try db.execute(sql: """
                            INSERT INTO subscribers (address, address_key, edition, language, area, status, created_at, updated_at)
                            VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)
                            """, arguments: [sender.description, sender.matchKey, edition, p.language.rawValue, p.area, now, now])
                        subscriberID = db.lastInsertedRowID
                    }
                    try insertSubscription(subscriberID!, p.track, p.anchor, p.nickname)
                    try event(.subscribeRequested, "\(p.track.rawValue) \(p.anchor.iso) (pending confirmation)", subscription: db.lastInsertedRowID)
                case .sendConfirmationRequest, .sendCommandConfirmationRequest:
                    mailPlans.append((action, []))
                case .holdCommand(let held):
                    guard let id = subscriberID, let form = held.command.heldForm else { continue }
                    try db.execute(sql: """
                        INSERT INTO held_commands (subscriber_id, command, held_on, message_id, created_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (subscriber_id) DO UPDATE SET command = excluded.command, held_on = excluded.held_on,
                            message_id = excluded.message_id, created_at = excluded.created_at
                        """, arguments: [id, form, held.day.iso, held.messageID, now])
                case .releaseHeldCommand:
                    try db.execute(sql: "DELETE FROM held_commands WHERE subscriber_id = ?", arguments: [subscriberID])
                case .activate:
                    guard let id = subscriberID else { continue }
                    try db.execute(sql: "UPDATE subscribers SET status = 'active', updated_at = ? WHERE id = ?", arguments: [now, id])
                    // The subscription starts on the day of consent: no backlog of the waiting days.
                    try db.execute(sql: "UPDATE subscriptions SET start_date = ?, updated_at = ? WHERE subscriber_id = ? AND status = 'active'",
                                   arguments: [today.iso, now, id])
                    try event(.status, "pending -> active: confirmed by reply (consent)")
                case .sendWelcome:
                    guard let id = subscriberID else { continue }
                    let subs = try SubscriptionRecord.filter(SubscriptionRecord.Columns.subscriberID == id)
                        .filter(SubscriptionRecord.Columns.status == SubscriptionStatus.active).fetchAll(db)
                    mailPlans.append((action, welcomeItems(subs)))
                case .addSubscription(let p):
                    guard let id = subscriberID else { continue }
                    try insertSubscription(id, p.track, p.anchor, p.nickname)
                    try event(.subscribed, "\(p.track.rawValue) \(p.anchor.iso) by email", subscription: db.lastInsertedRowID)
                case .stop(.all):
                    guard let id = subscriberID else { continue }
                    _ = try Store.stop(db, id: id, reason: "stop by email", at: at, messageID: messageID)
                case .stop(.subscription(let sid)):
                    try db.execute(sql: "UPDATE subscriptions SET status = 'stopped', updated_at = ? WHERE id = ? AND subscriber_id = ?",
                                   arguments: [now, sid, subscriberID])
                    try Store.cancelDaily(db, subscriptionID: sid, now: now)
                    try event(.subscription, "active -> stopped: stop by email", subscription: sid)
                case .pause(let until):
                    guard let id = subscriberID else { continue }
                    try db.execute(sql: "UPDATE subscribers SET status = 'paused', paused_until = ?, updated_at = ? WHERE id = ?",
                                   arguments: [until?.iso, now, id])
                    try event(.status, "active -> paused\(until.map { " until \($0.iso)" } ?? ""): by email")
                case .resume:
                    guard let id = subscriberID else { continue }
                    try db.execute(sql: "UPDATE subscribers SET status = 'active', paused_until = NULL, updated_at = ? WHERE id = ?", arguments: [now, id])
                    try event(.status, "paused -> active: by email")
                case .switchToChild(let sid, let birth):
                    guard let id = subscriberID else { continue }
                    let nickname = try String.fetchOne(db, sql: "SELECT nickname FROM subscriptions WHERE id = ?", arguments: [sid])
                    try db.execute(sql: "UPDATE subscriptions SET status = 'ended', updated_at = ? WHERE id = ? AND subscriber_id = ?",
                                   arguments: [now, sid, id])
                    try Store.cancelDaily(db, subscriptionID: sid, now: now)
                    try insertSubscription(id, .child, birth, nickname)
                    try event(.subscription, "pregnancy \(sid) -> child born \(birth.iso)", subscription: sid)
                case .correctDue(let sid, let due):
                    try db.execute(sql: "UPDATE subscriptions SET anchor_date = ?, updated_at = ? WHERE id = ? AND subscriber_id = ?",
                                   arguments: [due.iso, now, sid, subscriberID])
                    try event(.subscription, "due date corrected to \(due.iso)", subscription: sid)
                case .endPregnancy(let sid):
                    try db.execute(sql: "UPDATE subscriptions SET status = 'ended', updated_at = ? WHERE id = ? AND subscriber_id = ?",
                                   arguments: [now, sid, subscriberID])
                    // A baby message after a loss must never go out: withdraw what is planned or queued.
                    try Store.cancelDaily(db, subscriptionID: sid, now: now)
                    try event(.subscription, "pregnancy ended (loss)", subscription: sid)
                case .reply:
                    mailPlans.append((action, []))
                case .recordEvent(let r):
                    var e = EventRecord(at: at, subscriberID: subscriberID, kind: r.kind, detail: r.detail, messageID: r.messageID)
                    try e.insert(db)
                }
            }

            var pending: [PendingSystemMail] = []
            if !mailPlans.isEmpty {
                let language = try subscriberID.flatMap { try String.fetchOne(db, sql: "SELECT language FROM subscribers WHERE id = ?", arguments: [$0]) }
                let id = try ensureSubscriber(language: language ?? "ja")
                guard let subscriber = try SubscriberRecord.fetchOne(db, key: id) else { throw StoreError.noSuchSubscriber(id) }
                let subscriptions = try SubscriptionRecord.filter(SubscriptionRecord.Columns.subscriberID == id)
                    .order(SubscriptionRecord.Columns.id).fetchAll(db)
                for (action, items) in mailPlans {
                    try db.execute(sql: """
                        INSERT INTO deliveries (subscriber_id, kind, local_date, recipient, status, created_at, updated_at)
                        VALUES (?, 'system', ?, ?, 'planned', ?, ?)
                        """, arguments: [id, today.iso, subscriber.address.smtpPath, now, now])
                    let deliveryID = db.lastInsertedRowID
                    for item in items {
                        // ON CONFLICT: a message already in the ledger stays where it is (the batch sent it).
                        try db.execute(sql: """
                            INSERT INTO delivery_items (delivery_id, subscription_id, message_key, scheduled_date, status, reason)
                            VALUES (?, ?, ?, ?, 'included', 'in the welcome') ON CONFLICT (subscription_id, message_key) DO NOTHING
                            """, arguments: [deliveryID, item.subscriptionID, item.messageKey, item.scheduledDate.iso])
                    }
                    let content = try render(SystemMailRequest(deliveryID: deliveryID, action: action, subscriber: subscriber,
                                                               subscriptions: subscriptions, items: items))
                    try db.execute(sql: """
                        INSERT INTO system_mail (delivery_id, inbound_id, purpose, mail_from, message_id, subject, body)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [deliveryID, inboundID, Store.purpose(action), content.mailFrom, content.messageID,
                                         content.subject, Data(content.bytes)])
                    pending.append(PendingSystemMail(deliveryID: deliveryID, recipient: subscriber.address.smtpPath, content: content))
                }
                try db.execute(sql: """
                    INSERT INTO auto_reply_counts (address_key, local_date, count) VALUES (?, ?, ?)
                    ON CONFLICT (address_key, local_date) DO UPDATE SET count = count + excluded.count
                    """, arguments: [sender.matchKey, today.iso, mailPlans.count])
            }
            try db.execute(sql: """
                UPDATE inbound_messages SET status = 'applied', kind = ?, sender = ?, subscriber_id = ?, decision = ?, updated_at = ? WHERE id = ?
                """, arguments: [kind, sender.description, subscriberID, decision, now, inboundID])
            try Store.advance(db, mailbox: place.mailbox, uidValidity: place.uidValidity, to: place.uid, at: at)
            return InboundApplication(applied: true, subscriberID: subscriberID, mail: pending)
        }
    }

    static func purpose(_ action: LifecycleAction) -> String {
        switch action {
        case .sendConfirmationRequest: return "confirm"
        case .sendCommandConfirmationRequest: return "confirm command"
        case .sendWelcome: return "welcome"
        case .reply(let kind, _): return "reply \(String(describing: kind).prefix(60))"
        default: return "other"
        }
    }

    /// Withdraws the not yet sent daily deliveries that carry a subscription's message.
    static func cancelDaily(_ db: Database, subscriptionID: Int64, now: String) throws {
        try db.execute(sql: """
            UPDATE deliveries SET status = 'cancelled', updated_at = ?
            WHERE kind = 'daily' AND status IN ('planned', 'queued', 'deferred')
              AND id IN (SELECT delivery_id FROM delivery_items WHERE subscription_id = ? AND delivery_id IS NOT NULL)
            """, arguments: [now, subscriptionID])
    }

    // MARK: - System mail between store and spool

    /// System mail planned but not yet in the spool (after a crash between the two); only of
    /// one purpose (`report`, `confirm`, …) when `purpose` is given.
    public func pendingSystemMail(purpose: String? = nil) throws -> [PendingSystemMail] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.id, d.recipient, m.mail_from, m.message_id, m.subject, m.body FROM deliveries d
                JOIN system_mail m ON m.delivery_id = d.id
                WHERE d.status = 'planned' AND length(m.body) > 0 \(purpose == nil ? "" : "AND m.purpose = ?") ORDER BY d.id
                """, arguments: purpose.map { [$0] } ?? []).map { row in
                let body: Data = row["body"]
                return PendingSystemMail(deliveryID: row["id"], recipient: row["recipient"],
                                         content: SystemMailContent(mailFrom: row["mail_from"], messageID: row["message_id"],
                                                                    subject: row["subject"], bytes: Array(body)))
            }
        }
    }

    /// Marks system mail as in the spool: the deliveries become `queued` and the stored bytes
    /// are dropped (the spool file is the message now). Returns the ids that were not planned.
    @discardableResult
    public func markSystemMailQueued(_ mail: [PendingSystemMail], at: Date) throws -> [Int64] {
        let now = Timestamp.string(from: at)
        return try writer.write { db in
            var refused: [Int64] = []
            for m in mail {
                try db.execute(sql: """
                    UPDATE deliveries SET status = 'queued', message_id = ?, subject = ?, envelope_from = ?, updated_at = ?
                    WHERE id = ? AND status IN ('planned', 'queued')
                    """, arguments: [m.content.messageID, m.content.subject, m.content.mailFrom, now, m.deliveryID])
                if db.changesCount == 0 { refused.append(m.deliveryID) }
                try db.execute(sql: "UPDATE system_mail SET body = x'' WHERE delivery_id = ?", arguments: [m.deliveryID])
            }
            return refused
        }
    }

    /// Inbound ledger rows with a status, oldest first (for tests and the operator).
    public func inboundMessages(status: InboundStatus? = nil) throws -> [InboundRecord] {
        try writer.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, mailbox, uidvalidity, uid, message_id, status, kind, decision FROM inbound_messages
                \(status == nil ? "" : "WHERE status = ?") ORDER BY id
                """, arguments: status.map { [$0] } ?? [])
            return rows.map { row in
                InboundRecord(id: row["id"], place: InboundPlace(mailbox: row["mailbox"], uidValidity: UInt32(row["uidvalidity"] as Int64),
                                                                 uid: UInt32(row["uid"] as Int64)),
                              messageID: row["message_id"], status: row["status"], kind: row["kind"], decision: row["decision"])
            }
        }
    }
}
