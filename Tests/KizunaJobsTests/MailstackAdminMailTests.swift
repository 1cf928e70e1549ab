import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaMIME
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// An administrator runs the edition from a mail client, through the real Postfix and Dovecot
/// and the built `kizuna` binary: the key imported with `kizuna keys import --role admin`,
/// commands signed as PGP/MIME (multipart/signed, and encrypted+signed to the instance key) and
/// clearsigned, submitted over SMTP → `kizuna poll` → carried out (an event with the key's
/// fingerprint) → `kizuna send` → the answer in the administrator's mailbox, which their gpg
/// decrypts and whose signature is the instance's. A replay is carried out once; unsigned,
/// tampered and strangers' mail is refused, recorded and listed in the report.
/// (parent2@families.test's mailbox stands in for the administrator's.)
final class MailstackAdminMailTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    func testAnAdministratorsSignedCommandsThroughPostfixAndDovecot() throws {
        let marker = "a" + UUID().uuidString.prefix(8).lowercased()
        let night = try NightInstance(config: mailstackConfig(edition: marker, languages: ["ja", "en"]), label: "admj")
        addTeardownBlock { stopGPGAgents(under: night.dir) }
        let dir = night.dir
        let kizuna = try kizunaBinary()
        let cfg = ["--config", dir.appendingPathComponent("kizuna.toml").path]
        let env = ["KIZUNA_TEST_IMAP_PASSWORD": "kizuna-pass"]
        func run(_ args: [String]) throws -> String {
            let r = try runProcess(kizuna, args + cfg, env: env, in: dir)
            guard r.status == 0 else { throw TestFailure("kizuna \(args.joined(separator: " ")) exited \(r.status): \(r.output)") }
            return r.output
        }
        let store = try night.store

        // The instance's key (as `kizuna init` makes it), the administrator's key in their own
        // home, each side holding the other's public key; the admin role by `kizuna keys import`.
        let ring = try night.instance.keyring()
        let instanceKey = try InstanceKey.ensure(in: ring, edition: night.instance.configuration.editions[0]).fingerprint
        let admin = try AdminMailMaker(self)
        try gpg(admin.home, ["--quick-gen-key", "Admin <parent2@families.test>", "future-default", "default", "never"])
        let adminKey = String(try gpg(admin.home, ["--with-colons", "--list-keys", "parent2@families.test"])
            .split(separator: "\n").first { $0.hasPrefix("fpr:") }!.split(separator: ":", omittingEmptySubsequences: false)[9])
        let exported = dir.appendingPathComponent("admin.asc")
        try gpg(admin.home, ["--armor", "--export", "parent2@families.test"]).write(to: exported, atomically: true, encoding: .utf8)
        XCTAssertTrue(try run(["keys", "import", exported.path, "--role", "admin", "--edition", marker]).contains("added \(adminKey) as admin for \(marker)"))
        try admin.importKey(armored: try run(["keys", "export"]))
        try admin.makeKey("stranger")

        // Only mail that arrives from now on is this test's.
        let kizunaBox = try dovecotMailbox("kizuna@clinic.test")
        try store.advanceIMAPPosition(mailbox: "INBOX", uidValidity: try kizunaBox.uidValidity(),
                                      to: try kizunaBox.search(uidFrom: 1).last ?? 0, at: Date())
        let adminBox = try dovecotMailbox("parent2@families.test")
        let adminSeen = try adminBox.search(uidFrom: 1).last ?? 0

        func submit(_ bytes: [UInt8], from: String = "parent2@families.test") throws {
            let file = dir.appendingPathComponent("out-\(UUID().uuidString.prefix(6)).eml")
            try Data(bytes).write(to: file)
            let r = try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "smtp://127.0.0.1:2525", "--mail-from", from,
                                                                           "--mail-rcpt", "kizuna@clinic.test", "-T", file.path], in: dir)
            XCTAssertEqual(r.status, 0, r.output)
        }
        func header(_ id: String, from: String = "Admin <parent2@families.test>") -> [String] {
            AdminMailMaker.header(from: from, to: "kizuna@clinic.test", messageID: "\(marker).\(id)@families.test")
        }
        func decisions() throws -> [String] {
            try store.adminMailDecisions().map { $0.status == .refused ? $0.reason! : $0.status.rawValue }
        }
        /// The answer to our message `id`, read back from the administrator's mailbox and opened by their gpg.
        func answer(to id: String) throws -> (text: String, status: String) {
            var found: DeliveredMail?
            try eventually("the answer to \(id)", step: {
                _ = try run(["send"])
                for uid in try adminBox.search(uidFrom: adminSeen + 1) {
                    let mail = DeliveredMail(bytes: try adminBox.fetch(uid: uid))
                    if mail.angle("In-Reply-To") == "\(marker).\(id)@families.test" { found = mail }
                }
            }, done: { found != nil })
            let mail = try XCTUnwrap(found)
            XCTAssertTrue(mail.text.contains("multipart/encrypted"), mail.text)
            XCTAssertNil(mail.text.range(of: "hana@families.test"), "no personal data in clear")
            let opened = try admin.open(mail.text)
            return (try XCTUnwrap(try IncomingMessage.parse(Array(opened.text.utf8)).textBody), opened.status)
        }
        let hana = try EmailAddress(parsing: "hana@families.test")
        let due = night.instance.today().adding(days: 150)

        // 1. PGP/MIME multipart/signed: subscribers add.
        let signedAdd = try admin.signed(AdminMailMaker.textEntity("subscribers add hana@families.test --due \(due.iso) --name Hana\n"),
                                         by: "parent2@families.test", header: header("1"))
        try submit(signedAdd)
        try eventually("the signed add carried out", step: { _ = try run(["poll"]) },
                       done: { try store.subscriber(address: hana, edition: marker) != nil })
        let added = try XCTUnwrap(try store.subscriber(address: hana, edition: marker))
        XCTAssertEqual(added.subscriber.status, .active)
        XCTAssertEqual(added.subscriptions.first?.anchorDate, due)
        let commandEvents = try store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT detail FROM events WHERE kind = 'admin command' ORDER BY id")
        }
        XCTAssertTrue(commandEvents.contains { $0.contains("openpgp:\(adminKey)") && $0.contains("subscribers add hana@families.test") }, "\(commandEvents)")
        let first = try answer(to: "1")
        XCTAssertTrue(first.status.contains("VALIDSIG \(instanceKey)"), first.status)
        XCTAssertTrue(first.status.contains("DECRYPTION_OKAY"), first.status)
        XCTAssertTrue(first.text.contains("hana@families.test"), first.text)

        // 2. Encrypted to the instance's key and signed inside (gpg --encrypt --sign): pause.
        let until = night.instance.today().adding(days: 30)
        try submit(try admin.encrypted(AdminMailMaker.textEntity("pause hana@families.test --until \(until.iso)\n"), by: "parent2@families.test",
                                       to: instanceKey, header: header("2")))
        try eventually("the encrypted pause carried out", step: { _ = try run(["poll"]) },
                       done: { try store.subscriber(address: hana, edition: marker)?.subscriber.status == .paused })
        XCTAssertTrue(try answer(to: "2").status.contains("VALIDSIG \(instanceKey)"))

        // 3. Inline clearsigned (gpg --clearsign): subscribers show.
        try submit(try admin.clearsigned("subscribers show hana@families.test\n", by: "parent2@families.test", header: header("3")))
        try eventually("the clearsigned show answered", step: { _ = try run(["poll"]) }, done: { try decisions().count == 3 })
        let shown = try answer(to: "3")
        XCTAssertTrue(shown.text.contains("hana@families.test"), shown.text)
        XCTAssertEqual(try decisions(), ["carried out", "carried out", "carried out"])

        // 4. The same message submitted twice: the ledger has it (same Message-ID); the same
        //    signed part under a new Message-ID is a replay. Carried out once.
        let subscriptionsBefore = try XCTUnwrap(try store.subscriber(address: hana, edition: marker)).subscriptions.count
        try submit(signedAdd)
        let rewrapped = String(decoding: signedAdd, as: UTF8.self).replacingOccurrences(of: "\(marker).1@", with: "\(marker).1again@")
        try submit(Array(rewrapped.utf8))
        try eventually("the replay refused", step: { _ = try run(["poll"]) }, done: { try decisions().count == 4 })
        XCTAssertEqual(try decisions().last, "replayed")
        XCTAssertEqual(try XCTUnwrap(try store.subscriber(address: hana, edition: marker)).subscriptions.count, subscriptionsBefore)
        XCTAssertEqual(try store.subscriber(address: hana, edition: marker)?.subscriber.status, .paused, "not added again")

        // 5. Unsigned (from anyone), tampered, and a stranger's key: refused, recorded, never a
        //    parent's command, listed in the report.
        try submit(Array((header("5", from: "parent1@families.test").joined(separator: "\r\n")
            + "\r\nContent-Type: text/plain\r\n\r\nsubscribers remove hana@families.test\r\n").utf8), from: "parent1@families.test")
        let good = String(decoding: try admin.signed(AdminMailMaker.textEntity("subscribers remove hana@families.test\n"), by: "parent2@families.test",
                                                     header: header("6")), as: UTF8.self)
        try submit(Array(good.replacingOccurrences(of: "subscribers remove hana", with: "subscribers remove hanb").utf8))
        try submit(try admin.signed(AdminMailMaker.textEntity("subscribers remove hana@families.test\n"), by: "stranger",
                                    header: header("7", from: "stranger@clinic.example")))
        try eventually("the refusals recorded", step: { _ = try run(["poll"]) }, done: { try decisions().count == 7 })
        XCTAssertEqual(Array(try decisions().suffix(3)), ["unsigned", "bad signature", "unknown key"])
        XCTAssertEqual(try store.subscriber(address: hana, edition: marker)?.subscriber.status, .paused, "nothing removed")
        XCTAssertNil(try store.subscriber(address: try EmailAddress(parsing: "parent1@families.test"), edition: marker), "no parent's command")
        let report = try run(["report", "--print"])
        XCTAssertTrue(report.contains("administrators' mails refused"), report)
        XCTAssertTrue(report.contains("from parent1@families.test: unsigned"), report)
        XCTAssertTrue(report.contains("from parent2@families.test: bad signature"), report)
        XCTAssertTrue(report.contains("from stranger@clinic.example: unknown key"), report)
        XCTAssertNil(report.range(of: "subscribers remove"), "never the mail's words")
    }
}
