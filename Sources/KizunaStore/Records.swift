import Foundation
import GRDB
import KizunaCore

/// A row of `subscribers`: one address in one edition.
public struct SubscriberRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    public static let databaseTableName = "subscribers"

    public var id: Int64?
    public var address: EmailAddress
    /// `EmailAddress.matchKey`: what a sender's address is matched on.
    public var addressKey: String
    public var edition: String
    public var language: String
    public var area: String?
    public var status: SubscriberStatus
    public var pausedUntil: CivilDate?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64? = nil, address: EmailAddress, edition: String, language: String, area: String?,
                status: SubscriberStatus, pausedUntil: CivilDate? = nil, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.address = address
        self.addressKey = address.matchKey
        self.edition = edition
        self.language = language
        self.area = area
        self.status = status
        self.pausedUntil = pausedUntil
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public enum CodingKeys: String, CodingKey {
        case id, address, addressKey = "address_key", edition, language, area, status
        case pausedUntil = "paused_until", createdAt = "created_at", updatedAt = "updated_at"
    }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let address = Column(CodingKeys.address)
        public static let addressKey = Column(CodingKeys.addressKey)
        public static let edition = Column(CodingKeys.edition)
        public static let language = Column(CodingKeys.language)
        public static let area = Column(CodingKeys.area)
        public static let status = Column(CodingKeys.status)
        public static let pausedUntil = Column(CodingKeys.pausedUntil)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let updatedAt = Column(CodingKeys.updatedAt)
    }

    /// Reads the columns directly: the Decodable path GRDB would use otherwise cost more than
    /// the query itself in a night's recipient pages.
    public init(row: Row) throws {
        id = try row.decode(Int64?.self, forColumn: "id")
        address = try row.decode(EmailAddress.self, forColumn: "address")
        addressKey = try row.decode(String.self, forColumn: "address_key")
        edition = try row.decode(String.self, forColumn: "edition")
        language = try row.decode(String.self, forColumn: "language")
        area = try row.decode(String?.self, forColumn: "area")
        status = try row.decode(SubscriberStatus.self, forColumn: "status")
        pausedUntil = try row.decode(CivilDate?.self, forColumn: "paused_until")
        createdAt = try Timestamp.decode(row, "created_at")
        updatedAt = try Timestamp.decode(row, "updated_at")
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `subscriptions`: one pregnancy or one child followed for a subscriber.
public struct SubscriptionRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    public static let databaseTableName = "subscriptions"

    public var id: Int64?
    public var subscriberID: Int64
    public var track: Track
    /// The due date for a pregnancy, the birth date for a child.
    public var anchorDate: CivilDate
    public var nickname: String?
    public var status: SubscriptionStatus
    /// Why an `ended` subscription ended (a birth, a loss, the end of the content); nil otherwise.
    public var endReason: SubscriptionEndReason?
    /// The day the subscription started: nothing scheduled before it is caught up.
    public var startDate: CivilDate
    /// A child whose birth date is the due date, assumed because no birth was reported
    /// (`[care] auto_switch_days`); false once the parent gives the real one.
    public var birthAssumed: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64? = nil, subscriberID: Int64, track: Track, anchorDate: CivilDate, nickname: String?,
                status: SubscriptionStatus, endReason: SubscriptionEndReason? = nil, startDate: CivilDate, birthAssumed: Bool = false, createdAt: Date, updatedAt: Date) {
        self.birthAssumed = birthAssumed
        self.id = id
        self.subscriberID = subscriberID
        self.track = track
        self.anchorDate = anchorDate
        self.nickname = nickname
        self.status = status
        self.endReason = endReason
        self.startDate = startDate
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public enum CodingKeys: String, CodingKey {
        case id, subscriberID = "subscriber_id", track, anchorDate = "anchor_date", nickname, status, endReason = "end_reason"
        case startDate = "start_date", birthAssumed = "birth_assumed", createdAt = "created_at", updatedAt = "updated_at"
    }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let subscriberID = Column(CodingKeys.subscriberID)
        public static let track = Column(CodingKeys.track)
        public static let anchorDate = Column(CodingKeys.anchorDate)
        public static let nickname = Column(CodingKeys.nickname)
        public static let status = Column(CodingKeys.status)
        public static let endReason = Column(CodingKeys.endReason)
        public static let startDate = Column(CodingKeys.startDate)
        public static let birthAssumed = Column(CodingKeys.birthAssumed)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let updatedAt = Column(CodingKeys.updatedAt)
    }

    /// Reads the columns directly (see `SubscriberRecord.init(row:)`).
    public init(row: Row) throws {
        id = try row.decode(Int64?.self, forColumn: "id")
        subscriberID = try row.decode(Int64.self, forColumn: "subscriber_id")
        track = try row.decode(Track.self, forColumn: "track")
        anchorDate = try row.decode(CivilDate.self, forColumn: "anchor_date")
        nickname = try row.decode(String?.self, forColumn: "nickname")
        status = try row.decode(SubscriptionStatus.self, forColumn: "status")
        endReason = try row.decode(SubscriptionEndReason?.self, forColumn: "end_reason")
        startDate = try row.decode(CivilDate.self, forColumn: "start_date")
        birthAssumed = try row.decode(Bool.self, forColumn: "birth_assumed")
        createdAt = try Timestamp.decode(row, "created_at")
        updatedAt = try Timestamp.decode(row, "updated_at")
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `deliveries`: one email to one recipient, from planning to its SMTP outcome.
public struct DeliveryRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    public static let databaseTableName = "deliveries"

    public var id: Int64?
    /// nil only for a `report`, which goes to an administrator.
    public var subscriberID: Int64?
    /// `daily` (the day's message, at most one per subscriber and day), `system` (replies,
    /// confirmations) or `report` (the administrator's daily report, once per recipient and day).
    public var kind: DeliveryKind
    public var localDate: CivilDate
    public var recipient: String
    public var status: DeliveryStatus
    public var messageID: String?
    public var subject: String?
    public var envelopeFrom: String?
    public var attempts: Int
    public var smtpCode: Int?
    public var smtpReply: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64? = nil, subscriberID: Int64?, kind: DeliveryKind, localDate: CivilDate, recipient: String,
                status: DeliveryStatus, messageID: String? = nil, subject: String? = nil, envelopeFrom: String? = nil,
                attempts: Int = 0, smtpCode: Int? = nil, smtpReply: String? = nil, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.subscriberID = subscriberID
        self.kind = kind
        self.localDate = localDate
        self.recipient = recipient
        self.status = status
        self.messageID = messageID
        self.subject = subject
        self.envelopeFrom = envelopeFrom
        self.attempts = attempts
        self.smtpCode = smtpCode
        self.smtpReply = smtpReply
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public enum CodingKeys: String, CodingKey {
        case id, subscriberID = "subscriber_id", kind, localDate = "local_date", recipient, status
        case messageID = "message_id", subject, envelopeFrom = "envelope_from", attempts
        case smtpCode = "smtp_code", smtpReply = "smtp_reply", createdAt = "created_at", updatedAt = "updated_at"
    }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let subscriberID = Column(CodingKeys.subscriberID)
        public static let kind = Column(CodingKeys.kind)
        public static let localDate = Column(CodingKeys.localDate)
        public static let recipient = Column(CodingKeys.recipient)
        public static let status = Column(CodingKeys.status)
        public static let messageID = Column(CodingKeys.messageID)
        public static let subject = Column(CodingKeys.subject)
        public static let envelopeFrom = Column(CodingKeys.envelopeFrom)
        public static let attempts = Column(CodingKeys.attempts)
        public static let smtpCode = Column(CodingKeys.smtpCode)
        public static let smtpReply = Column(CodingKeys.smtpReply)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let updatedAt = Column(CodingKeys.updatedAt)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `delivery_items`, the ledger: one catalog message for one subscription,
/// included in a delivery or skipped (with the reason).
public struct DeliveryItemRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "delivery_items"

    public var id: Int64?
    public var deliveryID: Int64?
    public var subscriptionID: Int64
    public var messageKey: String
    public var scheduledDate: CivilDate
    public var status: DeliveryItemStatus
    public var reason: String?

    public init(id: Int64? = nil, deliveryID: Int64?, subscriptionID: Int64, messageKey: String,
                scheduledDate: CivilDate, status: DeliveryItemStatus, reason: String? = nil) {
        self.id = id
        self.deliveryID = deliveryID
        self.subscriptionID = subscriptionID
        self.messageKey = messageKey
        self.scheduledDate = scheduledDate
        self.status = status
        self.reason = reason
    }

    public enum CodingKeys: String, CodingKey {
        case id, deliveryID = "delivery_id", subscriptionID = "subscription_id", messageKey = "message_key"
        case scheduledDate = "scheduled_date", status, reason
    }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let deliveryID = Column(CodingKeys.deliveryID)
        public static let subscriptionID = Column(CodingKeys.subscriptionID)
        public static let messageKey = Column(CodingKeys.messageKey)
        public static let scheduledDate = Column(CodingKeys.scheduledDate)
        public static let status = Column(CodingKeys.status)
        public static let reason = Column(CodingKeys.reason)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `events`: consent, status changes, bounces and administrator actions, kept as the
/// record of who agreed to what and when.
public struct EventRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    public static let databaseTableName = "events"

    public var id: Int64?
    public var at: Date
    public var subscriberID: Int64?
    public var subscriptionID: Int64?
    public var kind: EventKind
    public var detail: String?
    /// The Message-ID of the email that caused the event (a confirmation, a stop), when there is one.
    public var messageID: String?

    public init(id: Int64? = nil, at: Date, subscriberID: Int64?, subscriptionID: Int64? = nil, kind: EventKind,
                detail: String? = nil, messageID: String? = nil) {
        self.id = id
        self.at = at
        self.subscriberID = subscriberID
        self.subscriptionID = subscriptionID
        self.kind = kind
        self.detail = detail
        self.messageID = messageID
    }

    public enum CodingKeys: String, CodingKey {
        case id, at, subscriberID = "subscriber_id", subscriptionID = "subscription_id", kind, detail
        case messageID = "message_id"
    }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let at = Column(CodingKeys.at)
        public static let subscriberID = Column(CodingKeys.subscriberID)
        public static let subscriptionID = Column(CodingKeys.subscriptionID)
        public static let kind = Column(CodingKeys.kind)
        public static let detail = Column(CodingKeys.detail)
        public static let messageID = Column(CodingKeys.messageID)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
