import Foundation
import GRDB
import KizunaContent
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// Two editions' own content through the real Postfix and Dovecot (`TwoEditionStack`): edition A
/// has a catalog overlay (its own day-140 message, a day-141 stage the shared catalog lacks, and
/// its own welcome), edition B has none but a reader survey of its own. Families of both subscribe and confirm by mail; each gets only its
/// own edition's texts, only B's family gets and answers the survey (from a phone, ISO-2022-JP),
/// A's family's number is read as it always was, and no mail either family receives holds
/// anything of the other edition.
final class MailstackEditionContentTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    /// The first line of the shared day-140 message (`messages/ja/pregnancy/d0140.md`).
    static let sharedDay140 = "妊娠期間の、ちょうど折り返しです。"
    /// The first line of the shared welcome (`system/ja/welcome.md`).
    static let sharedWelcome = "登録が完了しました。"

    /// A's overlay: its own day-140 message, a stage of its own (day 141) and its own welcome, in Japanese.
    func writeOverlay(of edition: String, marker: String, into templates: URL) throws {
        let own = templates.appendingPathComponent("editions/\(edition)")
        for folder in ["messages/ja/pregnancy", "system/ja"] {
            try FileManager.default.createDirectory(at: own.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try sampleMessage(track: "pregnancy", stage: "day = 140", subject: "OVERLAY-A-SUBJECT \(marker) 20週",
                          body: "OVERLAY-A-DAILY \(marker): {{nickname}}のご家族へ、{{edition_name}}の助産師から。")
            .write(to: own.appendingPathComponent("messages/ja/pregnancy/d0140.md"), atomically: true, encoding: .utf8)
        try sampleMessage(track: "pregnancy", stage: "day = 141", subject: "OVERLAY-A-ADDED \(marker) 20週1日",
                          body: "OVERLAY-A-ADDED-DAILY \(marker): {{weeks_days}}、{{edition_name}}だけのメッセージです。")
            .write(to: own.appendingPathComponent("messages/ja/pregnancy/d0141.md"), atomically: true, encoding: .utf8)
        try ("+++\nsubject = \"OVERLAY-A-WELCOME {{edition_name}}\"\nsample = true\n[review]\nstatus = \"unreviewed\"\n+++\n"
             + "OVERLAY-A-WELCOME-BODY \(marker): 最初のメッセージ「{{first_message_subject}}」は{{next_message_date}}にお届けします。\n")
            .write(to: own.appendingPathComponent("system/ja/welcome.md"), atomically: true, encoding: .utf8)
    }

    /// A survey for B's families only, open from `from` for two weeks. The shipped sample survey
    /// (every edition, at child/m06) is removed: it would overlap this one, a load error.
    func writeSurvey(_ id: String, for edition: String, marker: String, from: CivilDate, into templates: URL) throws {
        try FileManager.default.removeItem(at: templates.appendingPathComponent("surveys/reading.md"))
        try """
            +++
            editions = ["\(edition)"]
            from_date = \(from.iso)
            until_date = \(from.adding(days: 13).iso)
            sample = true

            [ja]
            question = "SURVEY-B \(marker) 絆のメールをどのくらい読んでいますか？"
            choices = ["届いたらすぐに読む", "その日のうちに読む", "時間があるときにまとめて読む", "あまり読まない"]

            [en]
            question = "SURVEY-B \(marker) How often do you read Kizuna's mail?"
            choices = ["As soon as it arrives", "Later the same day", "Now and then, several at once", "Rarely"]

            [review]
            status = "unreviewed"
            reviewer = ""
            reviewed_on = ""
            +++
            """.write(to: templates.appendingPathComponent("surveys/\(id).md"), atomically: true, encoding: .utf8)
    }

    func testEachEditionsFamiliesGetOnlyItsOverlayAndItsSurveyAndNothingOfTheOther() throws {
        let stack = try TwoEditionStack()
        let (a, b, marker, today) = (stack.a, stack.b, stack.marker, stack.today)
        let surveyID = b.id
        try writeOverlay(of: a.id, marker: marker, into: stack.templates)
        try writeSurvey(surveyID, for: b.id, marker: marker, from: today, into: stack.templates)
        let lint = try stack.run(["content", "lint"])
        XCTAssertEqual(lint.status, 0, lint.output)
        // Plus addresses: only this test's mail is addressed to them in the shared INBOXes. Two
        // families an edition: one subscribes and confirms by mail (its welcome carries today's
        // message), one is added by the administrator (today's message comes in the night's mail).
        let familyA = try stack.family("parent1+\(a.id)@families.test", box: "parent1@families.test", of: a)
        let familyB = try stack.family("parent2+\(b.id)@families.test", box: "parent2@families.test", of: b)
        let addedA = try stack.family("parent1+\(a.id).added@families.test", box: "parent1@families.test", of: a)
        let addedB = try stack.family("parent2+\(b.id).added@families.test", box: "parent2@families.test", of: b)
        let due = today.adding(days: 140)  // pregnancy day 140 today: a message in the shared catalog and in A's overlay
        func subscriber(_ f: TwoEditionStack.Family) throws -> Int64 {
            try XCTUnwrap(try stack.store.subscriber(address: f.address, edition: f.edition.id)?.subscriber.id)
        }

        // 1. Subscribed and confirmed by mail: A's welcome is A's own, with A's day-140 message below it.
        let welcomes = try stack.subscribeAndConfirm([familyA, familyB], due: due)
        let welcomeA = welcomes[0].readable, welcomeB = welcomes[1].readable
        XCTAssertEqual(welcomes[0].subject, "OVERLAY-A-WELCOME \(a.name)")
        XCTAssertTrue(welcomeA.contains("OVERLAY-A-WELCOME-BODY \(marker)"), welcomeA)
        XCTAssertTrue(welcomeA.contains("OVERLAY-A-DAILY \(marker)"), welcomeA)
        XCTAssertFalse(welcomeA.contains(Self.sharedWelcome) || welcomeA.contains(Self.sharedDay140), welcomeA)
        XCTAssertTrue(welcomeB.contains(Self.sharedWelcome) && welcomeB.contains(Self.sharedDay140), welcomeB)
        XCTAssertTrue(welcomeA.contains(a.local) && welcomeB.contains(b.local), "each welcome's message with its own local information")
        // The next mail by each edition's own schedule: A's stage tomorrow, B's shared week 20+0 → 21+0.
        XCTAssertTrue(welcomeA.contains(ContentCatalog.dateWords(today.adding(days: 1), language: "ja")), welcomeA)
        XCTAssertTrue(welcomeB.contains(ContentCatalog.dateWords(today.adding(days: 7), language: "ja")), welcomeB)
        for f in [addedA, addedB] {
            let added = try stack.run(["subscribers", "add", f.address.description, "--due", due.iso, "--lang", "ja", "--edition", f.edition.id])
            XCTAssertEqual(added.status, 0, added.output)
        }

        // 2. Tonight: the added family of A gets A's day-140 message; B's gets the shared one with
        //    B's survey under it. B's other family got its mail of the day (the welcome, with the
        //    day's message): the survey, which would go alone, waits for tomorrow night. A's
        //    families never get the survey.
        let night = try stack.run(["nightly", "--date", today.iso])
        XCTAssertEqual(night.status, 0, night.output)
        let dailyA = try stack.lastMail(to: addedA, kind: .daily), dailyB = try stack.lastMail(to: addedB, kind: .daily)
        let textA = dailyA.readable, textB = dailyB.readable
        XCTAssertEqual(dailyA.subject, "OVERLAY-A-SUBJECT \(marker) 20週")
        XCTAssertTrue(textA.contains("OVERLAY-A-DAILY \(marker): ") && textA.contains(a.name), textA)
        XCTAssertTrue(textA.contains(a.local), textA)
        XCTAssertFalse(textA.contains(Self.sharedDay140), textA)
        XCTAssertEqual(dailyB.subject, "20週0日　からだの真ん中、折り返し地点")
        XCTAssertTrue(textB.contains(Self.sharedDay140), textB)
        XCTAssertTrue(textB.contains(b.local), textB)
        XCTAssertTrue(textB.contains("SURVEY-B \(marker) 絆のメールをどのくらい読んでいますか？"), textB)
        XCTAssertTrue(textB.contains("2. その日のうちに読む"), textB)
        for f in [familyA, familyB] {
            XCTAssertTrue(try stack.night.deliveries().filter { $0.recipient == f.address.smtpPath && $0.kind == .daily }.isEmpty,
                          "nothing tonight for \(f.address): its message came with the welcome (A's survey: none; B's: tomorrow)")
        }
        let sends = try stack.store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT survey_id, subscriber_id, edition FROM survey_sends ORDER BY subscriber_id").map {
                "\($0["survey_id"] as String) \($0["subscriber_id"] as Int64) \($0["edition"] as String)"
            }
        }
        XCTAssertEqual(sends, ["\(surveyID) \(try subscriber(addedB)) \(b.id)"], "sent to B's added family, to no family of A")

        // 3. B's added family answers from a phone (full-width ２, a comment, the daily quoted
        //    below); A's writes the same ２ back to its own daily, with no survey open for it.
        func quoted(_ mail: DeliveredMail) -> String {
            (mail.part("text/plain") ?? "").replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").map { "> " + $0 }.joined(separator: "\n")
        }
        try stack.submit(from: addedB.address.description, rcpt: b.address, subject: "Re: " + (dailyB.subject ?? ""),
                         body: "２です\n夜に家族と読んでいます\n\n\(today.iso) \(b.name) <\(b.address)>:\n" + quoted(dailyB),
                         messageID: "\(marker).answer-b@families.test", inReplyTo: dailyB.angle("Message-ID"), iso2022jp: true)
        try stack.submit(from: addedA.address.description, rcpt: a.address, subject: "Re: " + (dailyA.subject ?? ""),
                         body: "２\n\n" + quoted(dailyA), messageID: "\(marker).answer-a@families.test", inReplyTo: dailyA.angle("Message-ID"))
        func answers() throws -> [String] {
            try stack.store.writer.read { db in
                try Row.fetchAll(db, sql: "SELECT survey_id, subscriber_id, edition, choice, comment FROM survey_answers ORDER BY subscriber_id").map {
                    "\($0["survey_id"] as String) \($0["subscriber_id"] as Int64) \($0["edition"] as String) \($0["choice"] as Int) \($0["comment"] as String? ?? "-")"
                }
            }
        }
        func read(_ messageID: String) throws -> Bool {
            try (stack.store.inboundMessages(status: .applied) + stack.store.inboundMessages(status: .ignored)).contains { $0.messageID == messageID }
        }
        try eventually("both replies read", step: { try stack.poll() }, done: {
            try read("\(marker).answer-b@families.test") && read("\(marker).answer-a@families.test")
        })
        XCTAssertEqual(try answers(), ["\(surveyID) \(try subscriber(addedB)) \(b.id) 2 夜に家族と読んでいます"], "B's answer only")
        let eventsA = try XCTUnwrap(try stack.store.subscriber(address: addedA.address, edition: a.id)).events
        XCTAssertFalse(eventsA.contains { $0.kind == .surveyAnswered }, "\(eventsA)")
        XCTAssertTrue(eventsA.contains { $0.kind == .notACommand && $0.detail == "a reply to our mail" }, "today's behaviour: \(eventsA)")

        let sent = try stack.run(["send"])
        XCTAssertEqual(sent.status, 0, sent.output)
        let thanks = try stack.lastMail(to: addedB, kind: .system)
        XCTAssertEqual(thanks.subject, "アンケートへのご回答ありがとうございます")
        XCTAssertTrue(thanks.readable.contains("いただいた回答：2（その日のうちに読む）"), thanks.readable)
        XCTAssertTrue(try stack.night.deliveries().filter { $0.recipient == addedA.address.smtpPath && $0.kind == .system }.isEmpty,
                      "no thank-you, no reply to A's number")
        for f in [familyA, familyB, addedA, addedB] {
            XCTAssertEqual(try stack.status(f.address, f.edition.id), .active, "\(f.address): the quoted footer's 停止 is not the parent's")
        }

        // 4. Tomorrow, day 141: a stage only A's overlay has. Both of A's families get it; of B's
        //    (shared schedule), only the family welcomed yesterday gets mail: the survey, alone.
        let tomorrow = today.adding(days: 1)
        let second = try stack.run(["nightly", "--date", tomorrow.iso])
        XCTAssertEqual(second.status, 0, second.output)
        for f in [familyA, addedA] {
            let added = try stack.lastMail(to: f, kind: .daily)
            XCTAssertEqual(added.subject, "OVERLAY-A-ADDED \(marker) 20週1日")
            XCTAssertTrue(added.readable.contains("OVERLAY-A-ADDED-DAILY \(marker): 20週1日、\(a.name)だけのメッセージです。"), added.readable)
            XCTAssertTrue(added.readable.contains(a.local), added.readable)
        }
        XCTAssertEqual(Set(try stack.night.deliveries().filter { $0.localDate == tomorrow }.map(\.recipient)),
                       Set([familyA, addedA, familyB].map(\.address.smtpPath)), "nothing of A's stage for B's families")
        let surveyB = try stack.lastMail(to: familyB, kind: .daily).readable
        XCTAssertTrue(surveyB.contains("SURVEY-B \(marker) 絆のメールをどのくらい読んでいますか？"), surveyB)
        XCTAssertFalse(surveyB.contains("OVERLAY-A") || surveyB.contains(Self.sharedDay140), surveyB)

        // 5. The results: B's one answer of two sent, aggregated; A is not the survey's edition.
        let csv = try stack.run(["surveys", "results", surveyID, "--edition", b.id, "--csv"])
        XCTAssertEqual(csv.status, 0, csv.output)
        let row = "\(surveyID),\(b.id),"
        XCTAssertTrue(csv.output.contains(row + "choice,2,その日のうちに読む,1,100.0\r\n"), csv.output)
        XCTAssertTrue(csv.output.contains(row + "choice,1,届いたらすぐに読む,0,0.0\r\n"), csv.output)
        XCTAssertTrue(csv.output.contains(row + "sent,,,2,\r\n"), csv.output)
        XCTAssertTrue(csv.output.contains(row + "answered,,,1,50.0\r\n"), csv.output)
        XCTAssertTrue(csv.output.contains(row + "comment,2,夜に家族と読んでいます,,\r\n"), csv.output)
        XCTAssertFalse(csv.output.contains("families.test"), "never an address: \(csv.output)")
        let refused = try stack.run(["surveys", "results", surveyID, "--edition", a.id, "--csv"])
        XCTAssertEqual(refused.status, 64, refused.output)
        XCTAssertTrue(refused.output.contains("survey '\(surveyID)' is not for edition '\(a.id)'; it is for: \(b.id)"), refused.output)

        // 6. Every mail each family received, as delivered: its own edition's, nothing of the other's
        //    (name, address, local information, overlay, survey).
        let onlyA = a.all + ["OVERLAY-A"]
        let onlyB = b.all + ["SURVEY-B", "読者アンケート", "アンケートへのご回答"]
        let expected = [(familyA, 3, onlyB), (addedA, 2, onlyB), (familyB, 3, onlyA), (addedB, 2, onlyA)]
        for (family, count, leaks) in expected {
            let mails = try stack.everyMail(to: family)
            let sentToIt = try stack.night.deliveries().filter { $0.recipient == family.address.smtpPath && $0.status == .sent }
            XCTAssertEqual(mails.count, count, "\(family.address): confirmation request and welcome, or the daily; A's stage for A, the survey and thank-you for B")
            XCTAssertEqual(Set(mails.compactMap { $0.angle("Message-ID") }), Set(sentToIt.compactMap(\.messageID)),
                           "\(family.address): every mail sent to it arrived, and no other")
            for mail in mails {
                XCTAssertTrue(mail.readable.contains(family.edition.address), "\(mail.subject ?? "")")
                for leak in leaks {
                    XCTAssertFalse(mail.readable.contains(leak), "\(leak) leaked into \(family.edition.id)'s mail \(mail.subject ?? ""): \(mail.readable)")
                }
            }
        }
    }
}
