import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaMIME
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// `kizuna poll` with administrators' mail, real gpg keys made at test time: each check in its
/// order, each decision recorded, replays refused, replies signed and encrypted.
final class AdminMailPollTests: XCTestCase {
    var now: Date { Date() }

    /// An instance with its keyring and signing key, and an administrator's home with the admin
    /// key imported as admin for sakura (and the instance's key imported there).
    struct Setup {
        let night: NightInstance
        let admin: AdminMailMaker
        let instanceKey: String
        let adminKey: String
        var keyring: OpenPGPKeyring { get throws { try night.instance.keyring() } }
    }

    func makeSetup(label: String = "adm", config: String = maildirConfig()) throws -> Setup {
        let night = try NightInstance(config: config, label: label)
        addTeardownBlock { stopGPGAgents(under: night.dir) }
        let admin = try AdminMailMaker(self)
        let ring = try night.instance.keyring()
        let instanceKey = try InstanceKey.ensure(in: ring, edition: night.instance.configuration.editions[0]).fingerprint
        try admin.importKey(armored: try ring.exportPublicKey(fingerprint: instanceKey))
        // Made days ago, so that it can sign "49 hours ago".
        let adminKey = try admin.makeKey("admin", fakedTime: String(Int(Date().timeIntervalSince1970) - 5 * 86_400))
        _ = try KeyAdmin(instance: night.instance).importKey(file: try admin.export("admin").path, role: .admin, edition: "sakura", field: nil)
        return Setup(night: night, admin: admin, instanceKey: instanceKey, adminKey: adminKey)
    }

    /// A runner that records what it was asked and answers with personal data.
    final class Runner {
        var requests: [AdminRequest] = []
        var carriedOut = true
        func run(_ r: AdminRequest) -> AdminMailOutcome {
            requests.append(r)
            return AdminMailOutcome(reply: "done for hana@example.jp: \(r.text)", carriedOut: carriedOut, changed: carriedOut,
                                    holdsPersonalData: true, problems: [])
        }
    }

    func poll(_ s: Setup, _ box: FakeMailbox, runner: Runner) throws -> PollSummary {
        try PollJob(instance: s.night.instance, adminRunner: runner.run).run(now: now, mailbox: box)
    }

    func header(_ from: String = "Admin <admin@clinic.example>", messageID: String = UUID().uuidString + "@clinic.example") -> [String] {
        AdminMailMaker.header(from: from, messageID: messageID)
    }

    func decisions(_ s: Setup) throws -> [String] {
        try s.night.store.adminMailDecisions().map { $0.status == .refused ? $0.reason! : $0.status.rawValue }
    }

    func events(_ s: Setup, _ kind: EventKind) throws -> [String] {
        try s.night.store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT detail FROM events WHERE kind = ? ORDER BY id", arguments: [kind.rawValue])
        }
    }

    func testSignedEncryptedAndClearsignedCommandsAreCarriedOutOnceAndAnsweredEncrypted() throws {
        let s = try makeSetup()
        let runner = Runner()
        let box = FakeMailbox()
        let csv = Data("email,due\nhana@example.jp,2027-05-01\n".utf8)
        let signedMail = try s.admin.signed(AdminMailMaker.entityWithAttachment("subscribers import\n", filename: "families.csv",
                                                                                 contentType: "text/csv", data: csv),
                                            by: "admin", header: header())
        box.deliver(signedMail)
        box.deliver(try s.admin.encrypted(AdminMailMaker.textEntity("subscribers list\n"), by: "admin", to: s.instanceKey, header: header()))
        box.deliver(try s.admin.clearsigned("stats\n", by: "admin", header: header("ADMIN@Clinic.example")))
        let summary = try poll(s, box, runner: runner)
        XCTAssertEqual(summary.applied, 3, summary.line)
        XCTAssertEqual(summary.replies, 3, summary.line)
        XCTAssertEqual(runner.requests.map(\.text), ["subscribers import\n", "subscribers list\n", "stats\n"])
        XCTAssertEqual(runner.requests.map(\.actor), Array(repeating: s.adminKey, count: 3))
        XCTAssertEqual(runner.requests.map(\.edition), ["sakura", "sakura", "sakura"])
        XCTAssertEqual(runner.requests[0].attachments, [AdminAttachment(filename: "families.csv", contentType: "text/csv", data: csv)])
        XCTAssertEqual(try decisions(s), ["carried out", "carried out", "carried out"])
        XCTAssertEqual(try events(s, .adminMailAccepted).count, 3)
        XCTAssertEqual(box.filed, [1: true, 2: true, 3: true])

        // The answers: encrypted to the administrator, signed by the instance, to the key's address.
        _ = try s.night.send(at: now)
        let replies = try s.night.delivered()
        XCTAssertEqual(replies.count, 3)
        var recipients: [String: String] = [:]
        for reply in replies {
            XCTAssertNil(reply.text.range(of: "hana@example.jp"), "no personal data in clear")
            XCTAssertTrue(reply.text.contains("multipart/encrypted"))
            XCTAssertEqual(reply.header("Auto-Submitted"), "auto-replied")
            let opened = try s.admin.open(reply.text)
            XCTAssertTrue(opened.status.contains("VALIDSIG \(s.instanceKey)"), opened.status)
            let text = try XCTUnwrap(try IncomingMessage.parse(Array(opened.text.utf8)).textBody)
            XCTAssertTrue(text.hasPrefix("done for hana@example.jp: "), text)
            recipients[String(text.dropFirst("done for hana@example.jp: ".count).prefix { $0 != "\n" })] = reply.header("To")
        }
        XCTAssertEqual(recipients, ["subscribers import": "admin@clinic.example", "subscribers list": "admin@clinic.example",
                                    "stats": "ADMIN@clinic.example"], "to From when the key names it, case aside")

        // The same message again (same Message-ID): already handled. The same signed part under a
        // new Message-ID (a replay): refused, and not carried out again.
        box.deliver(signedMail)
        let replayed = String(decoding: signedMail, as: UTF8.self).replacingOccurrences(of: "Message-ID: <", with: "Message-ID: <again-")
        box.deliver(Array(replayed.utf8))
        let again = try poll(s, box, runner: runner)
        XCTAssertEqual(again.duplicates, 1, again.line)
        XCTAssertEqual(again.ignored, 1, again.line)
        XCTAssertEqual(again.replies, 0, "a replay is not answered")
        XCTAssertEqual(runner.requests.count, 3, "carried out once")
        XCTAssertEqual(try decisions(s).last, "replayed")
    }

    func testEveryRefusalIsRecordedNeverCarriedOutNeverAParentsCommand() throws {
        let s = try makeSetup()
        let runner = Runner()
        let box = FakeMailbox()
        let entity = AdminMailMaker.textEntity("subscribers remove hana@example.jp\n")
        let hour = 3600.0
        func gpgTime(_ offset: TimeInterval) -> String { String(Int(Date().addingTimeInterval(offset).timeIntervalSince1970)) }

        // unsigned
        box.deliver(Array((header("Someone <someone@example.net>").joined(separator: "\r\n")
            + "\r\nContent-Type: text/plain\r\n\r\nsubscribers remove hana@example.jp\r\n").utf8))
        // bad signature: a byte of the signed part changed on the way
        let good = String(decoding: try s.admin.signed(entity, by: "admin", header: header()), as: UTF8.self)
        box.deliver(Array(good.replacingOccurrences(of: "hana@example.jp", with: "hanb@example.jp").utf8))
        // unknown key
        try s.admin.makeKey("stranger")
        box.deliver(try s.admin.signed(entity, by: "stranger", header: header("stranger@clinic.example")))
        // expired key: valid when it signed, expired now
        try s.admin.makeKey("old", expiry: "1d", fakedTime: gpgTime(-5 * 24 * hour))
        _ = try s.keyring.importKeys(Data(contentsOf: try s.admin.export("old")))
        try s.night.store.addKeyRole(KeyRoleRecord(fingerprint: try s.admin.fingerprint("old"), role: .admin, edition: nil, field: nil,
                                                   userID: "Old", addedAt: now))
        box.deliver(try s.admin.signed(entity, by: "old", fakedTime: gpgTime(-4.5 * 24 * hour), header: header("old@clinic.example")))
        // revoked key
        try s.admin.makeKey("gone")
        _ = try KeyAdmin(instance: s.night.instance).importKey(file: try s.admin.export("gone").path, role: .admin, edition: nil, field: nil)
        let goneMail = try s.admin.signed(entity, by: "gone", header: header("gone@clinic.example"))
        _ = try s.keyring.importKeys(Data(contentsOf: try s.admin.revoke("gone")))
        box.deliver(goneMail)
        // not an administrator of sakura (a reviewer; an admin of another edition)
        try s.admin.makeKey("reviewer")
        _ = try KeyAdmin(instance: s.night.instance).importKey(file: try s.admin.export("reviewer").path, role: .reviewer, edition: nil, field: "midwifery")
        box.deliver(try s.admin.signed(entity, by: "reviewer", header: header("reviewer@clinic.example")))
        // too old, dated in the future
        box.deliver(try s.admin.signed(entity, by: "admin", fakedTime: gpgTime(-49 * hour), header: header()))
        box.deliver(try s.admin.signed(entity, by: "admin", fakedTime: gpgTime(2 * hour), header: header()))
        // encrypted to a key the instance does not hold
        box.deliver(try s.admin.encrypted(entity, by: "admin", to: try s.admin.fingerprint("stranger"), header: header()))

        let summary = try poll(s, box, runner: runner)
        XCTAssertEqual(runner.requests.count, 0, "nothing carried out")
        XCTAssertEqual(summary.applied, 0, summary.line)
        XCTAssertEqual(summary.ignored, 9, summary.line)
        XCTAssertTrue(summary.line.hasSuffix("; 9 administrator's mails, 9 refused"), summary.line)
        XCTAssertEqual(try decisions(s), ["unsigned", "bad signature", "unknown key", "expired key", "revoked key", "not an administrator",
                                          "too old", "dated in the future", "cannot decrypt"])
        let refused = try events(s, .adminMailRefused)
        XCTAssertEqual(refused.count, 9)
        XCTAssertTrue(refused[0].hasPrefix("unsigned from someone@example.net"), refused[0])
        XCTAssertTrue(refused[5].contains("(key \(try s.admin.fingerprint("reviewer")))"), refused[5])
        XCTAssertNil(try s.night.store.subscriber(address: try EmailAddress(parsing: "someone@example.net"), edition: "sakura"),
                     "never a parent's command: no contact, no reply")

        // Only a known signer's honest mistakes get a short signed notice, with no family named.
        XCTAssertEqual(summary.replies, 3, summary.line)
        _ = try s.night.send(at: now)
        let notices = try s.night.delivered()
        XCTAssertEqual(notices.map { $0.header("To") ?? "" }.sorted(), ["admin@clinic.example", "admin@clinic.example", "reviewer@clinic.example"])
        for n in notices {
            XCTAssertEqual(n.header("Subject"), "Kizuna: your mail was not carried out")
            XCTAssertTrue(n.text.contains("multipart/signed"))
            let text = try XCTUnwrap(try IncomingMessage.parse(n.bytes).textBody)
            XCTAssertTrue(text.hasPrefix("Kizuna did not carry out your signed mail"), text)
            XCTAssertNil(text.range(of: "hana"), "no personal data")
        }

        // The next report lists them under "needs attention": date, From, reason, key; no words.
        let report = try ReportJob(instance: s.night.instance).make(date: s.night.instance.today(at: now), now: now.addingTimeInterval(60))
        let text = report.text()
        XCTAssertTrue(text.contains("9 administrators' mails refused"), text)
        XCTAssertTrue(text.contains("from someone@example.net: unsigned"), text)
        XCTAssertTrue(text.contains("from reviewer@clinic.example: not an administrator, key \(try s.admin.fingerprint("reviewer"))"), text)
        XCTAssertNil(text.range(of: "subscribers remove"), "no body text")
        XCTAssertNil(text.range(of: "hana"), "no body text")
    }

    func testASignedMailWithAParentsWordsByAKeyTheKeyringDoesNotHoldIsAParentsCommand() throws {
        let s = try makeSetup()
        let box = FakeMailbox()
        try s.night.add("parent@clinic.example", track: .pregnancy, anchor: CivilDate(iso: "2027-05-01")!, today: CivilDate(iso: "2026-12-01")!)
        try s.admin.makeKey("parent")
        box.deliver(try s.admin.signed(AdminMailMaker.textEntity("stop\n"), by: "parent", header: header("parent@clinic.example")))
        let summary = try poll(s, box, runner: Runner())
        XCTAssertEqual(summary.applied, 1, summary.line)
        XCTAssertEqual(try s.night.store.subscriber(address: try EmailAddress(parsing: "parent@clinic.example"), edition: "sakura")?.subscriber.status,
                       .stopped, "a parent whose mail client signs everything can still stop")
        XCTAssertEqual(try decisions(s), [])
    }

    func testAParentsMailEncryptedToTheInstancesKeyIsReadAsTheirs() throws {
        let s = try makeSetup()
        let box = FakeMailbox()
        for parent in ["parent@clinic.example", "other@clinic.example", "third@clinic.example"] {
            try s.night.add(parent, track: .pregnancy, anchor: CivilDate(iso: "2027-05-01")!, today: CivilDate(iso: "2026-12-01")!)
        }
        try s.admin.makeKey("parent")
        // Signed by the parent's own key, which the instance does not hold; and not signed at all.
        box.deliver(try s.admin.encrypted(AdminMailMaker.textEntity("stop\n"), by: "parent", to: s.instanceKey, header: header("parent@clinic.example")))
        box.deliver(try s.admin.encrypted(AdminMailMaker.textEntity("配信停止\n"), by: nil, to: s.instanceKey, header: header("other@clinic.example")))
        // An administrator's command encrypted without a signature is still refused, never a parent's.
        box.deliver(try s.admin.encrypted(AdminMailMaker.textEntity("subscribers remove third@clinic.example\n"), by: nil, to: s.instanceKey,
                                          header: header("third@clinic.example")))
        let summary = try poll(s, box, runner: Runner())
        XCTAssertEqual(summary.applied, 2, summary.line)
        for (parent, status) in [("parent@clinic.example", SubscriberStatus.stopped), ("other@clinic.example", .stopped), ("third@clinic.example", .active)] {
            XCTAssertEqual(try s.night.store.subscriber(address: try EmailAddress(parsing: parent), edition: "sakura")?.subscriber.status, status, parent)
        }
        XCTAssertEqual(try decisions(s), ["unsigned"])
    }

    func testAnAnswerWithPersonalDataToAKeyThatCannotBeEncryptedToIsANoticeWithout() throws {
        let s = try makeSetup()
        try s.admin.makeKey("signer", signOnly: true)
        _ = try KeyAdmin(instance: s.night.instance).importKey(file: try s.admin.export("signer").path, role: .admin, edition: "sakura", field: nil)
        let box = FakeMailbox()
        box.deliver(try s.admin.signed(AdminMailMaker.textEntity("subscribers list\n"), by: "signer",
                                       header: header("Somebody Else <other@example.net>")))
        let summary = try poll(s, box, runner: Runner())
        XCTAssertEqual(summary.applied, 1, summary.line)
        _ = try s.night.send(at: now)
        let mail = try XCTUnwrap(try s.night.delivered().first)
        XCTAssertEqual(mail.header("To"), "signer@clinic.example", "not the From address: the key does not name it")
        XCTAssertTrue(mail.text.contains("multipart/signed"))
        let text = try XCTUnwrap(try IncomingMessage.parse(mail.bytes).textBody)
        XCTAssertNil(text.range(of: "hana@example.jp"))
        XCTAssertTrue(text.hasPrefix("Your commands were carried out."), text)
        XCTAssertTrue(text.contains("cannot receive encrypted mail"), text)
    }

    func testUnsignedMailIsRefusedWithoutTheKeyringAndParentsGoOn() throws {
        // No gpg needed: unsigned mail is refused before the keyring is opened.
        let night = try NightInstance(config: maildirConfig() + "\n[openpgp]\nhome = \"/dev/null/no-keyring\"\n", label: "adm")
        let box = FakeMailbox()
        box.deliver(parentMail(from: "someone@example.net", subject: "hi", body: "subscribers remove hana@example.jp\nthanks"))
        box.deliver(parentMail(subject: "登録", body: "出産予定日 2027年5月1日"))
        let summary = try PollJob(instance: night.instance).run(now: now, mailbox: box)
        XCTAssertEqual(summary.ignored, 1, summary.line)
        XCTAssertEqual(summary.applied, 1, summary.line)
        XCTAssertEqual(summary.replies, 1, "the parent's confirmation request only")
        XCTAssertEqual(try night.store.adminMailDecisions().map(\.reason), ["unsigned"])
        XCTAssertEqual(try night.store.adminMailDecisions().map(\.sender), ["someone@example.net"])
        XCTAssertEqual(box.filed, [1: true, 2: true])
    }

    func testACrashAfterTheAcceptanceLeavesTheMailNotCarriedOutAndNeverTwice() throws {
        let s = try makeSetup()
        let runner = Runner()
        let box = FakeMailbox()
        let mail = try s.admin.signed(AdminMailMaker.textEntity("subscribers list\n"), by: "admin", header: header(messageID: "crash@clinic.example"))
        let uid = box.deliver(mail)
        // What the intake commits before carrying out anything, with the fetched copy in
        // spool/inbound: then the process dies.
        let pgp = try XCTUnwrap(PGPMail.find(in: mail, message: try IncomingMessage.parse(mail)))
        let signature = try XCTUnwrap(try s.keyring.verifyDetached(Data(pgp.content), signature: Data(pgp.signature ?? [])).first)
        let place = InboundPlace(mailbox: box.name, uidValidity: box.validity, uid: uid)
        try InboundSpool(root: s.night.spoolRoot).write(batch: [(InboundSpool.name(mailbox: box.name, uidValidity: box.validity, uid: uid), mail)])
        let entry = AdminMailEntry(place: place, messageID: "crash@clinic.example", receivedAt: now, edition: "sakura", sender: "admin@clinic.example",
                                   form: pgp.form.rawValue, fingerprint: signature.fingerprint, signedAt: signature.created, decision: "{}")
        XCTAssertNotNil(try s.night.store.acceptAdminMail(entry, signature: AdminSignatureKey(fingerprint: signature.fingerprint, signedAt: signature.created,
                                                                                                digest: AdminMailPolicy.digest(pgp.content)), at: now))

        // The next poll finishes the fetched copy: already handled, never carried out.
        let summary = try poll(s, box, runner: runner)
        XCTAssertEqual(summary.recovered, 1, summary.line)
        XCTAssertEqual(summary.duplicates, 1, summary.line)
        XCTAssertEqual(box.filed, [uid: true])
        // Sent again under a new Message-ID: a replay.
        box.deliver(Array(String(decoding: mail, as: UTF8.self).replacingOccurrences(of: "crash@", with: "crash-again@").utf8))
        _ = try poll(s, box, runner: runner)
        XCTAssertEqual(runner.requests.count, 0, "never carried out after the crash")
        XCTAssertEqual(try decisions(s), ["accepted", "replayed"])
        let text = try ReportJob(instance: s.night.instance).make(date: s.night.instance.today(at: now), now: now.addingTimeInterval(60)).text()
        XCTAssertTrue(text.contains("from admin@clinic.example: interrupted while its commands were carried out"), text)
    }

    func testWithSeveralEditionsTheMailActsOnTheOneItWasSentToOrIsRefused() throws {
        let s = try makeSetup(config: maildirConfig() + """

            [[edition]]
            id = "momo"
            name = "Momo Clinic"
            address = "momo@clinic.example"
            languages = ["ja"]
            plus_addressing = true
            """)
        try s.night.store.addKeyRole(KeyRoleRecord(fingerprint: s.adminKey, role: .admin, edition: "momo", field: nil, userID: "Admin", addedAt: now))
        let runner = Runner()
        let box = FakeMailbox()
        let entity = AdminMailMaker.textEntity("subscribers list\n")
        func to(_ address: String) -> [String] {
            AdminMailMaker.header(from: "admin@clinic.example", to: address)
        }
        box.deliver(try s.admin.signed(entity, by: "admin", header: to("momo@clinic.example")))
        box.deliver(try s.admin.signed(entity, by: "admin", header: to("kizuna@clinic.example, momo@clinic.example")))
        box.deliver(try s.admin.signed(entity, by: "admin", header: to("someone@elsewhere.example")))
        _ = try poll(s, box, runner: runner)
        XCTAssertEqual(runner.requests.map(\.edition), ["momo"])
        XCTAssertEqual(try decisions(s), ["carried out", "no one edition", "no one edition"])
    }

    func testInlinePGPMessagesSignedOrEncryptedAndSigned() throws {
        let s = try makeSetup()
        let runner = Runner()
        let box = FakeMailbox()
        box.deliver(try s.admin.inlineMessage("subscribers list\n", by: "admin", header: header()))
        box.deliver(try s.admin.inlineMessage("bounces list\n", by: "admin", encryptTo: s.instanceKey, header: header()))
        let summary = try poll(s, box, runner: runner)
        XCTAssertEqual(runner.requests.map(\.text), ["subscribers list\n", "bounces list\n"], summary.line)
        XCTAssertEqual(runner.requests.map(\.actor), [s.adminKey, s.adminKey])
        XCTAssertEqual(try decisions(s), ["carried out", "carried out"])
    }
}
