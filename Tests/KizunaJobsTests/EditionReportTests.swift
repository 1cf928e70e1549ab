import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// Two editions in one instance: `ume` with its own `report_to` (and, where a test says so, its
/// own time zone) beside `sakura`, the instance's first.
func twoEditionReportConfig(umeZone: String? = nil, catchUp: Int = 2, languages: String = #"["ja", "en"]"#) -> String {
    maildirConfig(catchUp: catchUp, languages: languages) + """


    [[edition]]
    id = "ume"
    name = "Ume Town"
    address = "kizuna@ume.example"
    languages = \(languages)
    report_to = ["ume-admin@ume.example"]
    \(umeZone.map { "time_zone = \"\($0)\"" } ?? "")

    [report]
    to = ["admin@clinic.example"]
    """
}

/// The daily report's part per edition: `[report] to` gets every part, an edition's
/// `report_to` only its own edition's, nothing of another's; once per recipient and day.
final class EditionReportTests: XCTestCase {
    let day = CivilDate(iso: "2026-05-01")!
    var noon: Date { noonInTokyo(day) }

    /// One family per edition, the night's mail sent, and a held command for each family (so
    /// that each one's address is in the report's lists).
    func night() throws -> NightInstance {
        let night = try NightInstance(config: twoEditionReportConfig())
        let sakura = try night.add("hana-sakura@families.example", track: .pregnancy, anchor: day.adding(days: 140), today: day)
        let ume = try night.add("mika-ume@families.example", track: .pregnancy, anchor: day.adding(days: 140), edition: "ume", today: day)
        _ = try night.add("yui-ume@families.example", track: .child, anchor: day.adding(days: -100), edition: "ume", today: day)
        XCTAssertEqual(try night.batch(day).queued, 3)
        XCTAssertEqual(try night.send(at: noon).sent, 3)
        for (id, address) in [(sakura.subscriberID, "hana-sakura"), (ume.subscriberID, "mika-ume")] {
            try night.store.recordEvent(kind: .commandHeld, subscriberID: id, detail: "stop: dmarc=fail (\(address))",
                                        messageID: "\(address)@forged.example", at: noon.addingTimeInterval(600))
        }
        return night
    }

    func testAnEditionsRecipientGetsOnlyItsEditionsPartAndTheInstancesRecipientGetsEveryPart() throws {
        let night = try night()
        let summary = try ReportJob(instance: night.instance).run(date: day, now: noon.addingTimeInterval(3600))
        XCTAssertEqual(summary.queued, ["admin@clinic.example", "ume-admin@ume.example"])

        let whole = try XCTUnwrap(summary.texts["admin@clinic.example"])
        XCTAssertEqual(whole, summary.text)
        for expected in ["hana-sakura@families.example", "mika-ume@families.example", "SPOOL (files now)\n",
                         "EDITION sakura (Sakura Clinic), DELIVERIES FOR 2026-05-01\n",
                         "EDITION ume (Ume Town), DELIVERIES FOR 2026-05-01\n",
                         // The totals, then each edition's own numbers.
                         "  daily messages: 3 sent, 0 deferred, 0 failed, 0 cancelled, 0 waiting\n",
                         "  now: pending 0, active 3, paused 0, stopped 0, bouncing 0\n"] {
            XCTAssertTrue(whole.contains(expected), "\(expected) in\n\(whole)")
        }
        // The ume part: up to the blank line after it.
        let umePart = try XCTUnwrap(whole.range(of: "EDITION ume"))
        let umeLines = String(whole[umePart.lowerBound...].prefix { _ in true }).components(separatedBy: "\n\n")[0]
        XCTAssertTrue(umeLines.contains("- 1 command held because authentication failed"), umeLines)
        XCTAssertTrue(umeLines.contains("daily messages: 2 sent,"), umeLines)
        XCTAssertTrue(umeLines.contains("now: pending 0, active 2,"), umeLines)

        // The edition's recipient: its families, its numbers; no name, address or count of sakura's.
        let own = try XCTUnwrap(summary.texts["ume-admin@ume.example"])
        XCTAssertTrue(own.hasPrefix("Kizuna daily report for 2026-05-01\nEdition ume (Ume Town) only.\n"), own)
        for expected in ["mika-ume@families.example", "  daily messages: 2 sent, 0 deferred, 0 failed, 0 cancelled, 0 waiting\n",
                         "- 1 command held because authentication failed", "  now: pending 0, active 2, paused 0, stopped 0, bouncing 0\n"] {
            XCTAssertTrue(own.contains(expected), "\(expected) in\n\(own)")
        }
        for leak in ["sakura", "Sakura", "hana-sakura", "SPOOL", "EDITION ", "active 3", "3 sent"] {
            XCTAssertFalse(own.contains(leak), "\(leak) leaked into\n\(own)")
        }

        // Each got its own mail (plain here: the instance has no key), and a second run queues nothing more.
        let again = try ReportJob(instance: night.instance).run(date: day, now: noon.addingTimeInterval(3700))
        XCTAssertEqual(again.queued, [])
        XCTAssertEqual(again.alreadyQueued, ["admin@clinic.example", "ume-admin@ume.example"])
        XCTAssertEqual(try night.send(at: noon.addingTimeInterval(3800)).sent, 2)
        let reports = try night.delivered().filter { $0.header("Auto-Submitted") == "auto-generated" }
        let toUme = try XCTUnwrap(reports.first { $0.header("To") == "ume-admin@ume.example" })
        XCTAssertEqual(singlePartText(toUme), own.replacingOccurrences(of: "\n", with: "\r\n"))
        XCTAssertFalse(toUme.subject?.contains("3 sent") ?? true, toUme.subject ?? "")
        XCTAssertEqual(try night.store.reportDeliveries(on: day).map(\.recipient), ["admin@clinic.example", "ume-admin@ume.example"])
    }

    func testAnInstanceRecipientAlsoNamedByAnEditionGetsTheWholeReportOnce() throws {
        let config = twoEditionReportConfig().replacingOccurrences(of: #"report_to = ["ume-admin@ume.example"]"#,
                                                                   with: #"report_to = ["admin@CLINIC.example", "ume-admin@ume.example"]"#)
        let night = try NightInstance(config: config)
        let summary = try ReportJob(instance: night.instance).run(date: day, now: noon)
        XCTAssertEqual(summary.queued, ["admin@clinic.example", "ume-admin@ume.example"])
        XCTAssertEqual(summary.texts["admin@clinic.example"], summary.text)
    }

    /// `[report] encrypt` seals each recipient's report by its own key: ume's administrator's
    /// key encrypts ume's report; the instance's recipient without a key gets the notice.
    func testAnEditionsRecipientsReportIsSealedForThatRecipient() throws {
        _ = try requireGPG()
        let night = try NightInstance(config: twoEditionReportConfig() + "\nencrypt = \"required\"\n")
        addTeardownBlock { [dir = night.dir] in stopGPGAgents(under: dir) }
        let instance = night.instance
        _ = try night.add("hana-sakura@families.example", track: .pregnancy, anchor: day.adding(days: 140), today: day)
        _ = try night.add("mika-ume@families.example", track: .pregnancy, anchor: day.adding(days: 140), edition: "ume", today: day)
        _ = try InstanceKey.ensure(in: try instance.keyring(), edition: instance.configuration.editions[0])
        let home = try makeGnuPGHome(self, "ume-admin")
        try gpg(home, ["--quick-gen-key", "Ume Admin <ume-admin@ume.example>", "future-default", "default", "never"])
        let exported = home.deletingLastPathComponent().appendingPathComponent("ume-admin.asc")
        try gpg(home, ["--armor", "--output", exported.path, "--export", "ume-admin@ume.example"])
        _ = try KeyAdmin(instance: instance).importKey(file: exported.path, role: .admin, edition: "ume", field: nil)
        // …and takes the instance's public key, to check what it signs.
        let instancePublic = home.deletingLastPathComponent().appendingPathComponent("kizuna.asc")
        try KeyAdmin(instance: instance).export().write(to: instancePublic, atomically: true, encoding: .utf8)
        try gpg(home, ["--import", instancePublic.path])

        let summary = try ReportJob(instance: instance).run(date: day, now: noon)
        XCTAssertEqual(summary.forms["admin@clinic.example"], .notice)
        guard case .encrypted? = summary.forms["ume-admin@ume.example"] else { return XCTFail("\(summary.forms)") }
        XCTAssertEqual(try night.send(at: noon).sent, 2)
        let mails = try night.delivered().filter { $0.header("Auto-Submitted") == "auto-generated" }
        let toUme = try XCTUnwrap(mails.first { $0.header("To") == "ume-admin@ume.example" })
        XCTAssertTrue(toUme.header("Content-Type")?.hasPrefix("multipart/encrypted;") ?? false)
        let text = toUme.text
        let start = try XCTUnwrap(text.range(of: "-----BEGIN PGP MESSAGE-----")), end = try XCTUnwrap(text.range(of: "-----END PGP MESSAGE-----"))
        let cipher = home.deletingLastPathComponent().appendingPathComponent("report.asc")
        try Data(text[start.lowerBound..<end.upperBound].utf8).write(to: cipher)
        let entity = DeliveredMail(bytes: Array(try gpg(home, ["--decrypt", cipher.path]).utf8))
        let own = singlePartText(entity)
        XCTAssertEqual(own, try XCTUnwrap(summary.texts["ume-admin@ume.example"]).replacingOccurrences(of: "\n", with: "\r\n"))
        XCTAssertTrue(own.contains("Edition ume (Ume Town) only."), own)
        XCTAssertFalse(own.contains("sakura") || own.contains("Sakura"), own)
        let notice = try XCTUnwrap(mails.first { $0.header("To") == "admin@clinic.example" })
        XCTAssertFalse(notice.text.contains("mika-ume") || notice.text.contains("hana-sakura"))
    }

    func testTheStatsJSONHasEachEditionsCountsUnderStableKeys() throws {
        let night = try night()
        night.instance.testClock.set(noon.addingTimeInterval(3600))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try StatsReport.make(instance: night.instance).json.utf8)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["date", "subscribers", "subscriptions", "deliveries", "deliveries_today", "events_last_day",
                                          "spool", "bounces", "editions"])
        XCTAssertEqual((object["subscribers"] as? [String: Int])?["active"], 3)
        let editions = try XCTUnwrap(object["editions"] as? [String: [String: Any]])
        XCTAssertEqual(Set(editions.keys), ["sakura", "ume"])
        for (id, counts) in editions {
            XCTAssertEqual(Set(counts.keys), ["date", "subscribers", "subscriptions", "deliveries", "deliveries_today", "events_last_day", "bounces"], id)
            XCTAssertEqual(counts["date"] as? String, "2026-05-01")
        }
        XCTAssertEqual((editions["sakura"]?["subscribers"] as? [String: Int])?["active"], 1)
        XCTAssertEqual((editions["ume"]?["subscribers"] as? [String: Int])?["active"], 2)
        XCTAssertEqual((editions["ume"]?["deliveries_today"] as? [String: Int])?["sent"], 2)
        XCTAssertEqual((editions["ume"]?["events_last_day"] as? [String: Int])?["command held"], 1)
        XCTAssertEqual(((editions["ume"]?["subscriptions"] as? [String: Any])?["child"] as? [String: Int])?["active"], 1)

        // One edition's instance keeps the shape it always had: no `editions`.
        let single = try NightInstance(config: maildirConfig())
        let alone = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try StatsReport.make(instance: single.instance).json.utf8)) as? [String: Any])
        XCTAssertNil(alone["editions"])
    }
}

/// `time_zone` per edition: the night's "today" is each edition's own date.
final class EditionTimeZoneTests: XCTestCase {
    /// 10:00 in Tokyo on 1 May is 15:00 on 30 April in Honolulu.
    let tokyoDay = CivilDate(iso: "2026-05-01")!
    let honoluluDay = CivilDate(iso: "2026-04-30")!
    var instant: Date { noonInTokyo(tokyoDay).addingTimeInterval(-7200) }

    func testTwoEditionsOnDifferentLocalDatesEachGetTheirOwnDaysMessage() throws {
        let templates = FileManager.default.temporaryDirectory.appendingPathComponent("kizuna-daily-\(UUID().uuidString.prefix(8))")
        try writeDailyCatalog(into: templates)
        addTeardownBlock { try? FileManager.default.removeItem(at: templates) }
        let night = try NightInstance(config: twoEditionReportConfig(umeZone: "Pacific/Honolulu", languages: #"["en"]"#), templates: templates)
        let instance = night.instance
        instance.testClock.set(instant)
        let dates = instance.dates(at: instant)
        XCTAssertEqual(dates.instance, tokyoDay)
        XCTAssertEqual(dates.date(edition: "sakura"), tokyoDay)
        XCTAssertEqual(dates.date(edition: "ume"), honoluluDay)
        XCTAssertEqual(instance.configuration.editions[1].timeZoneIdentifier, "Pacific/Honolulu")

        // The same due date in both editions: gestational day 100 in Tokyo is still day 99 in Honolulu.
        let due = tokyoDay.adding(days: 180)
        _ = try night.add("tokyo@families.example", track: .pregnancy, anchor: due, today: honoluluDay)
        _ = try night.add("honolulu@families.example", track: .pregnancy, anchor: due, edition: "ume", today: honoluluDay)
        let batch = try BatchJob(instance: instance).run(dates: dates)
        XCTAssertEqual(batch.queued, 2)
        XCTAssertEqual(batch.line.prefix(36), "batch 2026-05-01 (ume on 2026-04-30)")
        let deliveries = try night.deliveries()
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: deliveries.map { ($0.recipient, $0.localDate) }),
                       ["tokyo@families.example": tokyoDay, "honolulu@families.example": honoluluDay])
        for d in deliveries {
            let keys = try night.store.deliveryItems(deliveryID: d.id!).filter { $0.status == .included }.map(\.messageKey)
            XCTAssertEqual(keys, [d.recipient.hasPrefix("tokyo") ? "pregnancy/d0100" : "pregnancy/d0099"], d.recipient)
        }
        // Run again at the same instant: each edition already has its day's mail.
        XCTAssertEqual(try BatchJob(instance: instance).run(dates: dates).alreadyPlanned, 2)
        // `--date` names one date for all: Honolulu's family gets 1 May's message then.
        XCTAssertEqual(try BatchJob(instance: instance).run(date: tokyoDay).queued, 1)

        // The report: the ume part counts ume's deliveries of its own date.
        let report = try ReportJob(instance: instance).run(dates: dates)
        XCTAssertTrue(report.text.contains("""
            EDITION ume (Ume Town), DELIVERIES FOR 2026-04-30
              Nothing needs attention.
              daily messages: 0 sent, 0 deferred, 0 failed, 0 cancelled, 1 waiting\n
            """), report.text)
        let own = try XCTUnwrap(report.texts["ume-admin@ume.example"])
        XCTAssertTrue(own.contains("DELIVERIES FOR 2026-04-30\n  daily messages: 0 sent, 0 deferred, 0 failed, 0 cancelled, 1 waiting\n"), own)
        XCTAssertTrue(own.contains("(Pacific/Honolulu)"), own)
    }

    /// A family due on `due` in sakura (Tokyo) and in ume (Honolulu), each writing the same mail
    /// at `instant`, polled: both are applied.
    func bothWrite(subject: String, body: String, due: CivilDate) throws -> NightInstance {
        let night = try NightInstance(config: twoEditionReportConfig(umeZone: "Pacific/Honolulu"))
        _ = try night.add("tokyo@families.example", track: .pregnancy, anchor: due, today: honoluluDay)
        _ = try night.add("honolulu@families.example", track: .pregnancy, anchor: due, edition: "ume", today: honoluluDay)
        let box = FakeMailbox()
        box.deliver(parentMail(from: "tokyo@families.example", subject: subject, body: body))
        box.deliver(parentMail(from: "honolulu@families.example", to: "kizuna@ume.example", subject: subject, body: body))
        XCTAssertEqual(try PollJob(instance: night.instance).run(now: instant, mailbox: box).applied, 2)
        return night
    }

    func testAParentsMailIsReadOnItsEditionsDate() throws {
        // Both write "born 1 May" at the same instant: today in Tokyo, tomorrow in Honolulu.
        let night = try bothWrite(subject: "born", body: "born 2026-05-01", due: tokyoDay.adding(days: 5))
        func tracks(_ email: String, _ edition: String) throws -> [Track] {
            try XCTUnwrap(try night.store.subscriber(address: try EmailAddress(parsing: email), edition: edition))
                .subscriptions.filter { $0.status == .active }.map(\.track)
        }
        XCTAssertEqual(try tracks("tokyo@families.example", "sakura"), [.child])
        XCTAssertEqual(try tracks("honolulu@families.example", "ume"), [.pregnancy], "a birth date in the future changes nothing")
    }

    /// A date without a year is read on the edition's date too: "until 5/1" on 30 April in
    /// Honolulu is tomorrow, on 1 May in Tokyo next year's.
    func testAParentsYearlessDateIsReadOnItsEditionsDate() throws {
        let night = try bothWrite(subject: "pause until 5/1", body: "", due: tokyoDay.adding(days: 100))
        func until(_ email: String, _ edition: String) throws -> CivilDate? {
            try XCTUnwrap(try night.store.subscriber(address: try EmailAddress(parsing: email), edition: edition)).subscriber.pausedUntil
        }
        XCTAssertEqual(try until("tokyo@families.example", "sakura"), CivilDate(iso: "2027-05-01"))
        XCTAssertEqual(try until("honolulu@families.example", "ume"), CivilDate(iso: "2026-05-01"))
    }

    func testTheOverdueCheckInComesOnTheEditionsSeventhDay() throws {
        let night = try NightInstance(config: twoEditionReportConfig(umeZone: "Pacific/Honolulu"))
        // Due 24 April: 1 May in Tokyo is the seventh day after it, 30 April in Honolulu the sixth.
        let due = tokyoDay.adding(days: -7)
        _ = try night.add("tokyo@families.example", track: .pregnancy, anchor: due, language: "en", today: due.adding(days: -30))
        _ = try night.add("honolulu@families.example", track: .pregnancy, anchor: due, language: "en", edition: "ume", today: due.adding(days: -30))
        night.instance.testClock.set(instant)
        XCTAssertEqual(try BatchJob(instance: night.instance).run(dates: night.instance.dates(at: instant)).checkIns, 1)
        let checkIns = try night.store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT d.recipient FROM deliveries d JOIN delivery_items i ON i.delivery_id = d.id WHERE i.message_key = ?",
                                arguments: [OverdueCare.checkInKey])
        }
        XCTAssertEqual(checkIns, ["tokyo@families.example"])
        // Honolulu's seventh day: its check-in, and Tokyo's is not sent twice.
        let later = instant.addingTimeInterval(86_400)
        night.instance.testClock.set(later)
        XCTAssertEqual(try BatchJob(instance: night.instance).run(dates: night.instance.dates(at: later)).checkIns, 1)
    }

    func testATimeZoneIsCheckedLikeTheInstancesAndReportToNeedsAReportTable() throws {
        func problem(_ config: String) -> String {
            do { _ = try ConfigurationLoader.parse(config, file: "/x/kizuna.toml"); return "accepted" } catch { return "\(error)" }
        }
        XCTAssertEqual(problem(twoEditionReportConfig(umeZone: "Mars/Olympus")),
                       #"/x/kizuna.toml: edition[1].time_zone: unknown time zone "Mars/Olympus" (use an IANA name such as Asia/Tokyo)"#)
        XCTAssertEqual(problem(twoEditionReportConfig().replacingOccurrences(of: "[report]\nto = [\"admin@clinic.example\"]", with: "")),
                       "/x/kizuna.toml: edition[1].report_to: needs a [report] table (its to, from and encrypt serve every edition)")
        XCTAssertEqual(problem(twoEditionReportConfig().replacingOccurrences(of: #"["ume-admin@ume.example"]"#, with: #"["ume-admin@ume.example", "ume-admin@UME.example"]"#)),
                       #"/x/kizuna.toml: edition[1].report_to: "ume-admin@UME.example" is named twice"#)
        XCTAssertTrue(problem(twoEditionReportConfig().replacingOccurrences(of: #"["ume-admin@ume.example"]"#, with: #"["not an address"]"#))
            .hasPrefix(#"/x/kizuna.toml: edition[1].report_to: "not an address": "#))
        // Unset, an edition has the instance's day.
        let config = try ConfigurationLoader.parse(twoEditionReportConfig(), file: "/x/kizuna.toml")
        XCTAssertNil(config.editions[1].timeZoneIdentifier)
        XCTAssertEqual(config.editions[0].reportTo, [])
    }
}
