import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaTestSupport
@testable import KizunaStore
import XCTest

/// The nightly batch sends the shipped sample survey (`surveys/reading.md`: child/m06, open 14
/// days) once to each family it targets: under that night's message, or as its own mail.
final class SurveyBatchTests: XCTestCase {
    let day = CivilDate(iso: "2027-03-01")!
    let question = "How often do you read Kizuna's mail when it arrives?"

    func plainText(_ mail: DeliveredMail) -> String { mail.part("text/plain") ?? mail.text }

    /// Sends what is queued and returns the mail delivered since `before` mails.
    func sendAndCollect(_ night: NightInstance, on date: CivilDate, after before: inout Int) throws -> [DeliveredMail] {
        _ = try night.send(at: noonInTokyo(date))
        let all = try night.delivered()
        defer { before = all.count }
        return Array(all.dropFirst(before))
    }

    func testATargetedFamilyGetsTheSurveyUnderItsMessageExactlyOnce() throws {
        let night = try NightInstance(config: maildirConfig())
        let (kai, _) = try night.add("kai@families.example", track: .child, anchor: day.adding(months: -6), today: day)
        var seen = 0
        let first = try night.batch(day)
        XCTAssertEqual(first.surveys, 1)
        XCTAssertTrue(first.line.hasSuffix("; 1 survey sent"), first.line)
        let mails = try sendAndCollect(night, on: day, after: &seen)
        XCTAssertEqual(mails.count, 1, "one email: the message with the survey under it")
        let text = plainText(mails[0])
        XCTAssertEqual(mails[0].subject?.contains("Six months"), true, mails[0].subject ?? "")
        XCTAssertTrue(text.contains(question), text)
        XCTAssertTrue(text.contains("1. As soon as it arrives") && text.contains("4. Rarely"), text)
        XCTAssertTrue(text.contains("Reply to this email with the number of your answer (until Sunday 14 March 2027)"), text)
        XCTAssertTrue(text.contains("sample text"), "the sample notice: the survey is sample content")
        XCTAssertEqual(try night.store.surveysSent(subscriberIDs: [kai]), [kai: ["reading"]])
        XCTAssertEqual(try night.store.openSurveySend(subscriberID: kai, edition: "sakura", on: day)?.closesOn, day.adding(days: 13))
        let items = try night.store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT message_key FROM delivery_items ORDER BY id")
        }
        XCTAssertEqual(items, ["child/m06", "survey/reading"])

        // A second run the same night, and every later night of the window: never again.
        XCTAssertEqual(try night.batch(day).surveys, 0)
        for offset in 1...14 {
            XCTAssertEqual(try night.batch(day.adding(days: offset)).surveys, 0, "day +\(offset)")
        }
        let later = try sendAndCollect(night, on: day.adding(days: 14), after: &seen)
        XCTAssertEqual(later.filter { plainText($0).contains(question) }.count, 0)
        XCTAssertEqual(try night.store.surveySendCounts(), ["reading": 1])
    }

    func testSurveysListSaysWhatEachSurveyIsAndHowManyFamiliesWereSentIt() throws {
        let night = try NightInstance(config: maildirConfig())
        XCTAssertEqual(try SurveyAdmin(instance: night.instance).list(), ["reading\teditions all\tchild/m06 +14 days\tlanguages en,ja\tchoices 4\tsent 0"])
        try night.add("kai@families.example", track: .child, anchor: day.adding(months: -6), today: day)
        try night.add("mio@families.example", track: .child, anchor: day.adding(months: -6), language: "ja", today: day)
        XCTAssertEqual(try night.batch(day).surveys, 2)
        XCTAssertEqual(try SurveyAdmin(instance: night.instance).list(), ["reading\teditions all\tchild/m06 +14 days\tlanguages en,ja\tchoices 4\tsent 2"])
    }

    func testAFamilyWithNoMessageTonightGetsTheSurveyAsItsOwnMailOnce() throws {
        let night = try NightInstance(config: maildirConfig())
        // Six months (27 February) and two days old, subscribed yesterday: no message tonight, the survey still open.
        let (mio, _) = try night.add("mio@families.example", track: .child, anchor: day.adding(months: -6).adding(days: -5), today: day.adding(days: -1))
        var seen = 0
        XCTAssertEqual(try night.batch(day).surveys, 1)
        let mails = try sendAndCollect(night, on: day, after: &seen)
        XCTAssertEqual(mails.count, 1)
        XCTAssertEqual(mails[0].subject, "One question from Sakura Clinic")
        XCTAssertTrue(plainText(mails[0]).contains(question))
        XCTAssertTrue(plainText(mails[0]).contains("stop"), "the footer says how to stop")
        XCTAssertEqual(try night.store.openSurveySend(subscriberID: mio, edition: "sakura", on: day)?.closesOn, day.adding(months: -6).adding(days: -5).adding(months: 6).adding(days: 13))
        let delivery = try XCTUnwrap(try night.deliveries().first)
        XCTAssertEqual(delivery.kind, .daily, "the family's one mail of the day")
        XCTAssertEqual(try night.batch(day.adding(days: 1)).surveys, 0)
        XCTAssertEqual(try sendAndCollect(night, on: day.adding(days: 1), after: &seen).count, 0)
    }

    /// A family welcomed today got its mail of the day (the welcome, with the day's message): a
    /// survey that would go alone waits for the next night; one that rides on tonight's message does not.
    func testASurveyAloneWaitsANightAfterTheWelcome() throws {
        let night = try NightInstance(config: maildirConfig())
        let (mio, _) = try night.add("mio@families.example", track: .child, anchor: day.adding(months: -6).adding(days: -3), today: day)
        XCTAssertEqual(try night.batch(day).surveys, 0)
        XCTAssertEqual(try night.store.surveysSent(subscriberIDs: [mio]), [:])
        XCTAssertEqual(try night.batch(day.adding(days: 1)).surveys, 1)
        XCTAssertEqual(try night.store.openSurveySend(subscriberID: mio, edition: "sakura", on: day.adding(days: 1))?.closesOn,
                       day.adding(months: -6).adding(days: -3).adding(months: 6).adding(days: 13), "the window does not move")
        // Welcomed on the day its stage opens the survey: it rides on that night's message.
        try night.add("kai@families.example", track: .child, anchor: day.adding(months: -6), today: day)
        XCTAssertEqual(try night.batch(day).surveys, 1)
    }

    func testNeverToAPausedStoppedOrPendingFamilyNorOutsideItsWindow() throws {
        let night = try NightInstance(config: maildirConfig())
        var ids: [Int64] = []
        for name in ["paused", "stopped", "pending", "bouncing"] {
            ids.append(try night.add("\(name)@families.example", track: .child, anchor: day.adding(months: -6), today: day).subscriberID)
        }
        try night.sql("UPDATE subscribers SET status = 'paused', paused_until = '2027-12-01' WHERE address LIKE 'paused@%'")
        try night.sql("UPDATE subscribers SET status = 'stopped' WHERE address LIKE 'stopped@%'")
        try night.sql("UPDATE subscribers SET status = 'pending' WHERE address LIKE 'pending@%'")
        try night.sql("UPDATE subscribers SET status = 'bouncing' WHERE address LIKE 'bouncing@%'")
        // Too young, too old, and a pregnancy: not the survey's stage window.
        ids.append(try night.add("young@families.example", track: .child, anchor: day.adding(months: -6).adding(days: 1), today: day).subscriberID)
        ids.append(try night.add("old@families.example", track: .child, anchor: day.adding(months: -6).adding(days: -20), today: day).subscriberID)
        ids.append(try night.add("due@families.example", track: .pregnancy, anchor: day.adding(days: 100), today: day).subscriberID)
        XCTAssertEqual(try night.batch(day).surveys, 0)
        XCTAssertEqual(try night.store.surveysSent(subscriberIDs: ids), [:])
    }

    func testNeverToAParentWhoReportedALossEvenWithAnotherChildStillFollowed() throws {
        let night = try NightInstance(config: maildirConfig())
        let (parent, lostChild) = try night.add("aoi@families.example", track: .child, anchor: day.adding(months: -14), today: day)
        try night.add("aoi@families.example", track: .child, anchor: day.adding(months: -6), today: day)
        try night.sql("UPDATE subscriptions SET status = 'ended', end_reason = 'loss' WHERE id = \(lostChild)")
        let summary = try night.batch(day)
        XCTAssertEqual(summary.surveys, 0)
        XCTAssertEqual(summary.queued, 1, "the other child's message still goes out")
        XCTAssertEqual(try night.store.surveysSent(subscriberIDs: [parent]), [:])
    }

    /// kill -9 between the spool's group commit and the ledger's `queued`: a delivery whose file
    /// reached the spool keeps its survey (not sent twice); one whose file was lost is planned
    /// again with its survey (not lost).
    func testACrashBeforeTheLedgerSaysQueuedNeitherLosesNorDoublesTheSurvey() throws {
        let night = try NightInstance(config: maildirConfig())
        let (kept, _) = try night.add("kept@families.example", track: .child, anchor: day.adding(months: -6), today: day)
        let (lost, _) = try night.add("lost@families.example", track: .child, anchor: day.adding(months: -6), today: day)
        XCTAssertEqual(try night.batch(day).surveys, 2)
        let ledger = try night.deliveries()
        XCTAssertEqual(ledger.count, 2)
        try night.sql("UPDATE deliveries SET status = 'planned', message_id = NULL, subject = NULL, envelope_from = NULL")
        let lostDelivery = try XCTUnwrap(ledger.first { $0.subscriberID == lost })
        let file = try XCTUnwrap(night.spoolFile(lostDelivery.id!))
        try FileManager.default.moveItem(at: file.url, to: night.spoolRoot.appendingPathComponent("tmp/d\(lostDelivery.id!)"))

        let recovery = try night.batch(day)
        XCTAssertEqual(recovery.recovered, 2)
        XCTAssertEqual(recovery.surveys, 1, "only the lost mail is planned again, with its survey")
        XCTAssertEqual(try night.store.surveysSent(subscriberIDs: [kept, lost]), [kept: ["reading"], lost: ["reading"]])
        var seen = 0
        let mails = try sendAndCollect(night, on: day, after: &seen)
        let withSurvey = Dictionary(grouping: mails.filter { plainText($0).contains(question) }) { $0.header("Delivered-To") ?? "?" }
        XCTAssertEqual(withSurvey.mapValues(\.count), ["kept@families.example": 1, "lost@families.example": 1])
        XCTAssertEqual(mails.count, 2)
    }
}

/// Production's review gate covers survey files like every other text families get.
final class SurveyReviewGateTests: XCTestCase {
    func testAnUnreviewedSurveyRefusesProductionUntilItIsReviewed() throws {
        let templates = try makeTemporaryDirectory("survey-gate").appendingPathComponent("templates")
        addTeardownBlock { try? FileManager.default.removeItem(at: templates.deletingLastPathComponent()) }
        try copyCatalog(to: templates, edition: "sakura", notice: "The clinic notice.", keep: ["d0140.md"])
        let night = try NightInstance(config: "production = true\n" + maildirConfig(languages: #"["en"]"#) + """

            support_contacts = "The clinic's counsellor: 000-0000-0000"
            """, templates: templates)
        let config = night.dir.appendingPathComponent("kizuna.toml")
        let review = ContentReview(instance: night.instance)
        _ = try review.run(paths: [templates.path, config.path], reviewer: "Hanako Sato", field: .publicHealth, date: nil)
        func refusal() -> String? {
            let run = Instance(configuration: try! ConfigurationLoader.load(path: config.path), clock: TestClock(), logger: quietLogger)
            do { _ = try run.catalog(); return nil } catch { return "\(error)" }
        }
        XCTAssertNil(refusal(), "every text reviewed, the survey among them")
        // Any change to the question makes the survey unreviewed again, and production refuses.
        let file = templates.appendingPathComponent("surveys/reading.md")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "How often do you read", with: "How often do you open").write(to: file, atomically: true, encoding: .utf8)
        let refused = try XCTUnwrap(refusal())
        XCTAssertTrue(refused.contains("surveys/reading.md"), refused)
        // A new run (an instance reads its catalog once).
        let again = Instance(configuration: try ConfigurationLoader.load(path: config.path), clock: TestClock(), logger: quietLogger)
        let outcome = try ContentReview(instance: again).run(paths: [file.path], reviewer: "Hanako Sato", field: .publicHealth, date: nil)
        XCTAssertTrue(outcome.files.count == 1 && outcome.files[0].hasSuffix("surveys/reading.md"), "\(outcome.files)")
        XCTAssertNil(refusal())
    }
}
