import Foundation
import KizunaCore
import KizunaMail

/// The instance's own OpenPGP key: the keyring's usable secret signing key, made by `kizuna init`.
public enum InstanceKey {
    /// The user id the instance's key carries: the first edition's name and address.
    public static func userID(for edition: Edition) -> String { "\(edition.name) <\(edition.address)>" }

    /// The keyring's usable secret signing key, or nil when it has none.
    public static func find(in keyring: OpenPGPKeyring) throws -> OpenPGPKey? {
        try keyring.keys(secretOnly: true).first { $0.canSign && $0.unusableReason == nil }
    }

    /// The existing key, else a new Ed25519 one for `edition` (a re-run `init` reuses it).
    public static func ensure(in keyring: OpenPGPKeyring, edition: Edition) throws -> OpenPGPKey {
        if let existing = try find(in: keyring) { return existing }
        return try keyring.createSigningKey(userID: userID(for: edition))
    }
}

extension InstanceKey {
    /// The keyring's signing key; a keyring (at `home`) without one is told to run `kizuna init`.
    static func required(in keyring: OpenPGPKeyring, home: String) throws -> OpenPGPKey {
        guard let key = try find(in: keyring) else {
            throw JobError("\(home): the instance has no signing key (`kizuna init` makes one)", exitCode: ExitStatus.config)
        }
        return key
    }
}

extension Instance {
    /// The instance's signing key; an instance without one is told to run `kizuna init`.
    public func signingKey(in keyring: OpenPGPKeyring) throws -> OpenPGPKey {
        try InstanceKey.required(in: keyring, home: configuration.openpgp.home)
    }
}
