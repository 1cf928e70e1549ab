import Foundation
import GRDB
import KizunaCore

/// One write transaction of the store, handed to a job that composes a step of its own: the
/// job decides, renders and orders; the transaction offers named reads and writes and decides
/// nothing. Valid only inside the `Store.inTransaction` call that made it.
public struct LedgerTransaction {
    let db: Database
}

extension Store {
    /// Runs `body` in ONE write transaction: everything it writes is committed together, or
    /// nothing is (a throw rolls it all back).
    public func inTransaction<T>(_ body: (LedgerTransaction) throws -> T) throws -> T {
        try writer.write { db in try body(LedgerTransaction(db: db)) }
    }
}

/// The sender a message's actions are carried out for: an address in an edition, and its
/// subscriber once there is one (an action may create it).
public struct CommandSender: Sendable {
    public var address: EmailAddress
    public var edition: String
    public var subscriberID: Int64?
    /// The Message-ID of the message, for the events it causes.
    public var messageID: String?

    public init(address: EmailAddress, edition: String, subscriberID: Int64?, messageID: String?) {
        self.address = address; self.edition = edition; self.subscriberID = subscriberID; self.messageID = messageID
    }
}

extension LedgerTransaction {
    // MARK: - Savepoints

    /// Runs `body` in a savepoint of the transaction: when it fails, only what it wrote is rolled
    /// back and the error is returned, so the transaction goes on. A full disk or an I/O error
    /// is thrown instead: then nothing of the transaction can be trusted to commit.
    public func inSavepoint<T>(_ body: () throws -> T) throws -> Result<T, Error> {
        var outcome: T?
        do {
            try db.inSavepoint {
                outcome = try body()
                return .commit
            }
            return .success(outcome!)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_IOERR {
            throw error
        } catch {
            return .failure(error)
        }
    }

    // MARK: - The inbound ledger and the IMAP position

    /// The ledger row of a place, or of a Message-ID (the same message at another place).
    public func inbound(place: InboundPlace, messageID: String?) throws -> InboundRecord? {
        try Store.inbound(db, place: place, messageID: messageID)
    }

    /// Records a message as `fetched` (one the poller has not recorded before); its row id.
    public func recordFetched(place: InboundPlace, messageID: String?, at: Date) throws -> Int64 {
        let now = Timestamp.string(from: at)
        try db.execute(sql: """
            INSERT INTO inbound_messages (mailbox, uidvalidity, uid, message_id, status, fetched_at, updated_at)
            VALUES (?, ?, ?, ?, 'fetched', ?, ?)
            """, arguments: [place.mailbox, Int64(place.uidValidity), Int64(place.uid), messageID, now, now])
        return db.lastInsertedRowID
    }

    /// Marks a message `applied`, with its kind, sender, subscriber and decision.
    public func markApplied(inboundID: Int64, kind: InboundKind, sender: EmailAddress, subscriberID: Int64?, decision: String,
                            at: Date) throws {
        try db.execute(sql: """
            UPDATE inbound_messages SET status = 'applied', kind = ?, sender = ?, subscriber_id = ?, decision = ?, updated_at = ? WHERE id = ?
            """, arguments: [kind, sender.description, subscriberID, decision, Timestamp.string(from: at), inboundID])
    }

    /// Moves the IMAP position past `place` (never back).
    public func advancePosition(past place: InboundPlace, at: Date) throws {
        try Store.advance(db, mailbox: place.mailbox, uidValidity: place.uidValidity, to: place.uid, at: at)
    }

    // MARK: - Senders

    /// The sender's subscriber, automatic mails today, last confirmation request and held command.
    public func senderState(address: EmailAddress, edition: String, today: CivilDate) throws -> SenderState {
        try Store.senderState(db, address: address, edition: edition, today: today)
    }

    /// The id of the subscriber with this address in the edition.
    public func subscriberID(address: EmailAddress, edition: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM subscribers WHERE edition = ? AND address_key = ?",
                           arguments: [edition, address.matchKey])
    }

    /// Gives a sender with no subscriber row one (stopped, no subscription), so that a reply
    /// has a recipient, with a `contact` event.
    public func addContact(_ sender: inout CommandSender, language: String, at: Date) throws {
        let now = Timestamp.string(from: at)
        try db.execute(sql: """
            INSERT INTO subscribers (address, address_key, edition, language, status, created_at, updated_at)
            VALUES (?, ?, ?, ?, 'stopped', ?, ?)
            """, arguments: [sender.address.description, sender.address.matchKey, sender.edition, language, now, now])
        sender.subscriberID = db.lastInsertedRowID
        try recordEvent(.contact, "wrote without a subscription; kept only to address the reply", for: sender, at: at)
    }

    /// A subscriber and all its subscriptions, oldest first.
    public func subscriber(id: Int64) throws -> (SubscriberRecord, [SubscriptionRecord]) {
        guard let subscriber = try SubscriberRecord.fetchOne(db, key: id) else { throw StoreError.noSuchSubscriber(id) }
        let subscriptions = try SubscriptionRecord.filter(SubscriptionRecord.Columns.subscriberID == id)
            .order(SubscriptionRecord.Columns.id).fetchAll(db)
        return (subscriber, subscriptions)
    }

    /// A subscriber's active subscriptions.
    public func activeSubscriptions(subscriberID: Int64) throws -> [SubscriptionRecord] {
        try SubscriptionRecord.filter(SubscriptionRecord.Columns.subscriberID == subscriberID)
            .filter(SubscriptionRecord.Columns.status == SubscriptionStatus.active).fetchAll(db)
    }

    // MARK: - System mail

    /// Plans a system delivery to a subscriber (`planned`, kind `system`) on `today`, with the
    /// ledger items it carries (a welcome's message of the day) as included; its id. An item
    /// already in the ledger stays where it is (the batch sent it).
    public func planSystemMail(subscriberID: Int64, recipient: String, items: [ItemPlan], today: CivilDate, at: Date) throws -> Int64 {
        let now = Timestamp.string(from: at)
        try db.execute(sql: """
            INSERT INTO deliveries (subscriber_id, kind, local_date, recipient, status, created_at, updated_at)
            VALUES (?, 'system', ?, ?, 'planned', ?, ?)
            """, arguments: [subscriberID, today.iso, recipient, now, now])
        let deliveryID = db.lastInsertedRowID
        for item in items {
            try db.execute(sql: """
                INSERT INTO delivery_items (delivery_id, subscription_id, message_key, scheduled_date, status, reason)
                VALUES (?, ?, ?, ?, 'included', 'in the welcome') ON CONFLICT (subscription_id, message_key) DO NOTHING
                """, arguments: [deliveryID, item.subscriptionID, item.messageKey, item.scheduledDate.iso])
        }
        return deliveryID
    }

    /// Keeps a planned system mail's rendered message until the spool has it.
    public func storeSystemMail(deliveryID: Int64, inboundID: Int64?, purpose: String, content: SystemMailContent) throws {
        try Store.storeSystemMail(db, deliveryID: deliveryID, inboundID: inboundID, purpose: purpose, content: content)
    }

    /// Counts `count` more automatic mails to `address` on `today` (the lifecycle's daily limit).
    public func countAutomaticMails(to address: EmailAddress, today: CivilDate, count: Int) throws {
        try db.execute(sql: """
            INSERT INTO auto_reply_counts (address_key, local_date, count) VALUES (?, ?, ?)
            ON CONFLICT (address_key, local_date) DO UPDATE SET count = count + excluded.count
            """, arguments: [address.matchKey, today.iso, count])
    }

    // MARK: - Events

    /// Records an event about the sender's subscriber (the message's Message-ID as its cause).
    public func recordEvent(_ kind: EventKind, _ detail: String?, for sender: CommandSender, subscription: Int64? = nil, at: Date) throws {
        var event = EventRecord(at: at, subscriberID: sender.subscriberID, subscriptionID: subscription, kind: kind, detail: detail,
                                messageID: sender.messageID)
        try event.insert(db)
    }
}
