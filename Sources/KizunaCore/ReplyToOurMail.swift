/// The sign that a message answers one of our own mails: a Message-ID of ours (a delivery's,
/// for the edition's domain) named in its In-Reply-To or References header.
///
/// The command reader takes it as a small explicit input, so it stays pure: the header reading
/// is the adapter's, the meaning is the reader's. Daily mail and system mail (help, status, …)
/// share one id space, so it does not say which of them was answered — and need not: a reply to
/// either with no command in its new text is chatter, recorded and not answered.
public struct ReplyToOurMail: Hashable, Sendable {
    /// The header that named it.
    public enum Header: String, Hashable, Sendable {
        case inReplyTo = "In-Reply-To"
        case references = "References"
    }

    /// Our Message-ID (without angle brackets), as the header wrote it.
    public var messageID: String
    public var header: Header

    public init(messageID: String, header: Header) {
        self.messageID = messageID; self.header = header
    }

    /// The first of `inReplyTo`, then of `references` (nearest first: the last one is the parent),
    /// that is one of our deliveries' Message-IDs for `domain`; nil when the message answers none.
    public static func find(inReplyTo: [String], references: [String], domain: String) -> ReplyToOurMail? {
        if let id = inReplyTo.first(where: { isOurs($0, domain: domain) }) { return ReplyToOurMail(messageID: id, header: .inReplyTo) }
        if let id = references.reversed().first(where: { isOurs($0, domain: domain) }) { return ReplyToOurMail(messageID: id, header: .references) }
        return nil
    }

    /// Whether `messageID` is one of our deliveries' for `domain` (the report's is not: a family never receives it).
    public static func isOurs(_ messageID: String, domain: String) -> Bool {
        let bare = messageID.trimmingBlanks().trimmingAngleBrackets()
        guard let at = bare.lastIndex(of: "@"), OwnMessageID.deliveryID(in: bare) != nil else { return false }
        return bare[bare.index(after: at)...].lowercased() == domain.lowercased()
    }
}

extension String {
    fileprivate func trimmingAngleBrackets() -> String {
        var s = Substring(self)
        if s.first == "<" { s = s.dropFirst() }
        if s.last == ">" { s = s.dropLast() }
        return String(s)
    }
}
