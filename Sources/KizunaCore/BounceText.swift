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

    /// The first line of a report with a failure or warning phrase, on one line; nil when none has.
    public static func failureSentence(in report: String) -> String? {
        lines(of: report, omittingEmpty: true).first { line in
            let lower = lowered(line)
            return failureMarkers.firstMatch(in: lower) != nil || warningMarkers.firstMatch(in: lower) != nil
        }.map { oneLine(String($0)) }
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
    /// Bit `c` of row `b` (four words a row) is set when a phrase starts with the bytes `b c`
    /// (every bit of the row for a one-byte phrase `b`): most places in a text are passed over
    /// on these two bytes without trying a single candidate.
    private let pairs: [UInt64]

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
        var pairs = [UInt64](repeating: 0, count: 256 * 4)
        for w in words {
            let u = Array(w.utf8), row = Int(u[0]) * 4
            if u.count == 1 {
                for k in 0..<4 { pairs[row + k] = .max }
            } else {
                pairs[row + Int(u[1]) >> 6] |= 1 << UInt64(u[1] & 63)
            }
        }
        self.pairs = pairs
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
                            pairs.withUnsafeBufferPointer { pairs in
                                for i in 0..<t.count {
                                    let b = Int(t[i])
                                    if i + 1 < t.count {
                                        let c = t[i + 1]
                                        guard pairs[b * 4 + Int(c >> 6)] & (1 << UInt64(c & 63)) != 0 else { continue }
                                    }
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
}
