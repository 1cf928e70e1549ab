/// One message ready for submission.
public struct OutboundMessage: Sendable {
    public var id: Int64
    /// MAIL FROM in smtpPath form (carrier local parts quoted), without `<>`; empty for the null sender.
    public var mailFrom: String
    /// RCPT TO in smtpPath form, without `<>`.
    public var rcptTo: String
    /// The whole message with CRLF line endings, not dot-stuffed.
    public var data: [UInt8]
    /// The edition it is sent for (its spool envelope's), which picks the relay; nil: the instance's.
    public var edition: String?

    public init(id: Int64, mailFrom: String, rcptTo: String, data: [UInt8], edition: String? = nil) {
        self.edition = edition
        self.id = id
        self.mailFrom = mailFrom
        self.rcptTo = rcptTo
        self.data = data
    }
}

/// What became of one message.
public enum SendOutcome: Sendable, Equatable {
    /// The server took responsibility (a 250 after the data).
    case accepted(code: Int, reply: String)
    /// Try again later: a 4xx, a connection failure, a timeout. `code` is nil when no
    /// server reply caused it; `reply` then holds the local error. `forRecipient`: the server
    /// deferred this recipient (a 4xx to RCPT TO or to the end of the data), rather than being
    /// unavailable itself (no connection, the greeting, AUTH, MAIL FROM, a 421).
    case deferred(code: Int?, reply: String, forRecipient: Bool = false)
    /// A permanent 5xx for this message (MAIL FROM, RCPT TO or the data).
    case rejected(code: Int, reply: String)
}

/// Somewhere messages go. Pull-based so a sender streams any number of messages with flat
/// memory: `deliver` calls `next()` until it returns nil and every message in flight has
/// finished, calling `onResult` on the calling thread once per message. It throws only for
/// configuration errors; per-message problems are outcomes.
public protocol MailTransport {
    func deliver(next: () -> OutboundMessage?, onResult: (OutboundMessage, SendOutcome) -> Void) throws
}

/// A transport that cannot work as configured (a bad URL, an option libcurl refuses, …).
public struct TransportConfigurationError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
