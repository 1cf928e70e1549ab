import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaStore
import KizunaTestSupport
import XCTest

/// `[report] encrypt` through the real Postfix and Dovecot, with keys made by gpg at test time:
/// parent1@families.test has imported a key (`kizuna keys import`), parent2@families.test has none.
final class MailstackSealedReportTests: XCTestCase {
    override func setUpWithError() throws {
        try requireMailstack()
        _ = try requireGPG()
    }

    /// One instance whose report names two subscribers (commands held: addresses in the text),
    /// with the instance's signing key (as `kizuna init` makes it) unless `instanceKey` is false.
    struct Journey {
        let night: NightInstance
        let subscribers: [String]
        let recipientHome: URL?
        var instance: Instance { night.instance }
    }

    func journey(encrypt: String, instanceKey: Bool = true, importKey: Bool = true) throws -> Journey {
        let marker = "s" + UUID().uuidString.prefix(8).lowercased()
        let config = mailstackConfig(edition: marker, languages: ["en"]) + """

        [report]
        to = ["parent1@families.test", "parent2@families.test"]
        encrypt = "\(encrypt)"
        """
        let night = try NightInstance(config: config)
        // NightInstance removes its directory when it goes: stop the keyring's agent before that.
        addTeardownBlock { [dir = night.dir] in stopGPGAgents(under: dir) }
        let instance = night.instance
        let today = instance.today()
        let subscribers = ["hanako-\(marker)@families.example", "mika-\(marker)@families.example"]
        for address in subscribers {
            let ids = try night.add(address, track: .pregnancy, anchor: today.adding(days: 140), language: "en", today: today)
            try night.store.recordEvent(kind: .commandHeld, subscriberID: ids.subscriberID, detail: "stop: dmarc=fail at mx.clinic.test",
                                        messageID: "\(marker)@forged.example", at: Date().addingTimeInterval(-60))
        }
        guard instanceKey else { return Journey(night: night, subscribers: subscribers, recipientHome: nil) }
        let keyring = try instance.keyring()
        let own = try InstanceKey.ensure(in: keyring, edition: instance.configuration.editions[0])
        guard importKey else { return Journey(night: night, subscribers: subscribers, recipientHome: nil) }

        // parent1 makes a key on their own machine, sends the public half; the operator imports it.
        let home = try makeGnuPGHome(self, "parent1")
        try gpg(home, ["--quick-gen-key", "Parent One <Parent1@Families.test>", "future-default", "default", "never"])
        let exported = home.deletingLastPathComponent().appendingPathComponent("parent1.asc")
        try gpg(home, ["--armor", "--output", exported.path, "--export", "parent1@families.test"])
        XCTAssertTrue(try KeyAdmin(instance: instance).importKey(file: exported.path, role: .admin, edition: nil, field: nil).hasPrefix("added "))
        // …and takes the instance's public key, to check what it signs.
        let instancePublic = home.deletingLastPathComponent().appendingPathComponent("kizuna.asc")
        try KeyAdmin(instance: instance).export().write(to: instancePublic, atomically: true, encoding: .utf8)
        try gpg(home, ["--import", instancePublic.path])
        XCTAssertNotNil(try keyring.key(fingerprint: own.fingerprint))
        return Journey(night: night, subscribers: subscribers, recipientHome: home)
    }

    /// Runs the report and a send; returns the summary and each recipient's delivered report mail.
    func reportAndSend(_ j: Journey) throws -> (ReportSummary, [String: [UInt8]]) {
        let inboxes = try ["parent1", "parent2"].map {
            try IMAPClient(settings: IMAPSettings(url: "imap://127.0.0.1:1143", username: "\($0)@families.test", password: "\($0)-pass", responseTimeout: 10))
        }
        let before = try inboxes.map { try $0.search(uidFrom: 1).last ?? 0 }
        let summary = try ReportJob(instance: j.instance).run(date: j.instance.today())
        XCTAssertEqual(summary.queued, ["parent1@families.test", "parent2@families.test"])
        for subscriber in j.subscribers { XCTAssertTrue(summary.text.contains(subscriber), "the report holds personal data: \(summary.text)") }
        let send = try SendJob(instance: j.instance).run()
        XCTAssertEqual(send.sent, 2, send.line)

        var mails: [String: [UInt8]] = [:]
        for (n, inbox) in inboxes.enumerated() {
            let recipient = "parent\(n + 1)@families.test"
            let delivery = try XCTUnwrap(try j.night.store.reportDeliveries(on: j.instance.today()).first { $0.recipient == recipient })
            var found: [[UInt8]] = []
            let deadline = Date().addingTimeInterval(20)
            repeat {
                found = try inbox.search(uidFrom: before[n] + 1).map { try inbox.fetch(uid: $0) }
                    .filter { DeliveredMail(bytes: $0).angle("Message-ID") == delivery.messageID }
                if found.isEmpty { usleep(250_000) }
            } while found.isEmpty && Date() < deadline
            XCTAssertEqual(found.count, 1, "the report reached \(recipient) once")
            mails[recipient] = found.first
        }
        return (summary, mails)
    }

    func instanceFingerprint(_ j: Journey) throws -> String {
        try XCTUnwrap(try InstanceKey.find(in: j.instance.keyring())).fingerprint
    }

    // MARK: - The mails, taken apart as a recipient's mail client does

    /// The outer boundary of a multipart mail.
    func boundary(_ mail: DeliveredMail) throws -> String {
        let ct = try XCTUnwrap(mail.header("Content-Type"))
        let r = try XCTUnwrap(ct.range(of: "boundary=\""))
        return String(ct[r.upperBound...].prefix(while: { $0 != "\"" }))
    }

    /// The signed first part's exact bytes and the detached signature of a multipart/signed mail.
    func signedParts(_ mail: DeliveredMail) throws -> (content: Data, signature: Data) {
        let text = mail.text, b = try boundary(mail)
        let first = try XCTUnwrap(text.range(of: "--\(b)\r\n"))
        // The CRLF before a delimiter belongs to the delimiter (RFC 2046), not to the signed part.
        let second = try XCTUnwrap(text.range(of: "\r\n--\(b)\r\n", range: first.upperBound..<text.endIndex))
        let sigStart = try XCTUnwrap(text.range(of: "-----BEGIN PGP SIGNATURE-----", range: second.upperBound..<text.endIndex))
        let sigEnd = try XCTUnwrap(text.range(of: "-----END PGP SIGNATURE-----", range: sigStart.upperBound..<text.endIndex))
        return (Data(text[first.upperBound..<second.lowerBound].utf8), Data(text[sigStart.lowerBound..<sigEnd.upperBound].utf8))
    }

    /// The text of a single text/plain entity (headers, blank line, base64 body).
    func entityText(_ entity: String) -> String {
        singlePartText(DeliveredMail(bytes: Array(entity.utf8)))
    }

    /// gpg's VALIDSIG primary fingerprints in a status output.
    func validSignatures(_ status: String) -> [String] {
        status.split(separator: "\n").filter { $0.hasPrefix("[GNUPG:] VALIDSIG ") }.compactMap { $0.split(separator: " ").last.map(String.init) }
    }

    /// `gpg --verify` over the first part's exact bytes, in a keyring that holds the instance's public key.
    func verifySigned(_ mail: DeliveredMail, home: URL, signer: String) throws -> String {
        XCTAssertTrue(mail.header("Content-Type")?.hasPrefix("multipart/signed; micalg=pgp-sha") ?? false, mail.header("Content-Type") ?? "")
        XCTAssertTrue(mail.header("Content-Type")?.contains("protocol=\"application/pgp-signature\"") ?? false)
        let (content, signature) = try signedParts(mail)
        let dir = home.deletingLastPathComponent()
        let contentFile = dir.appendingPathComponent("signed-\(UUID().uuidString.prefix(6))"), sigFile = dir.appendingPathComponent("sig-\(UUID().uuidString.prefix(6)).asc")
        try content.write(to: contentFile); try signature.write(to: sigFile)
        let status = try gpg(home, ["--status-fd", "1", "--verify", sigFile.path, contentFile.path])
        XCTAssertEqual(validSignatures(status), [signer], status)
        // A byte changed and the signature no longer holds.
        var tampered = content; tampered[tampered.count / 2] ^= 0x01
        try tampered.write(to: contentFile)
        XCTAssertThrowsError(try gpg(home, ["--status-fd", "1", "--verify", sigFile.path, contentFile.path]))
        return entityText(String(decoding: content, as: UTF8.self))
    }

    /// `gpg --decrypt` of a multipart/encrypted mail in the recipient's own keyring: the signature
    /// inside must be the instance's; returns the decrypted entity's text.
    func decrypt(_ mail: DeliveredMail, home: URL, signer: String) throws -> String {
        XCTAssertEqual(mail.header("Content-Type"), "multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"\(try boundary(mail))\"")
        let text = mail.text
        let start = try XCTUnwrap(text.range(of: "-----BEGIN PGP MESSAGE-----")), end = try XCTUnwrap(text.range(of: "-----END PGP MESSAGE-----"))
        let dir = home.deletingLastPathComponent(), name = UUID().uuidString.prefix(6)
        let cipher = dir.appendingPathComponent("report-\(name).asc"), plain = dir.appendingPathComponent("report-\(name).eml")
        try Data(text[start.lowerBound..<end.upperBound].utf8).write(to: cipher)
        let status = try gpg(home, ["--status-fd", "1", "--output", plain.path, "--decrypt", cipher.path])
        XCTAssertTrue(status.contains("[GNUPG:] DECRYPTION_OKAY"), status)
        XCTAssertEqual(validSignatures(status), [signer], "signed inside by the instance's key: \(status)")
        let entity = String(decoding: try Data(contentsOf: plain), as: UTF8.self)
        XCTAssertTrue(entity.hasPrefix("Content-Type: text/plain; charset=UTF-8\r\n"), entity)
        return entityText(entity)
    }

    /// A home that only knows the instance's public key (a keyless administrator's mail client).
    func verifierHome(_ j: Journey) throws -> URL {
        let home = try makeGnuPGHome(self, "verifier")
        let file = home.deletingLastPathComponent().appendingPathComponent("kizuna.asc")
        try KeyAdmin(instance: j.instance).export().write(to: file, atomically: true, encoding: .utf8)
        try gpg(home, ["--import", file.path])
        return home
    }

    // MARK: - The journeys

    func testWhenKeyEncryptsToTheImportedKeyAndSignsTheOtherInClear() throws {
        let j = try journey(encrypt: "when_key")
        let home = try XCTUnwrap(j.recipientHome)
        let signer = try instanceFingerprint(j)
        let (summary, mails) = try reportAndSend(j)
        let parent1Key = try XCTUnwrap(try j.night.store.currentKeyRoles().first).fingerprint
        XCTAssertEqual(summary.forms, ["parent1@families.test": .encrypted(fingerprint: parent1Key), "parent2@families.test": .signed])

        // parent1: multipart/encrypted; their own gpg decrypts it, the signature inside is the instance's, the text is the report.
        let encrypted = DeliveredMail(bytes: try XCTUnwrap(mails["parent1@families.test"]))
        XCTAssertEqual(encrypted.subject, summary.subject)
        XCTAssertEqual(encrypted.header("Auto-Submitted"), "auto-generated")
        for subscriber in j.subscribers { XCTAssertFalse(encrypted.text.contains(subscriber), "no address in clear anywhere in the encrypted mail") }
        XCTAssertEqual(try decrypt(encrypted, home: home, signer: signer), summary.text.replacingOccurrences(of: "\n", with: "\r\n"))

        // parent2: multipart/signed, the report in clear; gpg verifies the first part's exact bytes.
        let signed = DeliveredMail(bytes: try XCTUnwrap(mails["parent2@families.test"]))
        XCTAssertEqual(signed.subject, summary.subject)
        XCTAssertEqual(try verifySigned(signed, home: try verifierHome(j), signer: signer), summary.text.replacingOccurrences(of: "\n", with: "\r\n"))

        // The Subject holds the date and counts, never a name or an address.
        XCTAssertEqual(summary.subject, "Kizuna report \(j.instance.today()): 0 sent, 1 item needs attention")
    }

    func testRequiredSendsTheKeylessRecipientANoticeWithoutPersonalData() throws {
        let j = try journey(encrypt: "required")
        let home = try XCTUnwrap(j.recipientHome)
        let signer = try instanceFingerprint(j)
        let (summary, mails) = try reportAndSend(j)
        XCTAssertEqual(summary.forms["parent2@families.test"], .notice)

        XCTAssertEqual(summary.forms["parent1@families.test"], .encrypted(fingerprint: try XCTUnwrap(try j.night.store.currentKeyRoles().first).fingerprint))
        let encrypted = DeliveredMail(bytes: try XCTUnwrap(mails["parent1@families.test"]))
        XCTAssertEqual(try decrypt(encrypted, home: home, signer: signer), summary.text.replacingOccurrences(of: "\n", with: "\r\n"))

        let notice = try XCTUnwrap(mails["parent2@families.test"])
        let raw = String(decoding: notice, as: UTF8.self)
        for subscriber in j.subscribers {
            XCTAssertFalse(raw.contains(subscriber), "the notice holds no subscriber address: \(raw)")
            XCTAssertFalse(raw.lowercased().contains(subscriber.lowercased()))
        }
        XCTAssertFalse(raw.contains("held"), "nothing of the report's content")
        let mail = DeliveredMail(bytes: notice)
        XCTAssertEqual(mail.subject, "Kizuna report \(j.instance.today()): ready, sent only encrypted")
        let text = try verifySigned(mail, home: try verifierHome(j), signer: signer)
        XCTAssertEqual(text, ReportSealing.noticeText(date: j.instance.today()).replacingOccurrences(of: "\n", with: "\r\n"))
        XCTAssertTrue(text.contains("kizuna keys import"), text)
    }

    func testOffSendsTheReportAsBeforeWithoutAKeyring() throws {
        let j = try journey(encrypt: "off", instanceKey: false)
        let (summary, mails) = try reportAndSend(j)
        XCTAssertEqual(summary.forms, ["parent1@families.test": .plain, "parent2@families.test": .plain])
        for recipient in ["parent1@families.test", "parent2@families.test"] {
            let mail = DeliveredMail(bytes: try XCTUnwrap(mails[recipient]))
            XCTAssertEqual(mail.header("Content-Type"), "text/plain; charset=UTF-8")
            XCTAssertEqual(mail.subject, summary.subject)
            XCTAssertEqual(singlePartText(mail), summary.text.replacingOccurrences(of: "\n", with: "\r\n"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: j.instance.configuration.openpgp.home), "off needs no keyring and makes none")
    }
}
