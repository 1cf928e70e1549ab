import Crypto

/// Codecs for the plus-address tokens Kizuna puts in its own addresses, each carrying an HMAC
/// so that they cannot be forged or guessed: VERP bounce addresses (`kizuna+b-ID-MAC@…`) and
/// unsubscribe tokens (`u-ID-MAC`).
public struct AddressTokens: Sendable {
    private let key: TokenKey
    /// Characters of the MAC: 8 base-32 characters = 40 bits.
    public static let macLength = 8

    public init(secret: [UInt8]) { key = TokenKey(secret: secret) }

    /// The outcome of reading a token from an address.
    public enum Decoded: Hashable, Sendable {
        case valid(Int64)
        /// It looks like our token but the MAC does not match: never trusted.
        case forged
        /// Not one of our tokens.
        case none
    }

    /// The envelope sender for a delivery: `local+b-ID-MAC@domain` when the edition allows
    /// plus-addressing, else the edition address itself.
    public func verpSender(deliveryID: Int64, edition: EmailAddress, plusAddressing: Bool) -> EmailAddress {
        guard plusAddressing else { return edition }
        let base = edition.localPart.split(separator: "+", maxSplits: 1).first.map(String.init) ?? edition.localPart
        return (try? EmailAddress(localPart: "\(base)+\(token(kind: "b", id: deliveryID))", domain: edition.domain)) ?? edition
    }

    /// Reads a VERP address (`kizuna+b-ID-MAC@domain`) back into its delivery id.
    public func decodeVERP(_ address: EmailAddress) -> Decoded {
        guard let plus = address.localPart.firstIndex(of: "+") else { return .none }
        return decode(kind: "b", token: address.localPart[address.localPart.index(after: plus)...])
    }

    /// `u-ID-MAC`: names a subscriber in List-Unsubscribe and footer links.
    public func unsubscribeToken(subscriberID: Int64) -> String { token(kind: "u", id: subscriberID) }

    public func decodeUnsubscribe(_ token: some StringProtocol) -> Decoded { decode(kind: "u", token: token) }

    /// `KIND-ID-MAC` with the id in base 36 and the MAC over `KIND:ID`.
    public func token(kind: String, id: Int64) -> String {
        let idText = String(id, radix: 36)
        return "\(kind)-\(idText)-\(mac(kind: kind, idText: idText))"
    }

    public func decode(kind: String, token: some StringProtocol) -> Decoded {
        let parts = token.lowercased().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == kind else { return .none }
        guard let id = Int64(parts[1], radix: 36), id > 0, String(id, radix: 36) == parts[1],
              parts[2].count == AddressTokens.macLength else { return .forged }
        return constantTimeEqual(Array(parts[2].utf8), Array(mac(kind: kind, idText: String(parts[1])).utf8)) ? .valid(id) : .forged
    }

    private func mac(kind: String, idText: String) -> String {
        let digest = key.authenticate(Array("\(kind):\(idText)".utf8))
        return Base32.encodeLower(Array(digest.prefix(5)))
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}

/// HMAC-SHA-256 under an edition's secret, with the secret's padded blocks absorbed once:
/// each MAC starts from a copy of that state (VERP and token checks run per address).
struct TokenKey: @unchecked Sendable {
    // @unchecked: swift-crypto 3 does not mark `HMAC` Sendable. Its hash state is copy-on-write
    // (a copy is made before a shared state is updated or finalized), so one prepared key read
    // from several threads is safe.
    private let prepared: HMAC<SHA256>

    init(secret: [UInt8]) { prepared = HMAC<SHA256>(key: SymmetricKey(data: secret)) }

    func authenticate(_ message: [UInt8]) -> [UInt8] {
        var hmac = prepared
        hmac.update(data: message)
        return Array(hmac.finalize())
    }
}

/// RFC 4648 base 32, lower case, no padding: safe in local parts and case-insensitive mail systems.
public enum Base32 {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
    public static func encodeLower(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = [], buffer = 0, bits = 0
        for b in bytes {
            buffer = (buffer << 8) | Int(b); bits += 8
            while bits >= 5 { out.append(alphabet[(buffer >> (bits - 5)) & 31]); bits -= 5 }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return String(decoding: out, as: UTF8.self)
    }
}
