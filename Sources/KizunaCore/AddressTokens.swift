import Crypto

/// An edition's secret as the MAC of Kizuna's own plus-address tokens (`OwnAddress`), so that
/// they cannot be forged or guessed.
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

    /// The MAC of `KIND:ID`: the first 40 bits of its HMAC-SHA-256, in lower-case base 32.
    func mac(kind: String, idText: String) -> String {
        let digest = key.authenticate(Array("\(kind):\(idText)".utf8))
        return Base32.encodeLower(Array(digest.prefix(5)))
    }

    /// Whether `mac` is the MAC of `KIND:ID`, compared in constant time.
    func verify(mac: some StringProtocol, kind: String, idText: String) -> Bool {
        constantTimeEqual(Array(mac.utf8), Array(self.mac(kind: kind, idText: idText).utf8))
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
