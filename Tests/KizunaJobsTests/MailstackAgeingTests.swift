import Foundation
@preconcurrency import Glibc
import KizunaContent
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// Ageing out, the whole way by email through the real Postfix (127.0.0.1:2525) and Dovecot
/// (127.0.0.1:1143), nights driven by the test clock: a child two days before the end of a
/// small test catalog (its last message is `child/m02`) gets the last message on its night,
/// the farewell on the night after (the subscription `ended`, the parent `stopped`), nothing on
/// the next night; a subscribe for a child the catalog no longer covers gets a kind refusal,
/// and a later subscribe by email for a younger child works (confirmation, welcome with the
/// date of the next message).
final class MailstackAgeingTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    /// The repository's layouts and system mails, and child messages for months 1 and 2 only.
    func smallCatalog(in dir: URL) throws -> URL {
        let root = dir.appendingPathComponent("templates")
        let fm = FileManager.default
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        for folder in ["layouts", "system"] {
            try fm.copyItem(at: repoTemplates.appendingPathComponent(folder), to: root.appendingPathComponent(folder))
        }
        for language in ["ja", "en"] {
            let child = root.appendingPathComponent("messages/\(language)/child")
            try fm.createDirectory(at: child, withIntermediateDirectories: true)
            for month in [1, 2] {
                try sampleMessage(track: "child", stage: "month = \(month)", subject: "Test month \(month) (\(language))",
                                  body: "A short test message for month \(month).")
                    .write(to: child.appendingPathComponent("m0\(month).md"), atomically: true, encoding: .utf8)
            }
        }
        return root
    }

    func imap(_ user: String) throws -> IMAPClient {
        try IMAPClient(settings: IMAPSettings(url: "imap://127.0.0.1:1143", username: user,
                                              password: user.split(separator: "@")[0] + "-pass", responseTimeout: 10))
    }

    func submit(from: String, to rcpt: String, subject: String, body: String, messageID: String, dir: URL) throws {
        let message = """
            From: \(from)
            To: \(rcpt)
            Subject: \(subject)
            Message-ID: <\(messageID)>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=UTF-8

            \(body)
            """
        let file = dir.appendingPathComponent("out-\(UUID().uuidString.prefix(6)).eml")
        try message.replacingOccurrences(of: "\n", with: "\r\n").write(to: file, atomically: true, encoding: .utf8)
        let r = try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "smtp://127.0.0.1:2525", "--mail-from", from,
                                                                    "--mail-rcpt", rcpt, "-T", file.path], in: dir)
        XCTAssertEqual(r.status, 0, r.output)
    }

    func testAChildAgesOutOfTheCatalogWithOneFarewellAndALaterSubscribeWorks() throws {
        let marker = "age" + UUID().uuidString.prefix(8).lowercased()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kizuna-ageing-\(marker)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let templates = try smallCatalog(in: scratch)
        let config = mailstackConfig(edition: marker, languages: ["en", "ja"])
            .replacingOccurrences(of: "plus_addressing = true", with: "plus_addressing = true\nsupport_contacts = \"Test health centre 000-0000\"")
        let night = try NightInstance(config: config, templates: templates)
        setenv("KIZUNA_TEST_IMAP_PASSWORD", "kizuna-pass", 1)
        let store = try night.store
        let parent = try EmailAddress(parsing: "parent1@families.test")
        let lastNight = night.instance.today()
        // Born two months before `lastNight`: child/m02, the catalog's last message, falls on it.
        let birth = lastNight.adding(months: -2)
        let ids = try night.add(parent.description, track: .child, anchor: birth, edition: marker, today: lastNight.adding(days: -3))

        let parentBox = try imap("parent1@families.test")
        var parentSeen = try parentBox.search(uidFrom: 1).last ?? 0
        let kizunaBox = try imap("kizuna@clinic.test")
        try store.advanceIMAPPosition(mailbox: "INBOX", uidValidity: try kizunaBox.uidValidity(),
                                      to: try kizunaBox.search(uidFrom: 1).last ?? 0, at: Date())
        /// The delivery's mail as it arrived in parent1's INBOX.
        func arrived(_ delivery: DeliveryRecord) throws -> DeliveredMail {
            try awaitMail(messageID: try XCTUnwrap(delivery.messageID), in: parentBox, after: &parentSeen)
        }
        func nightly(_ date: CivilDate) throws -> BatchSummary {
            let batch = try night.batch(date)
            let sent = try night.send(at: noonInTokyo(date).addingTimeInterval(60))
            XCTAssertEqual(sent.deferred + sent.bounced, 0, sent.line)
            return batch
        }
        /// The plain-text part as one line (the text may be wrapped).
        func plain(_ mail: DeliveredMail) -> String {
            (mail.part("text/plain") ?? "").split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        }
        /// The mail sent to this parent (the clinic's mailbox is shared with other tests, so a
        /// poll may also answer mail that is not this journey's).
        func mine() throws -> [DeliveryRecord] { try night.deliveries().filter { $0.recipient == parent.smtpPath } }
        func subscriber() throws -> SubscriberDetail { try XCTUnwrap(try store.subscriber(address: parent, edition: marker)) }

        // Night 1: the last message of the track.
        let first = try nightly(lastNight)
        XCTAssertEqual(first.queued, 1, first.line)
        XCTAssertEqual(first.farewells, 0, first.line)
        let last = try XCTUnwrap(try mine().last { $0.kind == .daily })
        XCTAssertEqual(try store.deliveryItems(deliveryID: last.id!).map(\.messageKey), ["child/m02"])
        XCTAssertEqual(try arrived(last).subject, "Test month 2 (en)")
        XCTAssertEqual(try subscriber().subscriptions.map(\.status), [.active])

        // Night 2: nothing is left, so the farewell, once; the subscription ends.
        let second = try nightly(lastNight.adding(days: 1))
        XCTAssertEqual(second.farewells, 1, second.line)
        XCTAssertEqual(second.queued, 0, second.line)
        let farewell = try XCTUnwrap(try mine().last { $0.kind == .system })
        XCTAssertEqual(farewell.status, .sent)
        let mail = try arrived(farewell)
        XCTAssertEqual(mail.subject, "Thank you from Kizuna test clinic")
        XCTAssertTrue(plain(mail).contains("Test health centre 000-0000"), plain(mail))
        XCTAssertTrue(plain(mail).contains("the last email of the series"), plain(mail))
        XCTAssertTrue(plain(mail).lowercased().contains("sample"), "marked as sample: \(plain(mail))")
        let detail = try subscriber()
        XCTAssertEqual(detail.subscriptions.map(\.status), [.ended])
        XCTAssertEqual(detail.subscriptions.map(\.endReason), [.catalogEnded])
        XCTAssertEqual(detail.subscriber.status, .stopped, "every subscription ended: nothing more is sent")
        XCTAssertTrue(detail.events.contains { $0.kind == .trackEnded && ($0.detail ?? "").contains("catalog ended") },
                      "\(detail.events.map { "\($0.kind) \($0.detail ?? "")" })")
        XCTAssertTrue(detail.events.contains { $0.kind == .subscription && $0.subscriptionID == ids.subscriptionID
                                               && ($0.detail ?? "") == "active -> ended: catalog ended" })

        // Night 3: nothing at all, and never a second farewell.
        let third = try nightly(lastNight.adding(days: 2))
        XCTAssertEqual(third.queued + third.farewells, 0, third.line)
        XCTAssertEqual(try mine().filter { $0.kind == .system }.count, 1)

        // The parent writes about their older child, whom the catalog no longer covers: a kind
        // refusal, and nothing changes.
        let today = lastNight.adding(days: 2)
        night.instance.testClock.set(noonInTokyo(today))
        func poll(until what: String, _ done: () throws -> Bool) throws {
            try eventually(what, step: { _ = try PollJob(instance: night.instance).run(now: noonInTokyo(today)) }, done: done)
        }
        try submit(from: parent.description, to: "kizuna@clinic.test", subject: "subscribe",
                   body: "subscribe birth \(birth.adding(months: -1).iso)", messageID: "\(marker).old@families.test", dir: night.dir)
        try poll(until: "the refusal") { try store.inboundMessages().contains { $0.messageID == "\(marker).old@families.test" } }
        XCTAssertEqual(try subscriber().subscriber.status, .stopped)
        XCTAssertEqual(try subscriber().subscriptions.count, 1)
        _ = try night.send(at: noonInTokyo(today).addingTimeInterval(120))
        let refusal = try arrived(try XCTUnwrap(try mine().last { $0.kind == .system }))
        XCTAssertEqual(refusal.subject, "About your sign-up to Kizuna test clinic")
        XCTAssertTrue(plain(refusal).contains("Our messages for children go up to 0 years 2 months"), plain(refusal))

        // A later subscribe for a younger child works as for anyone: confirmation, then welcome.
        let younger = today.adding(days: -10)
        try submit(from: parent.description, to: "kizuna@clinic.test", subject: "subscribe",
                   body: "subscribe birth \(younger.iso)", messageID: "\(marker).new@families.test", dir: night.dir)
        try poll(until: "the subscribe") { try subscriber().subscriber.status == .pending }
        _ = try night.send(at: noonInTokyo(today).addingTimeInterval(180))
        let confirmation = try arrived(try XCTUnwrap(try mine().last { $0.kind == .system }))
        let m01 = ContentCatalog.dateWords(younger.adding(months: 1), language: "en")
        XCTAssertTrue(plain(confirmation).contains("The first one is planned for \(m01)"), plain(confirmation))
        let replyTo = try XCTUnwrap(confirmation.angle("Reply-To") ?? confirmation.header("Reply-To"))
        try submit(from: parent.description, to: replyTo, subject: "Re: \(confirmation.subject ?? "")", body: "OK",
                   messageID: "\(marker).confirm@families.test", dir: night.dir)
        try poll(until: "the confirmation") { try subscriber().subscriber.status == .active }
        _ = try night.send(at: noonInTokyo(today).addingTimeInterval(240))
        let welcome = try arrived(try XCTUnwrap(try mine().last { $0.kind == .system }))
        XCTAssertTrue(plain(welcome).contains("Your first message is \"Test month 1 (en)\""), plain(welcome))
        XCTAssertTrue(plain(welcome).contains("the next message comes on \(m01)"), plain(welcome))
        XCTAssertFalse(plain(welcome).contains("a day"), "no promise of a daily message: \(plain(welcome))")
        XCTAssertEqual(try subscriber().subscriptions.map(\.status), [.ended, .active])
    }
}
