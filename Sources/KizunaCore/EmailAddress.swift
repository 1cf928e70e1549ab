/// A mailbox address (`local@domain`) as a parent or an edition uses it.
///
/// Accepts what real senders use, including Japanese carrier local parts with `..`,
/// a leading or trailing dot, which RFC 5322 only allows quoted; `smtpPath` quotes them.
public struct EmailAddress: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The local part as written, without quotes.
    public let localPart: String
    /// The domain, lower-cased.
    public let domain: String

    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case empty, missingAt, emptyLocalPart, localPartTooLong, badCharacter(Character), badDomain(String), tooLong
        public var description: String {
            switch self {
            case .empty: return "the address is empty"
            case .missingAt: return "the address has no @"
            case .emptyLocalPart: return "nothing before the @"
            case .localPartTooLong: return "the part before the @ is longer than 64 characters"
            case .badCharacter(let c): return "the address contains \"\(c)\", which is not allowed"
            case .badDomain(let d): return "\"\(d)\" is not a valid domain"
            case .tooLong: return "the address is longer than 254 characters"
            }
        }
    }

    public init(localPart: String, domain: String) throws {
        guard !localPart.isEmpty else { throw Problem.emptyLocalPart }
        guard localPart.utf8.count <= 64 else { throw Problem.localPartTooLong }
        // Every subscriber row a night reads comes through here: check plain ASCII on the
        // bytes, and walk Characters only for the rest (and to name a bad one).
        if !localPart.utf8.allSatisfy({ $0 < 0x80 && EmailAddress.asciiLocal[Int($0)] }) {
            for c in localPart {
                guard EmailAddress.isAllowedLocal(c) else { throw Problem.badCharacter(c) }
            }
        }
        let d = domain.lowercased()
        guard EmailAddress.isValidDomain(d) else { throw Problem.badDomain(domain) }
        guard localPart.utf8.count + 1 + d.utf8.count <= 254 else { throw Problem.tooLong }
        self.localPart = localPart
        self.domain = d
    }

    /// Parses `local@domain`, `"quoted local"@domain`, or `<local@domain>`; surrounding blanks ignored.
    public init(parsing raw: some StringProtocol) throws {
        var s = raw.trimmingBlanks()
        if s.hasPrefix("<") && s.hasSuffix(">") { s = String(s.dropFirst().dropLast()) }
        guard !s.isEmpty else { throw Problem.empty }
        // On the UTF-8 view: `@` and `"` are ASCII, and this runs for every address of every header.
        guard let at = s.utf8.lastIndex(of: UInt8(ascii: "@")) else { throw Problem.missingAt }
        var local = String(s[..<at])
        let domain = String(s[s.utf8.index(after: at)...])
        if local.utf8.count >= 2 && local.hasPrefix("\"") && local.hasSuffix("\"") {
            local = String(local.dropFirst().dropLast())
            var out = "", escaped = false
            for c in local {
                if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
            }
            local = out
        }
        try self.init(localPart: local, domain: domain)
    }

    /// `local@domain`, the form people read.
    public var description: String { "\(localPart)@\(domain)" }

    /// The RFC 5321 form for MAIL FROM / RCPT TO and headers: the local part quoted when it is
    /// not a plain dot-atom (carrier addresses such as `taro..x@docomo.ne.jp`).
    public var smtpPath: String {
        if EmailAddress.isDotAtom(localPart) { return "\(localPart)@\(domain)" }
        var q = "\""
        for c in localPart {
            if c == "\"" || c == "\\" { q.append("\\") }
            q.append(c)
        }
        return q + "\"@\(domain)"
    }

    /// The key used to match a sender to a subscriber: domain case-insensitive, local part as written.
    public var matchKey: String { "\(localPart)@\(domain)" }

    static func isAtext(_ c: Character) -> Bool {
        guard let a = c.asciiValue else { return !c.isWhitespace && !c.isNewline && c.unicodeScalars.allSatisfy { $0.value >= 0x80 } }
        if (a >= 0x30 && a <= 0x39) || (a >= 0x41 && a <= 0x5A) || (a >= 0x61 && a <= 0x7A) { return true }
        return "!#$%&'*+-/=?^_`{|}~".contains(c)
    }
    static func isAllowedLocal(_ c: Character) -> Bool {
        if isAtext(c) || c == "." { return true }
        // Quoted-string characters other than controls, for addresses that arrive quoted.
        guard let a = c.asciiValue else { return false }
        return a >= 0x20 && a < 0x7F && c != "\\" && c != "\"" && c != " "
    }
    static func isDotAtom(_ s: String) -> Bool {
        if s.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII (nearly every address, and every message's MAIL FROM and RCPT TO): on bytes.
            var previous: UInt8 = UInt8(ascii: ".")
            for b in s.utf8 {
                if b == UInt8(ascii: ".") {
                    if previous == b { return false }
                } else if !asciiAtext[Int(b)] {
                    return false
                }
                previous = b
            }
            return !s.isEmpty && previous != UInt8(ascii: ".")
        }
        guard !s.isEmpty, !s.hasPrefix("."), !s.hasSuffix("."), !s.contains("..") else { return false }
        return s.allSatisfy { $0 == "." || isAtext($0) }
    }

    /// `isAtext` and `isAllowedLocal` for each ASCII byte.
    private static let asciiAtext: [Bool] = (0..<128).map { isAtext(Character(Unicode.Scalar(UInt8($0)))) }
    private static let asciiLocal: [Bool] = (0..<128).map { isAllowedLocal(Character(Unicode.Scalar(UInt8($0)))) }
    static func isValidDomain(_ d: String) -> Bool {
        guard !d.isEmpty, d.utf8.count <= 253 else { return false }
        if d.hasPrefix("[") && d.hasSuffix("]") { return d.count > 2 }
        if d.utf8.allSatisfy({ $0 < 0x80 }) { return isValidASCIIDomain(d.utf8) }
        let labels = d.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { l in
            !l.isEmpty && l.utf8.count <= 63 && !l.hasPrefix("-") && !l.hasSuffix("-")
                && l.allSatisfy { $0 == "-" || ($0.isASCII && ($0.isLetter || $0.isNumber)) || !$0.isASCII }
        }
    }

    /// `isValidDomain` on the bytes of an ASCII domain (nearly every one, and every address of
    /// every bounce report): labels of letters, digits and inner hyphens.
    private static func isValidASCIIDomain(_ d: String.UTF8View) -> Bool {
        var labels = 0, length = 0
        var previous: UInt8 = UInt8(ascii: ".")
        for b in d {
            if b == UInt8(ascii: ".") {
                guard length > 0, previous != UInt8(ascii: "-") else { return false }
                labels += 1; length = 0
            } else {
                let isAlnum = (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A)
                guard isAlnum || (b == UInt8(ascii: "-") && length > 0) else { return false }
                length += 1
                guard length <= 63 else { return false }
            }
            previous = b
        }
        return labels >= 1 && length > 0 && previous != UInt8(ascii: "-")
    }

    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: s) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer(); try c.encode(description)
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs, CR and LF.
    @inlinable
    public func trimmingBlanks() -> String {
        // On the UTF-8 bytes, not Characters: header and report parsing calls this a lot, and
        // the blanks are ASCII, so the cut always falls between scalars.
        ByteSearch.withBytes(of: self, trimmingBlankBytes)
    }
}

@usableFromInline
func trimmingBlankBytes(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    let isBlank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
    var start = 0, end = bytes.count
    while start < end, isBlank(bytes[start]) { start += 1 }
    while start < end, isBlank(bytes[end - 1]) { end -= 1 }
    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
}
