import KizunaCore

/// One recipient a delivery report speaks about.
public struct BounceRecipient: Sendable, Equatable {
    /// The address we sent to: Original-Recipient when the report gives it, else Final-Recipient,
    /// else the address found in the text.
    public var address: String
    public var action: BounceAction
    /// The enhanced status code as reported (`5.1.1`); `5.0.0`/`4.0.0` when only a reply code
    /// was given; nil when the report gives neither.
    public var status: String?
    public var reason: BounceReason
    public var hard: Bool
    /// The server's words, on one line, at most 400 characters.
    public var diagnostic: String?
    public var remoteMTA: String?

    public init(address: String, action: BounceAction, status: String?, reason: BounceReason,
                diagnostic: String?, remoteMTA: String?) {
        self.address = address
        self.action = action
        self.status = status
        self.reason = reason
        self.hard = action == .failed && reason.isHard(status: status)
        self.diagnostic = diagnostic
        self.remoteMTA = remoteMTA
    }
}

/// What an incoming message is, as far as bounce and complaint handling goes, with the
/// evidence for it. `json` is the stable shape `kizuna inspect --json` prints.
public struct BounceVerdict: Sendable {
    public enum Kind: String, Sendable {
        case bounce, complaint, autoreply, delay
        case notBounce = "not_bounce"
    }

    /// What the VERP address found in the report's own header says.
    public enum VERPCheck: String, Sendable {
        /// Our VERP with a valid MAC: the delivery id is trusted.
        case valid
        /// Our VERP's shape with a MAC that does not match: never trusted.
        case forged
        /// A `+b-` token cut short or altered in transit: not trusted.
        case mangled
        /// A `+b-` token, but no secret was given to check it.
        case unverified
    }

    /// Where the delivery id came from.
    public enum DeliverySource: String, Sendable {
        /// Our VERP in the report's To / Delivered-To / X-Original-To / envelope sender fields.
        case verp
        /// Our VERP in the returned message's Return-Path.
        case originalVERP = "original-verp"
        /// Our Message-ID (`kizuna.<id base 36>.<yyyymmdd>.<rand>@…`) in the returned message.
        case messageID = "message-id"
    }

    /// An RFC 5965 feedback report.
    public struct Complaint: Sendable, Equatable {
        /// The address that complained: Original-Rcpt-To, else the returned message's To.
        public var address: String?
        public var feedbackType: String
        public var userAgent: String?
        public var sourceIP: String?
    }

    /// Which kind of automatic reply.
    public enum AutoReply: String, Sendable {
        case vacation, challenge
        case other = "auto-reply"
    }

    public var kind: Kind
    public var recipients: [BounceRecipient] = []
    public var delivery: Int64?
    public var deliverySource: DeliverySource?
    public var verp: VERPCheck?
    /// The returned message's Message-ID, for the store to check against the one it sent.
    public var originalMessageID: String?
    /// The returned message's List-Id: ours, when it names one of our editions.
    public var originalListID: String?
    public var complaint: Complaint?
    public var autoReply: AutoReply?
    public var reportingMTA: String?
    /// Why the verdict is what it is, in the order the evidence was found.
    public var evidence: [String] = []

    public init(kind: Kind) { self.kind = kind }
}

/// Reads delivery status notifications (RFC 3464), feedback reports (RFC 5965), the many
/// non-standard bounce formats, auto-replies and challenge mails into a `BounceVerdict`.
/// Pure: no I/O; never throws; any message yields a verdict.
public enum BounceAnalysis {
    /// Classifies a received message. `tokens` checks our VERP MACs; without it a VERP is
    /// reported as `unverified` and never trusted. `notice`: the message's `MailSystemNotice`
    /// when the caller has already examined it (the poller has), so it is not read twice.
    public static func analyze(_ message: IncomingMessage, tokens: AddressTokens?, notice: MailSystemNotice? = nil) -> BounceVerdict {
        var reader = BounceReader(message: message, tokens: tokens, notice: notice)
        return reader.run()
    }
}
