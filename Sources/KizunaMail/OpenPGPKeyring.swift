import CGPGME
import Foundation
@preconcurrency import Glibc

/// One OpenPGP keyring (a GnuPG home directory) through gpgme: protocol OpenPGP, armored
/// output, loopback pinentry and a passphrase callback that answers with the passphrase given
/// and never prompts — cron has no terminal. All of Kizuna's gpgme calls are in this file and
/// in OpenPGPKeyring+Messages.swift (signing, verifying, encrypting, decrypting).
public final class OpenPGPKeyring {
    public let home: String
    let context: gpgme_ctx_t
    private let passphrase: PassphraseBox

    /// Opens the keyring at `home`, making the directory (mode 0700) when it is missing.
    /// `passphrase` unlocks the secret keys (none: the empty passphrase).
    public init(home: String, passphrase: String? = nil) throws {
        try GPGMELibrary.ensureReady()
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: home, isDirectory: &isDirectory) {
            do {
                // Only the keyring's own directory is private; the directories above keep their usual mode.
                let parent = URL(fileURLWithPath: home).deletingLastPathComponent().path
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
                try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            } catch { throw OpenPGPError.homeUnusable(path: home, reason: "\(error.localizedDescription)") }
        } else if !isDirectory.boolValue {
            throw OpenPGPError.homeUnusable(path: home, reason: "not a directory")
        }
        self.home = home
        self.passphrase = PassphraseBox(passphrase ?? "")
        var ctx: gpgme_ctx_t?
        try Self.check(gpgme_new(&ctx), "gpgme_new")
        guard let ctx else { throw OpenPGPError.operationFailed(operation: "gpgme_new", message: "no context") }
        context = ctx
        gpgme_set_armor(ctx, 1)
        try Self.check(gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP), "set protocol")
        try Self.check(gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, nil, home), "set home")
        try Self.check(gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK), "set pinentry mode")
        gpgme_set_passphrase_cb(ctx, { hook, _, _, previousWasBad, fd in
            // Answer once; a second ask means the passphrase is wrong, and asking again would loop.
            guard let hook, previousWasBad == 0 else { return cgpgme_canceled() }
            let text = Unmanaged<PassphraseBox>.fromOpaque(hook).takeUnretainedValue().text
            var bytes = Array((text + "\n").utf8)
            return gpgme_io_writen(fd, &bytes, bytes.count) == 0 ? 0 : cgpgme_canceled()
        }, Unmanaged.passUnretained(self.passphrase).toOpaque())
    }

    deinit { gpgme_release(context) }

    /// Creates a signing key for `userID`: Ed25519 to sign and certify, a cv25519 subkey to
    /// encrypt to, no expiry, protected by the keyring's passphrase (none when it is empty).
    public func createSigningKey(userID: String) throws -> OpenPGPKey {
        let noPassword = passphrase.text.isEmpty ? cgpgme_create_nopasswd : 0
        try Self.check(gpgme_op_createkey(context, userID, "ed25519", 0, 0, nil,
                                          cgpgme_create_sign | cgpgme_create_noexpire | noPassword), "create key")
        guard let fpr = gpgme_op_genkey_result(context)?.pointee.fpr.map({ String(cString: $0) }) else {
            throw OpenPGPError.operationFailed(operation: "create key", message: "gpg named no fingerprint")
        }
        try withKey(fpr, secret: true) { key in
            try Self.check(gpgme_op_createsubkey(context, key, "cv25519", 0, 0,
                                                 cgpgme_create_encr | cgpgme_create_noexpire | noPassword), "create encryption subkey")
        }
        guard let created = try keys(secretOnly: true).first(where: { $0.fingerprint == fpr }) else { throw OpenPGPError.noSuchKey(fpr) }
        return created
    }

    /// Every key in the keyring (`secretOnly`: those whose secret part it holds).
    public func keys(secretOnly: Bool = false) throws -> [OpenPGPKey] {
        try Self.check(gpgme_op_keylist_start(context, nil, secretOnly ? 1 : 0), "list keys")
        return try collectListing()
    }

    /// The keys of the listing just started, the listing ended.
    private func collectListing() throws -> [OpenPGPKey] {
        defer { gpgme_op_keylist_end(context) }
        var listed: [OpenPGPKey] = []
        while true {
            var key: gpgme_key_t?
            let err = gpgme_op_keylist_next(context, &key)
            if cgpgme_is_eof(err) != 0 { break }
            try Self.check(err, "list keys")
            guard let key else { break }
            listed.append(Self.describe(key))
            gpgme_key_unref(key)
        }
        return listed
    }

    /// The key with this fingerprint, or nil.
    public func key(fingerprint: String) throws -> OpenPGPKey? {
        try keys().first { $0.fingerprint.caseInsensitiveCompare(fingerprint) == .orderedSame }
    }

    /// Whether `data` holds a secret key: an armored `PRIVATE KEY BLOCK`, or binary data whose
    /// first packet is a secret key (tag 5, old or new packet format).
    public static func holdsSecretKey(_ data: Data) -> Bool {
        if data.range(of: Data("PRIVATE KEY BLOCK".utf8)) != nil { return true }
        guard let first = data.first, first & 0x80 != 0 else { return false }
        let tag = first & 0x40 != 0 ? first & 0x3F : (first >> 2) & 0x0F
        return tag == 5
    }

    /// The keys in armored (or binary) key data, as they would be imported, without importing
    /// them: to refuse an expired or revoked key before the keyring changes.
    public func inspectKeys(_ data: Data) throws -> [OpenPGPKey] {
        try Self.withInput(data) { source in
            try Self.check(gpgme_op_keylist_from_data_start(context, source, 0), "read keys")
            return try collectListing()
        }
    }

    /// Imports armored (or binary) keys; returns the fingerprints gpg took in, new or already
    /// present. Text without a key is an error.
    public func importKeys(_ data: Data) throws -> [String] {
        try Self.withInput(data) { source in try Self.check(gpgme_op_import(context, source), "import") }
        guard let result = gpgme_op_import_result(context)?.pointee else { throw OpenPGPError.nothingImported }
        var fingerprints: [String] = []
        var status = result.imports
        while let s = status {
            if s.pointee.result == 0, let fpr = s.pointee.fpr.map({ String(cString: $0) }), !fingerprints.contains(fpr) {
                fingerprints.append(fpr)
            }
            status = s.pointee.next
        }
        guard !fingerprints.isEmpty else { throw OpenPGPError.nothingImported }
        return fingerprints
    }

    /// The public key with this fingerprint, armored.
    public func exportPublicKey(fingerprint: String) throws -> String {
        guard try key(fingerprint: fingerprint) != nil else { throw OpenPGPError.noSuchKey(fingerprint) }
        let armored = try output("export") { sink in try Self.check(gpgme_op_export(context, fingerprint, 0, sink), "export") }
        return String(decoding: armored, as: UTF8.self)
    }

    /// Deletes the key, its secret part too, without asking.
    public func deleteKey(fingerprint: String) throws {
        try withKey(fingerprint, secret: false) { key in
            try Self.check(gpgme_op_delete_ext(context, key, cgpgme_delete_secret_force), "delete key")
        }
    }

    // MARK: - C plumbing

    func withKey(_ fingerprint: String, secret: Bool, _ body: (gpgme_key_t) throws -> Void) throws {
        var key: gpgme_key_t?
        let err = gpgme_get_key(context, fingerprint, &key, secret ? 1 : 0)
        if cgpgme_is_eof(err) != 0 || (err == 0 && key == nil) { throw OpenPGPError.noSuchKey(fingerprint) }
        try Self.check(err, "find key")
        guard let key else { throw OpenPGPError.noSuchKey(fingerprint) }
        defer { gpgme_key_unref(key) }
        try body(key)
    }

    private static func describe(_ key: gpgme_key_t) -> OpenPGPKey {
        var userIDs: [String] = []
        var uid = key.pointee.uids
        while let u = uid {
            // A revoked user id no longer speaks for the key: its address must not pick the key.
            if let text = u.pointee.uid, cgpgme_uid_revoked(u) == 0 { userIDs.append(String(cString: text)) }
            uid = u.pointee.next
        }
        return OpenPGPKey(
            fingerprint: key.pointee.fpr.map { String(cString: $0) } ?? "", userIDs: userIDs,
            canSign: cgpgme_key_can_sign(key) != 0, canEncrypt: cgpgme_key_can_encrypt(key) != 0,
            isExpired: cgpgme_key_expired(key) != 0, isRevoked: cgpgme_key_revoked(key) != 0,
            isInvalid: cgpgme_key_invalid(key) != 0, isDisabled: cgpgme_key_disabled(key) != 0,
            hasSecret: cgpgme_key_secret(key) != 0)
    }

    static func check(_ err: gpgme_error_t, _ operation: String) throws {
        guard err != 0 else { return }
        throw OpenPGPError.operationFailed(operation: operation, message: String(cString: gpgme_strerror(err)))
    }
}

/// The passphrase the callback hands to gpg, kept alive by the keyring that owns the context.
private final class PassphraseBox {
    let text: String
    init(_ text: String) { self.text = text }
}

/// gpgme's process-wide set-up, done once.
enum GPGMELibrary {
    /// gpgme's version, or nil when the library refused to start.
    private static let version: String? = {
        // gpgme talks to gpg through pipes; a gpg that dies must not kill us with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        return gpgme_check_version(nil).map { String(cString: $0) }
    }()

    /// Throws when gpgme cannot start or cannot find a usable gpg.
    static func ensureReady() throws {
        guard version != nil else { throw OpenPGPError.engineUnavailable("gpgme did not start") }
        let err = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP)
        if err != 0 { throw OpenPGPError.engineUnavailable("gpg: \(String(cString: gpgme_strerror(err)))") }
    }
}
