import Foundation
import GRDB
import KizunaCore
@testable import KizunaJobs
@testable import KizunaStore
import XCTest

/// A parent's number reply to the reader survey open for them (the shipped sample survey
/// `reading`: four choices), through the poll: recorded once per survey, thanked for, replaced
/// by a later answer; care commands, other editions, robots and a closed survey are read as before.
final class SurveyAnswerPollTests: XCTestCase {
    let day = CivilDate(iso: "2027-03-10")!
    let hana = "hana@families.example"

    /// An instance with the shipped catalog and one child subscriber, sent `reading` on `sentOn`.
    func instance(sentOn: CivilDate? = nil, closesOn: CivilDate? = nil, edition: String = "sakura") throws -> (NightInstance, Int64) {
        let night = try NightInstance(config: maildirConfig())
        box.messages = [:]  // a new instance reads only its own mail
        let (id, _) = try night.add(hana, track: .child, anchor: day.adding(days: -190), language: "ja", today: day.adding(days: -30))
        let sent = sentOn ?? day.adding(days: -2)
        try night.store.writer.write { db in
            try db.execute(sql: "INSERT INTO survey_sends (survey_id, subscriber_id, edition, sent_on, closes_on) VALUES (?, ?, ?, ?, ?)",
                           arguments: ["reading", id, edition, sent.iso, (closesOn ?? sent.adding(days: 13)).iso])
        }
        return (night, id)
    }

    /// One mailbox for the test: its UIDs go on from one poll to the next.
    let box = FakeMailbox()

    func poll(_ night: NightInstance, _ mails: [[UInt8]]) throws -> PollSummary {
        for m in mails { box.deliver(m) }
        return try PollJob(instance: night.instance).run(now: noonInTokyo(day), mailbox: box)
    }

    func answers(_ night: NightInstance) throws -> [(choice: Int, comment: String?)] {
        try night.store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT choice, comment FROM survey_answers ORDER BY survey_id").map { ($0["choice"], $0["comment"]) }
        }
    }

    func events(_ night: NightInstance, _ kind: EventKind) throws -> [String] {
        try XCTUnwrap(try night.store.subscriber(address: try EmailAddress(parsing: hana), edition: "sakura")).events
            .filter { $0.kind == kind }.map { $0.detail ?? "" }
    }

    func testAFullWidthAnswerWithACommentIsRecordedAndThankedAndALaterOneReplacesIt() throws {
        let (night, _) = try instance()
        let reply = "３です。\n夜の授乳中に読んでいます\n\n2027年3月8日 さくら <kizuna@clinic.example>:\n> 1. 届いたらすぐに読む\n> 配信停止"
        XCTAssertEqual(try poll(night, [parentMail(from: hana, subject: "Re: 生後6か月", body: reply)]).applied, 1)
        XCTAssertEqual(try answers(night).map(\.choice), [3])
        XCTAssertEqual(try answers(night).map(\.comment), ["夜の授乳中に読んでいます"])
        XCTAssertEqual(try events(night, .surveyAnswered), ["survey reading: choice 3 with a comment"])

        _ = try night.send(at: noonInTokyo(day))
        let thanks = try XCTUnwrap(try night.delivered().last)
        XCTAssertEqual(thanks.subject, "アンケートへのご回答ありがとうございます")
        let text = (thanks.part("text/plain") ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        XCTAssertTrue(text.contains("いただいた回答：3（時間があるときにまとめて読む）"), text)
        XCTAssertTrue(text.contains("時間があるときにまとめて読む"), text)
        XCTAssertTrue(text.contains("2027年3月21日"), text)
        XCTAssertEqual(thanks.header("Auto-Submitted"), "auto-replied")

        XCTAssertEqual(try poll(night, [parentMail(from: hana, subject: "", body: "1")]).applied, 1)
        XCTAssertEqual(try answers(night).map(\.choice), [1], "one answer per subscriber and survey")
        XCTAssertEqual(try answers(night).map(\.comment), [nil])
        XCTAssertEqual(try events(night, .surveyAnswered).last, "survey reading: choice 1, replacing choice 3")
    }

    /// A phone's reply typed in the subject line, the body empty: the answer is read there.
    /// Our own subject quoted by the client (`Re: …`) never is.
    func testAnAnswerTypedInTheSubjectIsRecorded() throws {
        let (night, _) = try instance()
        _ = try poll(night, [parentMail(from: hana, subject: "Re: 【さくら】生後6か月", body: "")])
        XCTAssertEqual(try answers(night).count, 0)
        _ = try poll(night, [parentMail(from: hana, subject: "２です", body: "")])
        XCTAssertEqual(try answers(night).map(\.choice), [2])
        XCTAssertEqual(try events(night, .surveyAnswered), ["survey reading: choice 2"])
    }

    func testACareCommandWinsOverTheNumber() throws {
        let (night, _) = try instance()
        _ = try poll(night, [parentMail(from: hana, subject: "", body: "3 stop")])
        XCTAssertEqual(try answers(night).count, 0)
        XCTAssertEqual(try night.store.subscriber(address: try EmailAddress(parsing: hana), edition: "sakura")?.subscriber.status, .stopped)
    }

    /// Without a survey open — none sent, closed, not yet sent, another edition's, a number the
    /// survey does not offer — a number is read as it always was: the help reply for a new mail.
    func testANumberWhenNoSurveyIsOpenKeepsTodaysBehaviour() throws {
        let cases: [(String, () throws -> (NightInstance, Int64))] = [
            ("closed", { try self.instance(sentOn: self.day.adding(days: -20), closesOn: self.day.adding(days: -1)) }),
            ("not yet sent", { try self.instance(sentOn: self.day.adding(days: 1)) }),
            ("another edition's", { try self.instance(edition: "town") }),
        ]
        for (what, make) in cases {
            let (night, _) = try make()
            XCTAssertEqual(try poll(night, [parentMail(from: hana, subject: "", body: "３")]).applied, 1, what)
            XCTAssertEqual(try answers(night).count, 0, what)
            XCTAssertEqual(try events(night, .helpRequested).count + (try events(night, .notACommand)).count, 1, what)
            _ = try night.send(at: noonInTokyo(day))
            XCTAssertNotEqual(try night.delivered().last?.subject, "アンケートへのご回答ありがとうございます", what)
        }
        let (night, _) = try instance()
        _ = try poll(night, [parentMail(from: hana, subject: "", body: "5")])
        XCTAssertEqual(try answers(night).count, 0, "the survey has four choices")
    }

    /// A survey sent before a loss is closed for that parent: their number is read as any other
    /// mail, and nothing thanks them for an answer about a child.
    func testNoAnswerIsTakenOrThankedForAfterALoss() throws {
        let (night, id) = try instance()
        try night.store.writer.write { db in
            try db.execute(sql: "UPDATE subscriptions SET status = 'ended', end_reason = ? WHERE subscriber_id = ?",
                           arguments: [SubscriptionEndReason.lossUnattributed.rawValue, id])
        }
        _ = try poll(night, [parentMail(from: hana, subject: "", body: "３です")])
        XCTAssertEqual(try answers(night).count, 0)
        XCTAssertEqual(try events(night, .surveyAnswered), [])
        _ = try night.send(at: noonInTokyo(day))
        XCTAssertNotEqual(try night.delivered().last?.subject, "アンケートへのご回答ありがとうございます")
    }

    func testARobotIsNeverAnswered() throws {
        let (night, _) = try instance()
        let summary = try poll(night, [parentMail(from: hana, subject: "自動返信", body: "3", extra: ["Auto-Submitted: auto-replied"])])
        XCTAssertEqual(summary.applied, 0)
        XCTAssertEqual(try answers(night).count, 0)
    }

    func testResultsAndTheReportLine() throws {
        let (night, _) = try instance()
        _ = try poll(night, [parentMail(from: hana, subject: "", body: "2, \"weekends\", mostly")])
        let results = try SurveyAdmin(instance: night.instance).results(id: "reading", edition: "sakura")
        XCTAssertEqual(results.sent, 1)
        XCTAssertEqual(results.counts, [2: 1])
        XCTAssertEqual(results.language, "ja")
        XCTAssertTrue(results.csv().contains("reading,sakura,comment,2,\"\"\"weekends\"\", mostly\",,\r\n"), results.csv())
        XCTAssertFalse(results.csv().contains(hana) || results.text().contains(hana), "never an address")

        XCTAssertThrowsError(try SurveyAdmin(instance: night.instance).results(id: "nope", edition: nil)) {
            XCTAssertTrue("\($0)".contains("no survey 'nope'"), "\($0)")
            XCTAssertEqual(($0 as? JobError)?.exitCode, ExitStatus.usage)
        }
        XCTAssertThrowsError(try SurveyAdmin(instance: night.instance).results(id: "reading", edition: "town")) {
            XCTAssertTrue("\($0)".contains("no edition 'town'"), "\($0)")
        }

        let report = try ReportJob(instance: night.instance).make(date: day, now: noonInTokyo(day)).text()
        XCTAssertTrue(report.contains("SURVEYS OPEN\n  survey reading: 1 sent, 1 answered (100.0 %)\n"), report)
        let later = try ReportJob(instance: night.instance).make(date: day.adding(days: 30), now: noonInTokyo(day.adding(days: 30))).text()
        XCTAssertFalse(later.contains("SURVEYS OPEN"), "no line once the survey has closed")
    }

    /// With two editions, an edition's `report_to` sees only its own edition's survey line; the
    /// instance's recipient sees both, each naming its edition.
    func testAnEditionsReportHasOnlyItsOwnSurveyLine() throws {
        let night = try NightInstance(config: twoEditionReportConfig())
        let sakura = try night.add("hana-sakura@families.example", track: .child, anchor: day.adding(days: -190), today: day)
        let ume = try night.add("mika-ume@families.example", track: .child, anchor: day.adding(days: -190), edition: "ume", today: day)
        try night.store.writer.write { db in
            for (id, edition) in [(sakura.subscriberID, "sakura"), (ume.subscriberID, "ume")] {
                try db.execute(sql: "INSERT INTO survey_sends (survey_id, subscriber_id, edition, sent_on, closes_on) VALUES ('reading', ?, ?, ?, ?)",
                               arguments: [id, edition, day.iso, day.adding(days: 13).iso])
            }
            try db.execute(sql: "INSERT INTO survey_answers VALUES ('reading', ?, 'ume', 1, NULL, '2027-03-10T03:00:00Z')", arguments: [ume.subscriberID])
        }
        let summary = try ReportJob(instance: night.instance).run(date: day, now: noonInTokyo(day))
        let whole = try XCTUnwrap(summary.texts["admin@clinic.example"])
        XCTAssertTrue(whole.contains("SURVEYS OPEN\n  survey reading: 1 sent, 0 answered (0.0 %) [sakura]\n  survey reading: 1 sent, 1 answered (100.0 %) [ume]\n"), whole)
        let umeOnly = try XCTUnwrap(summary.texts["ume-admin@ume.example"])
        XCTAssertTrue(umeOnly.contains("SURVEYS OPEN\n  survey reading: 1 sent, 1 answered (100.0 %)\n"), umeOnly)
        XCTAssertFalse(umeOnly.contains("[sakura]") || umeOnly.contains("0 answered"), umeOnly)
    }
}
