import Foundation
import KizunaCore
import KizunaMail
import KizunaMIME
import KizunaStore
import Logging

/// What a report run seals with: the instance's keyring and signing key (none for `encrypt =
/// "off"`, or on an instance without a key), and the keys a recipient's report may be encrypted to.
struct ReportSealer {
    var keyring: OpenPGPKeyring?
    /// The instance's signing key's fingerprint; nil: nothing is signed.
    var signer: String?
    var keys: [ReportRecipientKey] = []
    /// Why the instance cannot sign, when it cannot.
    var problem: String?
}

extension ReportJob {
    /// The keyring and signing key `policy` needs; `off` opens nothing. The keyring is never
    /// created here: an instance without one (made before OpenPGP), without a signing key, or
    /// without gpg, has a `problem` instead, which `forms` turns into clear mail (`when_key`)
    /// or a refusal (`required`).
    func sealer(_ policy: ReportEncryption) throws -> ReportSealer {
        guard policy != .off else { return ReportSealer() }
        let home = instance.configuration.openpgp.home
        guard FileManager.default.fileExists(atPath: home) else { return ReportSealer(problem: "no keyring at \(home)") }
        do {
            let keyring = try instance.keyring()
            guard let key = try InstanceKey.find(in: keyring) else { return ReportSealer(problem: "no usable signing key in the keyring \(home)") }
            return ReportSealer(keyring: keyring, signer: key.fingerprint, keys: try recipientKeys(in: keyring, besides: key.fingerprint))
        } catch let error as OpenPGPError {
            guard case .engineUnavailable = error else { throw error }
            return ReportSealer(problem: "\(error)")
        }
    }

    /// The keys of the keyring that hold a role in the store, as the report's key choice sees them.
    func recipientKeys(in keyring: OpenPGPKeyring, besides own: String) throws -> [ReportRecipientKey] {
        let roleSince = Dictionary(try instance.store().currentKeyRoles().map { ($0.fingerprint, $0.addedAt) }, uniquingKeysWith: min)
        return try keyring.keys().filter { $0.fingerprint != own }.map {
            ReportRecipientKey(fingerprint: $0.fingerprint, userIDs: $0.userIDs, canEncrypt: $0.canEncrypt,
                               isUsable: $0.unusableReason == nil, roleSince: roleSince[$0.fingerprint])
        }
    }

    /// What each recipient gets, by SMTP path; under `required` an instance that cannot sign
    /// queues nothing (exit 78, saying what to do), under `when_key` it warns and sends in clear.
    func forms(_ policy: ReportEncryption, recipients: [EmailAddress], sealer: ReportSealer) throws -> [String: ReportForm] {
        let keys = recipients.map { ReportSealing.key(for: $0, among: sealer.keys) }
        switch ReportSealing.forms(policy: policy, canSign: sealer.signer != nil, keys: keys) {
        case .success(let forms):
            if let problem = sealer.problem {
                logger.warning("the report goes out in clear and unsigned: the instance cannot sign (report.encrypt = when_key)",
                               metadata: ["openpgp.problem": "\(problem)"])
            }
            return Dictionary(zip(recipients.map(\.smtpPath), forms), uniquingKeysWith: { a, _ in a })
        case .failure(let refusal):
            let problem = sealer.problem ?? "no signing key"
            logger.error("report not queued: the instance cannot sign (report.encrypt = required)", metadata: ["openpgp.problem": "\(problem)"])
            throw JobError("\(refusal) (\(problem))", exitCode: ExitStatus.config)
        }
    }

    /// The report (or, for `.notice`, the notice) for one recipient, in its form. Its Message-ID
    /// is not shaped like a delivery's (`kizuna.<id>.…`), so a bounce of the report is never
    /// taken for one of a family's mail.
    func render(deliveryID id: Int64, to: EmailAddress, from: EmailAddress, date: CivilDate, part: (subject: String, text: String),
                form: ReportForm, sealer: ReportSealer, now: Date, timeZone: TimeZone) throws -> SystemMailContent {
        let messageID = OwnMessageID.report(id, date: date, domain: from.domain)
        let (subject, text) = form == .notice
            ? (ReportSealing.noticeSubject(date: date), ReportSealing.noticeText(date: date))
            : part
        let message = OutgoingMessage(
            from: Mailbox(from, displayName: "Kizuna"), to: Mailbox(to), subject: subject, date: now, timeZone: timeZone,
            messageID: messageID,
            // RFC 3834: generated, not a reply; responders and our own poller leave it alone.
            extraHeaders: [("Auto-Submitted", "auto-generated")],
            textBody: text)
        let boundary = MIMEWriter.makeBoundary(seed: UInt64(id))
        var bytes: [UInt8] = []
        switch form {
        case .plain:
            MIMEWriter.render(message, into: &bytes, boundary: boundary)
        case .signed, .notice, .encrypted:
            guard let keyring = sealer.keyring, let signer = sealer.signer else {
                throw JobError("internal: the report was to be sealed without a signing key", exitCode: ExitStatus.software)
            }
            var encryptTo: String?
            if case .encrypted(let fingerprint) = form { encryptTo = fingerprint }
            bytes = try OpenPGPMail.seal(message, boundary: boundary, keyring: keyring, signer: signer, encryptTo: encryptTo)
        }
        return SystemMailContent(mailFrom: from.smtpPath, messageID: messageID, subject: subject, bytes: bytes)
    }
}
