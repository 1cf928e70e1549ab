import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// A parent's whole journey by email through the real Postfix (127.0.0.1:2525) and Dovecot
/// (127.0.0.1:1143), driven through the built `kizuna` binary: subscribe in Japanese with
/// full-width digits → confirmation → reply → welcome → 配信停止 → the next nightly sends nothing.
final class MailstackPollTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    func imap(_ user: String) throws -> IMAPClient {
        try IMAPClient(settings: IMAPSettings(url: "imap://127.0.0.1:1143", username: user,
                                              password: user.split(separator: "@")[0] + "-pass", responseTimeout: 10))
    }

    /// parent1 submits a message into Postfix.
    func submit(_ message: String, to rcpt: String, dir: URL) throws {
        let file = dir.appendingPathComponent("outgoing-\(UUID().uuidString.prefix(6)).eml")
        try message.replacingOccurrences(of: "\n", with: "\r\n").write(to: file, atomically: true, encoding: .utf8)
        let r = try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "smtp://127.0.0.1:2525", "--mail-from", "parent1@families.test",
                                                              "--mail-rcpt", rcpt, "-T", file.path], in: dir)
        XCTAssertEqual(r.status, 0, r.output)
    }

    func encoded(_ s: String) -> String { "=?UTF-8?B?\(Data(s.utf8).base64EncodedString())?=" }

    func fullWidth(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.value >= 0x30 && $0.value <= 0x39 ? Character(UnicodeScalar($0.value + 0xFEE0)!) : Character($0) })
    }

    func testAParentSubscribesConfirmsAndStopsByEmailThroughPostfixAndDovecot() throws {
        let marker = "p" + UUID().uuidString.prefix(8).lowercased()
        let config = mailstackConfig(edition: marker, languages: ["ja", "en"])
        let night = try NightInstance(config: config)
        let dir = night.dir
        let kizuna = try kizunaBinary()
        let cfg = ["--config", dir.appendingPathComponent("kizuna.toml").path]
        let env = ["KIZUNA_TEST_IMAP_PASSWORD": "kizuna-pass"]
        let store = try night.store
        let parent = try EmailAddress(parsing: "parent1@families.test")
        func status() throws -> SubscriberStatus? { try store.subscriber(address: parent, edition: marker)?.subscriber.status }

        // Only mail that arrives from now on is this test's: start the position at the mailbox's end.
        let kizunaBox = try imap("kizuna@clinic.test")
        try store.advanceIMAPPosition(mailbox: "INBOX", uidValidity: try kizunaBox.uidValidity(),
                                      to: try kizunaBox.search(uidFrom: 1).last ?? 0, at: Date())
        let parentBox = try imap("parent1@families.test")
        var parentSeen = try parentBox.search(uidFrom: 1).last ?? 0

        /// The system mail the ledger sent to parent1, read back from parent1's INBOX.
        func arrived(_ messageID: String) throws -> DeliveredMail? {
            var found: DeliveredMail?
            try eventually("\(messageID) in parent1's INBOX", step: {
                for uid in try parentBox.search(uidFrom: parentSeen + 1) {
                    let mail = DeliveredMail(bytes: try parentBox.fetch(uid: uid))
                    if mail.angle("Message-ID") == messageID { found = mail; parentSeen = uid }
                }
            }, done: { found != nil })
            return found
        }
        func lastSystemMail() throws -> DeliveryRecord {
            try XCTUnwrap(try night.deliveries().last { $0.kind == .system })
        }

        // 1. The first email, written on a phone: 登録 / 出産予定日　２０２７年…
        let due = night.instance.today().adding(days: 150)
        do {
            try submit("""
                From: parent1@families.test
                To: kizuna@clinic.test
                Subject: \(encoded("登録"))
                Message-ID: <\(marker).1@families.test>
                MIME-Version: 1.0
                Content-Type: text/plain; charset=UTF-8
                Content-Transfer-Encoding: base64

                \(Data("出産予定日　\(fullWidth("\(due.year)"))年\(fullWidth("\(due.month)"))月\(fullWidth("\(due.day)"))日\r\nよろしくお願いします\r\n".utf8).base64EncodedString())
                """, to: "kizuna@clinic.test", dir: dir)
        }
        try eventually("the subscribe applied", step: { _ = try runProcess(kizuna, ["poll"] + cfg, env: env, in: dir) }, done: { try status() == .pending })
        XCTAssertEqual(try store.subscriber(address: parent, edition: marker)?.subscriptions.first?.anchorDate, due)
        let sent1 = try runProcess(kizuna, ["send"] + cfg, in: dir)
        XCTAssertEqual(sent1.status, 0, sent1.output)
        let confirmation = try XCTUnwrap(try arrived(try XCTUnwrap(lastSystemMail().messageID)))
        let replyTo = try XCTUnwrap(confirmation.angle("Reply-To") ?? confirmation.header("Reply-To"))
        XCTAssertTrue(replyTo.hasPrefix("kizuna+c-"), replyTo)

        // 2. The parent replies to the Reply-To address.
        try submit("""
            From: parent1@families.test
            To: \(replyTo)
            Subject: \(encoded("Re: " + (confirmation.subject ?? "")))
            Message-ID: <\(marker).2@families.test>
            In-Reply-To: <\(confirmation.angle("Message-ID") ?? "")>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=UTF-8

            OK
            """, to: replyTo, dir: dir)
        try eventually("the confirmation applied", step: { _ = try runProcess(kizuna, ["poll"] + cfg, env: env, in: dir) }, done: { try status() == .active })
        XCTAssertEqual(try runProcess(kizuna, ["send"] + cfg, in: dir).status, 0)
        let welcome = try XCTUnwrap(try arrived(try XCTUnwrap(lastSystemMail().messageID)))
        XCTAssertTrue(welcome.subject?.contains("ようこそ") ?? false, welcome.subject ?? "no subject")

        // 3. 配信停止, then the next nightly (poll → batch → send) sends parent1 nothing.
        try submit("""
            From: parent1@families.test
            To: kizuna@clinic.test
            Subject: \(encoded("配信停止"))
            Message-ID: <\(marker).3@families.test>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=UTF-8

            """, to: "kizuna@clinic.test", dir: dir)
        try eventually("the stop applied", step: { _ = try runProcess(kizuna, ["poll"] + cfg, env: env, in: dir) }, done: { try status() == .stopped })
        let nightly = try runProcess(kizuna, ["nightly"] + cfg, env: env, in: dir)
        XCTAssertEqual(nightly.status, 0, nightly.output)
        XCTAssertTrue(nightly.output.contains("0 queued"), nightly.output)
        XCTAssertEqual(try night.deliveries().filter { $0.kind == .daily }.count, 0)
        let stopped = try XCTUnwrap(try arrived(try XCTUnwrap(lastSystemMail().messageID)))
        XCTAssertEqual(stopped.subject, "配信を停止しました")
        XCTAssertEqual(try store.inboundMessages(status: .applied).filter { ($0.messageID ?? "").hasPrefix(marker) }.count, 3)
    }
}

/// The IMAP filing step against the real Dovecot: a processed message leaves the INBOX for
/// the folder (created when missing). Uses parent2's mailbox and a message of its own.
final class MailstackIMAPMoveTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    func testAHandledMessageMovesToTheProcessedFolder() throws {
        let marker = "mv" + UUID().uuidString.prefix(8).lowercased()
        let folder = "Kizuna/Test-\(marker)"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kizuna-move-\(marker)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("m.eml")
        try "From: parent1@families.test\r\nTo: parent2@families.test\r\nSubject: move \(marker)\r\nMessage-ID: <\(marker)@families.test>\r\n\r\nhello\r\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sS", "smtp://127.0.0.1:2525", "--mail-from", "parent1@families.test", "--mail-rcpt", "parent2@families.test", "-T", file.path]
        try curl.run()
        curl.waitUntilExit()
        XCTAssertEqual(curl.terminationStatus, 0)

        let settings = IMAPSettings(url: "imap://127.0.0.1:1143", username: "parent2@families.test", password: "parent2-pass", responseTimeout: 10)
        let inbox = try IMAPClient(settings: settings)
        var uid: UInt32?
        let deadline = Date().addingTimeInterval(20)
        var seen = Set<UInt32>()
        while uid == nil && Date() < deadline {
            for u in try inbox.search(uidFrom: 1).reversed() where !seen.contains(u) {
                seen.insert(u)
                if DeliveredMail(bytes: try inbox.fetch(uid: u)).angle("Message-ID") == "\(marker)@families.test" { uid = u; break }
            }
            if uid == nil { usleep(300_000) }
        }
        let found = try XCTUnwrap(uid, "the message never reached parent2's INBOX")
        let mailbox = IMAPMailbox(client: inbox, processed: folder, failed: nil, logger: quietLogger)
        try mailbox.file(uids: [found], handled: true)
        XCTAssertFalse(try inbox.search(uidFrom: found).contains(found), "the message left the INBOX")
        var inFolder = settings
        inFolder.mailbox = folder.replacingOccurrences(of: "/", with: try inbox.hierarchyDelimiter() ?? "/")
        let moved = try IMAPClient(settings: inFolder)
        let uids = try moved.search(uidFrom: 1)
        XCTAssertEqual(uids.count, 1)
        XCTAssertEqual(DeliveredMail(bytes: try moved.fetch(uid: uids[0])).angle("Message-ID"), "\(marker)@families.test")
    }
}
