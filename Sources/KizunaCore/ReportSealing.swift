import Foundation

/// How the daily report travels (`[report] encrypt`): it holds addresses, due dates and losses.
public enum ReportEncryption: String, Sendable, CaseIterable {
    /// Only encrypted: a recipient without a key gets a signed notice that holds no personal data.
    case required
    /// Encrypted to a recipient whose key is in the keyring, else signed in clear.
    case whenKey = "when_key"
    /// As before this setting: clear and unsigned, no keyring needed.
    case off
}

/// What one recipient of the daily report gets.
public enum ReportForm: Sendable, Equatable {
    /// The report, clear and unsigned.
    case plain
    /// The report, clear, signed by the instance's key (PGP/MIME multipart/signed).
    case signed
    /// The report signed by the instance's key and encrypted to this key (multipart/encrypted).
    case encrypted(fingerprint: String)
    /// A short signed notice instead of the report: it holds no personal data.
    case notice

    /// How the log names it (never the content).
    public var logName: String {
        switch self {
        case .plain: return "clear, unsigned"
        case .signed: return "signed, clear"
        case .encrypted(let fpr): return "encrypted to \(fpr), signed"
        case .notice: return "notice without personal data, signed"
        }
    }
}

/// One key the report could be encrypted to, as the keyring and the store know it.
public struct ReportRecipientKey: Sendable, Equatable {
    public var fingerprint: String
    public var userIDs: [String]
    /// The keyring can encrypt to it (an encryption-capable key or subkey).
    public var canEncrypt: Bool
    /// Not expired, revoked, invalid or disabled.
    public var isUsable: Bool
    /// When the key's earliest current role was given (`kizuna keys import`); nil: it holds no
    /// role, so nobody vouched for it and nothing is encrypted to it.
    public var roleSince: Date?

    public init(fingerprint: String, userIDs: [String], canEncrypt: Bool, isUsable: Bool, roleSince: Date?) {
        self.fingerprint = fingerprint; self.userIDs = userIDs; self.canEncrypt = canEncrypt
        self.isUsable = isUsable; self.roleSince = roleSince
    }
}

/// The pure decisions behind the sealed report: which key a recipient's report is encrypted
/// to, and what each recipient gets under `[report] encrypt`. The job carries them out.
public enum ReportSealing {
    /// Why no report is queued at all: `required` on an instance that cannot sign.
    public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The key a recipient's report is encrypted to: a usable, encryption-capable key holding a
    /// role in the store (its import is the trust) with a user id whose address is the
    /// recipient's, compared case-insensitively; of several, the one whose role is newest
    /// (a replaced key), then the highest fingerprint so the choice never wavers.
    public static func key(for recipient: EmailAddress, among keys: [ReportRecipientKey]) -> String? {
        let wanted = "\(recipient.localPart)@\(recipient.domain)".lowercased()
        let matching = keys.filter { key in
            key.roleSince != nil && key.isUsable && key.canEncrypt
                && key.userIDs.contains { userIDAddress($0)?.lowercased() == wanted }
        }
        return matching.max { a, b in
            (a.roleSince!, a.fingerprint) < (b.roleSince!, b.fingerprint)
        }?.fingerprint
    }

    /// The address of a user id: inside its last `<…>`, else the whole id when it is a bare address.
    public static func userIDAddress(_ userID: String) -> String? {
        if let close = userID.lastIndex(of: ">"), let open = userID[..<close].lastIndex(of: "<") {
            let inner = userID[userID.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
            return inner.contains("@") ? inner : nil
        }
        let bare = userID.trimmingCharacters(in: .whitespaces)
        return bare.contains("@") && !bare.contains(" ") ? bare : nil
    }

    /// What each recipient gets, in the order given (`keys[i]` is recipient i's key, if any).
    /// `canSign`: the instance has a usable signing key. With `required` and no signing key
    /// nothing may go out in clear, not even an unsigned notice: the whole report is refused.
    public static func forms(policy: ReportEncryption, canSign: Bool, keys: [String?]) -> Result<[ReportForm], Refusal> {
        switch policy {
        case .off:
            return .success(keys.map { _ in .plain })
        case .whenKey:
            guard canSign else { return .success(keys.map { _ in .plain }) }
            return .success(keys.map { $0.map { .encrypted(fingerprint: $0) } ?? .signed })
        case .required:
            guard canSign else {
                return .failure(Refusal(description: "report.encrypt is \"required\" but the instance has no usable OpenPGP signing key, "
                    + "so no report was queued (nothing goes out in clear): install gnupg and give the instance its key "
                    + "(README, \"The daily report\"), or set encrypt = \"when_key\""))
            }
            return .success(keys.map { $0.map { .encrypted(fingerprint: $0) } ?? .notice })
        }
    }

    /// The notice's subject: the date only.
    public static func noticeSubject(date: CivilDate) -> String {
        "Kizuna report \(date): ready, sent only encrypted"
    }

    /// The notice a recipient without a key gets under `required`. It holds no personal data: no
    /// address (not even the recipient's own), no counts, nothing about any family.
    public static func noticeText(date: CivilDate) -> String {
        """
        Kizuna daily report for \(date)

        Today's report is ready, but it holds personal data and this instance sends it
        only encrypted ([report] encrypt = "required"). Your address has no OpenPGP key
        in the instance's keyring, so the report was not sent to you.

        To receive it from tomorrow on, send your public key to the server's
        administrator, who imports it:

          gpg --armor --export YOUR-ADDRESS > my-key.asc        (on your computer)
          kizuna keys import my-key.asc --role admin            (on the server; or --role reviewer)

        The key must be able to encrypt and carry your address as its user id.
        Meanwhile the report can be read on the server: kizuna report --print

        """
    }
}
