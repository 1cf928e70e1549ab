import Foundation

/// One key in a keyring, as gpgme lists it.
public struct OpenPGPKey: Sendable, Equatable {
    /// The primary key's fingerprint, upper-case hex.
    public var fingerprint: String
    /// The user ids that are not revoked.
    public var userIDs: [String]
    public var canSign: Bool
    public var canEncrypt: Bool
    public var isExpired: Bool
    public var isRevoked: Bool
    public var isInvalid: Bool
    public var isDisabled: Bool
    /// The keyring holds its secret part (only set when listed with `secretOnly`).
    public var hasSecret: Bool

    public init(fingerprint: String, userIDs: [String], canSign: Bool, canEncrypt: Bool, isExpired: Bool = false,
                isRevoked: Bool = false, isInvalid: Bool = false, isDisabled: Bool = false, hasSecret: Bool = false) {
        self.fingerprint = fingerprint; self.userIDs = userIDs; self.canSign = canSign; self.canEncrypt = canEncrypt
        self.isExpired = isExpired; self.isRevoked = isRevoked; self.isInvalid = isInvalid; self.isDisabled = isDisabled
        self.hasSecret = hasSecret
    }

    /// The mail addresses in the key's user ids (`Name <a@b>` or a bare `a@b`), lower-cased.
    public var addresses: [String] {
        userIDs.compactMap { uid in
            var text = Substring(uid)
            if let open = text.lastIndex(of: "<"), let close = text[open...].firstIndex(of: ">") {
                text = text[text.index(after: open)..<close]
            }
            let address = text.trimmingCharacters(in: .whitespaces).lowercased()
            return address.contains("@") && !address.contains(" ") ? address : nil
        }
    }

    /// Why the key cannot be used at all (expired, revoked, invalid, disabled); nil when it can.
    public var unusableReason: String? {
        if isRevoked { return "revoked" }
        if isExpired { return "expired" }
        if isInvalid { return "invalid" }
        if isDisabled { return "disabled" }
        return nil
    }
}

/// A failed OpenPGP operation, with gpgme's own message.
public enum OpenPGPError: Error, CustomStringConvertible, Equatable {
    /// gpgme or the gpg binary it runs is missing or unusable.
    case engineUnavailable(String)
    /// The keyring's home directory cannot be made or used.
    case homeUnusable(path: String, reason: String)
    /// A gpgme call failed: which operation, gpgme's message.
    case operationFailed(operation: String, message: String)
    /// No key with this fingerprint is in the keyring.
    case noSuchKey(String)
    /// The armored text held no key gpg could import.
    case nothingImported

    public var description: String {
        switch self {
        case .engineUnavailable(let m): return "OpenPGP is unavailable: \(m) (install GnuPG 2.2 or later: apt-get install gnupg)"
        case .homeUnusable(let path, let reason): return "cannot use the keyring \(path): \(reason)"
        case .operationFailed(let op, let m): return "OpenPGP \(op) failed: \(m)"
        case .noSuchKey(let f): return "no key \(f) in the keyring"
        case .nothingImported: return "no OpenPGP key found to import"
        }
    }
}
