import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// Two editions as tenants through the real Postfix and Dovecot, driven through the built
/// `kizuna` binary: edition A (kizuna@clinic.test) sends through the relay on 127.0.0.1:2525 and
/// reads its own mailbox, edition B (kizuna@town.test) through 127.0.0.1:2527 and its own. The
/// instance's `[smtp]` points at a closed port, so any mail that arrives went through an
/// edition's own relay; when A's relay is dead, B's mail still goes out and A's waits, so neither
/// edition's mail can have used the other's relay.
final class MailstackEditionsTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    /// A port nothing listens on (1 needs root to listen, and the mail stack does not use it).
    static let deadRelay = "smtp://127.0.0.1:1"

    /// `sharedMailbox`: A reads the instance's `[imap]` (kizuna@clinic.test) instead of a mailbox of its own.
    static func config(_ a: String, _ b: String, relayA: String = "smtp://127.0.0.1:2525", sharedMailbox: Bool = false) -> String {
        """
        database = "@DIR@/kizuna.sqlite"
        templates = "@DIR@/templates"
        spool = "@DIR@/spool"
        time_zone = "Asia/Tokyo"

        [smtp]
        url = "\(Self.deadRelay)"
        starttls = "off"
        connect_timeout = 2

        [retry]
        minimum_backoff = 1
        maximum_backoff = 1

        \(sharedMailbox ? imap("[imap]", user: "kizuna@clinic.test") : "")

        \(Self.edition(a, name: "Clinic A", address: "kizuna@clinic.test", relay: relayA, ownMailbox: !sharedMailbox))

        \(Self.edition(b, name: "Town B", address: "kizuna@town.test", relay: "smtp://127.0.0.1:2527"))
        """
    }

    /// An `[[edition]]` with a relay and (unless `ownMailbox` is false) a mailbox of its own (the mailbox is its address's).
    static func edition(_ id: String, name: String, address: String, relay: String, ownMailbox: Bool = true) -> String {
        """
        [[edition]]
        id = "\(id)"
        name = "\(name) \(id)"
        address = "\(address)"
        languages = ["ja", "en"]
        plus_addressing = true

        [edition.smtp]
        url = "\(relay)"
        starttls = "off"
        connections = 1
        connect_timeout = 2
        response_timeout = 20

        \(ownMailbox ? imap("[edition.imap]", user: address) : "")
        """
    }

    /// A mailbox table on the test Dovecot: `user`'s INBOX.
    static func imap(_ table: String, user: String) -> String {
        """
        \(table)
        url = "imap://127.0.0.1:1143"
        starttls = "off"
        username = "\(user)"
        password_env = "KIZUNA_TEST_IMAP_PASSWORD"
        response_timeout = 20
        """
    }

    /// A parent's plain-text mail submitted into Postfix: `rcpt` on the envelope, `to` in the header.
    func submit(from: String, rcpt: String, to: String? = nil, subject: String, body: String = "", messageID: String,
                inReplyTo: String? = nil, dir: URL) throws {
        var header = ["From: \(from)", "To: \(to ?? rcpt)", "Subject: =?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?=",
                      "Message-ID: <\(messageID)>"]
        if let inReplyTo { header.append("In-Reply-To: <\(inReplyTo)>") }
        header += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8"]
        let message = (header + ["", body]).joined(separator: "\n")
        try submitToPostfix(message, from: from, rcpt: rcpt, dir: dir)
    }

    func testTwoEditionsEachWithItsOwnRelayAndMailboxStayApartAndADeadRelayHoldsOnlyItsOwnMail() throws {
        let marker = UUID().uuidString.prefix(8).lowercased()
        let (a, b) = ("a\(marker)", "b\(marker)")
        let night = try NightInstance(config: Self.config(a, b))
        let dir = night.dir
        // The shipped catalog, with local information of each edition's own.
        let templates = dir.appendingPathComponent("templates")
        try FileManager.default.copyItem(at: repoTemplates, to: templates)
        // Not the sample edition's: an instance refuses local info of an edition it does not have.
        try FileManager.default.removeItem(at: templates.appendingPathComponent("local/sakura.toml"))
        for (id, words) in [(a, "LOCAL-A clinic midwife line"), (b, "LOCAL-B town drop-in space")] {
            try """
                [[info]]
                language = "ja"
                track = "pregnancy"
                from = "pregnancy/d0084"
                until = "pregnancy/d0280"
                text = "\(words) \(marker)"
                """.write(to: templates.appendingPathComponent("local/\(id).toml"), atomically: true, encoding: .utf8)
        }
        let configFile = dir.appendingPathComponent("kizuna.toml")
        let kizuna = try kizunaBinary()
        let cfg = ["--config", configFile.path]
        let env = ["KIZUNA_TEST_IMAP_PASSWORD": "kizuna-pass"]
        let store = try night.store
        let today = night.instance.today()

        // Only mail that arrives from now on is this test's: each edition's mailbox is read from its end.
        for (id, user) in [(a, "kizuna@clinic.test"), (b, "kizuna@town.test")] {
            let box = try dovecotMailbox(user)
            try store.advanceIMAPPosition(mailbox: Instance.ledgerName(mailbox: "INBOX", edition: id), uidValidity: try box.uidValidity(),
                                          to: try box.search(uidFrom: 1).last ?? 0, at: Date())
        }
        let parentA = try EmailAddress(parsing: "parent1@families.test"), parentB = try EmailAddress(parsing: "parent2@families.test")
        let boxA = try dovecotMailbox("parent1@families.test"), boxB = try dovecotMailbox("parent2@families.test")
        var seenA = try boxA.search(uidFrom: 1).last ?? 0, seenB = try boxB.search(uidFrom: 1).last ?? 0
        func status(_ p: EmailAddress, _ edition: String) throws -> SubscriberStatus? { try store.subscriber(address: p, edition: edition)?.subscriber.status }
        func poll() throws -> (status: Int32, output: String) { try runProcess(kizuna, ["poll"] + cfg, env: env, in: dir) }
        /// The mail with this Message-ID, read back from the parent's INBOX.
        func arrived(_ messageID: String, in box: IMAPClient, after seen: inout UInt32) throws -> DeliveredMail {
            try awaitMail(messageID: messageID, in: box, after: &seen)
        }
        func lastDelivery(to p: EmailAddress, kind: DeliveryKind) throws -> DeliveryRecord {
            try XCTUnwrap(try night.deliveries().last { $0.kind == kind && $0.recipient == p.smtpPath })
        }

        // 1. Each family subscribes by mail to its own edition's address (pregnancy day 139 today,
        //    so tomorrow, day 140, has a daily message in the shipped catalog).
        let due = today.adding(days: 141)
        try submit(from: parentA.description, rcpt: "kizuna@clinic.test", subject: "登録", body: "予定日 \(due.iso)", messageID: "\(marker).a1@families.test", dir: dir)
        try submit(from: parentB.description, rcpt: "kizuna@town.test", subject: "登録", body: "予定日 \(due.iso)", messageID: "\(marker).b1@families.test", dir: dir)
        try eventually("both subscribes applied", step: { _ = try poll() }, done: { try status(parentA, a) == .pending && status(parentB, b) == .pending })
        XCTAssertNil(try status(parentA, b), "A's family is not B's")
        XCTAssertNil(try status(parentB, a), "B's family is not A's")
        let sent1 = try runProcess(kizuna, ["send"] + cfg, in: dir)
        XCTAssertEqual(sent1.status, 0, sent1.output)
        let confirmA = try arrived(try XCTUnwrap(lastDelivery(to: parentA, kind: .system).messageID), in: boxA, after: &seenA)
        let confirmB = try arrived(try XCTUnwrap(lastDelivery(to: parentB, kind: .system).messageID), in: boxB, after: &seenB)
        let replyToA = try XCTUnwrap(confirmA.angle("Reply-To") ?? confirmA.header("Reply-To"))
        let replyToB = try XCTUnwrap(confirmB.angle("Reply-To") ?? confirmB.header("Reply-To"))
        XCTAssertTrue(replyToA.hasPrefix("kizuna+c-") && replyToA.hasSuffix("@clinic.test"), replyToA)
        XCTAssertTrue(replyToB.hasPrefix("kizuna+c-") && replyToB.hasSuffix("@town.test"), replyToB)
        try submit(from: parentA.description, rcpt: replyToA, subject: "Re: " + (confirmA.subject ?? ""), body: "OK",
                   messageID: "\(marker).a2@families.test", inReplyTo: confirmA.angle("Message-ID"), dir: dir)
        try submit(from: parentB.description, rcpt: replyToB, subject: "Re: " + (confirmB.subject ?? ""), body: "OK",
                   messageID: "\(marker).b2@families.test", inReplyTo: confirmB.angle("Message-ID"), dir: dir)
        try eventually("both confirmations applied", step: { _ = try poll() }, done: { try status(parentA, a) == .active && status(parentB, b) == .active })
        XCTAssertEqual(try runProcess(kizuna, ["send"] + cfg, in: dir).status, 0)
        _ = try arrived(try XCTUnwrap(lastDelivery(to: parentA, kind: .system).messageID), in: boxA, after: &seenA)
        _ = try arrived(try XCTUnwrap(lastDelivery(to: parentB, kind: .system).messageID), in: boxB, after: &seenB)

        // 2. The night of day 140: each family gets its own edition's daily mail, and nothing of the other's.
        let day140 = today.adding(days: 1)
        let night1 = try runProcess(kizuna, ["nightly", "--date", day140.iso] + cfg, env: env, in: dir)
        XCTAssertEqual(night1.status, 0, night1.output)
        func checkDaily(_ mail: DeliveredMail, own: (id: String, address: String, name: String, local: String),
                        other: (id: String, address: String, name: String, local: String)) {
            let text = mail.part("text/plain") ?? ""
            XCTAssertTrue(mail.header("From")?.contains(own.address) ?? false, mail.header("From") ?? "no From")
            XCTAssertTrue(mail.header("List-Id")?.contains("\(own.id).kizuna.") ?? false, mail.header("List-Id") ?? "no List-Id")
            XCTAssertTrue(text.contains(own.local), text)
            XCTAssertTrue(text.contains(own.name) || decodeEncodedWords(mail.header("From") ?? "").contains(own.name) || (mail.part("text/html") ?? "").contains(own.name),
                          "the edition's name: \(text)")
            for leak in [other.id, other.address, other.name, other.local] {
                XCTAssertFalse(mail.text.contains(leak) || text.contains(leak) || (mail.part("text/html") ?? "").contains(leak), "\(leak) leaked into \(own.id)'s mail")
            }
        }
        let ownA = (a, "kizuna@clinic.test", "Clinic A \(a)", "LOCAL-A clinic midwife line \(marker)")
        let ownB = (b, "kizuna@town.test", "Town B \(b)", "LOCAL-B town drop-in space \(marker)")
        let dailyA = try arrived(try XCTUnwrap(lastDelivery(to: parentA, kind: .daily).messageID), in: boxA, after: &seenA)
        let dailyB = try arrived(try XCTUnwrap(lastDelivery(to: parentB, kind: .daily).messageID), in: boxB, after: &seenB)
        checkDaily(dailyA, own: ownA, other: ownB)
        checkDaily(dailyB, own: ownB, other: ownA)
        XCTAssertEqual(try night.deliveries().filter { $0.kind == .daily }.count, 2, "one daily mail each, nothing to the other edition's family")

        // 3. A's relay is dead: B's mail still goes out, A's waits in the spool; the status and the line say which.
        try Self.config(a, b, relayA: Self.deadRelay).replacingOccurrences(of: "@DIR@", with: dir.path).write(to: configFile, atomically: true, encoding: .utf8)
        let day147 = today.adding(days: 8)
        let night2 = try runProcess(kizuna, ["nightly", "--date", day147.iso] + cfg, env: env, in: dir)
        XCTAssertEqual(night2.status, 69, night2.output)
        XCTAssertTrue(night2.output.contains("relay failed: edition \(a)"), night2.output)
        XCTAssertFalse(night2.output.contains("edition \(b)"), night2.output)
        let waitingA = try lastDelivery(to: parentA, kind: .daily), secondB = try lastDelivery(to: parentB, kind: .daily)
        XCTAssertEqual(waitingA.status, .deferred)
        XCTAssertEqual(secondB.status, .sent)
        _ = try arrived(try XCTUnwrap(secondB.messageID), in: boxB, after: &seenB)
        XCTAssertEqual(try night.envelope(try XCTUnwrap(waitingA.id))["edition"], a, "the spool file names its edition")

        // Fixed, the next run sends A's waiting mail through A's relay.
        try Self.config(a, b).replacingOccurrences(of: "@DIR@", with: dir.path).write(to: configFile, atomically: true, encoding: .utf8)
        sleep(2)  // past the 1-second backoff
        let resend = try runProcess(kizuna, ["send"] + cfg, in: dir)
        XCTAssertEqual(resend.status, 0, resend.output)
        XCTAssertEqual(try lastDelivery(to: parentA, kind: .daily).status, .sent)
        _ = try arrived(try XCTUnwrap(waitingA.messageID), in: boxA, after: &seenA)

        // 4. A stop sent to A's address acts only on A: B's family, who wrote it to A, stays B's;
        //    mail in A's mailbox written to B's address is set aside; A's family stops.
        try submit(from: parentB.description, rcpt: "kizuna@clinic.test", subject: "停止", messageID: "\(marker).b3@families.test", dir: dir)
        try submit(from: parentB.description, rcpt: "kizuna@clinic.test", to: "kizuna@town.test", subject: "ヘルプ",
                   messageID: "\(marker).b4@families.test", dir: dir)
        try submit(from: parentA.description, rcpt: "kizuna@clinic.test", subject: "停止", messageID: "\(marker).a3@families.test", dir: dir)
        /// The ledger row of mail set aside: its Message-ID is only in the decision (a copy in the right mailbox is still read).
        func setAside(_ id: String) throws -> InboundRecord? {
            try store.inboundMessages(status: .ignored).first { $0.decision?.contains("\(marker).\(id)@families.test") ?? false }
        }
        try eventually("A's stop applied and the others read", step: { _ = try poll() }, done: {
            let handled = try store.inboundMessages(status: .applied) + store.inboundMessages(status: .ignored)
            return try status(parentA, a) == .stopped && handled.contains { $0.messageID == "\(marker).b3@families.test" } && setAside("b4") != nil
        })
        XCTAssertEqual(try status(parentB, b), .active, "a stop to A's address never stops B's family")
        XCTAssertNil(try status(parentB, a).flatMap { $0 == .active ? $0 : nil }, "nor subscribes it to A")
        XCTAssertNotNil(try setAside("b4"), "the mail written to B's address in A's mailbox was set aside")

        // 5. But a stop written to B's address is honoured for B wherever it is read (care: when unsure, stop).
        try submit(from: parentB.description, rcpt: "kizuna@clinic.test", to: "kizuna@town.test", subject: "停止",
                   messageID: "\(marker).b5@families.test", dir: dir)
        try eventually("B's stop read in A's mailbox honoured for B", step: { _ = try poll() }, done: { try status(parentB, b) == .stopped })
    }
}
