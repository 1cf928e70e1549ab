import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaMIME
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// Where an edition's mail is read and through which relay its answers leave
/// (`TwoEditionStack(sharedMailbox: true)`): edition A (kizuna@clinic.test) reads the instance's
/// shared `[imap]` and sends through 127.0.0.1:2525; edition B (kizuna@town.test) has its own
/// mailbox and relay (127.0.0.1:2527). The instance's `[smtp]` is a closed port, so any mail that
/// arrives went through an edition's relay.
final class MailstackEditionRoutesTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    /// The stack and an administrator of B (`Admin <parent2@families.test>`, its key made by gpg
    /// in a home of its own, the instance's key in theirs).
    func stackWithAdministratorOfB() throws -> (stack: TwoEditionStack, admin: AdminMailMaker) {
        let stack = try TwoEditionStack(sharedMailbox: true)
        addTeardownBlock { stopGPGAgents(under: stack.dir) }
        let admin = try AdminMailMaker(self)
        _ = try InstanceKey.ensure(in: try stack.night.instance.keyring(), edition: stack.night.instance.configuration.editions[1])
        try gpg(admin.home, ["--quick-gen-key", "Admin <parent2@families.test>", "future-default", "default", "never"])
        let imported = try stack.run(["keys", "import", try admin.export("parent2@families.test").path, "--role", "admin", "--edition", stack.b.id])
        XCTAssertEqual(imported.status, 0, imported.output)
        try admin.importKey(armored: try stack.run(["keys", "export"]).output)
        return (stack, admin)
    }

    /// The administrator's signed commands, written To `to`, delivered to `rcpt`'s mailbox.
    func submitAdmin(_ commands: String, rcpt: String, to: String, messageID: String, stack: TwoEditionStack, admin: AdminMailMaker) throws {
        let file = stack.dir.appendingPathComponent("admin-\(UUID().uuidString.prefix(6)).eml")
        let header = AdminMailMaker.header(from: "Admin <parent2@families.test>", to: to, messageID: messageID)
        try Data(try admin.signed(AdminMailMaker.textEntity(commands), by: "parent2@families.test", header: header)).write(to: file)
        let r = try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "smtp://127.0.0.1:2525", "--mail-from", "parent2@families.test",
                                                                       "--mail-rcpt", rcpt, "-T", file.path], in: stack.dir)
        XCTAssertEqual(r.status, 0, r.output)
    }

    func testAnAdministratorsAnswerForAnEditionLeavesThroughThatEditionsRelay() throws {
        let (stack, admin) = try stackWithAdministratorOfB()
        let store = try stack.store
        try stack.night.add("hana@families.test", track: .pregnancy, anchor: stack.today.adding(days: 150), edition: stack.b.id, today: stack.today)
        let administrator = try stack.family("parent2@families.test", box: "parent2@families.test", of: stack.b)

        try submitAdmin("subscribers show hana@families.test\n", rcpt: "kizuna@town.test", to: "kizuna@town.test",
                        messageID: "\(stack.marker).1@families.test", stack: stack, admin: admin)
        try eventually("B's administrator's mail carried out", step: { try stack.poll() },
                       done: { try store.adminMailDecisions().map(\.status) == [.carriedOut] })
        let answer = try XCTUnwrap(try stack.night.deliveries().last { $0.kind == .admin })
        XCTAssertEqual(try stack.night.envelope(try XCTUnwrap(answer.id))["edition"], stack.b.id, "the answer's spool file names B")
        // The instance's relay is dead: the answer arrives only through B's.
        let sent = try stack.run(["send"])
        XCTAssertEqual(sent.status, 0, sent.output)
        let mail = try stack.arrived(try XCTUnwrap(answer.messageID), for: administrator)
        XCTAssertEqual(mail.angle("In-Reply-To"), "\(stack.marker).1@families.test")
        XCTAssertTrue(mail.header("From")?.contains("kizuna@town.test") ?? false, mail.header("From") ?? "no From")
        let opened = try XCTUnwrap(try IncomingMessage.parse(Array(try admin.open(mail.text).text.utf8)).textBody)
        XCTAssertTrue(opened.contains("edition \(stack.b.id)") && opened.contains("hana@families.test"), opened)
    }

    func testTheSharedMailboxHonoursAStopForAnEditionWithItsOwnMailboxAndBindsNoAdministratorsMailToIt() throws {
        let (stack, admin) = try stackWithAdministratorOfB()
        let (a, b, marker, today) = (stack.a.id, stack.b.id, stack.marker, stack.today)
        let store = try stack.store
        let due = today.adding(days: 150)
        let familyB = try stack.family("parent1@families.test", box: "parent1@families.test", of: stack.b)
        let familyA = try stack.family("parent2@families.test", box: "parent2@families.test", of: stack.a)
        try stack.night.add(familyB.address.description, track: .pregnancy, anchor: due, edition: b, today: today)
        try stack.night.add("hana@families.test", track: .pregnancy, anchor: due, edition: b, today: today)
        try stack.night.add(familyA.address.description, track: .pregnancy, anchor: due, edition: a, today: today)

        // In the shared mailbox, written to B (which has its own): B's family's stop, a stranger's
        // subscribe, and B's administrator's signed pause. In B's own mailbox, written to A: A's family's stop.
        try stack.submit(from: familyB.address.description, rcpt: "kizuna@clinic.test", to: "kizuna@town.test", subject: "停止",
                         messageID: "\(marker).1@families.test")
        try stack.submit(from: "newcomer@families.test", rcpt: "kizuna@clinic.test", to: "kizuna@town.test", subject: "登録",
                         body: "予定日 \(due.iso)", messageID: "\(marker).2@families.test")
        try submitAdmin("pause hana@families.test --until \(today.adding(days: 30).iso)\n", rcpt: "kizuna@clinic.test",
                        to: "kizuna@town.test", messageID: "\(marker).3@families.test", stack: stack, admin: admin)
        try stack.submit(from: familyA.address.description, rcpt: "kizuna@town.test", to: "kizuna@clinic.test", subject: "停止",
                         messageID: "\(marker).4@families.test")
        func setAside(_ id: String) throws -> InboundRecord? {
            try store.inboundMessages(status: .ignored).first { $0.decision?.contains("\(marker).\(id)@families.test") ?? false }
        }
        try eventually("every mail read", step: { try stack.poll() }, done: {
            try stack.status(familyB.address, b) == .stopped && stack.status(familyA.address, a) == .stopped
                && setAside("2") != nil && setAside("3") != nil
        })
        // The stops were honoured for the edition each was written to, and nothing else.
        XCTAssertNil(try stack.status(familyB.address, a))
        XCTAssertNil(try stack.status(familyA.address, b))
        // The subscribe and the administrator's mail were set aside: nobody subscribed, hana not paused, no admin mail bound to B.
        let newcomer = try EmailAddress(parsing: "newcomer@families.test")
        XCTAssertNil(try stack.status(newcomer, b))
        XCTAssertNil(try stack.status(newcomer, a))
        XCTAssertEqual(try stack.status(try EmailAddress(parsing: "hana@families.test"), b), .active)
        XCTAssertEqual(try store.adminMailDecisions().count, 0, "never bound to B, so never carried out for it")
        let events = try store.writer.read { db in try String.fetchAll(db, sql: "SELECT detail FROM events WHERE detail LIKE 'set aside:%' ORDER BY id") }
        XCTAssertEqual(events.count, 2, "\(events)")
        XCTAssertTrue(events.contains { $0.contains("an administrator's mail is bound to an edition only in its own mailbox") }, "\(events)")
        XCTAssertTrue(events.allSatisfy { $0.contains("written to edition \(b)") && $0.contains("the shared mailbox [imap]") }, "\(events)")
        XCTAssertNil(try stack.night.deliveries().last { $0.recipient == newcomer.smtpPath || $0.kind == .admin }, "nothing answered")

        // Each stop's answer leaves through its edition's relay (the instance's is dead), from its address.
        let sent = try stack.run(["send"])
        XCTAssertEqual(sent.status, 0, sent.output)
        XCTAssertTrue(try stack.lastMail(to: familyB, kind: .system).header("From")?.contains("kizuna@town.test") ?? false)
        XCTAssertTrue(try stack.lastMail(to: familyA, kind: .system).header("From")?.contains("kizuna@clinic.test") ?? false)
    }
}
