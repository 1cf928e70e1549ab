import Foundation
import KizunaCore
import KizunaMail
import KizunaMIME
import KizunaStore

extension AdminMailIntake {
    /// The answer to an administrator: signed by the instance's key and encrypted to theirs.
    /// When it cannot be encrypted (the key has no encryption subkey, or encrypting fails) and
    /// it names families, a short signed notice without personal data goes instead.
    func renderReply(_ outcome: AdminMailOutcome, deliveryID: Int64, to recipient: EmailAddress, key: OpenPGPKey,
                     reading: InboundReading) throws -> SystemMailContent {
        let ring = try keyring()
        let signer = try instanceSigner(ring)
        let message = outgoing(deliveryID: deliveryID, to: recipient, subject: "Kizuna: the answer to your commands",
                               text: outcome.reply, reading: reading)
        if key.canEncrypt && key.unusableReason == nil {
            do {
                return content(message, try OpenPGPMail.seal(message, boundary: boundary(deliveryID), keyring: ring, signer: signer,
                                                             encryptTo: key.fingerprint))
            } catch {
                logger.warning("cannot encrypt the answer to the administrator's key", metadata: ["key": "\(key.fingerprint)", "error": "\(error)"])
            }
        }
        var sent = message
        if outcome.holdsPersonalData {
            sent.subject = "Kizuna: your commands (the answer is not sent)"
            sent.textBody = Self.unencryptableNotice(carriedOut: outcome.carriedOut, fingerprint: key.fingerprint)
        }
        return content(sent, try OpenPGPMail.seal(sent, boundary: boundary(deliveryID), keyring: ring, signer: signer, encryptTo: nil))
    }

    /// A short signed notice to a known signer whose mail was refused for a reason they can
    /// mend; it names no family. Planned and stored with the refusal's record.
    func notice(about reason: AdminRefusal, signedAt: Date, mailID: Int64, key: OpenPGPKey,
                reading: InboundReading) throws -> PendingSystemMail? {
        guard let recipient = replyAddress(from: reading.sender, key: key) else { return nil }
        let ring = try keyring()
        let signer = try instanceSigner(ring)
        let edition = self.edition(of: reading)
        return try store.planAdminNotice(mailID: mailID, recipient: recipient.smtpPath, edition: edition.id, today: today, at: now) { deliveryID in
            let text = Self.refusalNotice(reason, signedAt: signedAt, edition: edition.id, fingerprint: key.fingerprint,
                                          maxAgeHours: configuration.openpgp.maxAgeHours, timeZone: edition.timeZone(instance: timeZone))
            let message = outgoing(deliveryID: deliveryID, to: recipient, subject: "Kizuna: your mail was not carried out",
                                   text: text, reading: reading)
            return content(message, try OpenPGPMail.seal(message, boundary: boundary(deliveryID), keyring: ring, signer: signer, encryptTo: nil))
        }
    }

    /// The instance's signing key's fingerprint; without one nothing can be answered.
    func instanceSigner(_ ring: OpenPGPKeyring) throws -> String {
        try InstanceKey.required(in: ring, home: configuration.openpgp.home).fingerprint
    }

    private func outgoing(deliveryID: Int64, to recipient: EmailAddress, subject: String, text: String,
                          reading: InboundReading) -> OutgoingMessage {
        let edition = self.edition(of: reading)
        var headers: [(name: String, value: String)] = [("Auto-Submitted", "auto-replied")]
        if let id = reading.messageID { headers += [("In-Reply-To", "<\(id)>"), ("References", "<\(id)>")] }
        return OutgoingMessage(
            from: Mailbox(edition.address, displayName: "Kizuna"), to: Mailbox(recipient), subject: subject, date: now,
            // The edition's administrator reads it in the edition's zone.
            timeZone: edition.timeZone(instance: timeZone), messageID: OwnMessageID.admin(deliveryID, date: today, domain: edition.address.domain),
            extraHeaders: headers, textBody: text)
    }

    private func content(_ message: OutgoingMessage, _ bytes: [UInt8]) -> SystemMailContent {
        SystemMailContent(mailFrom: message.from.address.smtpPath, messageID: message.messageID, subject: message.subject, bytes: bytes)
    }

    private func boundary(_ deliveryID: Int64) -> String { MIMEWriter.makeBoundary(seed: UInt64(deliveryID)) }

    static func unencryptableNotice(carriedOut: Bool, fingerprint: String) -> String {
        (carriedOut ? "Your commands were carried out.\n" : "Your commands were not carried out; nothing was changed.\n")
            + """

            The answer names families, and your key \(fingerprint) cannot receive encrypted mail
            (it has no encryption subkey, or encrypting to it failed), so it is not sent by mail.
            Run kizuna on the server to see it, or add an encryption subkey to your key and
            import it again (kizuna keys import FILE --role admin).

            """
    }

    static func refusalNotice(_ reason: AdminRefusal, signedAt: Date, edition: String, fingerprint: String,
                              maxAgeHours: Int, timeZone: TimeZone) -> String {
        let why: String
        switch reason {
        case .tooOld: why = "it was signed more than \(maxAgeHours) hours before it arrived. Send the commands again in a new mail."
        case .datedInFuture: why = "its signature is dated in the future. Check your computer's clock, then send the commands again."
        case .notAdministrator:
            why = "your key \(fingerprint) is not an administrator of the edition \(edition). "
                + "On the server: kizuna keys import FILE --role admin --edition \(edition)."
        default: why = reason.rawValue + "."
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = "yyyy-MM-dd HH:mm zzz"
        return "Kizuna did not carry out your signed mail (signed \(f.string(from: signedAt))): \(why)\nNothing was changed.\n"
    }
}
