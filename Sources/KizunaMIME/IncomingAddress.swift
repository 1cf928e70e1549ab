import Foundation
import KizunaCore

/// The envelope sender from Return-Path: `<>` for bounces and auto-replies, else an address.
public enum ReturnPath: Sendable, Hashable {
    case null
    case address(EmailAddress)
}

/// Address lists (RFC 5322 §3.4) as received: display names in quotes or encoded-words,
/// comments, groups, obsolete routes, and carrier local parts that are not dot-atoms.
///
/// Works on UTF-8 bytes: every delimiter is ASCII, and a byte of a multi-byte character never
/// equals an ASCII one, so cuts always fall between characters.
enum IncomingAddressList {
    typealias Bytes = ArraySlice<UInt8>

    /// The mailboxes of a From/To/Cc/Reply-To value and the entries that could not be read.
    static func parse(_ value: String) -> (mailboxes: [Mailbox], unreadable: [String]) {
        var mailboxes: [Mailbox] = []
        var unreadable: [String] = []
        for item in splitItems(Array(value.utf8)[...]) {
            let trimmed = trimmingBlanks(item)
            guard !trimmed.isEmpty else { continue }
            if let m = parseMailbox(trimmed) { mailboxes.append(m) } else { unreadable.append(String(decoding: trimmed, as: UTF8.self)) }
        }
        return (mailboxes, unreadable)
    }

    static func parseReturnPath(_ value: String) -> ReturnPath? {
        let bytes = Array(value.utf8)[...]
        let bare = removingComments(bytes).filter { $0 != 0x20 && $0 != 0x09 }
        if bare.isEmpty || bare == Array("<>".utf8) { return .null }
        return parseMailbox(bytes).map { .address($0.address) }
    }

    /// Splits at top-level commas; a group's `name:` and closing `;` also end an item.
    static func splitItems(_ value: Bytes) -> [Bytes] {
        var items: [Bytes] = []
        var start = value.startIndex
        var inQuote = false, inAngle = false, depth = 0, escaped = false
        for i in value.indices {
            let c = value[i]
            if escaped { escaped = false; continue }
            if c == 0x5C && (inQuote || depth > 0) { escaped = true; continue }
            if depth > 0 {
                if c == 0x28 { depth += 1 } else if c == 0x29 { depth -= 1 }
                continue
            }
            if inQuote { if c == 0x22 { inQuote = false }; continue }
            switch c {
            case 0x22: inQuote = true
            case 0x28: depth = 1
            case 0x3C: inAngle = true
            case 0x3E: inAngle = false
            case 0x2C where !inAngle, 0x3B where !inAngle:
                items.append(value[start..<i]); start = i + 1
            case 0x3A where !inAngle:
                // `group-name:` — the name is no mailbox. (A bare `user@host:` cannot occur.)
                start = i + 1
            default:
                break
            }
        }
        items.append(value[start...])
        return items
    }

    /// One mailbox: `Name <addr>`, `"Name" <addr>`, `addr (Name)` or a bare address.
    static func parseMailbox(_ s: Bytes) -> Mailbox? {
        var inQuote = false, depth = 0, escaped = false
        var angle: Int? = nil
        for i in s.indices {
            let c = s[i]
            if escaped { escaped = false; continue }
            if c == 0x5C && (inQuote || depth > 0) { escaped = true; continue }
            if depth > 0 { if c == 0x28 { depth += 1 } else if c == 0x29 { depth -= 1 }; continue }
            if inQuote { if c == 0x22 { inQuote = false }; continue }
            if c == 0x22 { inQuote = true } else if c == 0x28 { depth = 1 } else if c == 0x3C { angle = i; break }
        }
        let phrase: Bytes
        var spec: Bytes
        if let lt = angle {
            phrase = s[..<lt]
            spec = s[(lt + 1)...].prefix { $0 != 0x3E }
            // Obsolete source route: <@a,@b:user@host>.
            if spec.first == 0x40, let colon = spec.firstIndex(of: 0x3A) { spec = spec[(colon + 1)...] }
        } else {
            spec = removingComments(s)[...]
            phrase = lastComment(s) ?? []
        }
        // Folding can leave blanks around dots and the @; they are not part of the address.
        let compact = compactAddress(spec)
        guard let address = try? EmailAddress(parsing: String(decoding: compact, as: UTF8.self)) else { return nil }
        return Mailbox(address, displayName: displayName(phrase))
    }

    /// The display name: quotes and comments removed, encoded-words decoded, blanks collapsed.
    static func displayName(_ phrase: Bytes) -> String? {
        var text: [UInt8] = []
        var inQuote = false, escaped = false, depth = 0
        for c in phrase {
            if escaped { text.append(c); escaped = false; continue }
            if c == 0x5C && (inQuote || depth > 0) { escaped = true; continue }
            if depth > 0 {
                if c == 0x28 { depth += 1 } else if c == 0x29 { depth -= 1 }
                if depth > 0 { text.append(c) }
                continue
            }
            if c == 0x22 { inQuote.toggle(); continue }
            if c == 0x28 && !inQuote { depth = 1; continue }
            text.append(c)
        }
        let decoded = IncomingEncodedWord.decode(text)
        let collapsed = decoded.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        return collapsed.isEmpty ? nil : collapsed
    }

    private static func compactAddress(_ spec: Bytes) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(spec.count)
        var inQuote = false
        for c in spec {
            if c == 0x22 { inQuote.toggle() }
            if !inQuote && (c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A) { continue }
            out.append(c)
        }
        return out
    }

    static func removingComments(_ s: Bytes) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var depth = 0, inQuote = false, escaped = false
        for c in s {
            if escaped { escaped = false; if depth == 0 { out.append(c) }; continue }
            if c == 0x5C && (inQuote || depth > 0) { escaped = true; if depth == 0 { out.append(c) }; continue }
            if depth > 0 { if c == 0x28 { depth += 1 } else if c == 0x29 { depth -= 1 }; continue }
            if c == 0x22 { inQuote.toggle() }
            if c == 0x28 && !inQuote { depth = 1; continue }
            out.append(c)
        }
        return out
    }

    private static func lastComment(_ s: Bytes) -> Bytes? {
        guard let close = s.lastIndex(of: 0x29), let open = s[..<close].lastIndex(of: 0x28), open + 1 < close else { return nil }
        return s[(open + 1)..<close]
    }

    private static func trimmingBlanks(_ s: Bytes) -> Bytes {
        let isBlank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        guard let first = s.firstIndex(where: { !isBlank($0) }) else { return [] }
        return s[first...s.lastIndex(where: { !isBlank($0) })!]
    }
}

/// Message-ID, In-Reply-To and References values (RFC 5322 §3.6.4).
enum IncomingMessageIDs {
    /// The ids in `<…>`, without the brackets; a lone bare token with an `@` is accepted too.
    static func parse(_ value: String) -> [String] {
        var ids: [String] = []
        let bytes = Array(value.utf8)
        var rest = bytes[...]
        while let lt = rest.firstIndex(of: UInt8(ascii: "<")) {
            let after = rest[(lt + 1)...]
            guard let gt = after.firstIndex(of: UInt8(ascii: ">")) else { break }
            let id = after[..<gt].filter { $0 != 0x20 && $0 != 0x09 }
            if !id.isEmpty { ids.append(String(decoding: id, as: UTF8.self)) }
            rest = after[(gt + 1)...]
        }
        if ids.isEmpty {
            ids = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
                .filter { $0.contains("@") && !$0.contains("(") }.map(String.init)
        }
        return ids
    }
}

/// RFC 5322 §3.3 date-times as received: with or without the weekday and seconds, two-digit
/// years, obsolete and common named zones, comments, and the asctime order some scripts use.
enum IncomingDate {
    typealias Token = ArraySlice<UInt8>
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].map { Array($0.utf8) }
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "edt": -4, "est": -5, "cdt": -5, "cst": -6, "mdt": -6, "mst": -7,
        "pdt": -7, "pst": -8, "jst": 9, "kst": 9, "cet": 1, "cest": 2, "bst": 1,
    ]

    /// On bytes (ASCII lower-cased): a Date field is read for every message the poller fetches.
    static func parse(_ value: String) -> Date? {
        let cleaned = IncomingAddressList.removingComments(Array(value.utf8)[...]).map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
        var tokens = cleaned.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x2C })[...]
        // Drop a weekday however it is spelled (letters, or any non-ASCII text).
        while let first = tokens.first, first.allSatisfy({ (0x61...0x7A).contains($0) || $0 >= 0x80 }), monthIndex(first) == nil {
            tokens.removeFirst()
        }
        let t = Array(tokens)
        guard t.count >= 3 else { return nil }
        var day: Int?, month: Int?, year: Int?, time: (Int, Int, Int)?, offset: Int?
        if let m = monthIndex(t[0]), let d = number(t[1]) {
            // asctime: Mon Jan  5 10:00:00 2026 [zone]
            month = m; day = d
            for w in t.dropFirst(2) {
                if time == nil, let tt = parseTime(w) { time = tt } else if year == nil, let y = number(w), w.count >= 2 { year = y } else if offset == nil { offset = parseZone(w) }
            }
        } else {
            guard let d = number(t[0]) else { return nil }
            day = d
            if let m = monthIndex(t[1]) { month = m } else if let m = number(t[1]), (1...12).contains(m) { month = m - 1 }
            year = number(t[2])
            for w in t.dropFirst(3) {
                if time == nil, let tt = parseTime(w) { time = tt } else if offset == nil { offset = parseZone(w) }
            }
        }
        guard let d = day, let m = month, var y = year, let (h, mi, s) = time else { return nil }
        if y < 50 { y += 2000 } else if y < 1000 { y += 1900 }
        guard let civil = CivilDate(year: y, month: m + 1, day: d) else { return nil }
        let seconds = civil.dayNumber * 86_400 + h * 3600 + mi * 60 + s - (offset ?? 0)
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// A run of ASCII digits (at most 9) as a number.
    private static func number(_ t: some Collection<UInt8>) -> Int? {
        guard !t.isEmpty, t.count <= 9 else { return nil }
        var v = 0
        for b in t {
            guard (0x30...0x39).contains(b) else { return nil }
            v = v * 10 + Int(b - 0x30)
        }
        return v
    }

    private static func monthIndex(_ t: Token) -> Int? {
        guard t.count >= 3 else { return nil }
        let head = t.prefix(3)
        return months.firstIndex { $0.elementsEqual(head) }
    }

    private static func parseTime(_ t: Token) -> (Int, Int, Int)? {
        let parts = t.split(separator: 0x3A, omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        guard let h = number(parts[0]), let m = number(parts[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        // Fractions of a second (`05.123`) are dropped.
        let s = parts.count == 3 ? number(parts[2].prefix { (0x30...0x39).contains($0) }) : 0
        guard let s, (0...60).contains(s) else { return nil }
        return (h, m, s)
    }

    /// Seconds east of UTC; military letters other than Z mean "unknown" and count as UTC
    /// (RFC 5322 §4.3).
    private static func parseZone(_ t: Token) -> Int? {
        if let sign = t.first, sign == 0x2B || sign == 0x2D {
            let digits = t.dropFirst().filter { $0 != 0x3A }
            guard digits.count == 4, let v = number(digits) else { return nil }
            let seconds = (v / 100) * 3600 + (v % 100) * 60
            return sign == 0x2D ? -seconds : seconds
        }
        if let hours = zones[String(decoding: t, as: UTF8.self)] { return hours * 3600 }
        if t.count == 1, (0x61...0x7A).contains(t.first!) { return 0 }
        return nil
    }
}
