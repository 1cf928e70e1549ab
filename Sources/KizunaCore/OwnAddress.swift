/// One of Kizuna's own plus-addresses: an edition's mailbox with a detail that says what a
/// reply or a bounce belongs to. This type builds and reads all three:
/// - `verp`: `kizuna+b-ID-MAC@…`, the envelope sender of a delivery, where its bounces return;
/// - `unsubscribe`: `kizuna+u-ID-MAC@…`, a subscriber's List-Unsubscribe address (the detail
///   alone is the token of an unsubscribe link);
/// - `confirmation`: `kizuna+c-ID-DAY-MAC@…`, a pending subscriber and the day it was asked to
///   confirm (the detail also stands in the subject, for a reply where plus-addresses fail).
///
/// IDs and days are lower-case base 36 and the MAC is `AddressTokens`' under the edition's
/// secret, so the details survive case folding and cannot be forged or guessed.
public enum OwnAddress: Hashable, Sendable {
    case verp(deliveryID: Int64)
    case unsubscribe(subscriberID: Int64)
    case confirmation(subscriberID: Int64, issued: CivilDate)

    // MARK: - Building

    /// The detail, e.g. `b-2n9c-e2weydhr` or `c-2n9c-g15-eze62da6`.
    public func detail(signedWith tokens: AddressTokens) -> String {
        switch self {
        case .verp(let id): return OwnAddress.token(kind: "b", id: id, tokens: tokens)
        case .unsubscribe(let id): return OwnAddress.token(kind: "u", id: id, tokens: tokens)
        case .confirmation(let id, let issued):
            // The MAC is over `c<DAY>:<ID>`, so a confirmation token can never pass for a bounce
            // (`b:`) or unsubscribe (`u:`) one.
            let day = String(issued.dayNumber, radix: 36), idText = String(id, radix: 36)
            return "c-\(idText)-\(day)-\(tokens.mac(kind: "c" + day, idText: idText))"
        }
    }

    /// The local part `MAILBOX+DETAIL`, the edition's own `+detail` (if any) replaced.
    public func localPart(in edition: EmailAddress, signedWith tokens: AddressTokens) -> String {
        "\(OwnAddress.mailbox(of: edition.localPart))+\(detail(signedWith: tokens))"
    }

    /// This plus-address of the edition when the edition allows plus-addressing (and the result
    /// is a valid address), else the edition's address itself.
    public func address(in edition: EmailAddress, plusAddressing: Bool, signedWith tokens: AddressTokens) -> EmailAddress {
        guard plusAddressing else { return edition }
        return (try? EmailAddress(localPart: localPart(in: edition, signedWith: tokens), domain: edition.domain)) ?? edition
    }

    /// `KIND-ID-MAC` with the id in base 36 and the MAC over `KIND:ID`.
    static func token(kind: String, id: Int64, tokens: AddressTokens) -> String {
        let idText = String(id, radix: 36)
        return "\(kind)-\(idText)-\(tokens.mac(kind: kind, idText: idText))"
    }

    // MARK: - Reading, with the MAC checked

    /// Reads a VERP address (`kizuna+b-ID-MAC@domain`, any case) back into its delivery id.
    public static func readVERP(_ address: EmailAddress, tokens: AddressTokens) -> AddressTokens.Decoded {
        guard let detail = detail(of: address.localPart) else { return .none }
        return read(kind: "b", token: detail, tokens: tokens)
    }

    /// Reads an unsubscribe token (`u-ID-MAC`, any case) back into its subscriber id.
    public static func readUnsubscribe(_ token: some StringProtocol, tokens: AddressTokens) -> AddressTokens.Decoded {
        read(kind: "u", token: token, tokens: tokens)
    }

    /// Reads a confirmation token (`c-ID-DAY-MAC`; any case, surrounding blanks ignored) as of `today`.
    public static func readConfirmation(_ text: some StringProtocol, today: CivilDate, tokens: AddressTokens) -> ConfirmationToken.Decoded {
        let parts = text.trimmingBlanks().lowercased().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "c" else { return .none }
        guard let day = Int(parts[2], radix: 36), String(day, radix: 36) == parts[2],
              (0...2_932_896).contains(day) else { return .forged }
        switch read(kind: "c" + parts[2], token: "c\(parts[2])-\(parts[1])-\(parts[3])", tokens: tokens) {
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

    /// `KIND-ID-MAC` read back: `.none` when it is not of this kind, `.forged` when the id is
    /// not canonical or the MAC does not match.
    static func read(kind: String, token: some StringProtocol, tokens: AddressTokens) -> AddressTokens.Decoded {
        let parts = token.lowercased().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == kind else { return .none }
        guard let id = Int64(parts[1], radix: 36), id > 0, String(id, radix: 36) == parts[1],
              parts[2].count == AddressTokens.macLength else { return .forged }
        return tokens.verify(mac: parts[2], kind: kind, idText: String(parts[1])) ? .valid(id) : .forged
    }

    // MARK: - Reading the shape, without the secret

    /// Which of ours a plus-address detail claims to be, by its prefix (the MAC unchecked);
    /// nil for a detail that is none of ours. `detail` is folded and lower-cased.
    public enum Kind: Hashable, Sendable { case verp, unsubscribe, confirmation }

    public static func kind(ofDetail detail: some StringProtocol) -> Kind? {
        if detail.hasPrefix("c-") { return .confirmation }
        if detail.hasPrefix("u-") { return .unsubscribe }
        if detail.hasPrefix("b-") { return .verp }
        return nil
    }

    /// The mailbox of a local part: what comes before its first `+`.
    public static func mailbox(of localPart: String) -> String {
        localPart.split(separator: "+", maxSplits: 1).first.map(String.init) ?? localPart
    }

    /// What follows the first `+` of a local part (possibly empty); nil without a `+`.
    public static func detail(of localPart: String) -> Substring? {
        guard let plus = localPart.firstIndex(of: "+") else { return nil }
        return localPart[localPart.index(after: plus)...]
    }

    /// Whether an address carries a `+b-` detail, ours or a forgery, in either case.
    public static func hasVERPDetail(_ address: some StringProtocol) -> Bool {
        address.containsBytes("+b-") || address.containsBytes("+B-")
    }

    /// True when a `+b-` local part has every piece of our token (`b-ID-MAC` with a MAC of
    /// `AddressTokens.macLength` base-32 characters): such a token with a wrong MAC is forged;
    /// one missing pieces was mangled.
    public static func verpShapeIsWhole(_ localPart: String) -> Bool {
        guard let detail = detail(of: localPart) else { return false }
        let parts = detail.lowercased().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "b", let id = Int64(parts[1], radix: 36), id > 0, String(id, radix: 36) == parts[1] else { return false }
        return parts[2].count == AddressTokens.macLength && parts[2].allSatisfy { ("a"..."z").contains($0) || ("2"..."7").contains($0) }
    }

    /// Where a confirmation token stands in folded text: `c-` then base-36 id, `-`, base-36 day,
    /// `-`, `AddressTokens.macLength` base-32 characters, not glued to a word before it.
    /// Returns the first one found in `text` (lower-cased), for the command reader.
    public static func findConfirmation(in text: String) -> String? {
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
