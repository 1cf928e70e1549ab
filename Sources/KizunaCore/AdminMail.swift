import Crypto
import Foundation

/// Why an administrator's mail was not carried out. The raw value is the stored and reported word.
public enum AdminRefusal: String, Error, Sendable, Hashable, CaseIterable, Codable {
    /// It reads as an administrator's command but carries no OpenPGP signature.
    case unsigned
    /// Sent to no edition's address, or to several, in an instance of several editions: which
    /// edition it would act on is not known.
    case noEdition = "no one edition"
    /// PGP/MIME encrypted, but the instance's key cannot decrypt it (or its content is no message).
    case undecryptable = "cannot decrypt"
    case badSignature = "bad signature"
    /// Signed by a key the instance's keyring does not hold.
    case unknownKey = "unknown key"
    case expiredKey = "expired key"
    case revokedKey = "revoked key"
    /// A key the keyring holds, without the admin role for the edition written to.
    case notAdministrator = "not an administrator"
    /// Signed longer ago than `[openpgp] max_age_hours`.
    case tooOld = "too old"
    case datedInFuture = "dated in the future"
    /// The same signature (signer, time and signed bytes) was seen before.
    case replayed

    /// Whether the signer is a key the keyring holds, so that a short signed notice (no
    /// personal data) may tell them; a stranger or a robot is never answered.
    public var signerIsKnown: Bool {
        switch self {
        case .unsigned, .noEdition, .undecryptable, .badSignature, .unknownKey: false
        case .expiredKey, .revokedKey, .notAdministrator, .tooOld, .datedInFuture, .replayed: true
        }
    }
}

/// What a signature check found, in Core's words (the adapter maps gpgme's result to it).
public struct AdminSignature: Sendable, Hashable {
    public enum Verdict: Sendable, Hashable {
        case good
        case bad
        /// gpg has no key to check it with.
        case noPublicKey
        /// gpg's own status says the key is expired or revoked.
        case keyExpired, keyRevoked
        /// gpg's other answers (a signature past its own expiry, an error): never accepted.
        case other(String)
    }
    public var verdict: Verdict
    /// The signing key's primary fingerprint (upper-case hex) when the keyring holds it.
    public var fingerprint: String
    public var created: Date

    public init(verdict: Verdict, fingerprint: String, created: Date) {
        self.verdict = verdict; self.fingerprint = fingerprint; self.created = created
    }
}

/// The signing key as the instance knows it: the keyring's listing and the store's roles.
public struct AdminKeyStanding: Sendable, Hashable {
    public var expired: Bool
    public var revoked: Bool
    /// Editions it is admin for; nil inside means every edition.
    public var adminEditions: [String?]

    public init(expired: Bool, revoked: Bool, adminEditions: [String?]) {
        self.expired = expired; self.revoked = revoked; self.adminEditions = adminEditions
    }

    public func isAdministrator(of edition: String) -> Bool {
        adminEditions.contains { $0 == nil || $0 == edition }
    }
}

/// The checks an administrator's signed mail passes before anything is carried out, in this
/// order: a signature at all, a good one, a key the keyring holds, not expired or revoked, the
/// admin role for the edition, signed within `maxAge` and not in the future, never seen before.
/// Pure: the caller looks the key up and asks the store about the replay.
public enum AdminMailPolicy {
    /// A signature dated this far ahead of our clock is still taken (the sender's clock runs fast).
    public static let futureSkew: TimeInterval = 15 * 60

    /// The replay check's digest of the signed bytes: lower-case hex SHA-256.
    public static func digest(_ bytes: some DataProtocol) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// The signature to act on, or why the mail is refused. Every signature must be good: one
    /// bad signature beside a good one is refused (when unsure, refuse).
    public static func decide(signatures: [AdminSignature], standing: (String) -> AdminKeyStanding?, edition: String,
                              now: Date, maxAge: TimeInterval, seenBefore: (AdminSignature) -> Bool)
        -> Result<AdminSignature, AdminRefusal> {
        guard let first = signatures.first else { return .failure(.unsigned) }
        for s in signatures {
            switch s.verdict {
            case .good: continue
            case .noPublicKey: return .failure(.unknownKey)
            case .keyExpired: return .failure(.expiredKey)
            case .keyRevoked: return .failure(.revokedKey)
            case .bad, .other: return .failure(.badSignature)
            }
        }
        guard Set(signatures.map(\.fingerprint)).count == 1 else { return .failure(.badSignature) }
        guard let key = standing(first.fingerprint) else { return .failure(.unknownKey) }
        if key.revoked { return .failure(.revokedKey) }
        if key.expired { return .failure(.expiredKey) }
        guard key.isAdministrator(of: edition) else { return .failure(.notAdministrator) }
        if first.created < now.addingTimeInterval(-maxAge) { return .failure(.tooOld) }
        if first.created > now.addingTimeInterval(futureSkew) { return .failure(.datedInFuture) }
        if seenBefore(first) { return .failure(.replayed) }
        return .success(first)
    }
}

/// Whether a line is one of the CLI's administrator commands, in its exact grammar: two words
/// or more that `AdminCommandParser` reads without a problem (`subscribers remove a@b.example`,
/// `loss a@b.example`, `stats --json`). A parent's own words never are: a bare `stop`, `help`,
/// `stats`, `report`, `loss`, `born 2027-04-28`, `pause until …`, `出生` (one word, or a problem
/// for the parser) is a parent's — or, signed by an administrator's key, an administrator's.
public enum AdminCommandShape {
    /// Whether the first line of `text` that is not blank is such a command.
    public static func firstLineLooksLikeCommand(_ text: String, edition: String) -> Bool {
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { !$0.trimmingBlanks().isEmpty }) else { return false }
        return looksLikeCommand(String(line), edition: edition)
    }

    public static func looksLikeCommand(_ line: String, edition: String) -> Bool {
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if words.first?.lowercased() == "kizuna" { words.removeFirst() }
        guard words.count >= 2 else { return false }
        // A phone capitalises the first word: `Subscribers add` is still the command.
        let parsed = AdminCommandParser.parse(([words[0].lowercased()] + words.dropFirst()).joined(separator: " "), edition: edition)
        return parsed.problems.isEmpty && parsed.commands.count == 1
    }
}
