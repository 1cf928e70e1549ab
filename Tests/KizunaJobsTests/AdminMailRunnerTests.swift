import Foundation
import KizunaCore
@testable import KizunaJobs
@testable import KizunaStore
import XCTest

private let fingerprint = "0123456789ABCDEF0123456789ABCDEF01234567"
private let today = CivilDate(iso: "2026-12-07")!

/// Two editions, so that scoping shows: sakura (the mail's) and ume.
private func twoEditionConfig() -> String {
    maildirConfig() + """


    [[edition]]
    id = "ume"
    name = "Ume Clinic"
    address = "kizuna@ume.example"
    languages = ["ja", "en"]
    """
}

final class AdminMailRunnerTests: XCTestCase {
    func instance(_ config: String = maildirConfig()) throws -> NightInstance {
        let night = try NightInstance(config: config)
        night.instance.testClock.set(noonInTokyo(today))
        return night
    }

    func run(_ night: NightInstance, _ text: String, edition: String = "sakura", attachments: [AdminAttachment] = []) throws -> AdminMailOutcome {
        try AdminMailRunner(instance: night.instance).run(AdminRequest(edition: edition, actor: fingerprint, text: text, attachments: attachments))
    }

    func events(_ night: NightInstance) throws -> [EventRecord] {
        try night.store.writer.read { db in try EventRecord.order(EventRecord.Columns.id).fetchAll(db) }
    }

    func detail(_ night: NightInstance, _ email: String, edition: String = "sakura") throws -> SubscriberDetail? {
        try night.store.subscriber(address: try EmailAddress(parsing: email), edition: edition)
    }

    /// Everything the store holds that a command could change, as text.
    func snapshot(_ night: NightInstance) throws -> String {
        try night.store.writer.read { db in
            var out = try SubscriberRecord.order(SubscriberRecord.Columns.id).fetchAll(db).map { "\($0)" }
            out += try SubscriptionRecord.order(SubscriptionRecord.Columns.id).fetchAll(db).map { "\($0)" }
            out += try EventRecord.order(EventRecord.Columns.id).fetchAll(db).map { "\($0)" }
            out += try DeliveryRecord.order(DeliveryRecord.Columns.id).fetchAll(db).map { "\($0)" }
            for table in ["bounce_scores", "held_commands", "bounce_events"] {
                out.append("\(table): \(try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? -1)")
            }
            return out.joined(separator: "\n")
        }
    }

    func testAMultiLineRequestIsCarriedOutAndEveryCommandIsAnEventWithTheKey() throws {
        let night = try instance()
        try night.add("aiko@example.jp", track: .pregnancy, anchor: CivilDate(iso: "2027-03-01")!, today: today)
        let text = """
        Hello Kizuna,

        subscribers add hanako@example.jp --due 2027-01-10 --name はな
        subscribers add taro@example.jp --birth 2026-10-01 --lang en --area north
        pause taro@example.jp --until 2027-01-10
        born hanako@example.jp 2026-12-05
        loss aiko@example.jp
        subscribers show hanako@example.jp
        stats
        help

        -- 
        Dr. Sato
        """
        // "Hello Kizuna," is not a command: the whole mail is refused first.
        let refused = try run(night, text)
        XCTAssertFalse(refused.carriedOut)
        XCTAssertEqual(refused.problems.map(\.line), [1])
        XCTAssertNil(try detail(night, "hanako@example.jp"))

        let outcome = try run(night, text.replacingOccurrences(of: "Hello Kizuna,", with: "> Hello Kizuna,"))
        XCTAssertTrue(outcome.carriedOut, outcome.reply)
        XCTAssertTrue(outcome.changed)
        XCTAssertTrue(outcome.holdsPersonalData)
        XCTAssertEqual(outcome.problems, [])
        XCTAssertTrue(outcome.reply.hasPrefix("Kizuna, edition sakura: 8 commands carried out."), outcome.reply)
        XCTAssertTrue(outcome.reply.contains("> subscribers add hanako@example.jp --due 2027-01-10 --name はな\nadded hanako@example.jp (pregnancy 2027-01-10) as subscriber"), outcome.reply)
        XCTAssertTrue(outcome.reply.contains("> pause taro@example.jp --until 2027-01-10\ntaro@example.jp: paused (until 2027-01-10)"), outcome.reply)
        XCTAssertTrue(outcome.reply.contains("Kizuna on 2026-12-07"), outcome.reply)
        XCTAssertTrue(outcome.reply.contains(AdminCommand.helpText), outcome.reply)

        // The store as the commands left it; `show` answered after them (the child follows).
        let hanako = try XCTUnwrap(try detail(night, "hanako@example.jp"))
        XCTAssertEqual(hanako.subscriptions.map { "\($0.track.rawValue) \($0.anchorDate) \($0.status.rawValue)" },
                       ["pregnancy 2027-01-10 ended", "child 2026-12-05 active"])
        XCTAssertTrue(outcome.reply.contains("subscription \(hanako.subscriptions[1].id!): child born 2026-12-05 \"はな\" status=active"), outcome.reply)
        let taro = try XCTUnwrap(try detail(night, "taro@example.jp"))
        XCTAssertEqual(taro.subscriber.status, .paused)
        XCTAssertEqual(taro.subscriber.pausedUntil, CivilDate(iso: "2027-01-10"))
        XCTAssertEqual(taro.subscriber.language, "en")
        // The sample edition declares its areas: "north" is an alias of kita (北区), stored as the id.
        XCTAssertEqual(taro.subscriber.area, "kita")
        let aiko = try XCTUnwrap(try detail(night, "aiko@example.jp"))
        XCTAssertEqual(aiko.subscriptions.map(\.status), [.ended])

        // Every line carried out is an event with the key's fingerprint; the subscriptions name it as their source.
        let all = try events(night)
        let admin = all.filter { $0.kind == .adminCommand }
        XCTAssertEqual(admin.map { $0.detail ?? "" }, [3, 4, 5, 6, 7, 8, 9, 10].map { n in
            "openpgp:\(fingerprint) line \(n): " + text.split(separator: "\n", omittingEmptySubsequences: false)[n - 1]
        })
        XCTAssertEqual(admin.map(\.subscriberID), [hanako.subscriber.id, taro.subscriber.id, taro.subscriber.id, hanako.subscriber.id,
                                                   aiko.subscriber.id, hanako.subscriber.id, nil, nil])
        XCTAssertEqual(all.filter { $0.kind == .subscribed && $0.detail == "mail openpgp:\(fingerprint)" }.count, 2)
        XCTAssertTrue(all.contains { $0.kind == .born && $0.subscriberID == hanako.subscriber.id })
        XCTAssertTrue(all.contains { $0.kind == .paused && $0.subscriberID == taro.subscriber.id })
        // No mail to the parents: the administrator speaks with the family.
        XCTAssertEqual(try night.deliveries().count, 0)
    }

    func testOneBadLineChangesNothingAtAllAndEveryBadLineIsNamed() throws {
        let night = try instance()
        try night.add("aiko@example.jp", track: .pregnancy, anchor: CivilDate(iso: "2027-03-01")!, today: today)
        let before = try snapshot(night)
        let outcome = try run(night, """
            subscribers add hanako@example.jp --due 2027-01-10
            pause aiko@example.jp
            resume hanako@example.jp
            born aiko@example.jp 2026-12-31
            subscribers add kenji@example.jp --birth 2001-01-01
            subscribers remove nobody@example.jp
            bounces reset aiko@example.jp --edition ume
            pause aiko@example.jp --until 2026-12-07
            pause aiko@example.jp --until 2028-01-10
            """)
        XCTAssertFalse(outcome.carriedOut)
        XCTAssertFalse(outcome.changed)
        XCTAssertTrue(outcome.holdsPersonalData)
        // Line 3: hanako was added by line 1 but is not paused; 4: a birth in the future; 5: the
        // catalog has nothing for an adult; 6: no such subscriber; 7: another edition.
        XCTAssertEqual(outcome.problems.map(\.line), [3, 4, 5, 6, 7, 8, 9], outcome.reply)
        XCTAssertTrue(outcome.problems[0].reason.contains("resume ignored (not paused); nothing changed"), outcome.problems[0].reason)
        XCTAssertEqual(outcome.problems[1].reason, "aiko@example.jp: the birth date 2026-12-31 is in the future; for a baby not yet born, give the due date instead (due, written as YYYY-MM-DD); nothing changed")
        XCTAssertTrue(outcome.problems[2].reason.hasPrefix("--birth: "), outcome.problems[2].reason)
        XCTAssertEqual(outcome.problems[3].reason, "no subscriber nobody@example.jp")
        XCTAssertEqual(outcome.problems[4].reason, "--edition ume: this mail acts on edition sakura only")
        // 8, 9: a pause ends on a later day within a year, as for a parent's own mail.
        XCTAssertEqual(outcome.problems[5].reason, "--until: the pause would end on 2026-12-07, which is not after today; nothing changed")
        XCTAssertEqual(outcome.problems[6].reason, "--until: the pause would end on 2028-01-10, more than a year ahead; nothing changed")
        XCTAssertTrue(outcome.reply.hasPrefix("Nothing was carried out"), outcome.reply)
        XCTAssertTrue(outcome.reply.contains("line 6: subscribers remove nobody@example.jp\n  no subscriber nobody@example.jp"), outcome.reply)
        XCTAssertFalse(outcome.reply.contains("line 1:") || outcome.reply.contains("line 2:"), outcome.reply)
        XCTAssertEqual(try snapshot(night), before, "a refused mail changes nothing at all, not even an event")
    }

    func testACommandActsOnTheMailsEditionOnly() throws {
        let night = try instance(twoEditionConfig())
        try night.add("ume-parent@example.jp", track: .pregnancy, anchor: CivilDate(iso: "2027-03-01")!, edition: "ume", today: today)
        try night.add("sakura-parent@example.jp", track: .pregnancy, anchor: CivilDate(iso: "2027-03-01")!, today: today)
        let before = try snapshot(night)
        for line in ["subscribers show ume-parent@example.jp", "pause ume-parent@example.jp", "subscribers remove ume-parent@example.jp",
                     "bounces show ume-parent@example.jp", "loss ume-parent@example.jp"] {
            let outcome = try run(night, line)
            XCTAssertFalse(outcome.carriedOut, line)
            XCTAssertEqual(outcome.problems.map(\.reason), ["no subscriber ume-parent@example.jp"], line)
            XCTAssertFalse(outcome.reply.contains("ume\n") || outcome.reply.contains("edition ume"), outcome.reply)
        }
        XCTAssertEqual(try snapshot(night), before)
        // The counts and the report by mail are the mail's edition's alone: nothing of ume's.
        let stats = try run(night, "stats --json")
        XCTAssertTrue(stats.carriedOut, stats.reply)
        XCTAssertTrue(stats.reply.contains(#""edition" : "sakura""#), stats.reply)
        XCTAssertTrue(stats.reply.contains(#""active" : 1"#), stats.reply)
        XCTAssertFalse(stats.reply.contains("ume") || stats.reply.contains(#""spool""#), stats.reply)
        let report = try run(night, "report")
        XCTAssertTrue(report.carriedOut, report.reply)
        XCTAssertTrue(report.reply.contains("Edition sakura"), report.reply)
        XCTAssertTrue(report.reply.contains("now: pending 0, active 1,"), report.reply)
        XCTAssertFalse(report.reply.contains("ume") || report.reply.contains("SPOOL"), report.reply)

        let list = try run(night, "subscribers list\nbounces list")
        XCTAssertTrue(list.carriedOut, list.reply)
        XCTAssertTrue(list.reply.contains("sakura-parent@example.jp\tsakura"), list.reply)
        XCTAssertFalse(list.reply.contains("ume-parent"), list.reply)
        // The same address in the other edition is a different subscriber: adding it here leaves ume's alone.
        let added = try run(night, "subscribers add ume-parent@example.jp --due 2027-02-01")
        XCTAssertTrue(added.carriedOut, added.reply)
        XCTAssertEqual(try detail(night, "ume-parent@example.jp", edition: "ume")?.subscriptions.map(\.anchorDate), [CivilDate(iso: "2027-03-01")!])
        XCTAssertEqual(try detail(night, "ume-parent@example.jp")?.subscriptions.map(\.anchorDate), [CivilDate(iso: "2027-02-01")!])
    }

    func testSubscribersImportReadsTheAttachedCSVAndOneBadRowImportsNothing() throws {
        let night = try instance(twoEditionConfig())
        let good = "email,due,birth,name,lang,edition\nhanako@example.jp,2027-02-01,,はな,ja,\ntaro@example.jp,,2026-10-01,,en,sakura\n"
        let bad = good + "kenji@example.jp,2027-13-01,,,ja,\nume@example.jp,2027-02-01,,,ja,ume\n"
        let csv = { (text: String) in AdminAttachment(filename: "members.csv", contentType: "text/csv", data: Data(text.utf8)) }
        let before = try snapshot(night)

        let refused = try run(night, "subscribers import", attachments: [csv(bad)])
        XCTAssertFalse(refused.carriedOut)
        XCTAssertEqual(refused.problems.count, 1)
        XCTAssertTrue(refused.problems[0].reason.hasPrefix("members.csv: 2 rows refused, so none is imported:"), refused.problems[0].reason)
        XCTAssertTrue(refused.problems[0].reason.contains("line 4, column due"), refused.problems[0].reason)
        XCTAssertTrue(refused.problems[0].reason.contains("line 5"), refused.problems[0].reason)
        XCTAssertEqual(try snapshot(night), before)

        XCTAssertEqual(try run(night, "subscribers import").problems.map(\.reason),
                       ["subscribers import needs the CSV file attached to the message (text/csv or a .csv name)"])
        XCTAssertEqual(try run(night, "subscribers import", attachments: [csv(good), csv(good)]).problems.map(\.reason),
                       ["2 CSV files are attached; attach one per message"])
        XCTAssertEqual(try run(night, "subscribers import\nsubscribers import", attachments: [csv(good)]).problems.map(\.line), [2])
        XCTAssertEqual(try snapshot(night), before)

        let done = try run(night, "subscribers import\npause taro@example.jp", attachments: [csv(good)])
        XCTAssertTrue(done.carriedOut, done.reply)
        XCTAssertTrue(done.reply.contains("> subscribers import\nimport: 2 added, 0 already present, 0 refused"), done.reply)
        XCTAssertEqual(try detail(night, "taro@example.jp")?.subscriber.status, .paused)
        XCTAssertEqual(try detail(night, "hanako@example.jp")?.subscriptions.map(\.nickname), ["はな"])
        let sources = try events(night).filter { $0.kind == .subscribed }.map(\.detail)
        XCTAssertEqual(sources, Array(repeating: "import members.csv by mail openpgp:\(fingerprint)", count: 2))
    }

    func testHelpAndLintRepliesHoldNoPersonalData() throws {
        let night = try instance()
        let help = try run(night, "help")
        XCTAssertTrue(help.carriedOut)
        XCTAssertFalse(help.changed)
        XCTAssertFalse(help.holdsPersonalData)
        XCTAssertTrue(help.reply.contains("subscribers add EMAIL (--due DATE | --birth DATE)"), help.reply)
        let lint = try run(night, "content lint")
        XCTAssertFalse(lint.holdsPersonalData)
        XCTAssertTrue(lint.reply.contains("content lint: "), lint.reply)
        XCTAssertTrue(try run(night, "help\nsubscribers list").holdsPersonalData)
        // Reading commands are recorded too: who looked at what.
        XCTAssertEqual(try events(night).filter { $0.kind == .adminCommand }.count, 4)
    }

    func testTheRemainingCommandsCarryOutAsTheCLIDoes() throws {
        let night = try instance()
        let ids = try night.add("aiko@example.jp", track: .pregnancy, anchor: CivilDate(iso: "2027-03-01")!, today: today)
        try night.store.setSubscriberStatus(id: ids.subscriberID, to: .paused, reason: "test", at: noonInTokyo(today))
        let outcome = try run(night, """
            resume aiko@example.jp
            bounces reset aiko@example.jp
            bounces show aiko@example.jp
            report --date 2026-12-07
            subscribers remove aiko@example.jp --reason "moved away"
            """)
        XCTAssertTrue(outcome.carriedOut, outcome.reply)
        XCTAssertTrue(outcome.reply.contains("aiko@example.jp: resumed (by request)"), outcome.reply)
        XCTAssertTrue(outcome.reply.contains("aiko@example.jp: no bounce score to reset (status active)"), outcome.reply)
        XCTAssertTrue(outcome.reply.contains("stopped aiko@example.jp (subscriber \(ids.subscriberID))"), outcome.reply)
        XCTAssertTrue(outcome.reply.contains("Subject: "), outcome.reply)
        let d = try XCTUnwrap(try detail(night, "aiko@example.jp"))
        XCTAssertEqual(d.subscriber.status, .stopped)
        XCTAssertTrue(d.events.contains { $0.kind == .stopped && $0.detail == "moved away" })
    }
}
