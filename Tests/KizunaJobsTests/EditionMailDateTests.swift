import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMIME
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// `time_zone` per edition in what the edition's people read: its mail is dated in the edition's
/// offset (what a local mail would show), and the report's survey lines are on its own date.
final class EditionMailDateTests: XCTestCase {
    /// 13:00 in Tokyo (the instance) on 10 March 2027 is 23:00 on 9 March in New York (ume, EST).
    let tokyoDay = CivilDate(iso: "2027-03-10")!
    let newYorkDay = CivilDate(iso: "2027-03-09")!
    var instant: Date { noonInTokyo(tokyoDay).addingTimeInterval(3600) }

    func testAnEditionsMailIsDatedInTheEditionsZone() throws {
        let night = try NightInstance(config: twoEditionReportConfig(umeZone: "America/New_York"))
        let instance = night.instance
        instance.testClock.set(instant)
        // Each child is six months old (child/m06) on its edition's own date.
        _ = try night.add("tokyo@families.example", track: .child, anchor: CivilDate(iso: "2026-09-10")!, today: newYorkDay)
        _ = try night.add("newyork@families.example", track: .child, anchor: CivilDate(iso: "2026-09-09")!, edition: "ume", today: newYorkDay)
        XCTAssertEqual(try BatchJob(instance: instance).run(dates: instance.dates(at: instant)).queued, 2)
        // A reply (system mail) to ume's family, and the report to each recipient.
        let box = FakeMailbox()
        box.deliver(parentMail(from: "newyork@families.example", to: "kizuna@ume.example", subject: "help", body: "help"))
        XCTAssertEqual(try PollJob(instance: instance).run(now: instant, mailbox: box).applied, 1)
        XCTAssertEqual(try ReportJob(instance: instance).run(dates: instance.dates(at: instant)).queued.count, 2)
        XCTAssertEqual(try night.send(at: instant).sent, 5)

        let mails = try night.delivered()
        func date(to recipient: String, _ autoSubmitted: String?) throws -> String? {
            try XCTUnwrap(mails.first { $0.header("To") == recipient && $0.header("Auto-Submitted") == autoSubmitted }, recipient).header("Date")
        }
        // The same instant: in the edition's own offset for its family and its report_to.
        XCTAssertEqual(try date(to: "newyork@families.example", nil), "Tue, 09 Mar 2027 23:00:00 -0500")
        XCTAssertEqual(try date(to: "newyork@families.example", "auto-replied"), "Tue, 09 Mar 2027 23:00:00 -0500")
        XCTAssertEqual(try date(to: "ume-admin@ume.example", "auto-generated"), "Tue, 09 Mar 2027 23:00:00 -0500")
        // An edition without time_zone, and the instance-wide report: the instance's zone, as always.
        XCTAssertEqual(try date(to: "tokyo@families.example", nil), "Wed, 10 Mar 2027 13:00:00 +0900")
        XCTAssertEqual(try date(to: "admin@clinic.example", "auto-generated"), "Wed, 10 Mar 2027 13:00:00 +0900")

        // `content preview --edition ume` shows the mail ume's family would get: its date and zone.
        let preview = DeliveredMail(bytes: try ContentTools(instance: instance).preview(messageKey: "child/m06", language: "en",
                                                                                       nickname: nil, editionID: "ume", area: nil, date: nil))
        XCTAssertEqual(preview.header("Date"), "Tue, 09 Mar 2027 23:00:00 -0500")
    }

    /// An administrator of ume writes to ume's address: the answer is dated in ume's zone.
    func testAnEditionAdministratorsAnswerIsDatedInTheEditionsZone() throws {
        // A short directory name: gpg-agent's socket path has a length limit.
        let night = try NightInstance(config: twoEditionReportConfig(umeZone: "America/New_York"), label: "adm")
        addTeardownBlock { stopGPGAgents(under: night.dir) }
        let admin = try AdminMailMaker(self)
        let ring = try night.instance.keyring()
        let instanceKey = try InstanceKey.ensure(in: ring, edition: night.instance.configuration.editions[0]).fingerprint
        try admin.importKey(armored: try ring.exportPublicKey(fingerprint: instanceKey))
        try admin.makeKey("admin")
        _ = try KeyAdmin(instance: night.instance).importKey(file: try admin.export("admin").path, role: .admin, edition: "ume", field: nil)
        let box = FakeMailbox()
        box.deliver(try admin.clearsigned("help\n", by: "admin", header: AdminMailMaker.header(from: "admin@clinic.example", to: "kizuna@ume.example")))
        let now = Date()
        XCTAssertEqual(try PollJob(instance: night.instance).run(now: now, mailbox: box).replies, 1)
        XCTAssertEqual(try night.send(at: now).sent, 1)
        let answer = try XCTUnwrap(try night.delivered().first)
        XCTAssertEqual(answer.header("To"), "admin@clinic.example")
        XCTAssertEqual(answer.header("Date"), RFC5322Date.format(now, timeZone: TimeZone(identifier: "America/New_York")!))
    }

    /// Near midnight the instance's date and an edition's differ: the survey lines of the
    /// edition follow the edition's date, as its deliveries do (and `stats` says so).
    func testTheReportsSurveyLinesAreOnEachEditionsOwnDate() throws {
        let night = try NightInstance(config: twoEditionReportConfig(umeZone: "America/New_York"))
        let instance = night.instance
        instance.testClock.set(instant)
        let sakura = try night.add("hana-sakura@families.example", track: .child, anchor: tokyoDay.adding(days: -190), today: newYorkDay)
        let ume = try night.add("mika-ume@families.example", track: .child, anchor: tokyoDay.adding(days: -190), edition: "ume", today: newYorkDay)
        try night.store.writer.write { db in
            let insert = "INSERT INTO survey_sends (survey_id, subscriber_id, edition, sent_on, closes_on) VALUES (?, ?, ?, ?, ?)"
            for (id, edition) in [(sakura.subscriberID, "sakura"), (ume.subscriberID, "ume")] {
                // `reading` closes on 9 March: open on New York's date, closed on Tokyo's.
                try db.execute(sql: insert, arguments: ["reading", id, edition, "2027-02-24", "2027-03-09"])
                // `later` opens on 10 March: open on Tokyo's date, not yet on New York's.
                try db.execute(sql: insert, arguments: ["later", id, edition, "2027-03-10", "2027-03-23"])
            }
        }
        let summary = try ReportJob(instance: instance).run(dates: instance.dates(at: instant))
        let whole = try XCTUnwrap(summary.texts["admin@clinic.example"])
        XCTAssertTrue(whole.contains("""
            SURVEYS OPEN
              survey later: 1 sent, 0 answered (0.0 %) [sakura]
              survey reading: 1 sent, 0 answered (0.0 %) [ume]\n\n
            """), whole)
        let own = try XCTUnwrap(summary.texts["ume-admin@ume.example"])
        XCTAssertTrue(own.contains("SURVEYS OPEN\n  survey reading: 1 sent, 0 answered (0.0 %)\n\n"), own)
        XCTAssertFalse(own.contains("survey later"), own)

        // `--date` names one date for all.
        let oneDate = try ReportJob(instance: instance).make(dates: EditionDates(tokyoDay), editions: nil, now: instant).text()
        XCTAssertTrue(oneDate.contains("SURVEYS OPEN\n  survey later: 1 sent, 0 answered (0.0 %) [sakura]\n  survey later: 1 sent, 0 answered (0.0 %) [ume]\n\n"),
                      oneDate)

        // `stats --json`: each edition's `date` is its own.
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try StatsReport.make(instance: instance).json.utf8)) as? [String: Any])
        XCTAssertEqual(object["date"] as? String, tokyoDay.iso)
        let editions = try XCTUnwrap(object["editions"] as? [String: [String: Any]])
        XCTAssertEqual(editions["sakura"]?["date"] as? String, tokyoDay.iso)
        XCTAssertEqual(editions["ume"]?["date"] as? String, newYorkDay.iso)
    }

    /// An administrator's `subscribers add` for an edition reads and starts the date on the
    /// edition's own day: a birth "today" in Tokyo is tomorrow in New York.
    func testAnAdministratorsAddIsOnTheEditionsDay() throws {
        let night = try NightInstance(config: twoEditionReportConfig(umeZone: "America/New_York"))
        night.instance.testClock.set(instant)
        let admin = SubscriberAdmin(instance: night.instance)
        func add(_ email: String, birth: CivilDate, edition: String) throws -> Int64 {
            try admin.add(email: email, due: nil, birth: birth.iso, name: nil, language: nil, edition: edition, area: nil).subscriptionID
        }
        XCTAssertThrowsError(try add("newyork@families.example", birth: tokyoDay, edition: "ume")) {
            XCTAssertTrue("\($0)".contains("in the future"), "\($0)")
        }
        let ume = try add("newyork@families.example", birth: newYorkDay, edition: "ume")
        let sakura = try add("tokyo@families.example", birth: tokyoDay, edition: "sakura")
        let starts = try night.store.writer.read { db in
            try [ume, sakura].map { try String.fetchOne(db, sql: "SELECT start_date FROM subscriptions WHERE id = ?", arguments: [$0]) }
        }
        XCTAssertEqual(starts, [newYorkDay.iso, tokyoDay.iso])
    }

    /// A report to ume's `report_to` alone ends with ume's own day: `report --date 2026-05-01`
    /// run at 03:00 on 2 May in Tokyo (08:00 on 1 May in Honolulu) counts what ume's family did at
    /// 01:00 in Tokyo (still ume's 1 May) for ume's recipient; the instance-wide report (and its
    /// part for ume) ends at the instance's midnight, without it.
    func testAnEditionsReportToPartEndsWithTheEditionsDay() throws {
        let night = try NightInstance(config: twoEditionReportConfig(umeZone: "Pacific/Honolulu"))
        let day = CivilDate(iso: "2026-05-01")!
        let tokyoMidnight = noonInTokyo(day).addingTimeInterval(12 * 3600)
        let ids = try night.add("late-ume@families.example", track: .pregnancy, anchor: day.adding(days: 140), edition: "ume", today: day)
        try night.store.recordEvent(kind: .commandHeld, subscriberID: ids.subscriberID, detail: "stop: dmarc=fail (late)",
                                    messageID: "late@forged.example", at: tokyoMidnight.addingTimeInterval(3600))
        let now = tokyoMidnight.addingTimeInterval(3 * 3600)
        let summary = try ReportJob(instance: night.instance).run(date: day, now: now)
        XCTAssertEqual(summary.queued, ["admin@clinic.example", "ume-admin@ume.example"])
        XCTAssertEqual(summary.report.until, tokyoMidnight, "the instance-wide report ends at the instance's midnight")
        let ume = try XCTUnwrap(summary.texts["ume-admin@ume.example"])
        XCTAssertTrue(ume.contains("late-ume@families.example"), ume)
        let whole = try XCTUnwrap(summary.texts["admin@clinic.example"])
        XCTAssertFalse(whole.contains("late-ume@families.example"), whole)
        // One edition's report made alone ends with its day too.
        let alone = try ReportJob(instance: night.instance).make(dates: EditionDates(day), editions: [night.instance.configuration.editions[1]], now: now)
        XCTAssertEqual(alone.until, now)
    }
}
