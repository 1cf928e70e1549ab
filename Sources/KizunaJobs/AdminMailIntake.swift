import Foundation
import KizunaCore
import KizunaMail
import KizunaMIME
import KizunaStore
import Logging

/// What became of an administrator's mail (its reply or notice, if any, waits in the store
/// for the spool).
struct AdminMailResult {
    enum Outcome: Equatable {
        case refused(AdminRefusal)
        case done(AdminMailStatus)
    }
    var outcome: Outcome
    var mail: PendingSystemMail?
}

/// What the poller does with a mail that may be an administrator's.
enum AdminMailHandling {
    /// An administrator's mail, decided (and carried out or refused).
    case handled(AdminMailResult)
    /// A parent's mail after all: read it as it came.
    case parents
    /// A parent's mail that came encrypted to the instance's key: read `text`, what it says.
    case parentsEncrypted(text: String)
}

/// Carries out an administrator's request (the command side: `AdminMailRunner.run`; tests give
/// their own).
public typealias AdminRequestRunner = (AdminRequest) throws -> AdminMailOutcome

/// The poller's handling of an administrator's mail: open it (verify, decrypt), decide in
/// order (`AdminMailPolicy`: unsigned, bad signature, unknown key, expired or revoked key, not
/// an administrator of the edition, too old or dated in the future, replayed), record the
/// decision (`admin_mail`, an event, the inbound ledger), and only then carry it out and
/// answer. Refused mail is never carried out, never read as a parent's command, and answered at
/// most with a short signed notice without personal data to a signer the keyring holds.
struct AdminMailIntake {
    let store: Store
    let configuration: Configuration
    let timeZone: TimeZone
    let keyring: () throws -> OpenPGPKeyring
    let run: AdminRequestRunner
    let now: Date
    let today: CivilDate
    let logger: Logger

    /// A parent's when the mail is not an administrator's after all: signed, with no command
    /// line of the CLI's, by a key the keyring does not hold (a parent whose mail client signs
    /// all mail); or encrypted to the instance's key, by no key the keyring holds, saying no
    /// command of the CLI's (a parent whose client encrypts to a clinic's published key): their
    /// stop must count as anyone's.
    func handle(_ reading: InboundReading, place: InboundPlace) throws -> AdminMailHandling {
        let addressed = addressedEditions(reading)
        let edition = self.edition(of: reading).id
        var entry = AdminMailEntry(place: place, messageID: reading.messageID, receivedAt: now, edition: edition,
                                   sender: reading.decision.from, form: reading.pgp?.form.rawValue, fingerprint: nil, signedAt: nil,
                                   decision: reading.decision.json())
        let opening: AdminMailOpening
        let keys: [OpenPGPKey]
        do {
            opening = try AdminMailOpening.open(reading.pgp, keyring: keyring)
            // Unsigned mail is refused without the keyring (an instance without gpg refuses it too).
            keys = opening.signatures.isEmpty ? [] : try keyring().keys()
        } catch let failure as AdminMailOpening.Failure {
            guard reading.isAdministrators else { return .parents }
            switch failure {
            case .undecryptable(let why): return .handled(try refuse(entry, .undecryptable, detail: why, signature: nil).result)
            case .unreadableSignature(let why): return .handled(try refuse(entry, .badSignature, detail: why, signature: nil).result)
            }
        } catch where !reading.isAdministrators {
            // A parent's signed mail whose signature cannot be checked here (no gpg, no passphrase)
            // is a parent's mail: their stop must never wait for the keyring.
            logger.warning("a signed message's signature cannot be checked; read as a parent's", metadata: ["error": "\(error)"])
            return .parents
        }
        let signatures = opening.adminSignatures
        let known = { (fpr: String) in keys.first { $0.fingerprint == fpr } }
        let byKnownKey = signatures.contains { known($0.fingerprint) != nil }
        if !reading.isAdministrators && !byKnownKey { return .parents }
        if opening.form == .encrypted || opening.form == .inlineMessage, !byKnownKey,
           !AdminCommandShape.firstLineLooksLikeCommand(opening.text, edition: edition) {
            return .parentsEncrypted(text: opening.text)
        }
        if addressed.count != 1 && !signatures.isEmpty { return .handled(try refuse(entry, .noEdition, detail: addressed.joined(separator: ", "), signature: nil).result) }

        let roles = try store.currentKeyRoles().filter { $0.role == .admin }
        let standing = { (fpr: String) -> AdminKeyStanding? in
            known(fpr).map { key in
                AdminKeyStanding(expired: key.isExpired, revoked: key.isRevoked,
                                 adminEditions: roles.filter { $0.fingerprint == fpr }.map(\.edition))
            }
        }
        let digest = AdminMailPolicy.digest(opening.signed)
        let replayKey = { (s: AdminSignature) in AdminSignatureKey(fingerprint: s.fingerprint, signedAt: s.created, digest: digest) }
        let decision = AdminMailPolicy.decide(
            signatures: signatures, standing: standing, edition: edition, now: now,
            maxAge: TimeInterval(configuration.openpgp.maxAgeHours) * 3600,
            // A store that cannot answer counts as seen: when unsure, refuse.
            seenBefore: { s in (try? store.adminSignatureSeen(replayKey(s))) ?? true })
        if let first = signatures.first {
            entry.fingerprint = first.fingerprint.allSatisfy(\.isHexDigit) ? first.fingerprint.uppercased() : nil
            entry.signedAt = first.created
        }
        switch decision {
        case .failure(let reason):
            // A good signature is remembered even when refused, so that it never counts later
            // (a key given its role afterwards does not make an old refused mail good).
            let good = signatures.first.flatMap { $0.verdict == .good && known($0.fingerprint) != nil ? replayKey($0) : nil }
            let firstTime = good.map { !((try? store.adminSignatureSeen($0)) ?? true) } ?? false
            var result = try refuse(entry, reason, detail: "", signature: good)
            // Noticed once per signature: a replayed old mail never makes Kizuna write again.
            if firstTime, reason.mayBeNoticed, let s = signatures.first, let key = known(s.fingerprint) {
                result.result.mail = try notice(about: reason, signedAt: s.created, mailID: result.mailID, key: key, reading: reading)
            }
            return .handled(result.result)
        case .success(let signature):
            guard let id = try store.acceptAdminMail(entry, signature: replayKey(signature), at: now) else {
                return .handled(try refuse(entry, .replayed, detail: "", signature: nil).result)
            }
            // The signature is committed as seen above: from here a crash leaves the mail not
            // carried out (the report lists it as interrupted), and never carried out twice.
            logger.notice("administrator's mail accepted", metadata: ["key": "\(signature.fingerprint)", "edition": "\(edition)"])
            let request = AdminRequest(edition: edition, actor: signature.fingerprint, text: opening.text, attachments: opening.attachments)
            return .handled(try carryOut(request, mailID: id, key: known(signature.fingerprint)!, reading: reading))
        }
    }

    /// Records a refusal; the refused mail is never read as a parent's command.
    private func refuse(_ entry: AdminMailEntry, _ reason: AdminRefusal, detail: String,
                        signature: AdminSignatureKey?) throws -> (result: AdminMailResult, mailID: Int64) {
        let id = try store.refuseAdminMail(entry, reason: reason, detail: detail, signature: signature, at: now)
        logger.warning("administrator's mail refused: \(reason.rawValue)",
                       metadata: ["from": "\(entry.sender ?? "?")", "key": "\(entry.fingerprint ?? "-")"])
        return (AdminMailResult(outcome: .refused(reason), mail: nil), id)
    }

    private func carryOut(_ request: AdminRequest, mailID: Int64, key: OpenPGPKey, reading: InboundReading) throws -> AdminMailResult {
        let outcome: AdminMailOutcome
        do { outcome = try run(request) } catch {
            // The runner changes nothing unless all of it is carried out: a failure is a refusal.
            outcome = AdminMailOutcome(reply: "Your commands could not be carried out; nothing was changed: \(error)\n", carriedOut: false,
                                       changed: false, holdsPersonalData: true, problems: [])
            logger.error("administrator's commands failed", metadata: ["error": "\(error)"])
        }
        let status: AdminMailStatus = outcome.carriedOut ? .carriedOut : .notCarriedOut
        let recipient = replyAddress(from: reading.sender, key: key)
        // The answer leaves through the relay of the edition the mail acted on, as its families' mail does.
        let pending = try store.finishAdminMail(
            id: mailID, status: status, detail: outcome.carriedOut ? "carried out" : "nothing carried out",
            reply: recipient.map { ($0.smtpPath, "admin reply") }, edition: request.edition, today: today, at: now) { deliveryID in
            try renderReply(outcome, deliveryID: deliveryID, to: recipient!, key: key, reading: reading)
        }
        return AdminMailResult(outcome: .done(status), mail: pending)
    }

    /// The editions the mail was sent to; with one edition, or read from an edition's own
    /// mailbox, the mailbox's edition (the To header is not signed, the mailbox is ours). None
    /// when it was read outside its edition's mailbox: an edition with a mailbox of its own takes
    /// administrators' mail only there, so such mail is refused, never bound to it.
    func addressedEditions(_ reading: InboundReading) -> [String] {
        if reading.outsideItsMailbox != nil { return [] }
        if let own = reading.mailboxEdition { return [own] }
        return configuration.editions.count == 1 ? [configuration.editions[0].id] : reading.addressedEditions
    }

    /// The edition the mail acts on (the first when it was not sent to exactly one: then refused).
    func edition(of reading: InboundReading) -> Edition {
        let addressed = addressedEditions(reading)
        return configuration.editions.first { addressed.count == 1 && $0.id == addressed[0] } ?? configuration.editions[0]
    }

    /// Where the answer goes: the From address when it is one of the signing key's user ids
    /// (compared without case), otherwise the key's first user id's address. Never anywhere
    /// the key does not name.
    func replyAddress(from: EmailAddress?, key: OpenPGPKey) -> EmailAddress? {
        if let from, key.addresses.contains(from.description.lowercased()) { return from }
        return key.addresses.first.flatMap { try? EmailAddress(parsing: $0) }
    }
}

extension AdminRefusal {
    /// The honest mistakes of a known administrator (a slow mail, a clock, a role not given yet)
    /// get a short signed notice; a replay (an attacker's, most likely) and an expired or
    /// revoked key never do.
    var mayBeNoticed: Bool { self == .tooOld || self == .datedInFuture || self == .notAdministrator }
}
