import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// A reader survey the whole way through the real Postfix and Dovecot: a family whose child
/// turns six months today gets the shipped sample survey (`reading`, stage `child/m06`) in its
/// daily mail, answers from a Japanese phone (full-width digit, ISO-2022-JP, a comment, the
/// daily quoted below), gets the thank-you, and `surveys results --csv` shows the tally and the
/// comment, never the address. The parent writes as `parent1+<marker>@families.test` in an
/// edition of its own (see `LossJourney`), so no other test's mail or survey is counted.
final class MailstackSurveyTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    func testAFamilyAnswersTheSurveyInItsDailyMailFromAPhoneAndTheCSVTalliesIt() throws {
        let j = try LossJourney()
        _ = try j.run(["subscribers", "add", j.parent.description, "--birth", j.today.adding(months: -6).iso, "--lang", "ja",
                       "--edition", j.marker])
        let daily = try j.dailyMail(on: j.today)
        let dailyText = j.text(daily)
        XCTAssertTrue(dailyText.contains("絆のメールが届いたとき、どのくらい読んでいますか？"), dailyText)

        let quoted = dailyText.split(separator: "\n").map { "> " + $0 }.joined(separator: "\n")
        try j.submit(subject: "Re: " + (daily.subject ?? ""),
                     body: "３です。\n夜の授乳中に読んでいます\n\n\(j.ja(j.today)) Kizuna test clinic <kizuna@clinic.test>:\n" + quoted,
                     inReplyTo: daily.angle("Message-ID"), iso2022jp: true)
        let thanks = try j.sendAndReadReply(after: "the answer")
        XCTAssertEqual(thanks.subject, "アンケートへのご回答ありがとうございます")
        XCTAssertTrue(j.text(thanks).contains("いただいた回答：3（"), j.text(thanks))
        XCTAssertEqual(try j.subscriptions().map(\.status), [.active], "the quoted footer's 停止 is not the parent's")

        let csv = try j.run(["surveys", "results", "reading", "--edition", j.marker, "--csv"])
        XCTAssertTrue(csv.contains("survey,edition,row,choice,text,count,percent\r\n"), csv)
        let row = "reading,\(j.marker),"
        XCTAssertTrue(csv.contains(row + "choice,1,"), csv)
        XCTAssertTrue(csv.range(of: row + "choice,3,[^\r]*,1,100.0\r\n", options: .regularExpression) != nil, csv)
        XCTAssertTrue(csv.contains(row + "sent,,,1,\r\n"), csv)
        XCTAssertTrue(csv.contains(row + "answered,,,1,100.0\r\n"), csv)
        XCTAssertTrue(csv.contains(row + "comment,3,夜の授乳中に読んでいます,,\r\n"), csv)
        XCTAssertFalse(csv.contains("families.test"), "never an address: \(csv)")
    }
}
