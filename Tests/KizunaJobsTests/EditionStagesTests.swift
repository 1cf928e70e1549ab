import Foundation
import KizunaContent
import KizunaCore
@testable import KizunaJobs
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// An edition's overlay adds stages (message keys the shared catalog has not): sakura adds child
/// months 4 and 9 in English and month 5 in Japanese only; ume has no overlay. The shared catalog
/// has child months 1, 2 and 6. Each family follows its own edition's schedule: the night's
/// message, catch-up, the end of its track, the welcome and whether a new date is covered.
final class EditionStagesTests: XCTestCase {
    static let twoEditions = EditionOverlayTests.twoEditions
    static let birthFor4Months = CivilDate(iso: "2027-01-10")!

    /// The shipped system texts and layouts, with only the shared months 1, 2, 6 and sakura's own stages.
    func templatesWithAddedStages() throws -> URL {
        let dir = try makeTemporaryDirectory("stages").appendingPathComponent("templates")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let fm = FileManager.default
        try fm.copyItem(at: repoTemplates, to: dir)
        for folder in ["messages", "surveys"] { try fm.removeItem(at: dir.appendingPathComponent(folder)) }
        func write(_ path: String, _ month: Int, _ subject: String, _ body: String) throws {
            let url = dir.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try sampleMessage(track: "child", stage: "month = \(month)", subject: subject, body: body).write(to: url, atomically: true, encoding: .utf8)
        }
        for m in [1, 2, 6] { try write(String(format: "messages/en/child/m%02d.md", m), m, "Shared month \(m)", "marker-shared-m\(m): {{age}}.") }
        try write("editions/sakura/messages/en/child/m04.md", 4, "Sakura month 4", "marker-sakura-m04: {{age}} at {{edition_name}}.")
        try write("editions/sakura/messages/en/child/m09.md", 9, "Sakura month 9", "marker-sakura-m09: {{age}}.")
        try write("editions/sakura/messages/ja/child/m05.md", 5, "さくら 5か月", "marker-sakura-m05: {{age}}")
        return dir
    }

    func night() throws -> NightInstance {
        try NightInstance(config: Self.twoEditions, templates: try templatesWithAddedStages())
    }

    func subscription(_ night: NightInstance, _ address: String, _ edition: String) throws -> SubscriptionRecord {
        let detail = try XCTUnwrap(try night.store.subscriber(address: try EmailAddress(parsing: address), edition: edition))
        return try XCTUnwrap(detail.subscriptions.first)
    }

    func testAnAddedStageReachesOnlyItsEditionsFamiliesCaughtUpAndInAnotherLanguage() throws {
        let night = try night()
        let birth = Self.birthFor4Months, month4 = birth.adding(months: 4)
        try night.add("a@families.test", track: .child, anchor: birth, edition: "sakura", today: month4.adding(days: -10))
        try night.add("b@families.test", track: .child, anchor: birth, edition: "ume", today: month4.adding(days: -10))
        // The 4-month night was missed: the next night catches up sakura's own message, for sakura's family only.
        let caughtUp = try night.batch(month4.adding(days: 1))
        XCTAssertEqual([caughtUp.queued, caughtUp.farewells], [1, 0], caughtUp.line)
        _ = try night.send(at: noonInTokyo(month4.adding(days: 1)))
        var mails = try night.delivered()
        XCTAssertEqual(mails.map { $0.header("To") ?? "" }, ["a@families.test"])
        XCTAssertEqual(mails.first?.subject, "Sakura month 4")
        XCTAssertTrue(mails.first?.part("text/plain")?.contains("marker-sakura-m04: 4 months old at Sakura Clinic.") == true, mails.first?.part("text/plain") ?? "")
        // Month 5 is sakura's in Japanese only: its English reader gets it in Japanese, as for a shared stage; ume's family nothing.
        let month5 = try night.batch(birth.adding(months: 5))
        XCTAssertEqual(month5.queued, 1, month5.line)
        _ = try night.send(at: noonInTokyo(birth.adding(months: 5)))
        mails = try night.delivered()
        XCTAssertEqual(mails.map { $0.header("To") ?? "" }, ["a@families.test", "a@families.test"])
        XCTAssertEqual(mails.last?.subject, "さくら 5か月")
        // The shared month 6 reaches both; ume's family never got a sakura text.
        XCTAssertEqual(try night.batch(birth.adding(months: 6)).queued, 2)
        _ = try night.send(at: noonInTokyo(birth.adding(months: 6)))
        let toB = try night.delivered().filter { $0.header("To") == "b@families.test" }
        XCTAssertEqual(toB.map(\.subject), ["Shared month 6"])
        XCTAssertFalse(toB.contains { $0.part("text/plain")?.contains("marker-sakura") != false })
    }

    func testAnEditionsLateStageKeepsItsTracksOpenWhileTheOtherEditionsEndAsBefore() throws {
        let night = try night()
        let birth = CivilDate(iso: "2026-10-10")!, month7 = birth.adding(months: 7)
        try night.add("a@families.test", track: .child, anchor: birth, edition: "sakura", today: month7.adding(days: -10))
        try night.add("b@families.test", track: .child, anchor: birth, edition: "ume", today: month7.adding(days: -10))
        // Past the shared month 6: ume's track has no later message and ends; sakura's has month 9 ahead.
        let first = try night.batch(month7)
        XCTAssertEqual([first.queued, first.farewells], [0, 1], first.line)
        XCTAssertEqual(try subscription(night, "b@families.test", "ume").status, .ended)
        XCTAssertEqual(try subscription(night, "a@families.test", "sakura").status, .active)
        let month9 = try night.batch(birth.adding(months: 9))
        XCTAssertEqual([month9.queued, month9.farewells], [1, 0], month9.line)
        // The night after its last message, sakura's track ends too.
        let after = try night.batch(birth.adding(months: 9).adding(days: 1))
        XCTAssertEqual(after.farewells, 1, after.line)
        XCTAssertEqual(try subscription(night, "a@families.test", "sakura").status, .ended)
    }

    func testAWelcomeCarriesTodaysMessageOfTheFamilysEditionsSchedule() throws {
        let night = try night()
        let birth = Self.birthFor4Months, today = birth.adding(months: 4)
        try night.add("a@families.test", track: .child, anchor: birth, edition: "sakura", today: today)
        try night.add("b@families.test", track: .child, anchor: birth, edition: "ume", today: today)
        let catalog = try night.instance.catalog()
        let composer = MessageComposer(catalog: catalog, tokens: try night.instance.tokens(), timeZone: night.instance.timeZone)
        func welcome(_ address: String, _ edition: String) throws -> String {
            let detail = try XCTUnwrap(try night.store.subscriber(address: try EmailAddress(parsing: address), edition: edition))
            let request = SystemMailRequest(deliveryID: 99, action: .sendWelcome(withTodaysMessage: true), subscriber: detail.subscriber,
                                            subscriptions: detail.subscriptions, items: [])
            let content = try composer.renderSystemMail(request, edition: try XCTUnwrap(night.instance.edition(id: edition)),
                                                        schedules: catalog.schedules(catchUpDays: 0), today: today, now: noonInTokyo(today))
            return DeliveredMail(bytes: content.bytes).part("text/plain") ?? ""
        }
        XCTAssertTrue(try welcome("a@families.test", "sakura").contains("marker-sakura-m04"))
        let b = try welcome("b@families.test", "ume")
        XCTAssertFalse(b.contains("marker-sakura"), b)
        XCTAssertTrue(b.contains("Shared month 6"), "ume's first message is the shared month 6: \(b)")
    }

    /// By email: a status reply's "next message" and a subscription's coverage follow the sender's edition.
    func testThePollAnswersEachParentFromTheirEditionsSchedule() throws {
        let night = try night()
        let birth = Self.birthFor4Months, today = CivilDate(iso: "2027-04-20")!
        try night.add("a@families.test", track: .child, anchor: birth, edition: "sakura", today: today)
        try night.add("b@families.test", track: .child, anchor: birth, edition: "ume", today: today)
        let eightMonths = today.adding(months: -8)
        let box = FakeMailbox()
        box.deliver(parentMail(from: "a@families.test", subject: "status", body: ""))
        box.deliver(parentMail(from: "b@families.test", to: "kizuna@ume.example", subject: "status", body: ""))
        box.deliver(parentMail(from: "c@families.test", subject: "subscribe", body: "birth \(eightMonths.iso)"))
        box.deliver(parentMail(from: "d@families.test", to: "kizuna@ume.example", subject: "subscribe", body: "birth \(eightMonths.iso)"))
        _ = try PollJob(instance: night.instance).run(now: noonInTokyo(today), mailbox: box)
        _ = try night.send(at: noonInTokyo(today))
        let replies = Dictionary(try night.delivered().map { ($0.header("To") ?? "", ($0.part("text/plain") ?? "").split(whereSeparator: \.isWhitespace).joined(separator: " ")) },
                                 uniquingKeysWith: { a, b in a + "\n" + b })
        let sakuraNext = ContentCatalog.dateWords(birth.adding(months: 4), language: "en")
        let sharedNext = ContentCatalog.dateWords(birth.adding(months: 6), language: "en")
        XCTAssertTrue(replies["a@families.test"]?.contains("next message \(sakuraNext)") == true, "\(replies)")
        XCTAssertTrue(replies["b@families.test"]?.contains("next message \(sharedNext)") == true, "\(replies)")
        // Eight months old: sakura's month 9 covers the child; ume's schedule ends at month 6.
        XCTAssertEqual(try night.store.subscriber(address: try EmailAddress(parsing: "c@families.test"), edition: "sakura")?.subscriptions.count, 1)
        XCTAssertEqual(try night.store.subscriber(address: try EmailAddress(parsing: "d@families.test"), edition: "ume")?.subscriptions.count ?? 0, 0)
        XCTAssertTrue(replies["d@families.test"]?.contains("Our messages for children go up to") == true, "\(replies)")
        XCTAssertFalse(replies["c@families.test"]?.contains("Our messages for children go up to") ?? true, "\(replies)")
    }

    /// A welcome by email carries today's message of the parent's edition and records it, so the
    /// night does not send it again; the other edition's welcome carries none.
    func testAWelcomeByEmailCarriesAndRecordsTheEditionsAddedMessageOfTheDay() throws {
        let night = try night()
        let birth = Self.birthFor4Months, today = birth.adding(months: 4)
        let box = FakeMailbox()
        box.deliver(parentMail(from: "e@families.test", subject: "subscribe", body: "birth \(birth.iso)"))
        box.deliver(parentMail(from: "f@families.test", to: "kizuna@ume.example", subject: "subscribe", body: "birth \(birth.iso)"))
        _ = try PollJob(instance: night.instance).run(now: noonInTokyo(today), mailbox: box)
        _ = try night.send(at: noonInTokyo(today))
        let confirmations = try night.delivered()
        XCTAssertEqual(confirmations.count, 2)
        for mail in confirmations {
            let replyTo = try XCTUnwrap(mail.header("Reply-To"))
            box.deliver(parentMail(from: try XCTUnwrap(mail.header("To")), to: replyTo, subject: "Re: \(mail.subject ?? "")", body: "yes"))
        }
        _ = try PollJob(instance: night.instance).run(now: noonInTokyo(today), mailbox: box)
        _ = try night.send(at: noonInTokyo(today))
        let welcomes = Dictionary(try night.delivered().dropFirst(2).map { ($0.header("To") ?? "", $0.part("text/plain") ?? "") },
                                  uniquingKeysWith: { a, b in a + b })
        XCTAssertEqual(welcomes.count, 2, "\(welcomes.keys)")
        XCTAssertTrue(welcomes["e@families.test"]?.contains("marker-sakura-m04") == true, "\(welcomes)")
        XCTAssertFalse(welcomes["f@families.test"]?.contains("marker-sakura") ?? true, "\(welcomes)")
        // The welcome recorded sakura's message of the day: the night has nothing more for either family.
        let batch = try night.batch(today)
        XCTAssertEqual([batch.queued, batch.farewells], [0, 0], batch.line)
    }

    func testADateOnlyAnEditionsAddedStageCoversIsAcceptedForThatEditionAndRefusedForAnother() throws {
        let night = try night()
        let today = CivilDate(iso: "2027-06-20")!
        night.instance.testClock.set(noonInTokyo(today))
        // Eight months old: past the shared month 6, before sakura's month 9.
        let birth = today.adding(months: -8)
        let admin = SubscriberAdmin(instance: night.instance)
        XCTAssertEqual(try admin.newSubscriber(email: "a@families.test", due: nil, birth: birth.iso, name: nil, language: "en",
                                               edition: "sakura", area: nil).edition, "sakura")
        XCTAssertThrowsError(try admin.newSubscriber(email: "b@families.test", due: nil, birth: birth.iso, name: nil, language: "en",
                                                     edition: "ume", area: nil)) { error in
            XCTAssertTrue("\(error)".contains("--birth: the catalog's child track ends at 0 years 6 months (child/m06)"), "\(error)")
        }
        // An import reads each row's edition: the same date is covered for sakura, not for ume.
        let csv = Data("email,birth,edition\na@families.test,\(birth.iso),sakura\nb@families.test,\(birth.iso),ume\n".utf8)
        let (rows, errors) = try SubscriberImport.rows(csv: csv, defaults: (edition: "sakura", language: "en"), allowedEditions: ["sakura", "ume"],
                                                       allowedLanguages: ["en"], schedules: try night.instance.catalog().schedules(catchUpDays: 0),
                                                       today: today)
        XCTAssertEqual(rows.map(\.edition), ["sakura"])
        XCTAssertEqual(errors.map(\.line), [3])
        XCTAssertTrue(errors.first?.message.contains("the catalog's child track ends at 0 years 6 months (child/m06)") == true, "\(errors)")
    }
}
