import Foundation
import KizunaCore

/// A mailbox as it appears in From, To or Reply-To: an address with an optional display name.
public struct Mailbox: Sendable, Hashable {
    public var displayName: String?
    public var address: EmailAddress

    public init(_ address: EmailAddress, displayName: String? = nil) {
        self.address = address
        self.displayName = displayName
    }
}

/// One message Kizuna sends: the headers it sets and its text (and optional HTML) body.
public struct OutgoingMessage: Sendable {
    public var from: Mailbox
    public var to: Mailbox
    public var replyTo: Mailbox?
    public var subject: String
    public var date: Date
    /// The zone the Date header is written in (Asia/Tokyo gives `+0900`).
    public var timeZone: TimeZone
    /// Without angle brackets, e.g. `kizuna.123.20270501.ab12@clinic.example`.
    public var messageID: String
    /// The List-Id value inside the angle brackets, e.g. `sakura.kizuna.clinic.example`.
    public var listID: String?
    /// The List-Id phrase shown before the id.
    public var listName: String?
    /// URIs without angle brackets, in the order clients should try them.
    public var listUnsubscribe: [String]
    /// Adds `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
    public var listUnsubscribePost: Bool
    /// Unstructured fields written after the List-* fields, encoded and folded like Subject.
    public var extraHeaders: [(name: String, value: String)]
    public var textBody: String
    /// nil gives a single text/plain message; otherwise multipart/alternative.
    public var htmlBody: String?

    public init(
        from: Mailbox,
        to: Mailbox,
        replyTo: Mailbox? = nil,
        subject: String,
        date: Date,
        timeZone: TimeZone,
        messageID: String,
        listID: String? = nil,
        listName: String? = nil,
        listUnsubscribe: [String] = [],
        listUnsubscribePost: Bool = false,
        extraHeaders: [(name: String, value: String)] = [],
        textBody: String,
        htmlBody: String? = nil
    ) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.date = date
        self.timeZone = timeZone
        self.messageID = messageID
        self.listID = listID
        self.listName = listName
        self.listUnsubscribe = listUnsubscribe
        self.listUnsubscribePost = listUnsubscribePost
        self.extraHeaders = extraHeaders
        self.textBody = textBody
        self.htmlBody = htmlBody
    }
}
