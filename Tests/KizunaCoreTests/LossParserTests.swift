import Testing
@testable import KizunaCore

private let today = CivilDate(iso: "2026-11-20")!

private func parse(_ subject: String, _ body: String = "") -> MailCommand {
    CommandParser.parse(subject: subject, body: body, today: today).command
}

/// The kind of a reported loss (what the lifecycle ends) and the child a `resume` names.
@Suite struct LossParserTests {
    @Test(arguments: [
        ("流産しました", LossKind.pregnancy),
        ("稽留流産と診断されました", .pregnancy),
        ("死産でした", .pregnancy),
        ("赤ちゃんが流れてしまいました", .pregnancy),
        ("We had a miscarriage last week", .pregnancy),
        ("The baby was stillborn", .pregnancy),
        ("We lost the pregnancy", .pregnancy),
        ("赤ちゃんが亡くなりました", .unspecified),
        ("お腹の赤ちゃんが天使になりました", .unspecified),
        ("Our baby passed away", .unspecified),
        ("Our baby died on Sunday", .unspecified),
        ("We lost our baby", .unspecified),
        ("loss", .unspecified),
        ("赤ちゃんの心拍が止まってしまいました", .unspecified),
        // A word that does not place the loss makes the whole message unspecified.
        ("流産しました。赤ちゃんが亡くなりました", .unspecified),
    ])
    func lossKinds(body: String, kind: LossKind) {
        #expect(parse("", body) == .loss(kind))
    }

    @Test func hedgesStillKeepALossWordFromCounting() {
        #expect(parse("", "切迫流産で入院しています") != .loss(.pregnancy))
        #expect(parse("", "友達の赤ちゃんが亡くなりました") == .unknown(.noCommand))
        #expect(parse("", "Not a miscarriage, the baby is fine") == .unknown(.noCommand))
    }

    @Test(arguments: [
        ("再開", "", MailCommand.resume(nil)),
        ("resume", "", .resume(nil)),
        ("配信再開をお願いします", "", .resume(nil)),
        ("再開 ハナ", "", .resume(.nickname("ハナ"))),
        ("", "再開　ハナ", .resume(.nickname("ハナ"))),
        ("", "再開：はなちゃん", .resume(.nickname("はなちゃん"))),
        ("", "ハナの配信を再開してください", .resume(.nickname("ハナ"))),
        ("", "たろうを再開", .resume(.nickname("たろう"))),
        ("resume Hana", "", .resume(.nickname("Hana"))),
        ("", "resume Hana please", .resume(.nickname("Hana"))),
        ("", "resume 2025-03-01", .resume(.date(year: 2025, month: 3, day: 1))),
        ("", "再開 2025年3月1日", .resume(.date(year: 2025, month: 3, day: 1))),
        ("", "再開 令和7年3月1日", .resume(.date(year: 2025, month: 3, day: 1))),
        ("", "再開 3月1日", .resume(.date(year: nil, month: 3, day: 1))),
        ("", "resume 2025-02-30", .resume(.nickname("2025-02-30"))),
        ("", "resume sending", .resume(nil)),
    ])
    func resumeTargets(subject: String, body: String, expected: MailCommand) {
        #expect(parse(subject, body) == expected)
    }

    @Test func aSentenceThatMentionsResumingIsNotAResume() {
        #expect(parse("", "明日から仕事を再開する予定です") == .unknown(.noCommand))
        #expect(parse("", "再開しました") != .resume(.nickname("しました")))
    }

    @Test func theTargetNamesASubscriptionByNicknameOrDate() {
        let birth = CivilDate(iso: "2025-03-01")!
        #expect(ResumeTarget.nickname("はな").names(nickname: "ハナ", anchor: birth) == false)
        #expect(ResumeTarget.nickname("はなちゃん").names(nickname: "はな", anchor: birth))
        #expect(ResumeTarget.date(year: 2025, month: 3, day: 1).names(nickname: nil, anchor: birth))
        #expect(ResumeTarget.date(year: nil, month: 3, day: 1).names(nickname: "はな", anchor: birth))
        #expect(!ResumeTarget.date(year: 2024, month: 3, day: 1).names(nickname: nil, anchor: birth))
    }
}
