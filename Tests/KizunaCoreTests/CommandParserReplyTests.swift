import Testing
@testable import KizunaCore

private let today = CivilDate(iso: "2026-11-20")!
private let ours = ReplyToOurMail(messageID: "kizuna.4h.20261119.2k9f1x@clinic.example", header: .inReplyTo)

/// A reply to our mail, known by its In-Reply-To or References (our daily subjects carry no
/// bracket): chatter is recorded, not answered; the parent's own commands count as ever.
@Suite struct CommandParserReplyTests {
    static let repliesToOurMail: [CommandCase] = [
        CommandCase("Re: 40週0日 出産予定日を迎えて", "ありがとうございます", "unknown replyToDailyMessage", .ja),
        CommandCase("Re: 40週0日 出産予定日を迎えて", "", "unknown replyToDailyMessage"),
        CommandCase("Re: Week 40: your due date", "thank you, this helped", "unknown replyToDailyMessage", .en),
        CommandCase("返信: 生後3か月 よく笑うようになりました", "いつも楽しみにしています。夜泣きをやめてほしいです笑", "unknown replyToDailyMessage", .ja),
        // Our system mails: a thank-you to the help or status mail is not answered with another.
        CommandCase("Re: さくらの使い方", "わかりました、ありがとうございます", "unknown replyToDailyMessage", .ja),
        CommandCase("Re: Messages paused", "thanks!", "unknown replyToDailyMessage", .en),
        // The parent's own words.
        CommandCase("Re: 40週0日 出産予定日を迎えて", "停止", "stop all", .ja),
        CommandCase("Re: 40週0日 出産予定日を迎えて", "ありがとうございます。\n配信停止をお願いします", "stop all", .ja),
        CommandCase("Re: 40週0日 出産予定日を迎えて", "再開", "resume", .ja),
        CommandCase("Re: 40週0日 出産予定日を迎えて", "生まれました 2026-11-18", "born 2026-11-18", .ja),
        CommandCase("Re: 40週0日 出産予定日を迎えて", "予定日 2026-12-01", "due 2026-12-01", .ja),
        CommandCase("Re: 40週0日 出産予定日を迎えて", "再開\n停止", "stop all", .ja),
        CommandCase("Re: Week 40: your due date", "Thanks\nstop", "stop all", .en),
        // A stop below the first lines: chatter gets no answer, so it must not go unseen.
        CommandCase("Re: 40週0日", "ありがとうございます\n毎日読んでいます\n夫も楽しみに\nしています\n本当に\n\nでも、もう配信停止してください",
                    "stop all", .ja),
        // A subject the parent wrote themself (no reply prefix) is their words.
        CommandCase("停止", "", "stop all", .ja),
        // Tokens still count: replying to our confirmation request confirms.
        CommandCase("Re: 登録の確認 [c-2n9c-fs4-abcdefgh]", "", "confirm c-2n9c-fs4-abcdefgh", .ja),
        CommandCase("Re: 40週0日", "ありがとう", plus: "u-2n9c-abcdefgh", "stop all"),
        // A loss in the new text is a loss.
        CommandCase("Re: 20週0日 赤ちゃんの様子", "流産しました", "loss", .ja),
    ]

    @Test(arguments: repliesToOurMail) func replyToOurMail(_ c: CommandCase) {
        let parsed = CommandParser.parse(subject: c.subject, body: c.body, plusDetail: c.plus, replyTo: ours, today: today)
        #expect(commandSummary(parsed.command) == c.expected, "why: \(parsed.why)")
        if let language = c.language { #expect(parsed.language == language, "why: \(parsed.why)") }
    }

    /// Without the header, the same quoted subject is read as before: a stranger's reply or a
    /// forward may quote anything, and then only a stop in it counts, when the new text has none.
    static let notOurs: [CommandCase] = [
        CommandCase("Re: 40週0日 出産予定日を迎えて", "ありがとうございます", "unknown noCommand", .ja),
        CommandCase("Re: 配信を停止しました", "", "stop all"),
        CommandCase("Re: 40週0日 出産予定日を迎えて", "停止", "stop all", .ja),
    ]

    @Test(arguments: notOurs) func withoutTheHeader(_ c: CommandCase) {
        let parsed = CommandParser.parse(subject: c.subject, body: c.body, plusDetail: c.plus, today: today)
        #expect(commandSummary(parsed.command) == c.expected, "why: \(parsed.why)")
    }

    @Test func whyNamesTheHeaderAndOurMessageID() {
        let parsed = CommandParser.parse(subject: "Re: 40週0日 出産予定日を迎えて", body: "ありがとうございます", replyTo: ours, today: today)
        #expect(parsed.why.contains { $0.source == .header("In-Reply-To") && $0.matched == ours.messageID })
        #expect(parsed.why.contains(CommandEvidence(source: .subject, matched: "40週0日 出産予定日を迎えて",
                                                    meaning: "ignored: our mail's subject, quoted in a reply to it")))
        #expect(parsed.why.map(\.description).contains { $0.hasPrefix("In-Reply-To: \"kizuna.4h.") })
    }

    @Test func ourMessageIDsAreKnownByShapeAndDomain() {
        let id = OwnMessageID.delivery(4321, date: today, domain: "clinic.example")
        #expect(ReplyToOurMail.isOurs(id, domain: "clinic.example"))
        #expect(ReplyToOurMail.isOurs(id, domain: "CLINIC.example"))
        #expect(ReplyToOurMail.isOurs("<\(id)>", domain: "clinic.example"))
        #expect(!ReplyToOurMail.isOurs(id, domain: "other.example"))
        #expect(!ReplyToOurMail.isOurs("CAF=abc123@mail.gmail.example", domain: "clinic.example"))
        #expect(!ReplyToOurMail.isOurs("kizuna.xyz@clinic.example", domain: "clinic.example"))
        // The administrator's report is never a family's mail.
        #expect(!ReplyToOurMail.isOurs(OwnMessageID.report(7, date: today, domain: "clinic.example"), domain: "clinic.example"))
        #expect(ReplyToOurMail.find(inReplyTo: ["CAF=abc@mail.gmail.example"], references: [], domain: "clinic.example") == nil)
        #expect(ReplyToOurMail.find(inReplyTo: ["CAF=abc@mail.gmail.example"], references: [id, "x@y.example"], domain: "clinic.example")
                == ReplyToOurMail(messageID: id, header: .references))
        #expect(ReplyToOurMail.find(inReplyTo: [id], references: [id], domain: "clinic.example")?.header == .inReplyTo)
    }
}
