import Foundation
import KizunaContent
import KizunaCore
@testable import KizunaJobs
import XCTest

/// Replies say when the next message comes (from the catalog), never "tomorrow" or "a day".
final class NextMessageDateTests: XCTestCase {
    let day = CivilDate(iso: "2026-11-25")!

    func plain(_ mail: DeliveredMail) -> String {
        (mail.part("text/plain") ?? "").split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    func testStatusAndResumedRepliesGiveTheDateOfTheNextMessage() throws {
        let night = try NightInstance(config: maildirConfig())
        // Gestational day 140 today; the shipped catalog is weekly in pregnancy: the next is day 147.
        let due = day.adding(days: 140)
        try night.add("en@families.example", track: .pregnancy, anchor: due, language: "en", today: day)
        try night.add("ja@families.example", track: .pregnancy, anchor: due, language: "ja", today: day)
        let box = FakeMailbox()
        box.deliver(parentMail(from: "en@families.example", subject: "status", body: ""))
        box.deliver(parentMail(from: "ja@families.example", subject: "状態", body: ""))
        box.deliver(parentMail(from: "en@families.example", subject: "pause", body: ""))
        box.deliver(parentMail(from: "en@families.example", subject: "resume", body: ""))
        _ = try PollJob(instance: night.instance).run(now: noonInTokyo(day), mailbox: box)
        _ = try night.send(at: noonInTokyo(day))
        let mails = try night.delivered()
        XCTAssertEqual(mails.count, 4)
        let next = day.adding(days: 7)
        let en = ContentCatalog.dateWords(next, language: "en"), ja = ContentCatalog.dateWords(next, language: "ja")
        XCTAssertEqual(en, "Wednesday 2 December 2026")
        XCTAssertEqual(ja, "2026年12月2日（水）")
        let texts = mails.map(plain)
        XCTAssertTrue(texts.contains { $0.contains("- due date \(due.iso); next message \(en)") }, "\(texts)")
        XCTAssertTrue(texts.contains { $0.contains("・出産予定日 \(due.iso) 次のメッセージ：\(ja)") }, "\(texts)")
        XCTAssertTrue(texts.contains { $0.contains("The next message, for where you are now, comes on \(en).") }, "\(texts)")
        XCTAssertFalse(texts.contains { $0.contains("tomorrow") || $0.contains("明日") }, "\(texts)")
    }
}
