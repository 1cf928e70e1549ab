import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// Bereavement, the whole way by email through the real Postfix (127.0.0.1:2525) and Dovecot
/// (127.0.0.1:1143), driven through the built `kizuna` binary as a clinic runs it: a parent
/// subscribes, confirms, gets a daily mail, writes that a loss happened — and gets one kind
/// reply with the support contacts, and never again a message about that pregnancy or child.
/// Each test writes as `parent1+<marker>@families.test` (Dovecot files it in parent1's INBOX),
/// so no other test's mail is read as this one's.
final class MailstackLossTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    func testAPregnancyLossEndsThePregnancyMessagesAndTheReportAsksAPersonToFollowUp() throws {
        let j = try LossJourney(reportTo: true)
        let due = j.today.adding(days: 141)
        _ = try j.subscribeAndConfirm("登録\n出産予定日 \(j.ja(due))")
        let daily = try j.dailyMail(on: j.today.adding(days: 1))
        XCTAssertTrue(daily.subject?.contains("20週") ?? false, daily.subject ?? "no subject")

        try j.submit(subject: "", body: "流産しました。")
        try j.poll("the loss applied") { try j.subscriptions().allSatisfy { $0.status == .ended && $0.endReason == .loss } }
        let reply = try j.sendAndReadReply()
        let text = j.text(reply)
        XCTAssertTrue(text.contains(LossJourney.contacts), text)
        XCTAssertFalse(text.contains("停止") || text.contains("再開"), "no stop footer, no resume offer: \(text)")

        let later = j.today.adding(days: 8)
        _ = try j.run(["nightly", "--date", later.iso])
        XCTAssertEqual(try j.dailyDeliveries(on: later).count, 0, "nothing more about the pregnancy")

        // The administrator's report of that night lists the loss under NEEDS ATTENTION: address and edition only.
        let reportID = try XCTUnwrap(try j.store.reportDeliveries(on: later).first?.messageID)
        let report = singlePartText(try j.arrived(reportID, in: j.adminBox))
        let attention = try XCTUnwrap(report.components(separatedBy: "\r\n\r\n").first { $0.hasPrefix("NEEDS ATTENTION") }, report)
        // (The clinic's mailbox is shared with other tests: a loss another test writes may be read here too.)
        XCTAssertTrue(attention.contains("reported by parents: their messages have stopped; a person may want to reach out"), attention)
        let listed = try XCTUnwrap(report.components(separatedBy: "\r\n\r\n").first { $0.hasPrefix("LOSSES REPORTED (a person at the clinic may want to reach out)") }, report)
        XCTAssertTrue(listed.components(separatedBy: "\r\n").contains("  \(j.parent) (\(j.marker))"), listed)
        XCTAssertFalse(report.contains("流産"), "never the parent's words")
    }

    func testAChildLossWithOneChildEndsItsMessagesOnEveryPath() throws {
        let j = try LossJourney()
        let birth = j.today.adding(days: -6)
        _ = try j.subscribeAndConfirm("登録\n誕生日 \(j.ja(birth))")
        _ = try j.dailyMail(on: j.today.adding(days: 1))

        try j.submit(subject: "", body: "赤ちゃんが亡くなりました")
        try j.poll("the loss applied") { try j.subscriptions().allSatisfy { $0.status == .ended && $0.endReason == .loss } }
        let reply = j.text(try j.sendAndReadReply())
        XCTAssertTrue(reply.contains(LossJourney.contacts), reply)
        XCTAssertFalse(reply.contains("再開"), "one child: no resume is offered: \(reply)")

        // Status lists no active child and carries no stage message.
        try j.submit(subject: "状態", body: "")
        let status = j.text(try j.sendAndReadReply(after: "the status request"))
        XCTAssertTrue(status.contains("配信中の登録はありません"), status)
        XCTAssertFalse(status.contains(birth.iso), status)
        XCTAssertEqual(status.components(separatedBy: "■ ").count, 2, "the reply's own section alone, no stage message: \(status)")
        // A subscribe with the same birth date is refused kindly; nothing starts again.
        try j.submit(subject: "登録", body: "誕生日 \(j.ja(birth))")
        let refusal = j.text(try j.sendAndReadReply(after: "the subscribe"))
        XCTAssertTrue(refusal.contains("これからもお送りしません") && refusal.contains(LossJourney.contacts), refusal)
        XCTAssertEqual(refusal.components(separatedBy: "■ ").count, 2, "the reply's own section alone, no stage message: \(refusal)")
        XCTAssertEqual(try j.subscriptions().map(\.status), [.ended])

        let later = j.today.adding(days: 8)
        _ = try j.run(["nightly", "--date", later.iso])
        XCTAssertEqual(try j.dailyDeliveries(on: later).count, 0)
    }

    func testAChildLossWithTwoChildrenStopsBothAndOneWordResumesTheOther() throws {
        let j = try LossJourney()
        let hana = j.today.adding(days: -6), other = j.today.adding(days: -13)
        _ = try j.subscribeAndConfirm("登録\n誕生日 \(j.ja(hana))\n名前 ハナ")
        try j.submit(subject: "登録", body: "誕生日 \(j.ja(other))")
        _ = try j.sendAndReadReply(after: "the second child")
        XCTAssertEqual(try j.subscriptions().filter { $0.status == .active }.count, 2)
        _ = try j.dailyMail(on: j.today.adding(days: 1))

        try j.submit(subject: "", body: "赤ちゃんが亡くなりました")
        try j.poll("both ended") { try j.subscriptions().allSatisfy { $0.status == .ended && $0.endReason == .lossUnattributed } }
        let reply = j.text(try j.sendAndReadReply())
        XCTAssertTrue(reply.contains("・ハナ（\(hana.iso)生まれ）：再開 ハナ"), reply)
        let resumeOther = "再開 \(other.iso)"
        XCTAssertTrue(reply.contains("・\(other.iso)生まれのお子さん：\(resumeOther)"), reply)
        XCTAssertTrue(reply.contains(LossJourney.contacts), reply)

        // A bare resume answers with the list and changes nothing.
        try j.submit(subject: "", body: "再開")
        let which = j.text(try j.sendAndReadReply(after: "the bare resume"))
        XCTAssertTrue(which.contains(resumeOther) && which.contains("再開 ハナ"), which)
        XCTAssertTrue(try j.subscriptions().allSatisfy { $0.status == .ended && $0.endReason == .lossUnattributed })

        // The line from the reply resumes exactly that child; the one left is the child who was lost.
        try j.submit(subject: "", body: resumeOther)
        try j.poll("the other child resumed") { try j.subscriptions().contains { $0.anchorDate == other && $0.status == .active } }
        let resumed = j.text(try j.sendAndReadReply())
        XCTAssertTrue(resumed.contains("\(other.iso)生まれのお子さんへの配信を再開しました"), resumed)
        let byDate = Dictionary(uniqueKeysWithValues: try j.subscriptions().map { ($0.anchorDate, $0) })
        XCTAssertEqual(byDate[hana]?.status, .ended)
        XCTAssertEqual(byDate[hana]?.endReason, .loss)

        let later = j.today.adding(days: 8)
        let mail = try j.dailyMail(on: later)
        let delivery = try XCTUnwrap(try j.dailyDeliveries(on: later).first)
        let items = try j.store.deliveryItems(deliveryID: try XCTUnwrap(delivery.id)).filter { $0.status == .included }
        XCTAssertEqual(items.map(\.subscriptionID), [byDate[other]?.id].compactMap { $0 }, "only the resumed child's message")
        XCTAssertEqual(items.map(\.messageKey), ["child/d0021"])
        XCTAssertEqual(j.text(mail).components(separatedBy: "■ ").count, 2, "one section")
    }
}

/// One bereavement journey: an instance of its own (edition = marker), the parent's address
/// and the mailboxes the test reads.
final class LossJourney {
    static let contacts = "さくら保健センター 相談窓口 000-0000-0000（サンプル）"

    let marker = "l" + UUID().uuidString.prefix(8).lowercased()
    let night: NightInstance
    let parent: EmailAddress
    let today: CivilDate
    let kizuna: URL
    let cfg: [String]
    let env = ["KIZUNA_TEST_IMAP_PASSWORD": "kizuna-pass"]
    let parentBox: IMAPClient
    let adminBox: IMAPClient
    var seen: [ObjectIdentifier: UInt32] = [:]
    var store: Store { get throws { try night.store } }

    init(reportTo: Bool = false, label: String = #function) throws {
        var config = mailstackConfig(edition: marker, languages: ["ja", "en"]) + """

            support_contacts = "\(Self.contacts)"
            max_auto_replies_per_day = 20
            """
        if reportTo { config += "\n\n[report]\nto = [\"parent2+\(marker)@families.test\"]\n" }
        night = try NightInstance(config: config, label: label)
        parent = try EmailAddress(parsing: "parent1+\(marker)@families.test")
        today = night.instance.today()
        kizuna = try kizunaBinary()
        cfg = ["--config", night.dir.appendingPathComponent("kizuna.toml").path]
        func box(_ user: String) throws -> IMAPClient {
            try IMAPClient(settings: IMAPSettings(url: "imap://127.0.0.1:1143", username: user,
                                                  password: user.split(separator: "@")[0] + "-pass", responseTimeout: 10))
        }
        parentBox = try box("parent1@families.test")
        adminBox = try box("parent2@families.test")
        for b in [parentBox, adminBox] { seen[ObjectIdentifier(b)] = try b.search(uidFrom: 1).last ?? 0 }
        // Only mail that arrives from now on is this test's: start the position at the mailbox's end.
        let inbox = try box("kizuna@clinic.test")
        try night.store.advanceIMAPPosition(mailbox: "INBOX", uidValidity: try inbox.uidValidity(),
                                            to: try inbox.search(uidFrom: 1).last ?? 0, at: Date())
    }

    func ja(_ d: CivilDate) -> String { "\(d.year)年\(d.month)月\(d.day)日" }

    /// The parent writes to `to` (UTF-8, base64, as phones send it; or ISO-2022-JP, 7bit, as
    /// Japanese carriers' phones do, with `iso2022jp`).
    func submit(subject: String, body: String, to: String = "kizuna@clinic.test", inReplyTo: String? = nil, iso2022jp: Bool = false) throws {
        let file = night.dir.appendingPathComponent("out-\(UUID().uuidString.prefix(6)).eml")
        let crlfBody = body.replacingOccurrences(of: "\n", with: "\r\n")
        let (charset, encoding) = iso2022jp ? ("ISO-2022-JP", "7bit") : ("UTF-8", "base64")
        let lines = [
            "From: \(parent)", "To: \(to)",
            "Subject: =?\(charset)?B?\((iso2022jp ? try Self.iso2022jp(subject, in: night.dir) : Data(subject.utf8)).base64EncodedString())?=",
            "Message-ID: <\(marker).\(UUID().uuidString.prefix(6))@families.test>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=\(charset)", "Content-Transfer-Encoding: \(encoding)",
        ] + (inReplyTo.map { ["In-Reply-To: <\($0)>"] } ?? [])
        let encoded = iso2022jp ? String(decoding: try Self.iso2022jp(crlfBody, in: night.dir), as: UTF8.self)
                                : Data(crlfBody.utf8).base64EncodedString()
        let text = lines.joined(separator: "\r\n") + "\r\n\r\n" + encoded + "\r\n"
        try text.write(to: file, atomically: true, encoding: .utf8)
        let r = try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "smtp://127.0.0.1:2525", "--mail-from", parent.description,
                                                                       "--mail-rcpt", to, "-T", file.path], in: night.dir)
        guard r.status == 0 else { throw TestFailure("curl: \(r.output)") }
    }

    /// `text` in ISO-2022-JP (7-bit), by iconv.
    static func iso2022jp(_ text: String, in dir: URL) throws -> Data {
        let file = dir.appendingPathComponent("jis-\(UUID().uuidString.prefix(6)).txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let r = try runProcess(URL(fileURLWithPath: "/usr/bin/iconv"), ["-f", "UTF-8", "-t", "ISO-2022-JP", file.path], in: dir)
        guard r.status == 0 else { throw TestFailure("iconv: \(r.output)") }
        return Data(r.output.utf8)
    }

    /// `kizuna ARGS`, which must succeed.
    func run(_ args: [String]) throws -> String {
        let r = try runProcess(kizuna, args + cfg, env: env, in: night.dir)
        guard r.status == 0 else { throw TestFailure("kizuna \(args.joined(separator: " ")) exited \(r.status): \(r.output)") }
        return r.output
    }

    /// Polls until `done` holds, up to 20 s (mail takes a moment through Postfix and LMTP).
    func poll(_ what: String, _ done: () throws -> Bool) throws {
        try eventually(what, step: { _ = try runProcess(kizuna, ["poll"] + cfg, env: env, in: night.dir) }, done: done)
    }

    /// The mail with this Message-ID, read back from the mailbox it was sent to.
    func arrived(_ messageID: String, in box: IMAPClient) throws -> DeliveredMail {
        var found: DeliveredMail?
        try eventually("\(messageID) in the mailbox", step: {
            for uid in try box.search(uidFrom: (seen[ObjectIdentifier(box)] ?? 0) + 1) {
                let mail = DeliveredMail(bytes: try box.fetch(uid: uid))
                if mail.angle("Message-ID") == messageID { found = mail }
            }
        }, done: { found != nil })
        return found!
    }

    func subscriberID() throws -> Int64? { try store.subscriber(address: parent, edition: marker)?.subscriber.id }
    func subscriptions() throws -> [SubscriptionRecord] { try store.subscriber(address: parent, edition: marker)?.subscriptions ?? [] }

    func systemMails() throws -> [DeliveryRecord] {
        let id = try subscriberID()
        return try night.deliveries().filter { $0.kind == .system && $0.subscriberID == id }
    }

    /// Polls until a new system mail to the parent is planned (after `what`, when given), sends,
    /// and reads that mail back from the parent's INBOX.
    func sendAndReadReply(after what: String? = nil) throws -> DeliveredMail {
        if let what {
            let before = try systemMails().count
            try poll("a reply to \(what)") { try systemMails().count > before }
        }
        _ = try run(["send"])
        let last = try XCTUnwrap(try systemMails().last)
        return try arrived(try XCTUnwrap(last.messageID), in: parentBox)
    }

    /// subscribe → the confirmation request → the parent's reply → the welcome (returned).
    func subscribeAndConfirm(_ body: String) throws -> DeliveredMail {
        let lines = body.split(separator: "\n", maxSplits: 1).map(String.init)
        try submit(subject: lines[0], body: lines.count > 1 ? lines[1] : "")
        try poll("the subscribe applied") { try store.subscriber(address: parent, edition: marker)?.subscriber.status == .pending }
        let confirmation = try sendAndReadReply()
        let replyTo = try XCTUnwrap(confirmation.angle("Reply-To") ?? confirmation.header("Reply-To"))
        try submit(subject: "Re: " + (confirmation.subject ?? ""), body: "OK", to: replyTo, inReplyTo: confirmation.angle("Message-ID"))
        try poll("the confirmation applied") { try store.subscriber(address: parent, edition: marker)?.subscriber.status == .active }
        return try sendAndReadReply()
    }

    func dailyDeliveries(on date: CivilDate) throws -> [DeliveryRecord] {
        let id = try subscriberID()
        return try night.deliveries().filter { $0.kind == .daily && $0.subscriberID == id && $0.localDate == date }
    }

    /// `kizuna nightly --date D`, and the parent's one daily mail of that date, read back.
    func dailyMail(on date: CivilDate) throws -> DeliveredMail {
        _ = try run(["nightly", "--date", date.iso])
        let delivery = try XCTUnwrap(try dailyDeliveries(on: date).first, "no daily mail on \(date)")
        return try arrived(try XCTUnwrap(delivery.messageID), in: parentBox)
    }

    /// The text part of a system or daily mail.
    func text(_ mail: DeliveredMail) -> String { (mail.part("text/plain") ?? "").replacingOccurrences(of: "\r\n", with: "\n") }
}
