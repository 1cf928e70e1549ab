import Foundation
import KizunaCore

/// The envelope sender from Return-Path: `<>` for bounces and auto-replies, else an address.
public enum ReturnPath: Sendable, Hashable {
    case null
    case address(EmailAddress)
}

/// Address lists (RFC 5322 §3.4) as received: display names in quotes or encoded-words,
/// comments, groups, obsolete routes, and carrier local parts that are not dot-atoms.
enum IncomingAddressList {
    /// The mailboxes of a From/To/Cc/Reply-To value and the entries that could not be read.
    static func parse(_ value: String) -> (mailboxes: [Mailbox], unreadable: [String]) {
        var mailboxes: [Mailbox] = []
        var unreadable: [String] = []
        for item in splitItems(value) {
            let trimmed = item.trimmingBlanks()
            guard !trimmed.isEmpty else { continue }
            if let m = parseMailbox(Array(trimmed.unicodeScalars)) { mailboxes.append(m) } else { unreadable.append(trimmed) }
        }
        return (mailboxes, unreadable)
    }

    static func parseReturnPath(_ value: String) -> ReturnPath? {
        let scalars = Array(value.unicodeScalars)
        let bare = String(String.UnicodeScalarView(removingComments(scalars))).filter { $0 != " " && $0 != "\t" }
        if bare.isEmpty || bare == "<>" { return .null }
        return parseMailbox(scalars).map { .address($0.address) }
    }

    /// Splits at top-level commas; a group's `name:` and closing `;` also end an item.
    static func splitItems(_ value: String) -> [String] {
        var items: [String] = []
        var current = String.UnicodeScalarView()
        var inQuote = false, inAngle = false, depth = 0, escaped = false
        for c in value.unicodeScalars {
            if escaped { current.append(c); escaped = false; continue }
            if c == "\\" && (inQuote || depth > 0) { current.append(c); escaped = true; continue }
            if depth > 0 {
                if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
                current.append(c); continue
            }
            if inQuote { if c == "\"" { inQuote = false }; current.append(c); continue }
            switch c {
            case "\"": inQuote = true; current.append(c)
            case "(": depth = 1; current.append(c)
            case "<": inAngle = true; current.append(c)
            case ">": inAngle = false; current.append(c)
            case "," where !inAngle, ";" where !inAngle:
                items.append(String(current)); current = String.UnicodeScalarView()
            case ":" where !inAngle:
                // `group-name:` — the name is no mailbox. (A bare `user@host:` cannot occur.)
                current = String.UnicodeScalarView()
            default:
                current.append(c)
            }
        }
        items.append(String(current))
        return items
    }

    /// One mailbox: `Name <addr>`, `"Name" <addr>`, `addr (Name)` or a bare address.
    static func parseMailbox(_ s: [Unicode.Scalar]) -> Mailbox? {
        var inQuote = false, depth = 0, escaped = false
        var angle: Int? = nil
        for (i, c) in s.enumerated() {
            if escaped { escaped = false; continue }
            if c == "\\" && (inQuote || depth > 0) { escaped = true; continue }
            if depth > 0 { if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }; continue }
            if inQuote { if c == "\"" { inQuote = false }; continue }
            if c == "\"" { inQuote = true } else if c == "(" { depth = 1 } else if c == "<" { angle = i; break }
        }
        let phrase: [Unicode.Scalar]
        var spec: [Unicode.Scalar]
        if let lt = angle {
            phrase = Array(s[..<lt])
            let rest = s[(lt + 1)...]
            spec = Array(rest.prefix { $0 != ">" })
            // Obsolete source route: <@a,@b:user@host>.
            if spec.first == "@", let colon = spec.firstIndex(of: ":") { spec = Array(spec[(colon + 1)...]) }
        } else {
            spec = removingComments(s)
            phrase = lastComment(s) ?? []
        }
        // Folding can leave blanks around dots and the @; they are not part of the address.
        let compact = compactAddress(spec)
        guard let address = try? EmailAddress(parsing: String(String.UnicodeScalarView(compact))) else { return nil }
        return Mailbox(address, displayName: displayName(phrase))
    }

    /// The display name: quotes and comments removed, encoded-words decoded, blanks collapsed.
    static func displayName(_ phrase: [Unicode.Scalar]) -> String? {
        var text = String.UnicodeScalarView()
        var inQuote = false, escaped = false, depth = 0
        for c in phrase {
            if escaped { text.append(c); escaped = false; continue }
            if c == "\\" && (inQuote || depth > 0) { escaped = true; continue }
            if depth > 0 {
                if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
                if depth > 0 { text.append(c) }
                continue
            }
            if c == "\"" { inQuote.toggle(); continue }
            if c == "(" && !inQuote { depth = 1; continue }
            text.append(c)
        }
        let decoded = IncomingEncodedWord.decode(Array(String(text).utf8))
        let collapsed = decoded.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        return collapsed.isEmpty ? nil : collapsed
    }

    private static func compactAddress(_ spec: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        var inQuote = false
        for c in spec {
            if c == "\"" { inQuote.toggle() }
            if !inQuote && (c == " " || c == "\t" || c == "\r" || c == "\n") { continue }
            out.append(c)
        }
        return out
    }

    static func removingComments(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        var depth = 0, inQuote = false, escaped = false
        for c in s {
            if escaped { escaped = false; if depth == 0 { out.append(c) }; continue }
            if c == "\\" && (inQuote || depth > 0) { escaped = true; if depth == 0 { out.append(c) }; continue }
            if depth > 0 { if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }; continue }
            if c == "\"" { inQuote.toggle() }
            if c == "(" && !inQuote { depth = 1; continue }
            out.append(c)
        }
        return out
    }

    private static func lastComment(_ s: [Unicode.Scalar]) -> [Unicode.Scalar]? {
        guard let close = s.lastIndex(of: ")"), let open = s[..<close].lastIndex(of: "("), open + 1 < close else { return nil }
        return Array(s[(open + 1)..<close])
    }
}

/// Message-ID, In-Reply-To and References values (RFC 5322 §3.6.4).
enum IncomingMessageIDs {
    /// The ids in `<…>`, without the brackets; a lone bare token with an `@` is accepted too.
    static func parse(_ value: String) -> [String] {
        var ids: [String] = []
        var rest = Substring(value)
        while let lt = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: lt)...]
            guard let gt = after.firstIndex(of: ">") else { break }
            let id = after[..<gt].filter { $0 != " " && $0 != "\t" }
            if !id.isEmpty { ids.append(String(id)) }
            rest = after[after.index(after: gt)...]
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
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "edt": -4, "est": -5, "cdt": -5, "cst": -6, "mdt": -6, "mst": -7,
        "pdt": -7, "pst": -8, "jst": 9, "kst": 9, "cet": 1, "cest": 2, "bst": 1,
    ]

    static func parse(_ value: String) -> Date? {
        let cleaned = String(String.UnicodeScalarView(IncomingAddressList.removingComments(Array(value.unicodeScalars))))
        var tokens = cleaned.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map(String.init)
        // Drop a weekday however it is spelled.
        while let first = tokens.first, first.allSatisfy({ $0.isLetter }), monthIndex(first) == nil { tokens.removeFirst() }
        guard tokens.count >= 3 else { return nil }
        var day: Int?, month: Int?, year: Int?, time: (Int, Int, Int)?, offset: Int?
        if let m = monthIndex(tokens[0]), let d = Int(tokens[1]) {
            // asctime: Mon Jan  5 10:00:00 2026 [zone]
            month = m; day = d
            for t in tokens.dropFirst(2) {
                if time == nil, let tt = parseTime(t) { time = tt } else if year == nil, let y = Int(t), t.count >= 2 { year = y } else if offset == nil { offset = parseZone(t) }
            }
        } else {
            guard let d = Int(tokens[0]) else { return nil }
            day = d
            if let m = monthIndex(tokens[1]) { month = m } else if let m = Int(tokens[1]), (1...12).contains(m) { month = m - 1 }
            year = Int(tokens[2])
            for t in tokens.dropFirst(3) {
                if time == nil, let tt = parseTime(t) { time = tt } else if offset == nil { offset = parseZone(t) }
            }
        }
        guard let d = day, let m = month, var y = year, let (h, mi, s) = time else { return nil }
        if y < 50 { y += 2000 } else if y < 1000 { y += 1900 }
        guard let civil = CivilDate(year: y, month: m + 1, day: d) else { return nil }
        let seconds = civil.dayNumber * 86_400 + h * 3600 + mi * 60 + s - (offset ?? 0)
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private static func monthIndex(_ t: String) -> Int? {
        guard t.count >= 3 else { return nil }
        return months.firstIndex(of: String(t.prefix(3)))
    }

    private static func parseTime(_ t: String) -> (Int, Int, Int)? {
        let parts = t.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        guard let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        // Fractions of a second (`05.123`) are dropped.
        let s = parts.count == 3 ? Int(parts[2].prefix { $0.isNumber }) : 0
        guard let s, (0...60).contains(s) else { return nil }
        return (h, m, s)
    }

    /// Seconds east of UTC; military letters other than Z mean "unknown" and count as UTC
    /// (RFC 5322 §4.3).
    private static func parseZone(_ t: String) -> Int? {
        if let sign = t.first, sign == "+" || sign == "-" {
            let digits = t.dropFirst().filter { $0 != ":" }
            guard digits.count == 4, let v = Int(digits) else { return nil }
            let seconds = (v / 100) * 3600 + (v % 100) * 60
            return sign == "-" ? -seconds : seconds
        }
        if let hours = zones[t] { return hours * 3600 }
        if t.count == 1, t.first!.isLetter { return 0 }
        return nil
    }
}
