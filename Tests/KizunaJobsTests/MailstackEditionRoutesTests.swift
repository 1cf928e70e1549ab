import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaMIME
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// Where an edition's mail is read and through which relay its answers leave, through the real
/// Postfix and Dovecot and the built `kizuna` binary. Edition A (kizuna@clinic.test) reads the
/// instance's shared `[imap]` and sends through 127.0.0.1:2525; edition B (kizuna@town.test) has
/// its own mailbox and relay (127.0.0.1:2527). The instance's `[smtp]` is a closed port, so any
/// mail that arrives went through an edition's relay.
final class MailstackEditionRoutesTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    /// The instance, both mailboxes read from their end, and an administrator of B
    /// (`Admin <parent2@families.test>`, its key made by gpg in a home of its own).
    struct Setup {
        let night: NightInstance
        let admin: AdminMailMaker
        let a: String, b: String, marker: String
        let kizuna: URL
        var cfg: [String] { ["--config", night.dir.appendingPathComponent("kizuna.toml").path] }
        let env = ["KIZUNA_TEST_IMAP_PASSWORD": "kizuna-pass"]

        func run(_ args: [String]) throws -> (status: Int32, output: String) { try runProcess(kizuna, args + cfg, env: env, in: night.dir) }

        /// Raw bytes submitted into Postfix for `rcpt`.
        func submit(_ bytes: [UInt8], from: String, rcpt: String) throws {
            let file = night.dir.appendingPathComponent("out-\(UUID().uuidString.prefix(6)).eml")
            try Data(bytes).write(to: file)
            let r = try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "smtp://127.0.0.1:2525", "--mail-from", from,
                                                                           "--mail-rcpt", rcpt, "-T", file.path], in: night.dir)
            XCTAssertEqual(r.status, 0, r.output)
        }

        /// A parent's plain-text mail: `rcpt` on the envelope (the mailbox it lands in), `to` in the header.
        func submitParent(from: String, rcpt: String, to: String, subject: String, body: String = "", id: String) throws {
            let message = ["From: \(from)", "To: \(to)", "Subject: =?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?=",
                           "Message-ID: <\(marker).\(id)@families.test>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8",
                           "", body].joined(separator: "\n")
            try submitToPostfix(message, from: from, rcpt: rcpt, dir: night.dir)
        }

        /// The administrator's signed commands, written To `to`, delivered to `rcpt`'s mailbox.
        func submitAdmin(_ commands: String, rcpt: String, to: String, id: String) throws {
            let header = AdminMailMaker.header(from: "Admin <parent2@families.test>", to: to, messageID: "\(marker).\(id)@families.test")
            try submit(try admin.signed(AdminMailMaker.textEntity(commands), by: "parent2@families.test", header: header),
                       from: "parent2@families.test", rcpt: rcpt)
        }

        func status(_ email: String, _ edition: String) throws -> SubscriberStatus? {
            try night.store.subscriber(address: try EmailAddress(parsing: email), edition: edition)?.subscriber.status
        }
    }

    func makeSetup() throws -> Setup {
        let marker = UUID().uuidString.prefix(8).lowercased()
        let (a, b) = ("a\(marker)", "b\(marker)")
        let night = try NightInstance(config: MailstackEditionsTests.config(a, b, sharedMailbox: true), label: "routes")
        // The shipped catalog, without the sample edition's local information (an instance refuses an edition it does not have).
        let templates = night.dir.appendingPathComponent("templates")
        try FileManager.default.copyItem(at: repoTemplates, to: templates)
        try FileManager.default.removeItem(at: templates.appendingPathComponent("local/sakura.toml"))
        addTeardownBlock { stopGPGAgents(under: night.dir) }
        let setup = Setup(night: night, admin: try AdminMailMaker(self), a: a, b: b, marker: String(marker), kizuna: try kizunaBinary())
        _ = try InstanceKey.ensure(in: try night.instance.keyring(), edition: night.instance.configuration.editions[1])
        try gpg(setup.admin.home, ["--quick-gen-key", "Admin <parent2@families.test>", "future-default", "default", "never"])
        let imported = try setup.run(["keys", "import", try setup.admin.export("parent2@families.test").path, "--role", "admin", "--edition", b])
        XCTAssertEqual(imported.status, 0, imported.output)
        try setup.admin.importKey(armored: try setup.run(["keys", "export"]).output)
        // Only mail that arrives from now on is this test's: each mailbox is read from its end.
        for (ledger, user) in [("INBOX", "kizuna@clinic.test"), (Instance.ledgerName(mailbox: "INBOX", edition: b), "kizuna@town.test")] {
            let box = try dovecotMailbox(user)
            try night.store.advanceIMAPPosition(mailbox: ledger, uidValidity: try box.uidValidity(), to: try box.search(uidFrom: 1).last ?? 0, at: Date())
        }
        return setup
    }

    func testAnAdministratorsAnswerForAnEditionLeavesThroughThatEditionsRelay() throws {
        let s = try makeSetup()
        let store = try s.night.store
        try s.night.add("hana@families.test", track: .pregnancy, anchor: s.night.instance.today().adding(days: 150), edition: s.b,
                        today: s.night.instance.today())
        let adminBox = try dovecotMailbox("parent2@families.test")
        var seen = try adminBox.search(uidFrom: 1).last ?? 0

        try s.submitAdmin("subscribers show hana@families.test\n", rcpt: "kizuna@town.test", to: "kizuna@town.test", id: "1")
        try eventually("B's administrator's mail carried out", step: { _ = try s.run(["poll"]) },
                       done: { try store.adminMailDecisions().map(\.status) == [.carriedOut] })
        let answer = try XCTUnwrap(try s.night.deliveries().last { $0.kind == .admin })
        XCTAssertEqual(try s.night.envelope(try XCTUnwrap(answer.id))["edition"], s.b, "the answer's spool file names B")
        // The instance's relay is dead: the answer arrives only through B's.
        let sent = try s.run(["send"])
        XCTAssertEqual(sent.status, 0, sent.output)
        let mail = try awaitMail(messageID: try XCTUnwrap(answer.messageID), in: adminBox, after: &seen)
        XCTAssertEqual(mail.angle("In-Reply-To"), "\(s.marker).1@families.test")
        XCTAssertTrue(mail.header("From")?.contains("kizuna@town.test") ?? false, mail.header("From") ?? "no From")
        let opened = try XCTUnwrap(try IncomingMessage.parse(Array(try s.admin.open(mail.text).text.utf8)).textBody)
        XCTAssertTrue(opened.contains("edition \(s.b)") && opened.contains("hana@families.test"), opened)
    }

    func testTheSharedMailboxHonoursAStopForAnEditionWithItsOwnMailboxAndBindsNoAdministratorsMailToIt() throws {
        let s = try makeSetup()
        let store = try s.night.store
        let today = s.night.instance.today(), due = today.adding(days: 150)
        try s.night.add("parent1@families.test", track: .pregnancy, anchor: due, edition: s.b, today: today)
        try s.night.add("hana@families.test", track: .pregnancy, anchor: due, edition: s.b, today: today)
        try s.night.add("parent2@families.test", track: .pregnancy, anchor: due, edition: s.a, today: today)
        let box1 = try dovecotMailbox("parent1@families.test"), box2 = try dovecotMailbox("parent2@families.test")
        var seen1 = try box1.search(uidFrom: 1).last ?? 0, seen2 = try box2.search(uidFrom: 1).last ?? 0

        // In the shared mailbox, written to B (which has its own): B's family's stop, a stranger's
        // subscribe, and B's administrator's signed pause. In B's own mailbox, written to A: A's family's stop.
        try s.submitParent(from: "parent1@families.test", rcpt: "kizuna@clinic.test", to: "kizuna@town.test", subject: "停止", id: "1")
        try s.submitParent(from: "newcomer@families.test", rcpt: "kizuna@clinic.test", to: "kizuna@town.test", subject: "登録",
                           body: "予定日 \(due.iso)", id: "2")
        try s.submitAdmin("pause hana@families.test --until \(today.adding(days: 30).iso)\n", rcpt: "kizuna@clinic.test",
                          to: "kizuna@town.test", id: "3")
        try s.submitParent(from: "parent2@families.test", rcpt: "kizuna@town.test", to: "kizuna@clinic.test", subject: "停止", id: "4")
        func setAside(_ id: String) throws -> InboundRecord? {
            try store.inboundMessages(status: .ignored).first { $0.decision?.contains("\(s.marker).\(id)@families.test") ?? false }
        }
        try eventually("every mail read", step: { _ = try s.run(["poll"]) }, done: {
            try s.status("parent1@families.test", s.b) == .stopped && s.status("parent2@families.test", s.a) == .stopped
                && setAside("2") != nil && setAside("3") != nil
        })
        // The stops were honoured for the edition each was written to, and nothing else.
        XCTAssertEqual(try s.status("parent1@families.test", s.b), .stopped)
        XCTAssertEqual(try s.status("parent2@families.test", s.a), .stopped)
        XCTAssertNil(try s.status("parent1@families.test", s.a))
        XCTAssertNil(try s.status("parent2@families.test", s.b))
        // The subscribe and the administrator's mail were set aside: nobody subscribed, hana not paused, no admin mail bound to B.
        XCTAssertNil(try s.status("newcomer@families.test", s.b))
        XCTAssertNil(try s.status("newcomer@families.test", s.a))
        XCTAssertEqual(try s.status("hana@families.test", s.b), .active)
        XCTAssertEqual(try store.adminMailDecisions().count, 0, "never bound to B, so never carried out for it")
        let events = try store.writer.read { db in try String.fetchAll(db, sql: "SELECT detail FROM events WHERE detail LIKE 'set aside:%' ORDER BY id") }
        XCTAssertEqual(events.count, 2, "\(events)")
        XCTAssertTrue(events.contains { $0.contains("an administrator's mail is bound to an edition only in its own mailbox") }, "\(events)")
        XCTAssertTrue(events.allSatisfy { $0.contains("written to edition \(s.b)") && $0.contains("the shared mailbox [imap]") }, "\(events)")
        XCTAssertNil(try s.night.deliveries().last { $0.recipient == "newcomer@families.test" || $0.kind == .admin }, "nothing answered")

        // Each stop's answer leaves through its edition's relay (the instance's is dead).
        let sent = try s.run(["send"])
        XCTAssertEqual(sent.status, 0, sent.output)
        func answer(to p: String) throws -> DeliveryRecord { try XCTUnwrap(try s.night.deliveries().last { $0.recipient == p }) }
        let stopB = try awaitMail(messageID: try XCTUnwrap(answer(to: "parent1@families.test").messageID), in: box1, after: &seen1)
        let stopA = try awaitMail(messageID: try XCTUnwrap(answer(to: "parent2@families.test").messageID), in: box2, after: &seen2)
        XCTAssertTrue(stopB.header("From")?.contains("kizuna@town.test") ?? false, stopB.header("From") ?? "no From")
        XCTAssertTrue(stopA.header("From")?.contains("kizuna@clinic.test") ?? false, stopA.header("From") ?? "no From")
    }
}
