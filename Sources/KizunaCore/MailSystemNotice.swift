/// The content facts that tell a mail system's delivery notice from a person's mail, taken from
/// a parsed message by the adapter (Core does not read MIME). Only the first lines of the text
/// are kept: a notice says what happened at its top; what it quotes below proves nothing.
public struct NoticeFacts: Sendable, Hashable {
    /// The From field as written (display name and address), also when no address can be read
    /// from it (`Postmaster <>`); nil when there is no From field.
    public var fromField: String?
    /// The local part of the From address, when one could be read.
    public var fromLocalPart: String?
    public var fromDisplayName: String?
    /// The decoded subject.
    public var subject: String
    /// The first lines of the text, before any copy of the original (see `leadLineLimit`).
    public var leadLines: [String]
    /// An `X-Failed-Recipients` field (Exim): only a mail system writes one.
    public var failedRecipientsField: Bool
    /// A `text/rfc822-headers` part: the header of a returned message, as only a mail system attaches.
    public var returnedHeadersPart: Bool
    public var nullReturnPath: Bool
    public var autoSubmitted: String?
    public var precedence: String?

    /// How many non-blank lines of the text are looked at.
    public static let leadLineLimit = 15

    public init(fromField: String?, fromLocalPart: String?, fromDisplayName: String?, subject: String, leadLines: [String],
                failedRecipientsField: Bool = false, returnedHeadersPart: Bool = false, nullReturnPath: Bool = false,
                autoSubmitted: String? = nil, precedence: String? = nil) {
        self.fromField = fromField; self.fromLocalPart = fromLocalPart; self.fromDisplayName = fromDisplayName
        self.subject = subject; self.leadLines = leadLines; self.failedRecipientsField = failedRecipientsField
        self.returnedHeadersPart = returnedHeadersPart; self.nullReturnPath = nullReturnPath
        self.autoSubmitted = autoSubmitted; self.precedence = precedence
    }
}

/// Whether a message is a mail system's notice about a delivery, and on which evidence.
///
/// Two kinds of evidence are needed together (as Sisimai's per-MTA rules and flufl.bounce's
/// simple matchers look for a sender or subject first and a phrase second): *machine* evidence
/// that no person wrote it (a mail system's sender name, no From, a null Return-Path,
/// `Auto-Submitted`, `Precedence: bulk`, `X-Failed-Recipients`, a returned header part), and
/// *notice* evidence that it is about a delivery (a delivery-notice subject, a bounce phrase or
/// a failure reason in the first lines). Words alone never make a bounce: a parent who writes
/// "my mail could not be delivered, please stop" from their own address stays a command.
public struct MailSystemNotice: Sendable, Hashable {
    /// Why no person wrote it, one line each.
    public var machine: [String]
    /// Why it is about a delivery, one line each.
    public var notice: [String]
    /// An auto-reply's subject (`AUTO:`, `Automatic reply`, 自動返信): a vacation stays an auto-reply.
    public var autoReplySubject: String?
    /// Vacation wording in the subject or the first lines ("out of the office", 不在).
    public var vacation: String?
    /// Machine evidence that a vacation responder never gives: a mail system's sender name,
    /// `X-Failed-Recipients`, a returned header part.
    public var mailSystem: Bool
    /// A challenge-response system's request in the first lines ("click to be added to the
    /// allowed list"): a robot, never answered.
    public var challenge: String?

    /// A delivery notice from a mail system: a bounce (or a delay notice), never answered. An
    /// auto-reply's subject, or vacation wording without a mail system's own marks, keeps it an
    /// auto-reply ("I cannot be reached until Monday" is no bounce).
    ///
    /// A word of the sender's local part (`smtp`, `delivery`, `virus`) is the weakest evidence: a
    /// person's address may hold one, so alone it needs two pieces of notice evidence (a notice
    /// subject and a bounce phrase in the first lines).
    public var isBounce: Bool {
        !machine.isEmpty && !notice.isEmpty && autoReplySubject == nil && (vacation == nil || mailSystem)
            && (!senderWordOnly || notice.count >= 2)
    }
    /// The only machine evidence is a word of the sender's local part.
    var senderWordOnly: Bool = false

    /// The evidence, one line each, for `inspect`'s `why`.
    public var lines: [String] {
        machine + notice + [autoReplySubject.map { "auto-reply subject \"\($0)\"" }, vacation.map { "vacation: \"\($0)\"" },
                            challenge.map { "challenge-response: \"\($0)\"" }].compactMap { $0 }
    }

    /// The evidence as one line, for `inspect`'s reason.
    public var summary: String { (machine + notice).joined(separator: "; ") }

    /// Local-part and display-name words of mail systems (the sender names of Sisimai's Lhost
    /// modules: mailer daemons, postmasters, delivery subsystems, NDR robots, anti-virus and
    /// SMTP gateways). Compared with whole words of the local part (split at `.`, `_`, `-`, `=`).
    static let senderWords: Set<String> = [
        "mailer", "daemon", "mailerdaemon", "maildaemon", "mdaemon", "postmaster", "ndr", "smtp", "esmtp",
        "antivirus", "virus", "virusscan", "scanner", "mailscanner", "delivery", "maildelivery", "bounce", "bounces",
        "mailservice", "mailsystem", "mailadmin", "microsoftexchange",
    ]
    /// Display names (and From fields without a readable address) of mail systems.
    static let senderNames = Phrases([
        "mail delivery", "mailer-daemon", "mailer daemon", "mail administrator", "postmaster", "mail router",
        "delivery subsystem", "mail system", "delivery system", "mail service", "antivirus", "anti-virus", "virus scan",
        "smtp", "mail gateway", "mdaemon",
    ])

    /// The mail system a sender names, if any: `Mail.Delivery.System`, `E500_SMTP_Mail_Service`,
    /// `Mail Delivery System <…>`. A BATV tag (`prvs=…=ndr@`) is read through.
    /// `words: false` leaves out a mere word of the local part (see `isBounce`).
    public static func mailSystemSender(localPart: String?, displayName: String?, field: String? = nil, words: Bool = true) -> String? {
        guard let (name, wordOnly) = mailSystemName(localPart: localPart, displayName: displayName, field: field),
              words || !wordOnly else { return nil }
        return name
    }

    /// The name, and whether it is only a word of the local part (not a whole daemon local part
    /// nor a mail system's display name).
    static func mailSystemName(localPart: String?, displayName: String?, field: String?) -> (String, wordOnly: Bool)? {
        var word: String?
        if var local = localPart?.lowercased(), !local.isEmpty {
            if local.hasPrefix("prvs="), let last = local.split(separator: "=").last { local = String(last) }
            if BounceText.daemonLocalParts.contains(local) || local.hasPrefix("mailer-daemon") || local.hasPrefix("postmaster")
                || local.hasPrefix("microsoftexchange") { return (local, false) }
            let words = local.split(whereSeparator: { $0 == "." || $0 == "_" || $0 == "-" || $0 == "=" || $0 == "+" })
            word = words.first(where: { senderWords.contains(String($0)) }).map(String.init)
        }
        for text in [displayName, localPart == nil ? field : nil] {
            if let text, let name = BounceText.firstMatch(text, senderNames) { return (name, false) }
        }
        return word.map { ($0, true) }
    }

    public static func examine(_ f: NoticeFacts) -> MailSystemNotice {
        var machine: [String] = []
        let sender = f.fromLocalPart == nil ? f.fromField?.trimmingBlanks() ?? "<>"
            : f.fromField.flatMap { BounceText.addresses(in: $0).first } ?? "<>"
        let senderName = mailSystemName(localPart: f.fromLocalPart, displayName: f.fromDisplayName, field: f.fromField)
        let systemSender = senderName != nil
        if systemSender {
            machine.append("mail-system sender \(sender.prefix(80))")
        } else if f.fromLocalPart == nil {
            machine.append(f.fromField == nil ? "no From field" : "no readable From address")
        }
        if f.nullReturnPath { machine.append("null Return-Path") }
        if let a = f.autoSubmitted?.trimmingBlanks().lowercased(), !a.isEmpty, !a.hasPrefix("no") {
            machine.append("Auto-Submitted: \(a.prefix(40))")
        }
        if let p = f.precedence?.trimmingBlanks().lowercased(), ["bulk", "junk", "list"].contains(p) { machine.append("Precedence: \(p)") }
        if f.failedRecipientsField { machine.append("X-Failed-Recipients") }
        if f.returnedHeadersPart { machine.append("a returned header part") }

        var notice: [String] = []
        if let s = BounceText.firstMatch(f.subject, BounceText.subjectMarkers) {
            notice.append("subject \"\(f.subject.prefix(60))\" (\(s))")
        }
        let lowered = f.leadLines.map(BounceText.lowered)
        func firstLine(_ phrases: Phrases) -> String? { lowered.lazy.compactMap { phrases.firstMatch(in: $0) }.first }
        for (i, line) in f.leadLines.enumerated() {
            if let p = BounceText.failureMarkers.firstMatch(in: lowered[i]) {
                notice.append("body line \(i + 1): \"\(p)\""); break
            }
            // A failure reason in a mail system's words ("user unknown", "does not exist").
            if !machine.isEmpty, let r = BounceRules.reason(diagnostic: line), failureReasons.contains(r) {
                notice.append("body line \(i + 1): \(r.rawValue) (\"\(line.trimmingBlanks().prefix(60))\")"); break
            }
        }
        if f.failedRecipientsField { notice.append("X-Failed-Recipients") }
        var found = MailSystemNotice(machine: machine, notice: notice,
                                autoReplySubject: BounceText.firstPrefix(f.subject.lowercased(), BounceText.autoReplySubjects),
                                vacation: BounceText.firstMatch(f.subject, BounceText.vacationMarkers) ?? firstLine(BounceText.vacationMarkers),
                                mailSystem: systemSender || f.failedRecipientsField || f.returnedHeadersPart,
                                challenge: firstLine(BounceText.challengeMarkers))
        found.senderWordOnly = senderName?.wordOnly == true && machine.count == 1
        return found
    }

    /// Reasons that only a delivery failure gives (not a filter's or a vacation's). Not
    /// `suspend` nor `expired`: their words (停止, "expired") are a parent's words too.
    static let failureReasons: Set<BounceReason> = [.userunknown, .hostunknown, .hasmoved, .notaccept, .mailboxfull, .exceedlimit,
                                                    .mesgtoobig, .systemfull]
}
