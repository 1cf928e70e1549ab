import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// A parent's reply to the daily mail they received, the whole way through the real Postfix and
/// Dovecot: thanks under `Re: <daily subject>` (In-Reply-To its Message-ID) is chatter, recorded
/// and not answered; a stop under the same subject stops. Our daily subjects carry no bracket,
/// so the reply is known by the Message-ID it answers. The parent writes as
/// `parent1+<marker>@families.test` (see `LossJourney`), so no other test's mail is read here.
final class MailstackChatterTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    func testThanksInReplyToTheDailyMailIsNotAnsweredAndAStopThereStops() throws {
        let j = try LossJourney()
        let due = j.today.adding(days: 141)
        _ = try j.subscribeAndConfirm("登録\n出産予定日 \(j.ja(due))")
        let daily = try j.dailyMail(on: j.today.adding(days: 1))
        let dailyID = try XCTUnwrap(daily.angle("Message-ID"))
        let subject = "Re: " + (daily.subject ?? "")
        XCTAssertFalse(subject.contains("["), "our daily subject has no bracket: \(subject)")
        let before = try j.systemMails().count
        let lastUID = try j.parentBox.search(uidFrom: 1).last ?? 0

        try j.submit(subject: subject, body: "ありがとうございます\n毎日楽しみにしています", inReplyTo: dailyID)
        try j.poll("the thanks recorded") {
            try j.store.inboundMessages().contains { $0.messageID?.hasPrefix(j.marker) == true && $0.status == .applied
                && ($0.decision?.contains("reply to our mail") ?? false) }
        }
        _ = try j.run(["send"])
        XCTAssertEqual(try j.systemMails().count, before, "no reply is planned for chatter")
        XCTAssertEqual(try j.subscriptions().map(\.status), [.active])
        // Nothing arrives for this parent: wait a moment for anything in flight, then look.
        Thread.sleep(forTimeInterval: 2)
        for uid in try j.parentBox.search(uidFrom: lastUID + 1) {
            let mail = DeliveredMail(bytes: try j.parentBox.fetch(uid: uid))
            XCTAssertFalse((mail.header("To") ?? "").contains(j.marker), "a mail reached the parent: \(mail.subject ?? "")")
        }

        try j.submit(subject: subject, body: "停止", inReplyTo: dailyID)
        try j.poll("the stop applied") { try j.subscriptions().allSatisfy { $0.status == .stopped } }
        let stopped = j.text(try j.sendAndReadReply())
        XCTAssertTrue(stopped.contains("停止"), stopped)
        let later = j.today.adding(days: 2)
        _ = try j.run(["nightly", "--date", later.iso])
        XCTAssertEqual(try j.dailyDeliveries(on: later).count, 0, "nothing after the stop")
    }
}
