/// The words that tell a bounce from an auto-reply from a person's mail, and the small text
/// tools the bounce reader needs. All phrases are lower-case; matching ignores case.
public enum BounceText {
    /// Local parts that only mail systems send from.
    public static let daemonLocalParts: Set<String> = [
        "mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster", "mdaemon", "mailer", "mail.daemon",
        "bounce", "bounces", "nobody", "mail-delivery-system", "maildelivery", "mailadmin", "mail-router", "no-reply-bounce",
        "post_master",
    ]

    /// Local parts of unattended senders that some providers send their bounces from (a
    /// carrier's `no-reply@`): a bounce when the text says so, never a person's reply.
    public static let unattendedLocalParts: Set<String> = [
        "no-reply", "noreply", "do-not-reply", "donotreply", "do_not_reply",
    ]

    /// Text that a bounce's human-readable part says and a person's letter rarely does.
    public static let failureMarkers = Phrases([
        "could not be delivered", "couldn't be delivered", "could not deliver", "not be delivered", "wasn't delivered",
        "was not delivered", "undeliverable", "undelivered", "delivery failed", "delivery has failed", "failed permanently",
        "permanent error", "permanent fatal error", "following address(es) failed", "following addresses had permanent",
        "this is the mail system at host", "qmail-send program", "transcript of session follows", "unable to deliver",
        "delivery to the following recipient", "message could not be sent", "delivery failure", "delivery notification",
        "non-delivery", "nondelivery", "remote server returned", "returned mail", "mail delivery failed",
        "delivery to the following recipients failed", "your message was not", "could not be reached", "cannot be reached",
        "did not reach", "permanent fatal", "fatal delivery error", "could not be sent", "has been delayed",
        "delivery is delayed", "delivery delayed", "still trying", "will keep trying", "not yet been delivered",
        "配信できません", "配送できません", "配信できませんでした", "配送できませんでした", "届きませんでした",
        "送信できませんでした", "配信に失敗", "配送に失敗", "宛先不明", "送達できません", "届けることができません",
        // Older and regional systems' own wording: Smail, sendmail's warning, MDaemon, Netscape.
        "failed addresses follow", "could not send message for past", "has been postponed", "no such user here",
        "list of failed recipients", "failed recipients", "the following addresses had", "following address failed",
        "not able to deliver", "wasn't able to deliver", "did not receive a copy of your message", "was automatically rejected",
        "message that you sent was rejected", "encountered delivery problems", "this is the deliver program at",
        "invalid final delivery userid", "message was undeliverable",
        "cannot be delivered", "did not receive this message", "message not delivered",
        "まだ配信できていません", "まだ配信されていません", "配信が遅れて", "配信遅延",
        // Chinese (GB2312/GBK, Big5) and Russian (KOI8-R) carriers, as the MIME layer decodes them.
        "无法发送", "无法送达", "无法投递", "发送失败", "投递失败", "未能送达", "退信", "無法傳送", "無法送達", "傳送失敗",
        "не может быть доставлено", "невозможно доставить", "не удалось доставить", "не было доставлено", "не доставлено",
        // French, German, Spanish, Italian, Portuguese and Dutch systems (accented or not).
        "n'a pas pu etre delivre", "n'a pas pu être délivré", "n'a pas pu etre remis", "n'a pas pu être remis",
        "konnte nicht zugestellt werden", "no se pudo entregar", "no pudo ser entregado", "non è stato possibile consegnare",
        "non e' stato possibile consegnare", "não foi possível entregar", "kon niet worden afgeleverd",
    ])

    /// Subjects of bounces, tried when the text says too little.
    public static let subjectMarkers = Phrases([
        "undeliver", "returned mail", "delivery status notification", "failure notice", "mail delivery failed",
        "delivery failure", "non remis", "unzustellbar", "returned to sender", "mail system error", "not delivered",
        "nondeliverable", "delivery notification", "delivery has failed", "could not send", "delivery delayed",
        "mail failed", "delivery problem",
        "配信不能", "不達", "配送エラー", "送信エラー", "エラー", "退信", "发送失败", "投递失败", "не доставлено",
        // Notices of mail systems without a standard report (old gateways, relays, regional MTAs).
        "failed mail", "non-delivery", "nondelivery", "delivery status", "could not be delivered",
        "undelivered", "error during delivery", "non recapitabile", "onbestelbaar", "未送达",
    ])

    /// Words that say the failure is final, overriding "will retry" wording elsewhere.
    public static let permanentMarkers = Phrases([
        "permanent error", "failed permanently", "permanently", "permanent fatal", "giving up", "gave up",
        "could not be delivered", "couldn't be delivered", "wasn't delivered", "undeliverable", "has failed",
        "delivery failed", "following address(es) failed", "unable to deliver", "配信できません", "配信できませんでした",
        "宛先不明", "届きませんでした", "送信できませんでした", "配送できませんでした",
    ])

    /// Words of a delay notice: the system still tries.
    public static let delayMarkers = Phrases([
        "has been delayed", "delivery is delayed", "delivery delayed", "delayed mail", "will keep trying",
        "still trying", "will retry", "will be retried", "not yet been delivered", "message is delayed",
        "warning: message", "delivery status notification (delay)", "遅延", "再送を試みます",
        "could not send message for past", "has been postponed", "延迟", "задерж",
    ])

    /// A notice's own statement that it is only a warning: the system still tries, although the
    /// notice also says the message "could not be delivered" (yet). Beats the permanent words
    /// that only say it was not delivered, never those that say the failure is final.
    public static let warningMarkers = Phrases([
        "this is a warning message only", "warning message only", "this is just a warning", "this is only a warning",
        "do not need to resend", "delivery attempts will continue", "will continue to attempt", "will continue trying",
        "could not send message for past", "has been postponed", "no action is required on your part",
        "引き続き配信を試み", "再送を試みます",
    ])

    /// Words that say the failure is final even when the notice also reads like a warning.
    public static let finalMarkers = Phrases([
        "permanent error", "failed permanently", "permanent fatal", "giving up", "gave up", "given up", "has been returned",
    ])

    /// Lines after which a bounce quotes the original message.
    public static let originalFollows = Phrases([
        "--- below this line is a copy of the message", "------ this is a copy of the message", "----- original message follows",
        "----- unsent message follows", "--- original message follows", "original message headers:", "------ original message ------",
        "----- message header follows", "-- the header of the original message", "----- original message -----", "below is a copy of the original message", "-- the original message --",
        "------ failed message ------", "------- returned message --------", "--- 元のメッセージ", "----- 元のメッセージ",
        "original message follows.", "message text follows:", "unsent message below:", "--- 以下是原邮件", "--- 原始邮件",
    ])

    /// Challenge-response systems asking the sender to prove it is a person.
    public static let challengeMarkers = Phrases([
        "awaiting verification", "verify that you are", "prove that you are", "confirm that you are a human",
        "confirm that you are a real", "human sender", "approved senders list", "to be added to my whitelist",
        "add you to my approved", "challenge-response", "spam protection system", "your message is on hold",
        "held pending verification", "送信者確認", "認証してください", "allowed list", "allowed senders list", "have your address added",
    ])

    /// Vacation wording in the subject or text of an auto-reply.
    public static let vacationMarkers = Phrases([
        "out of office", "out of the office", "vacation", "on leave", "on holiday", "away from",
        "abwesenheit", "absence", "不在", "休暇", "お休み", "自動返信", "自動応答",
    ])

    /// Subjects auto-responders start with.
    public static let autoReplySubjects = Phrases([
        "auto:", "automatic reply", "autoreply", "auto-reply", "auto reply", "auto response", "autoresponse",
        "out of office", "out of the office", "vacation", "abwesenheitsnotiz", "réponse automatique",
        "自動返信", "自動応答", "【自動返信】", "[自動返信]", "不在",
    ])

    /// The first phrase that occurs in `text`, ignoring ASCII case.
    public static func firstMatch(_ text: String, _ phrases: Phrases) -> String? {
        phrases.firstMatch(in: lowered(text))
    }

    /// The first phrase `text` (lower-cased) starts with.
    public static func firstPrefix(_ text: String, _ phrases: Phrases) -> String? {
        let t = text.trimmingBlanks()
        return phrases.words.first { t.hasPrefix($0) }
    }

    /// The UTF-8 bytes of `text` with ASCII letters lower-cased: same length, so byte offsets
    /// found in it hold in the original; the phrases' non-ASCII words (Japanese) have no case.
    public static func lowered(_ text: some StringProtocol) -> [UInt8] {
        var bytes = Array(text.utf8)
        for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5A { bytes[i] |= 0x20 }
        return bytes
    }

    /// The addresses written in a line of text, in order: `user@host`, `<user@host>`,
    /// `'user@host'`, `mailto:` links, Exchange's `smtp=user@host`; each a bare `local@domain`
    /// with the domain lower-cased, trailing dots, brackets and quotes removed.
    public static func addresses(in text: some StringProtocol) -> [String] {
        var result: [String] = []
        var utf8 = Array(text.utf8)
        guard utf8.contains(0x40) else { return result }
        utf8.withUnsafeMutableBufferPointer { u in
            var i = 1
            while i < u.count {
                guard u[i] == 0x40 else { i += 1; continue }
                var s = i - 1
                while s >= 0, isLocal(u[s]) { s -= 1 }
                var e = i + 1
                while e < u.count, isDomain(u[e]) { e += 1 }
                var ls = s + 1
                var de = e
                while de > i + 1, u[de - 1] == 0x2E || u[de - 1] == 0x2D { de -= 1 }
                if i - ls >= 7, (0..<7).allSatisfy({ u[ls + $0] | 0x20 == Array("mailto:".utf8)[$0] }) { ls += 7 }
                ls = mailboxStart(u, from: ls, at: i)
                let domain = UnsafeBufferPointer(rebasing: u[(i + 1)..<de])
                if ls < i, i - ls <= 64, domain.contains(0x2E), domain.first != 0x2E {
                    for k in (i + 1)..<de where u[k] >= 0x41 && u[k] <= 0x5A { u[k] |= 0x20 }
                    result.append(String(decoding: UnsafeBufferPointer(rebasing: u[ls..<de]), as: UTF8.self))
                }
                i = max(e, i + 1)
            }
        }
        return result
    }

    /// Where the mailbox starts in a run of local-part characters: past a stray opening quote
    /// (`'user@host'`) and a type written with `=` (Exchange's `SMTP=user@host`, `rfc822=`).
    private static func mailboxStart(_ u: UnsafeMutableBufferPointer<UInt8>, from start: Int, at i: Int) -> Int {
        var ls = start
        while ls < i, u[ls] == 0x27 || u[ls] == 0x60 { ls += 1 }
        for prefix in addressTypePrefixes where i - ls > prefix.count {
            if (0..<prefix.count).allSatisfy({ u[ls + $0] | 0x20 == prefix[$0] }) { ls += prefix.count; break }
        }
        while ls < i, u[ls] == 0x27 || u[ls] == 0x60 { ls += 1 }
        return ls
    }
    private static let addressTypePrefixes: [[UInt8]] = ["smtp=", "rfc822=", "mailto="].map { Array($0.utf8) }

    private static func isLocal(_ c: UInt8) -> Bool {
        switch c {
        case 0x61...0x7A, 0x41...0x5A, 0x30...0x39: return true
        default: return c < 0x80 && localSymbols.contains(c)
        }
    }
    private static let localSymbols: Set<UInt8> = Set("._%+-'!#$&*/=?^`{|}~".utf8)

    private static func isDomain(_ c: UInt8) -> Bool {
        switch c {
        case 0x61...0x7A, 0x41...0x5A, 0x30...0x39, 0x2E, 0x2D: return true
        default: return false
        }
    }

    /// `rfc822; user@host` → `user@host`, `smtp; 550 …` → `550 …`, `dns; mx.example` → `mx.example`.
    public static func stripType(_ value: String) -> String {
        guard let semi = value.utf8.firstIndex(of: UInt8(ascii: ";")) else { return value.trimmingBlanks() }
        let type = value[..<semi].trimmingBlanks()
        guard !type.isEmpty, isTypeName(type) else { return value.trimmingBlanks() }
        var rest = value[value.utf8.index(after: semi)...].trimmingBlanks()
        if rest.hasPrefix("<") && rest.hasSuffix(">") && !rest.contains(" ") { rest = String(rest.dropFirst().dropLast()) }
        return rest
    }

    /// Up to 12 letters, digits and hyphens, as in `rfc822`, `smtp`, `dns`, `x-unix`.
    private static func isTypeName(_ type: String) -> Bool {
        if type.utf8.allSatisfy({ $0 < 0x80 }) {
            return type.utf8.count <= 12 && type.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == UInt8(ascii: "-")
            }
        }
        return type.count <= 12 && type.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
    }

    /// The text of `<…>` in a header value, else the value trimmed.
    public static func angleContent(_ value: String) -> String {
        if let open = value.lastIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
            return String(value[value.index(after: open)..<close])
        }
        return value.trimmingBlanks()
    }

    /// Collapses a multi-line diagnostic to one line of at most 400 characters.
    public static func oneLine(_ text: String) -> String {
        var out: [UInt8] = []
        var blank = false
        for b in text.utf8 {
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { blank = !out.isEmpty; continue }
            // Stop at a character boundary once long enough.
            if out.count >= 400 && (b & 0xC0) != 0x80 { break }
            if blank { out.append(0x20); blank = false }
            out.append(b)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The lines of a text with LF line breaks (as the parser leaves them), split on the UTF-8
    /// bytes: splitting by Characters checks grapheme breaks at every character of a report.
    public static func lines(of text: String, omittingEmpty: Bool = false) -> [Substring] {
        text.utf8.split(separator: 0x0A, omittingEmptySubsequences: omittingEmpty).map { Substring($0) }
    }

    /// The most telling line of a block: the first with a reply or status code, else the
    /// first with a known phrase, else the block; on one line.
    public static func diagnosticLine(_ block: String) -> String? {
        let lines = lines(of: block, omittingEmpty: true).map(String.init)
        if let l = lines.first(where: { BounceRules.enhancedStatus(in: $0) != nil || BounceRules.replyCode(in: $0) != nil }) {
            let i = lines.firstIndex(of: l)!
            return oneLine(lines[i..<min(lines.count, i + 3)].joined(separator: " "))
        }
        if let l = lines.first(where: { BounceRules.reason(diagnostic: $0) != nil }) { return oneLine(l) }
        let one = oneLine(block)
        return one.isEmpty ? nil : one
    }

    /// The lines of `text` from the first mention of `address`, a few of them; nil when absent.
    public static func lines(around address: String, in text: String) -> String? {
        let needle = address.lowercased()
        let lines = lines(of: text, omittingEmpty: true)
        guard let i = lines.firstIndex(where: { $0.lowercased().contains(needle) }) else { return nil }
        return lines[i..<min(lines.count, i + 4)].joined(separator: "\n")
    }

    /// The address as the report spells it (the key is lower-cased).
    public static func originalCase(_ key: String, in text: String) -> String {
        for a in addresses(in: text) where a.lowercased() == key { return a }
        return key
    }

    /// A host the text says answered: `host mx.example[192.0.2.1] said:` and similar.
    public static func remoteHost(in block: String) -> String? {
        let lower = lowered(block)
        for marker in ["host ", "remote server: ", "remote-mta: dns; ", "generating server: "] {
            guard let at = ByteSearch.firstOffset(of: marker, in: lower) else { continue }
            let after = Substring(block.utf8.dropFirst(at + marker.utf8.count))
            let host = after.prefix(while: { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })
            if host.contains("."), host.count > 3 { return host.lowercased() }
        }
        return nil
    }

    /// The header of a message held in `bytes`, up to its blank line (at most 64 KiB): enough
    /// to read a returned message's Message-ID and Return-Path without its body.
    public static func headerPrefix(_ bytes: [UInt8]) -> [UInt8] {
        let limit = min(bytes.count, 65_536)
        var i = 0
        var lineStart = true
        while i < limit {
            let b = bytes[i]
            if lineStart && (b == 0x0A || (b == 0x0D && i + 1 < limit && bytes[i + 1] == 0x0A)) {
                return Array(bytes[0..<min(limit, i + (b == 0x0D ? 2 : 1))])
            }
            lineStart = b == 0x0A
            i += 1
        }
        return Array(bytes[0..<limit])
    }
}

/// A list of lower-case phrases with their UTF-8 bytes prepared once, indexed by first byte
/// so that one pass over a text finds every phrase (the lists hold up to a few hundred
/// phrases and are asked about every line of a report).
public struct Phrases: Sendable {
    public let words: [String]
    /// Every phrase's bytes, one after another: phrase `k` ends at `ends[k]` and starts where
    /// phrase `k - 1` ends (phrase 0 at 0).
    private let bytes: [UInt8]
    private let ends: [Int]
    /// The indices of the phrases that start with byte `b`, ascending, are
    /// `candidates[firstCandidate[b] ..< firstCandidate[b + 1]]`.
    private let candidates: [Int]
    private let firstCandidate: [Int]

    public init(_ words: [String]) {
        precondition(!words.contains(""), "an empty phrase matches everything")
        self.words = words
        bytes = words.flatMap { Array($0.utf8) }
        var end = 0
        ends = words.map { end += $0.utf8.count; return end }
        var byFirst = [[Int]](repeating: [], count: 256)
        for (k, w) in words.enumerated() { byFirst[Int(w.utf8.first!)].append(k) }
        candidates = byFirst.flatMap { $0 }
        var start = 0
        firstCandidate = [0] + byFirst.map { start += $0.count; return start }
    }

    /// The first phrase found in `lowered` (see `BounceText.lowered`).
    public func firstMatch(in lowered: [UInt8]) -> String? {
        firstOffset(in: lowered).map { words[$0.phrase] }
    }

    /// The earliest byte offset at which any phrase occurs, with which phrase (the first in
    /// the list when several start there).
    public func earliest(in lowered: [UInt8]) -> (offset: Int, phrase: Int)? {
        scan(lowered) { _, _ in true }
    }

    /// The first phrase in list order that occurs anywhere in `lowered`, and where it first does.
    func firstOffset(in lowered: [UInt8]) -> (offset: Int, phrase: Int)? {
        var best: (offset: Int, phrase: Int)? = nil
        _ = scan(lowered) { offset, phrase in
            // Later candidates only ever come with a lower phrase index (see `scan`).
            best = (offset, phrase)
            return phrase == 0
        }
        return best
    }

    /// Walks `text` once; at each offset tries the phrases starting with that byte in list
    /// order, skipping those not earlier in the list than the last one reported, and reports
    /// the first that occurs there. Stops when `found` returns true, returning that match.
    /// (The hottest loop of the bounce reader: on unsafe buffers, without bounds checks and
    /// reference counting.)
    private func scan(_ text: [UInt8], _ found: (Int, Int) -> Bool) -> (offset: Int, phrase: Int)? {
        var limit = words.count
        return text.withUnsafeBufferPointer { t in
            bytes.withUnsafeBufferPointer { p in
                ends.withUnsafeBufferPointer { ends in
                    candidates.withUnsafeBufferPointer { candidates in
                        firstCandidate.withUnsafeBufferPointer { first in
                            for i in 0..<t.count {
                                let b = Int(t[i])
                                for c in first[b]..<first[b + 1] {
                                    let k = candidates[c]
                                    guard k < limit else { break }
                                    let start = k == 0 ? 0 : ends[k - 1], count = ends[k] - start
                                    guard count <= t.count - i else { continue }
                                    var j = 1
                                    while j < count && t[i + j] == p[start + j] { j += 1 }
                                    guard j == count else { continue }
                                    if found(i, k) { return (i, k) }
                                    limit = k
                                    break
                                }
                            }
                            return nil
                        }
                    }
                }
            }
        }
    }
}
