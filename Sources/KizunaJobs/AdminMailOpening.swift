import Foundation
import KizunaCore
import KizunaMail
import KizunaMIME

/// An administrator's mail opened with the instance's keyring: its signatures, the bytes they
/// sign (for the replay digest), and what it says (the text and, from a signed MIME entity, its
/// attachments). Nothing outside the signature is ever taken as part of it.
struct AdminMailOpening {
    var form: PGPMail.Form?
    var signatures: [OpenPGPSignature]
    /// The bytes the signatures cover.
    var signed: [UInt8]
    var text: String
    var attachments: [AdminAttachment]

    /// Why a mail could not be opened at all.
    enum Failure: Error {
        /// Encrypted, and the keyring cannot decrypt it.
        case undecryptable(String)
        /// The signature could not even be read (not OpenPGP, cut off): a bad signature.
        case unreadableSignature(String)
    }

    /// No OpenPGP at all: unsigned.
    static let unsigned = AdminMailOpening(form: nil, signatures: [], signed: [], text: "", attachments: [])

    /// Opens `pgp` (nil: an unsigned mail). RFC 3156 §5: a multipart/signed is checked over the
    /// first part's exact bytes; a multipart/encrypted is decrypted, and its content is signed
    /// either inside the OpenPGP message (gpgme returns those signatures) or as a signed MIME
    /// entity of its own.
    static func open(_ pgp: PGPMail?, keyring: () throws -> OpenPGPKeyring) throws -> AdminMailOpening {
        guard let pgp else { return unsigned }
        switch pgp.form {
        case .signed:
            let signatures: [OpenPGPSignature]
            do { signatures = try keyring().verifyDetached(Data(pgp.content), signature: Data(pgp.signature ?? [])) } catch let e as OpenPGPError {
                throw Failure.unreadableSignature("\(e)")
            }
            return entity(pgp.content, form: .signed, signatures: signatures, signed: pgp.content)
        case .encrypted, .inlineMessage:
            let opened: OpenPGPVerification
            do { opened = try keyring().decrypt(Data(pgp.content)) } catch let e as OpenPGPError {
                // An inline block that is signed, not encrypted, opens by verifying it.
                guard pgp.form == .inlineMessage else { throw Failure.undecryptable("\(e)") }
                return try inline(pgp, keyring: keyring)
            }
            let inner = [UInt8](opened.content)
            let contents = pgp.form == .inlineMessage
                ? AdminMailOpening(form: pgp.form, signatures: opened.signatures, signed: inner, text: plainText(opened.content), attachments: [])
                : entity(inner, form: pgp.form, signatures: opened.signatures, signed: inner)
            if !opened.signatures.isEmpty { return contents }
            // Encrypted without a signature inside: the content may be a signed entity of its own;
            // else it is unsigned (what it says is kept: a parent's encrypted stop is read as theirs).
            guard let message = try? IncomingMessage.parse(inner), let nested = PGPMail.find(in: inner, message: message),
                  nested.form != .encrypted, nested.form != .inlineMessage else { return contents }
            var opening = try open(nested, keyring: keyring)
            opening.form = pgp.form
            return opening
        case .inlineSigned:
            return try inline(pgp, keyring: keyring)
        }
    }

    private static func inline(_ pgp: PGPMail, keyring: () throws -> OpenPGPKeyring) throws -> AdminMailOpening {
        do {
            let v = try keyring().verifyInline(Data(pgp.content))
            return AdminMailOpening(form: pgp.form, signatures: v.signatures, signed: pgp.content, text: plainText(v.content), attachments: [])
        } catch let e as OpenPGPError {
            throw Failure.unreadableSignature("\(e)")
        }
    }

    /// Inline text as the parser of a MIME part gives it: UTF-8, LF line ends.
    private static func plainText(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
    }

    /// A signed MIME entity: its text as a mail client shows it, and its attachments.
    private static func entity(_ bytes: [UInt8], form: PGPMail.Form, signatures: [OpenPGPSignature], signed: [UInt8]) -> AdminMailOpening {
        guard let message = try? IncomingMessage.parse(bytes) else {
            return AdminMailOpening(form: form, signatures: signatures, signed: signed, text: "", attachments: [])
        }
        let attachments = message.parts.filter(\.isAttachment).map {
            AdminAttachment(filename: $0.filename, contentType: $0.contentType.mimeType, data: Data($0.body))
        }
        return AdminMailOpening(form: form, signatures: signatures, signed: signed, text: message.textBody ?? "", attachments: attachments)
    }

    /// The signatures in Core's words.
    var adminSignatures: [AdminSignature] {
        signatures.map { s in
            let verdict: AdminSignature.Verdict
            switch s.status {
            case .good: verdict = .good
            case .bad: verdict = .bad
            case .noPublicKey: verdict = .noPublicKey
            case .keyExpired: verdict = .keyExpired
            case .keyRevoked: verdict = .keyRevoked
            case .signatureExpired: verdict = .other("signature expired")
            case .other(let m): verdict = .other(m)
            }
            return AdminSignature(verdict: verdict, fingerprint: s.fingerprint, created: s.created)
        }
    }
}
