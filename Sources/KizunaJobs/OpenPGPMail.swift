import Foundation
import KizunaCore
import KizunaMail
import KizunaMIME

/// Mail that holds personal data, sealed with the instance's key: signed (PGP/MIME
/// `multipart/signed`), or signed and encrypted to the recipient's key (`multipart/encrypted`).
public enum OpenPGPMail {
    /// The message's bytes, signed by `signer` and, when `encryptTo` names a key, encrypted to it
    /// (signed inside, RFC 3156 §6.2). The Subject and other fields stay readable: keep personal
    /// data out of them.
    public static func seal(_ message: OutgoingMessage, boundary: String, keyring: OpenPGPKeyring,
                            signer: String, encryptTo recipient: String?) throws -> [UInt8] {
        let entity = MIMEWriter.bodyEntity(message, boundary: boundary)
        if let recipient {
            let armored = try keyring.encrypt(Data(entity), to: [recipient], signer: signer)
            return PGPMIMEWriter.encrypted(message, armored: armored, boundary: boundary)
        }
        let signature = try keyring.signDetached(Data(entity), signer: signer)
        return PGPMIMEWriter.signed(message, entity: entity, signature: signature.armored, micalg: signature.micalg, boundary: boundary)
    }
}
