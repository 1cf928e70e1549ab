import Foundation
import KizunaCore
import KizunaMail

/// The reviewer's own secret key that `kizuna content review --sign` signs with: from the
/// reviewer's own GnuPG home on their own machine, never the instance's keyring. gpg is never
/// asked to prompt: the passphrase comes from the reviewer's gpg-agent (cached) or an
/// environment variable, else the key must have none.
public struct ReviewSigner {
    let keyring: OpenPGPKeyring
    public let key: OpenPGPKey

    /// Opens `home` and chooses the key: `fingerprint` when given, else the home's only usable
    /// secret signing key (none, or more than one, is an error naming what is there).
    public static func open(home: String, fingerprint: String?, passphrase: String?) throws -> ReviewSigner {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: home, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw JobError("no GnuPG home \(home) (give the reviewer's own with --gnupg-home DIR)", exitCode: ExitStatus.noInput)
        }
        let keyring: OpenPGPKeyring
        let usable: [OpenPGPKey]
        do {
            keyring = try OpenPGPKeyring(home: home, passphrase: passphrase)
            usable = try keyring.keys(secretOnly: true).filter { $0.canSign && $0.unusableReason == nil }
        } catch let error as OpenPGPError {
            throw JobError("\(home): \(error)", exitCode: ExitStatus.unavailable)
        }
        let listed = usable.map { "\($0.fingerprint) (\($0.userIDs.first ?? ""))" }.joined(separator: ", ")
        if let fingerprint {
            let wanted = fingerprint.replacingOccurrences(of: " ", with: "").uppercased()
            guard let key = usable.first(where: { $0.fingerprint == wanted }) else {
                throw JobError("\(home) has no usable secret signing key \(wanted)" + (usable.isEmpty ? "" : "; it has \(listed)"),
                               exitCode: ExitStatus.dataError)
            }
            return ReviewSigner(keyring: keyring, key: key)
        }
        guard usable.count == 1, let key = usable.first else {
            throw JobError(usable.isEmpty ? "\(home) has no usable secret signing key to sign with"
                                          : "\(home) has \(usable.count) secret signing keys (\(listed)); choose one with --key FINGERPRINT",
                           exitCode: ExitStatus.usage)
        }
        return ReviewSigner(keyring: keyring, key: key)
    }

    /// A detached, armored signature over each file's bytes to be; nothing is written yet.
    func sign(_ files: [(file: String, bytes: Data)]) throws -> [(file: String, bytes: Data, signature: Data)] {
        try files.map { item in
            do {
                return (item.file, item.bytes, try keyring.signDetached(item.bytes, signer: key.fingerprint).armored)
            } catch {
                throw JobError("cannot sign with \(key.fingerprint) (\(error)); nothing was written", exitCode: ExitStatus.unavailable)
            }
        }
    }

    /// Writes each signature beside its file, once the file on disk holds exactly the bytes
    /// signed; returns the signature files.
    func write(_ signed: [(file: String, bytes: Data, signature: Data)]) throws -> [String] {
        try signed.map { item in
            guard FileManager.default.contents(atPath: item.file) == item.bytes else {
                throw JobError("\(item.file) changed while it was being reviewed; its signature was not written: review it again",
                               exitCode: ExitStatus.dataError)
            }
            let ascFile = ReviewSignatures.signatureFile(of: item.file)
            try AtomicFile.write(Array(item.signature), to: ascFile)
            return ascFile
        }
    }
}
