/// What an inbound message is, before any command is read from it.
public enum InboundKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Written by a person: read as a command (and answered, within the daily limits).
    case command
    /// A delivery status notification (DSN) or a mailer daemon's report.
    case bounce
    /// A spam complaint (ARF feedback report).
    case complaint
    /// A vacation reply or another machine-written answer.
    case autoreply
    /// Anything else that must not be read as a command: mailing-list traffic, our own mail.
    case other
}

/// The header facts the classification rules look at, taken from a parsed message by the
/// adapter (Core does not read MIME).
public struct InboundSignals: Sendable, Hashable {
    /// Lower-cased `type/subtype` of the top-level Content-Type.
    public var contentType: String
    /// `report-type` of a multipart/report, lower-cased.
    public var reportType: String?
    /// Lower-cased content types of every leaf part.
    public var partTypes: [String]
    public var autoSubmitted: String?
    public var precedence: String?
    /// Any of `X-Autoreply`, `X-Autorespond`, `X-Auto-Response-Suppress: All|OOF`.
    public var hasAutoreplyHeader: Bool
    public var listID: String?
    /// Return-Path: `true` when present and `<>`.
    public var nullReturnPath: Bool
    public var from: EmailAddress?
    public var messageID: String?
    /// What the content says about a mail system's delivery notice (nil: not examined).
    public var notice: MailSystemNotice?

    public init(contentType: String, reportType: String? = nil, partTypes: [String] = [], autoSubmitted: String? = nil,
                precedence: String? = nil, hasAutoreplyHeader: Bool = false, listID: String? = nil,
                nullReturnPath: Bool = false, from: EmailAddress? = nil, messageID: String? = nil, notice: MailSystemNotice? = nil) {
        self.contentType = contentType; self.reportType = reportType; self.partTypes = partTypes
        self.autoSubmitted = autoSubmitted; self.precedence = precedence; self.hasAutoreplyHeader = hasAutoreplyHeader
        self.listID = listID; self.nullReturnPath = nullReturnPath; self.from = from; self.messageID = messageID
        self.notice = notice
    }
}

/// The kind of a message and, for anything that is not a person's command, why.
public struct InboundClassification: Sendable, Hashable {
    public var kind: InboundKind
    /// Why it is not read as a command (nil for a command).
    public var reason: String?

    public init(kind: InboundKind, reason: String?) { self.kind = kind; self.reason = reason }
}

/// The rules that keep Kizuna out of mail loops (RFC 3834, RFC 2369/2919, RFC 3464, RFC 5965):
/// only mail written by a person is read as a command; reports, auto-replies, list mail and
/// our own messages are recorded and never answered.
public enum InboundClassifier {
    /// Local parts of mail systems that never read replies.
    static let daemonLocalParts: Set<String> = ["mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "post_master"]
    /// Unattended senders (`no-reply@`): never a person's command. Some providers send their
    /// bounces from one, so the message is handed to the report reader like an auto-reply.
    static let unattendedLocalParts: Set<String> = ["no-reply", "noreply", "do-not-reply", "donotreply", "do_not_reply"]

    /// `ours`: the edition addresses (any `+detail`), so our own messages are never answered.
    public static func classify(_ s: InboundSignals, ours: [EmailAddress]) -> InboundClassification {
        let types = Set(s.partTypes + [s.contentType])
        if s.reportType == "feedback-report" || types.contains("message/feedback-report") {
            return .init(kind: .complaint, reason: "feedback report (ARF)")
        }
        if s.reportType == "delivery-status" || types.contains("message/delivery-status")
            || types.contains("message/global-delivery-status") {
            return .init(kind: .bounce, reason: "delivery status notification")
        }
        if let from = s.from, daemonLocalParts.contains(from.localPart.lowercased()) {
            return .init(kind: .bounce, reason: "from \(from.localPart)")
        }
        if let from = s.from, isOurs(from, ours: ours) {
            return .init(kind: .other, reason: "our own message (from \(from))")
        }
        // A mail system's notice about a delivery, whatever its headers or quoted words say.
        if let notice = s.notice, notice.isBounce {
            return .init(kind: .bounce, reason: "mail-system notice: \(notice.summary)")
        }
        if let a = s.autoSubmitted?.trimmingBlanks().lowercased(), !a.isEmpty, !a.hasPrefix("no") {
            return .init(kind: .autoreply, reason: "Auto-Submitted: \(a)")
        }
        if s.hasAutoreplyHeader {
            return .init(kind: .autoreply, reason: "auto-reply header")
        }
        if let p = s.precedence?.trimmingBlanks().lowercased(), ["bulk", "junk", "list", "auto_reply"].contains(p) {
            return .init(kind: p == "auto_reply" ? .autoreply : .other, reason: "Precedence: \(p)")
        }
        if let list = s.listID, !list.isEmpty {
            return .init(kind: .other, reason: "mailing list (List-Id \(list.prefix(80)))")
        }
        if s.nullReturnPath {
            return .init(kind: .autoreply, reason: "empty Return-Path (<>)")
        }
        if let from = s.from, unattendedLocalParts.contains(from.localPart.lowercased()) {
            return .init(kind: .autoreply, reason: "from \(from.localPart): an unattended address")
        }
        guard s.from != nil else {
            return .init(kind: .other, reason: "no readable From address")
        }
        return .init(kind: .command, reason: nil)
    }

    /// What a message the headers call a command is when no command was read in it (`unknown`,
    /// which would get the help reply): an auto-reply by its subject, a challenge-response
    /// system's request by its first lines, or a delivery notice by its subject and the first
    /// lines of its own `text` (what the command reader read: a person's forwarded or quoted
    /// bounce below their words does not count) although no machine evidence came with it (a
    /// relay that writes from an ordinary address). None is answered; none counts as a bounce.
    /// A message with any command in it (a stop above all) stays a command.
    ///
    /// An out-of-office notice by its subject and its words (Lotus' `AUTO: … is out of the office`
    /// quoting our subject, `status` among them) is an auto-reply whatever command its text holds,
    /// except a stop or a loss: a stop is honoured whenever one may have been meant, and a loss
    /// ends the baby mail at once.
    public static func withoutCommand(_ command: MailCommand, notice: MailSystemNotice, text: String) -> InboundClassification? {
        if let s = notice.autoReplySubject, let v = notice.vacation {
            switch command {
            case .stop, .loss: return nil
            default: break
            }
            return .init(kind: .autoreply, reason: "auto-reply subject \"\(s)\" and vacation wording \"\(v)\"")
        }
        guard case .unknown(let why) = command else { return nil }
        if case .conflicting = why { return nil }
        if let s = notice.autoReplySubject { return .init(kind: .autoreply, reason: "auto-reply subject \"\(s)\", no command") }
        if let c = notice.challenge { return .init(kind: .autoreply, reason: "challenge-response \"\(c)\", no command") }
        if let subject = notice.notice.first(where: { $0.hasPrefix("subject") }),
           let phrase = BounceText.lines(of: text, omittingEmpty: true).prefix(NoticeFacts.leadLineLimit).lazy
               .compactMap({ BounceText.failureMarkers.firstMatch(in: BounceText.lowered($0)) }).first {
            return .init(kind: .other, reason: "a delivery notice with no command and no machine sender: \(subject); \"\(phrase)\" in its text")
        }
        return nil
    }

    /// Whether `from` is one of our edition addresses (any `+detail`): our own message.
    public static func isOurs(_ from: EmailAddress, ours: [EmailAddress]) -> Bool {
        ours.contains { sameMailbox($0, from) }
    }

    /// Same mailbox, ignoring a `+detail` and the domain's case.
    public static func sameMailbox(_ a: EmailAddress, _ b: EmailAddress) -> Bool {
        func base(_ e: EmailAddress) -> String { OwnAddress.mailbox(of: e.localPart).lowercased() }
        return a.domain.lowercased() == b.domain.lowercased() && base(a) == base(b)
    }

    /// The `+detail` of `address` when it is one of `edition`'s plus-addresses.
    public static func plusDetail(of address: EmailAddress, edition: EmailAddress) -> String? {
        guard sameMailbox(address, edition), let detail = OwnAddress.detail(of: address.localPart), !detail.isEmpty else { return nil }
        return String(detail)
    }
}

/// RFC 8601 `Authentication-Results` as far as Kizuna trusts it: only fields whose authserv-id
/// is the one the edition names (the receiving MTA's), since anyone can write the header.
public enum AuthenticationResults {
    /// The failed methods (`dmarc=fail`, `spf=fail`, `dkim=fail`) in fields from `trusted`.
    public static func failures(_ values: [String], trusted: String) -> [String] {
        var out: [String] = []
        for value in values {
            let parts = value.split(separator: ";").map { $0.trimmingBlanks() }
            guard let first = parts.first,
                  first.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map({ $0.lowercased() == trusted.lowercased() }) == true
            else { continue }
            for part in parts.dropFirst() {
                let words = part.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
                guard let method = words.first, let eq = method.firstIndex(of: "=") else { continue }
                let name = method[..<eq], result = method[method.index(after: eq)...]
                if ["dmarc", "spf", "dkim"].contains(String(name)), result == "fail" { out.append("\(name)=fail") }
            }
        }
        return out
    }
}
