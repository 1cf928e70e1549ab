/// Which addresses in a bounce's text can be the recipient that failed: a mailing list's own
/// addresses, the sender a report quotes and an alias's original are told apart here.
extension BounceText {
    /// The start of a quoted header inside a report's text, where a bounce that says nothing
    /// about it begins its copy of the returned message (the newline before the field).
    public static let quotedHeaderStarts = Phrases(["\nreceived:", "\nreturn-path:", "\ndkim-signature:"])

    /// Local-part endings and openings of a mailing list's machinery (Mailman, Majordomo,
    /// ezmlm): the addresses a list sends from and takes requests at, never a member's mailbox.
    static let listMachinerySuffixes = ["-request", "-bounces", "-bounce", "-admin", "-owner", "-errors"]
    static let listMachineryPrefixes = ["owner-", "bounce-"]
    private static let listMachinerySuffixBytes = listMachinerySuffixes.map { Array($0.utf8) }
    private static let listMachineryPrefixBytes = listMachineryPrefixes.map { Array($0.utf8) }

    /// Whether `address` is a list's administrative address (`x-request@`, `x-bounces@`,
    /// `x-bounces+detail@`, `x-admin@`, `x-owner@`, `owner-x@`).
    public static func isListMachinery(_ address: String) -> Bool {
        listBase(address) != nil
    }

    /// The list's own address behind an administrative one: `x-bounces+detail@lists.example` →
    /// `x@lists.example`; nil for any other address.
    public static func listBase(_ address: String) -> String? {
        // Byte-wise: this runs for every address a report names.
        let lower = lowered(address)
        guard let at = lower.lastIndex(of: 0x40) else { return nil }
        let local = lower[..<at].split(separator: 0x2B, maxSplits: 1, omittingEmptySubsequences: false)[0]
        func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
        for suffix in listMachinerySuffixBytes where local.count > suffix.count && local.suffix(suffix.count).elementsEqual(suffix) {
            return text(local.dropLast(suffix.count)) + text(lower[at...])
        }
        for prefix in listMachineryPrefixBytes where local.count > prefix.count && local.prefix(prefix.count).elementsEqual(prefix) {
            return text(local.dropFirst(prefix.count)) + text(lower[at...])
        }
        return nil
    }

    /// The posting address a List-Id names (RFC 2919: `<name.host>` for the list `name@host`).
    public static func listAddress(fromListID value: String) -> String? {
        let id = lowered(angleContent(value))
        guard let dot = id.firstIndex(of: 0x2E), dot > 0 else { return nil }
        let host = id[(dot + 1)...]
        guard host.contains(0x2E), host.last != 0x2E else { return nil }
        return String(decoding: id[..<dot], as: UTF8.self) + "@" + String(decoding: host, as: UTF8.self)
    }

    /// Whether the line names `address` as a sender (`MAIL FROM:<a>`, `not accepting mail from
    /// a`, `envelope-from <a>`, `Sender: a`) rather than as a recipient. An alias's original
    /// (`expanded from <a>`) is a recipient and does not count.
    public static func isSenderMention(_ address: String, line: String) -> Bool {
        let lower = Array(lowered(line))
        let needle = Array(address.lowercased().utf8)
        return lower.withUnsafeBufferPointer { l in
            needle.withUnsafeBufferPointer { n in
                guard let at = ByteSearch.firstOffset(of: n, in: l) else { return false }
                // The word before the address, past brackets, quotes, colons and blanks.
                var e = at
                while e > 0, [0x20, 0x09, 0x3C, 0x3A, 0x22, 0x27, 0x28, 0x3D].contains(l[e - 1]) { e -= 1 }
                var s = e
                while s > 0, l[s - 1] != 0x20 && l[s - 1] != 0x09 && l[s - 1] != 0x28 { s -= 1 }
                let word = String(decoding: UnsafeBufferPointer(rebasing: l[s..<e]), as: UTF8.self)
                if ["sender", "envelope-from", "return-path", "originator", "smtp.mailfrom"].contains(word) { return true }
                guard word == "from" else { return false }
                var p = s
                while p > 0, l[p - 1] == 0x20 || l[p - 1] == 0x09 { p -= 1 }
                var q = p
                while q > 0, l[q - 1] != 0x20 && l[q - 1] != 0x09 && l[q - 1] != 0x28 { q -= 1 }
                let before = String(decoding: UnsafeBufferPointer(rebasing: l[q..<p]), as: UTF8.self)
                return !aliasWords.contains(before)
            }
        }
    }

    /// Words before `from` that make the address an alias's original (`expanded from <a>`):
    /// the address we sent to, which the system rewrote into the one that failed.
    static let aliasWords: Set<String> = ["expanded", "generated", "aliased", "forwarded", "redirected"]

    /// Whether a report's line presents `address` as a recipient that failed: a transcript's
    /// `RCPT TO`, a line that is little more than the address (a list of failed recipients,
    /// `<a@b>:`, `a@b on DATE`), failure words on its line, or a heading just before it
    /// ("the following recipients", "could not be delivered to:").
    public static func presentsAsFailed(_ address: String, line: String, before: [String]) -> Bool {
        let lower = lowered(line)
        if ByteSearch.firstOffset(of: "rcpt to", in: String(decoding: lower, as: UTF8.self)) != nil { return true }
        if lineFailureWords.firstMatch(in: lower) != nil || failureMarkers.firstMatch(in: lower) != nil { return true }
        // The words around the address: at most one besides a date's and a label's.
        var words = 0
        for token in line.utf8.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }) {
            if token.contains(0x40) { continue }
            let letters = token.filter { $0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A }
            guard letters.count >= 2 && letters.count * 2 >= token.count else { continue }
            if !listLineWords.contains(String(decoding: letters.map { $0 | 0x20 }, as: UTF8.self)) { words += 1 }
        }
        if words <= 1 { return true }
        let context = lowered(before.joined(separator: "\n"))
        return failureMarkers.firstMatch(in: context) != nil || headingWords.firstMatch(in: context) != nil
    }

    /// Whether the lines after an address give a failure for it: a reply or status code, or a
    /// reason the rules know.
    public static func blockNamesFailure(_ block: [String]) -> Bool {
        let text = block.joined(separator: "\n")
        return BounceRules.enhancedStatus(in: text) != nil || BounceRules.replyCode(in: text) != nil
            || BounceRules.reason(diagnostic: text) != nil
    }

    /// Words a line listing a failed recipient may carry besides it: a date, a label.
    static let listLineWords: Set<String> = [
        "on", "at", "to", "for", "am", "pm", "smtp", "rfc", "recipient", "address", "mailbox", "user",
        "mon", "tue", "wed", "thu", "fri", "sat", "sun", "jan", "feb", "mar", "apr", "may", "jun", "jul",
        "aug", "sep", "oct", "nov", "dec", "gmt", "utc", "est", "edt", "pst", "pdt", "jst",
    ]

    /// Words on an address's own line that say it failed.
    static let lineFailureWords = Phrases([
        "did not", "does not", "doesn't", "not found", "unknown", "no such", "failed", "rejected", "refused",
        "invalid", "not exist", "could not", "couldn't", "unable", "unavailable", "not recognized", "not known",
        "not accept", "denied", "disabled", "over quota", "is full", "error", "permanent", "not listed",
        "not a valid", "not valid", "no longer", "no mailbox", "not allowed", "blocked", "quota", "expired",
    ])

    /// Headings that introduce the failed recipients.
    static let headingWords = Phrases([
        "following recipient", "following address", "following destination", "recipient(s)", "addressed to",
        "not delivered to", "could not reach", "did not reach",
    ])

    /// A line that is one bare local part (`screenname`, `<userx>`): a recipient named without
    /// its domain, as some systems list the mailboxes of their own domain.
    public static func bareLocalPart(_ line: String) -> String? {
        var t = line.trimmingBlanks()
        if t.hasSuffix(":") || t.hasSuffix(",") || t.hasSuffix(".") { t = String(t.dropLast()) }
        if t.hasPrefix("<") && t.hasSuffix(">") { t = String(t.dropFirst().dropLast()) }
        guard !t.isEmpty, t.utf8.count <= 64, !t.hasPrefix("-"), !t.hasPrefix("."),
              t.utf8.allSatisfy({ b in
                  (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x2E || b == 0x5F || b == 0x2D || b == 0x2B
              }),
              t.utf8.contains(where: { $0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A }) else { return nil }
        return t
    }
}
