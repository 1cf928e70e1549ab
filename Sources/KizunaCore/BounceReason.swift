/// Why a message could not be delivered to one recipient, named in the spirit of Sisimai's
/// reasons so that the two can be compared.
///
/// Hard or soft is decided in one place, `isHard(status:)`: an address is hard-bounced only
/// when the address or its domain itself is wrong and will stay wrong (`userunknown`,
/// `hostunknown`, `hasmoved`, `notaccept`), or when a permanent (5.x.x) failure could not be
/// given any reason (`undefined`). Everything else — a full mailbox, a filter, a block list,
/// an expired queue, a suspended account — is soft: it may pass, and repeated soft bounces are
/// for the score to weigh, not for one message to decide.
public enum BounceReason: String, Sendable, CaseIterable, Codable {
    case userunknown, hostunknown, hasmoved, notaccept
    case mailboxfull, exceedlimit, mesgtoobig, systemfull
    case filtered, blocked, spamdetected, virusdetected, policyviolation
    case rejected, norelaying, securityerror, authfailure, requireptr
    case ratelimited, toomanyconn
    case suspend, expired, systemerror, networkerror, syntaxerror, contenterror
    case vacation, delivered, undefined

    /// True when the address should be treated as gone after this one failure.
    public func isHard(status: String?) -> Bool {
        switch self {
        case .userunknown, .hostunknown, .hasmoved, .notaccept: return true
        case .undefined: return status?.first == "5"
        default: return false
        }
    }
}

/// The action a delivery status notification reports for one recipient (RFC 3464 §2.3.3).
public enum BounceAction: String, Sendable, CaseIterable, Codable {
    case failed, delayed, delivered, relayed, expanded

    /// Reads an `Action:` value, tolerating case, comments and the common misspellings.
    public init?(field: String) {
        let v = field.lowercased().split(whereSeparator: { $0 == " " || $0 == "(" || $0 == ";" }).first.map(String.init) ?? ""
        switch v {
        case "failed", "failure", "fail": self = .failed
        case "delayed", "delay": self = .delayed
        case "delivered", "deliverable": self = .delivered
        case "relayed": self = .relayed
        case "expanded": self = .expanded
        default: return nil
        }
    }
}

/// The pure rules that turn a status code and diagnostic text into a `BounceReason`: first the
/// enhanced status code (RFC 3463) when it is specific, then a table of diagnostic phrases,
/// then what a generic status or reply code suggests.
public enum BounceRules {
    /// How much a status code says on its own.
    enum Weight { case definite, hint }

    /// RFC 3463 `subject.detail` (class stripped) → reason. `definite` codes win over phrases;
    /// `hint` codes are used only when no phrase matches, because servers reuse them loosely
    /// (5.7.1 for blocks, spam, relaying and filters alike; 5.1.10 for Exchange's unknown user).
    static let statusTable: [String: (BounceReason, Weight)] = [
        "1.0": (.userunknown, .hint), "1.1": (.userunknown, .definite), "1.2": (.hostunknown, .definite),
        "1.3": (.userunknown, .hint), "1.4": (.userunknown, .hint), "1.5": (.delivered, .hint),
        "1.6": (.hasmoved, .definite), "1.7": (.rejected, .definite), "1.8": (.rejected, .definite),
        "1.10": (.notaccept, .hint),
        "2.0": (.undefined, .hint), "2.1": (.suspend, .hint), "2.2": (.mailboxfull, .definite),
        "2.3": (.exceedlimit, .hint), "2.4": (.systemerror, .hint),
        "3.0": (.systemerror, .hint), "3.1": (.systemfull, .definite), "3.2": (.systemerror, .hint),
        "3.3": (.systemerror, .hint), "3.4": (.mesgtoobig, .definite), "3.5": (.systemerror, .hint),
        "4.0": (.networkerror, .hint), "4.1": (.networkerror, .hint), "4.2": (.networkerror, .hint),
        "4.3": (.systemerror, .hint), "4.4": (.hostunknown, .hint), "4.5": (.systemerror, .hint),
        "4.6": (.systemerror, .definite), "4.7": (.expired, .definite),
        "5.1": (.syntaxerror, .hint), "5.2": (.syntaxerror, .hint), "5.3": (.exceedlimit, .hint),
        "5.4": (.syntaxerror, .hint), "5.5": (.syntaxerror, .hint), "5.6": (.syntaxerror, .hint),
        "6.0": (.contenterror, .hint), "6.1": (.contenterror, .hint), "6.2": (.contenterror, .hint),
        "6.3": (.contenterror, .hint), "6.4": (.contenterror, .hint), "6.5": (.contenterror, .hint),
        "6.6": (.contenterror, .hint), "6.7": (.contenterror, .hint), "6.8": (.contenterror, .hint),
        "7.0": (.securityerror, .hint), "7.1": (.securityerror, .hint), "7.2": (.systemerror, .hint),
        "7.3": (.securityerror, .hint), "7.4": (.securityerror, .hint), "7.5": (.securityerror, .hint),
        "7.6": (.securityerror, .hint), "7.7": (.securityerror, .hint), "7.8": (.securityerror, .hint),
        "7.9": (.securityerror, .hint), "7.10": (.securityerror, .hint), "7.11": (.securityerror, .hint),
        "7.13": (.suspend, .definite), "7.14": (.securityerror, .hint),
        "7.15": (.securityerror, .hint), "7.16": (.securityerror, .hint),
        "7.17": (.hasmoved, .definite), "7.18": (.hasmoved, .definite),
        "7.20": (.authfailure, .definite), "7.21": (.authfailure, .definite), "7.22": (.authfailure, .definite),
        "7.23": (.authfailure, .definite), "7.24": (.authfailure, .definite), "7.25": (.requireptr, .definite),
        "7.26": (.authfailure, .definite), "7.27": (.rejected, .definite), "7.28": (.spamdetected, .hint),
        "7.29": (.authfailure, .definite), "7.30": (.securityerror, .hint),
    ]

    /// Basic SMTP reply codes (RFC 5321 §4.2.3) that suggest a reason when nothing else does.
    static let replyTable: [Int: BounceReason] = [
        421: .systemerror, 450: .undefined, 451: .systemerror, 452: .systemfull,
        530: .securityerror, 535: .securityerror, 550: .undefined, 551: .userunknown,
        552: .mailboxfull, 553: .userunknown, 554: .undefined, 571: .blocked,
    ]

    /// The reason for one recipient.
    ///
    /// - Parameters:
    ///   - status: an enhanced status code such as `5.1.1`, when there is one.
    ///   - diagnostic: the server's words (Diagnostic-Code, an SMTP transcript line, the text of a
    ///     non-standard bounce); the reply code is taken from it when it starts with one.
    ///   - action: `failed` with a transient (4.x.x) status means the queue gave up: `expired`.
    public static func reason(status: String?, diagnostic: String, action: BounceAction? = .failed) -> BounceReason {
        let codeKey = status.flatMap(statusKey)
        // The diagnostic's words, lowered and unfolded once, read only when needed.
        var text: [UInt8]? = nil
        var words: BounceReason?? = nil
        func phraseReason() -> BounceReason? {
            if let words { return words }
            if text == nil { text = phraseText(diagnostic) }
            let found = phrases.firstOffset(in: text!).map { phraseReasons[$0.phrase] }
            words = .some(found)
            return found
        }
        // A server that refused the envelope sender (`after MAIL FROM`, `in reply to MAIL FROM
        // command`) never judged the recipient: a code or words about an address are about the
        // sender's, so the reason is `rejected` unless they name something else (a block list,
        // a rate, authentication).
        if !(action == .failed && status?.first == "4"), rejectedAtMailFrom(diagnostic),
           codeKey.flatMap({ statusTable[$0]?.0 }).map(senderSideIgnores.contains) ?? true,
           phraseReason().map(senderSideIgnores.contains) ?? true {
            return .rejected
        }
        if let key = codeKey, let (r, w) = statusTable[key], w == .definite {
            // Servers send 5.1.1 for any refused mailbox; their words say when it exists but is
            // suspended, full or too small for the message.
            if r == .userunknown, let phrase = phraseReason(), existingMailboxReasons.contains(phrase),
               unknownUserPhrases.firstOffset(in: text!) == nil { return phrase }
            return r
        }
        // The queue gave up on a transient failure: whatever the last attempt said, it expired.
        if action == .failed, status?.first == "4" || gaveUpAfterAttempts(diagnostic) { return .expired }
        if let phrase = phraseReason() { return phrase }
        if let key = codeKey, let (r, _) = statusTable[key], r != .undefined { return r }
        if let reply = replyCode(in: diagnostic), let r = replyTable[reply] { return r }
        return .undefined
    }

    /// Reasons whose words beat a 5.1.1 ("no such mailbox"): the mailbox is there.
    static let existingMailboxReasons: Set<BounceReason> = [.suspend, .mailboxfull, .mesgtoobig]
    /// The words of an unknown user: when they are there too, 5.1.1 stands.
    static let unknownUserPhrases = Phrases(phraseTable.filter { $0.0 == .userunknown }.flatMap(\.1))

    /// "Delivery failed 20 attempts": a queue that counts its tries and gave up (SMTP32 and
    /// similar), said with a number that a phrase cannot hold.
    static func gaveUpAfterAttempts(_ text: String) -> Bool {
        let lower = BounceText.lowered(text)
        guard let at = ByteSearch.firstOffset(of: "failed ", in: lower) else { return false }
        var i = at + 7
        let digits = i
        while i < lower.count, isDigit(lower[i]) { i += 1 }
        guard i > digits else { return false }
        return lower[i...].starts(with: Array(" attempts".utf8))
    }

    /// Reasons that describe a recipient address (or nothing in particular): after a refused
    /// MAIL FROM they describe the sender instead, so the reason is `rejected`.
    static let senderSideIgnores: Set<BounceReason> = [.userunknown, .hostunknown, .hasmoved, .notaccept,
                                                       .securityerror, .policyviolation, .undefined]

    /// Whether the text says the failure was the reply to the MAIL FROM command.
    static func rejectedAtMailFrom(_ text: String) -> Bool {
        let lower = BounceText.lowered(text)
        return mailFromContext.firstOffset(in: lower) != nil
    }
    static let mailFromContext = Phrases(["after mail from", "in reply to mail from", "sender was rejected"])

    /// The first reason whose phrase occurs in the text, ignoring case; nil when none does.
    /// Line breaks, folding and the reply codes that begin a multi-line reply's lines
    /// (`550-5.7.1 `) are read as one space, so a phrase split across lines still matches.
    public static func reason(diagnostic: String) -> BounceReason? {
        phrases.firstOffset(in: phraseText(diagnostic)).map { phraseReasons[$0.phrase] }
    }

    /// Lower-cased bytes with each line's leading blanks and SMTP reply code (`550-`, `550 `,
    /// optionally followed by an enhanced code) removed, and line breaks and runs of blanks read
    /// as one space (a folded Diagnostic-Code keeps its continuation's indent: "to    send").
    static func phraseText(_ text: String) -> [UInt8] {
        let u = BounceText.lowered(text)
        // Most diagnostics are one line with single spaces: then the lowered bytes are the text.
        var plain = true
        for i in u.indices where u[i] == 0x0A || u[i] == 0x0D || u[i] == 0x09 || (u[i] == 0x20 && i > 0 && u[i - 1] == 0x20) {
            plain = false
            break
        }
        guard !plain else { return u }
        var out: [UInt8] = []
        out.reserveCapacity(u.count)
        var i = 0
        var lineStart = true
        while i < u.count {
            let b = u[i]
            if b == 0x0A || b == 0x0D {
                if out.last != 0x20 { out.append(0x20) }
                lineStart = true
                i += 1
                continue
            }
            if lineStart {
                while i < u.count, u[i] == 0x20 || u[i] == 0x09 { i += 1 }
                // `550-` or `550 ` at the start of a line, then an optional `5.7.1 `.
                if i + 3 < u.count, isDigit(u[i]), isDigit(u[i + 1]), isDigit(u[i + 2]), u[i + 3] == 0x2D || u[i + 3] == 0x20 {
                    var j = i + 4
                    if j + 4 < u.count, isDigit(u[j]), u[j + 1] == 0x2E {
                        var k = j + 2
                        while k < u.count, isDigit(u[k]) || u[k] == 0x2E { k += 1 }
                        if k < u.count, u[k] == 0x20 { j = k + 1 }
                    }
                    i = j
                }
                lineStart = false
                continue
            }
            if b == 0x20 || b == 0x09 {
                if out.last != 0x20 { out.append(0x20) }
                i += 1
                continue
            }
            out.append(b)
            i += 1
        }
        return out
    }

    /// `subject.detail` of a `class.subject.detail` code, nil when the text is not one.
    static func statusKey(_ status: String) -> String? {
        let parts = status.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, ["2", "4", "5"].contains(parts[0]),
              parts[1].count >= 1, parts[1].count <= 3, parts[1].allSatisfy(\.isASCII), parts[1].allSatisfy(\.isNumber),
              parts[2].count >= 1, parts[2].count <= 3, parts[2].allSatisfy(\.isASCII), parts[2].allSatisfy(\.isNumber)
        else { return nil }
        return "\(Int(parts[1])!).\(Int(parts[2])!)"
    }

    /// The first enhanced status code (`4.2.2`, `5.1.1`) in free text, as written; with
    /// `failuresOnly`, only a 4.x.x or 5.x.x (a notice's "Mailman 2.0.12" is no status).
    public static func enhancedStatus(in text: String, failuresOnly: Bool = false) -> String? {
        let u = Array(text.utf8)
        var i = 0
        while i < u.count {
            let c = u[i]
            if (c == 0x34 || c == 0x35 || (c == 0x32 && !failuresOnly)), i + 4 < u.count, u[i + 1] == 0x2E,
               i == 0 || !isCodeByte(u[i - 1]) {
                var j = i + 2, n1 = 0
                while j < u.count, isDigit(u[j]), n1 < 3 { j += 1; n1 += 1 }
                if n1 > 0, j < u.count, u[j] == 0x2E {
                    var k = j + 1, n2 = 0
                    while k < u.count, isDigit(u[k]), n2 < 3 { k += 1; n2 += 1 }
                    if n2 > 0, k == u.count || !isCodeByte(u[k]) {
                        return String(decoding: u[i..<k], as: UTF8.self)
                    }
                }
            }
            i += 1
        }
        return nil
    }

    /// A three-digit SMTP reply code in free text: at its start, or after `smtp;`, `said:` or
    /// a line break, as transcripts and Diagnostic-Code fields write it.
    public static func replyCode(in text: String) -> Int? {
        let u = Array(text.utf8)
        var i = 0
        while i + 2 < u.count {
            if (u[i] == 0x34 || u[i] == 0x35), isDigit(u[i + 1]), isDigit(u[i + 2]),
               i + 3 == u.count || u[i + 3] == 0x20 || u[i + 3] == 0x2D || u[i + 3] == 0x0A || u[i + 3] == 0x0D || u[i + 3] == 0x3A {
                var p = i - 1
                while p >= 0, u[p] == 0x20 || u[p] == 0x09 || u[p] == 0x28 || u[p] == 0x5B { p -= 1 }
                if p < 0 || u[p] == 0x3B || u[p] == 0x3A || u[p] == 0x0A || u[p] == 0x29 || u[p] == 0x3E {
                    return (Int(u[i]) - 48) * 100 + (Int(u[i + 1]) - 48) * 10 + Int(u[i + 2]) - 48
                }
            }
            i += 1
        }
        return nil
    }

    /// Builds a status from a reply code when the server gave no enhanced code.
    public static func status(fromReply code: Int) -> String? {
        switch code / 100 {
        case 4: return "4.0.0"
        case 5: return "5.0.0"
        case 2: return "2.0.0"
        default: return nil
        }
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    private static func isCodeByte(_ b: UInt8) -> Bool { isDigit(b) || b == 0x2E || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) }
}
