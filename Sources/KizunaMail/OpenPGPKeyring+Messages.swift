import CGPGME
import Foundation

/// One signature gpgme checked. `good` is cryptographic only: whether the signer may do
/// anything (a role, an edition, the key still usable) is the caller's decision.
public struct OpenPGPSignature: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case good
        /// The signed bytes do not match the signature (tampered, or re-encoded on the way).
        case bad
        /// The keyring does not hold the signer's key.
        case noPublicKey
        /// Good, but made by a key that has expired (gpg's own verdict).
        case keyExpired
        /// Good, but made by a key that has been revoked.
        case keyRevoked
        /// The signature itself has expired.
        case signatureExpired
        /// Anything else gpg reported, with its message.
        case other(String)
    }

    public var status: Status
    /// The signing key's primary fingerprint (upper-case hex) when the keyring holds the key;
    /// otherwise the fingerprint or key id gpg reported.
    public var fingerprint: String
    /// When the signature was made (by the signer's clock).
    public var created: Date

    public init(status: Status, fingerprint: String, created: Date) {
        self.status = status; self.fingerprint = fingerprint; self.created = created
    }

    public var isGood: Bool { status == .good }
}

/// What a signed or encrypted message held, and the signatures found on it.
public struct OpenPGPVerification: Sendable, Equatable {
    /// The signed text (clear-signed: without the armor and dash-escaping), or the decrypted bytes.
    public var content: Data
    /// Empty when nothing was signed.
    public var signatures: [OpenPGPSignature]

    public init(content: Data, signatures: [OpenPGPSignature]) {
        self.content = content; self.signatures = signatures
    }
}

/// An armored detached signature and the `micalg` PGP/MIME names its hash with (RFC 3156 §5).
public struct OpenPGPDetachedSignature: Sendable, Equatable {
    public var armored: Data
    /// e.g. `pgp-sha512`.
    public var micalg: String

    public init(armored: Data, micalg: String) { self.armored = armored; self.micalg = micalg }
}

extension OpenPGPKeyring {
    /// A detached, armored signature over `data` by the secret key `signer` (a fingerprint).
    public func signDetached(_ data: Data, signer: String) throws -> OpenPGPDetachedSignature {
        try useSigner(signer)
        defer { gpgme_signers_clear(context) }
        let armored = try Self.withInput(data) { plain in
            try output("sign") { sink in try Self.check(gpgme_op_sign(context, plain, sink, GPGME_SIG_MODE_DETACH), "sign") }
        }
        guard let made = gpgme_op_sign_result(context)?.pointee.signatures?.pointee,
              let name = gpgme_hash_algo_name(made.hash_algo) else {
            throw OpenPGPError.operationFailed(operation: "sign", message: "gpg made no signature")
        }
        return OpenPGPDetachedSignature(armored: armored, micalg: "pgp-" + String(cString: name).lowercased())
    }

    /// The signatures in `signature` (armored or binary, detached) over exactly `data`.
    public func verifyDetached(_ data: Data, signature: Data) throws -> [OpenPGPSignature] {
        try Self.withInput(signature) { sig in
            try Self.withInput(data) { signed in
                try Self.check(gpgme_op_verify(context, sig, signed, nil), "verify")
            }
        }
        return try collectSignatures()
    }

    /// A clear-signed text or a signed OpenPGP message: what it says and who signed it.
    /// Text with no signature at all is an error.
    public func verifyInline(_ data: Data) throws -> OpenPGPVerification {
        let content = try Self.withInput(data) { sig in
            try output("verify") { plain in try Self.check(gpgme_op_verify(context, sig, nil, plain), "verify") }
        }
        return OpenPGPVerification(content: content, signatures: try collectSignatures())
    }

    /// `data` encrypted to the keys `recipients` (fingerprints; trusted as imported — the store's
    /// roles are the trust), armored; signed inside by `signer` when given.
    public func encrypt(_ data: Data, to recipients: [String], signer: String?) throws -> Data {
        guard !recipients.isEmpty else { throw OpenPGPError.operationFailed(operation: "encrypt", message: "no recipient") }
        var keys: [gpgme_key_t?] = []
        defer { for case let key? in keys { gpgme_key_unref(key) } }
        for fingerprint in recipients {
            var key: gpgme_key_t?
            let err = gpgme_get_key(context, fingerprint, &key, 0)
            guard err == 0, let key else { throw OpenPGPError.noSuchKey(fingerprint) }
            keys.append(key)
        }
        keys.append(nil)
        if let signer { try useSigner(signer) }
        defer { gpgme_signers_clear(context) }
        let sealed = try Self.withInput(data) { plain in
            try output("encrypt") { sink in
                let err = signer == nil
                    ? gpgme_op_encrypt(context, &keys, GPGME_ENCRYPT_ALWAYS_TRUST, plain, sink)
                    : gpgme_op_encrypt_sign(context, &keys, GPGME_ENCRYPT_ALWAYS_TRUST, plain, sink)
                try Self.check(err, "encrypt")
            }
        }
        if let invalid = gpgme_op_encrypt_result(context)?.pointee.invalid_recipients {
            let named = invalid.pointee.fpr.map { String(cString: $0) } ?? "a recipient"
            throw OpenPGPError.operationFailed(operation: "encrypt", message: "\(named) cannot be encrypted to")
        }
        return sealed
    }

    /// Decrypts an OpenPGP message to one of the keyring's secret keys and checks the
    /// signatures inside it (none when it was encrypted without signing).
    public func decrypt(_ data: Data) throws -> OpenPGPVerification {
        let content = try Self.withInput(data) { cipher in
            try output("decrypt") { plain in try Self.check(gpgme_op_decrypt_verify(context, cipher, plain), "decrypt") }
        }
        return OpenPGPVerification(content: content, signatures: try collectSignatures())
    }

    // MARK: - C plumbing

    private func useSigner(_ fingerprint: String) throws {
        gpgme_signers_clear(context)
        try withKey(fingerprint, secret: true) { key in try Self.check(gpgme_signers_add(context, key), "choose signer") }
    }

    /// The last verification's signatures, each named by its primary key's fingerprint.
    private func collectSignatures() throws -> [OpenPGPSignature] {
        // Copy the result out first: the key look-ups below start new operations, which free it.
        var found: [(fpr: String, status: OpenPGPSignature.Status, created: Date)] = []
        var next = gpgme_op_verify_result(context)?.pointee.signatures
        while let sig = next {
            let s = sig.pointee
            found.append((s.fpr.map { String(cString: $0) } ?? "", Self.status(s.status),
                          Date(timeIntervalSince1970: TimeInterval(s.timestamp))))
            next = s.next
        }
        return found.map { sig in
            OpenPGPSignature(status: sig.status, fingerprint: primaryFingerprint(of: sig.fpr) ?? sig.fpr.uppercased(), created: sig.created)
        }
    }

    /// The primary key's fingerprint for a (sub)key fingerprint or key id the keyring holds.
    private func primaryFingerprint(of id: String) -> String? {
        guard !id.isEmpty else { return nil }
        var key: gpgme_key_t?
        guard gpgme_get_key(context, id, &key, 0) == 0, let key else { return nil }
        defer { gpgme_key_unref(key) }
        return key.pointee.fpr.map { String(cString: $0) }
    }

    private static func status(_ err: gpgme_error_t) -> OpenPGPSignature.Status {
        switch cgpgme_code(err) {
        case GPG_ERR_NO_ERROR.rawValue: return .good
        case GPG_ERR_BAD_SIGNATURE.rawValue: return .bad
        case GPG_ERR_NO_PUBKEY.rawValue: return .noPublicKey
        case GPG_ERR_KEY_EXPIRED.rawValue: return .keyExpired
        case GPG_ERR_CERT_REVOKED.rawValue: return .keyRevoked
        case GPG_ERR_SIG_EXPIRED.rawValue: return .signatureExpired
        default: return .other(String(cString: gpgme_strerror(err)))
        }
    }

    /// Runs `body` with `data` as gpgme input (copied; gpgme reads it as often as it needs).
    static func withInput<T>(_ data: Data, _ body: (gpgme_data_t) throws -> T) throws -> T {
        var source: gpgme_data_t?
        try data.withUnsafeBytes { raw in
            try check(gpgme_data_new_from_mem(&source, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count, 1), "read input")
        }
        guard let source else { throw OpenPGPError.operationFailed(operation: "read input", message: "no buffer") }
        defer { gpgme_data_release(source) }
        return try body(source)
    }

    /// What `body` writes into a fresh gpgme buffer.
    func output(_ operation: String, _ body: (gpgme_data_t) throws -> Void) throws -> Data {
        var sink: gpgme_data_t?
        try Self.check(gpgme_data_new(&sink), operation)
        guard let sink else { throw OpenPGPError.operationFailed(operation: operation, message: "no buffer") }
        var failure: Error?
        do { try body(sink) } catch { failure = error }
        var length = 0
        let bytes = gpgme_data_release_and_get_mem(sink, &length)
        defer { if let bytes { gpgme_free(bytes) } }
        if let failure { throw failure }
        guard let bytes else { return Data() }
        return Data(bytes: bytes, count: length)
    }
}
