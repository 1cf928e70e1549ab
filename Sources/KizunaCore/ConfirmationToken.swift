/// A double opt-in confirmation token, `c-ID-DAY-MAC`: the pending subscriber's id and the day
/// the request was issued, both in base 36, and an HMAC over both.
///
/// Everything is lower-case base 32/36, so the token survives mail systems and phones that
/// fold case, and fits in a plus address (`kizuna+c-…@`) and in a subject. It expires after
/// `lifetimeDays`; that it works only once is the lifecycle's business (a confirmed
/// subscriber ignores a second confirmation).
public struct ConfirmationToken: Hashable, Sendable {
    public var subscriberID: Int64
    public var issued: CivilDate

    /// A token issued on day D is good on days D … D+6 and expired from D+7 on.
    public static let lifetimeDays = 7

    public init(subscriberID: Int64, issued: CivilDate) {
        self.subscriberID = subscriberID
        self.issued = issued
    }

    /// The outcome of reading a confirmation token.
    public enum Decoded: Hashable, Sendable {
        case valid(Int64)
        /// Genuine but older than the lifetime; carries the id so a new request can be offered.
        case expired(Int64)
        /// Looks like a confirmation token but the MAC does not match, or it claims to be issued
        /// in the future: never trusted.
        case forged
        /// Not a confirmation token.
        case none
    }

    /// Where a token ends in folded text: `c-` then base-36 id, `-`, base-36 day, `-`, 8 base-32 characters.
    /// Returns the first one found in `text` (lower-cased), for the command reader.
    public static func find(in text: String) -> String? {
        let chars = Array(text.lowercased())
        var i = 0
        while i + 1 < chars.count {
            defer { i += 1 }
            guard chars[i] == "c", chars[i + 1] == "-" else { continue }
            if i > 0, chars[i - 1].isASCII && (chars[i - 1].isLetter || chars[i - 1].isNumber) { continue }
            var k = i + 2
            var parts: [String] = []
            var current = ""
            while k < chars.count, chars[k].isASCII, chars[k].isLetter || chars[k].isNumber || chars[k] == "-" {
                if chars[k] == "-" { parts.append(current); current = "" } else { current.append(chars[k]) }
                k += 1
                if k - i > 64 { break }
            }
            parts.append(current)
            guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, parts[2].count == AddressTokens.macLength else { continue }
            return "c-" + parts.joined(separator: "-")
        }
        return nil
    }
}

extension AddressTokens {
    /// The confirmation token for a pending subscriber, issued today.
    ///
    /// The MAC is `AddressTokens`' own over `c<DAY>:<ID>`, so confirmation tokens share the
    /// edition's secret yet can never be mistaken for a bounce (`b:`) or unsubscribe (`u:`) token.
    public func confirmationToken(subscriberID: Int64, issued: CivilDate) -> String {
        let day = String(issued.dayNumber, radix: 36)
        let inner = token(kind: "c" + day, id: subscriberID) // "c<day>-<id>-<mac>"
        let parts = inner.split(separator: "-")
        return "c-\(parts[1])-\(day)-\(parts[2])"
    }

    /// Reads a confirmation token (any case, surrounding blanks ignored) as of `today`.
    public func decodeConfirmation(_ text: some StringProtocol, today: CivilDate) -> ConfirmationToken.Decoded {
        let parts = text.trimmingBlanks().lowercased().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "c" else { return .none }
        guard let day = Int(parts[2], radix: 36), String(day, radix: 36) == parts[2],
              (0...2_932_896).contains(day) else { return .forged }
        switch decode(kind: "c" + parts[2], token: "c\(parts[2])-\(parts[1])-\(parts[3])") {
        case .valid(let id):
            let age = today.dayNumber - day
            // A day ahead is tolerated (the clock of the night that issued it may run ahead of
            // the poller's); further ahead was never issued by us.
            if age < -1 { return .forged }
            return age >= ConfirmationToken.lifetimeDays ? .expired(id) : .valid(id)
        case .forged, .none:
            return .forged
        }
    }
}
