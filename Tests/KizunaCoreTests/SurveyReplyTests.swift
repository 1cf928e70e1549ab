import Testing
@testable import KizunaCore

private let today = CivilDate(iso: "2027-03-10")!

/// One reply text and what it answers to a survey of `choices` choices ("-" for no answer).
struct SurveyReplyCase: CustomTestStringConvertible, Sendable {
    var text: String
    var choices: Int
    var expected: SurveyReply?
    init(_ text: String, _ expected: Int?, _ comment: String? = nil, choices: Int = 5) {
        self.text = text; self.choices = choices
        self.expected = expected.map { SurveyReply(choice: $0, comment: comment) }
    }
    var testDescription: String {
        "\(text.replacingNewlines()) → \(expected.map { "\($0.choice) \($0.comment ?? "")" } ?? "-")"
    }
}

/// A survey answer as phones write it: the number first, full-width or not, with Japanese or
/// English politeness around it, and what follows kept as the comment.
@Suite struct SurveyReplyTests {
    static let answers: [SurveyReplyCase] = [
        SurveyReplyCase("3", 3),
        SurveyReplyCase("３", 3),
        SurveyReplyCase(" ３ ", 3),
        SurveyReplyCase("3です", 3),
        SurveyReplyCase("３です", 3),
        SurveyReplyCase("３です。", 3),
        SurveyReplyCase("3です!", 3),
        SurveyReplyCase("３番", 3),
        SurveyReplyCase("3番です", 3),
        SurveyReplyCase("３番です。", 3),
        SurveyReplyCase("3番目です", 3),
        SurveyReplyCase("3.", 3),
        SurveyReplyCase("3)", 3),
        SurveyReplyCase("(3)", 3),
        SurveyReplyCase("（３）", 3),
        SurveyReplyCase("「3」", 3),
        SurveyReplyCase("③", 3),
        SurveyReplyCase("No.3", 3),
        SurveyReplyCase("#3", 3),
        SurveyReplyCase("答えは3です", 3),
        SurveyReplyCase("回答：２", 2),
        SurveyReplyCase("I'd say 4", 4),
        SurveyReplyCase("I’d say 4", 4),
        SurveyReplyCase("i would say 1.", 1),
        SurveyReplyCase("5", 5),
        SurveyReplyCase("1", 1, choices: 1),
        SurveyReplyCase("10", 10, choices: 10),
        // The comment: the rest of the line after a separator, and the lines below.
        SurveyReplyCase("4 - we read it every day", 4, "we read it every day"),
        SurveyReplyCase("4, mostly at night", 4, "mostly at night"),
        SurveyReplyCase("３です。毎日楽しみに読んでいます。", 3, "毎日楽しみに読んでいます。"),
        SurveyReplyCase("３です 夫も読んでいます", 3, "夫も読んでいます"),
        SurveyReplyCase("3番です\n夜の授乳中に読んでいます", 3, "夜の授乳中に読んでいます"),
        SurveyReplyCase("2\n\nいつもありがとうございます。\n上の子の時にも読みたかったです。", 2,
                        "いつもありがとうございます。\n上の子の時にも読みたかったです。"),
        SurveyReplyCase("３、届いたらすぐ読みます", 3, "届いたらすぐ読みます"),
        SurveyReplyCase("3: short and kind", 3, "short and kind"),
        // Quoted original and signature below: not the parent's words.
        SurveyReplyCase("３です\n\n> 1. 届いたらすぐ読む\n> 2. 週末にまとめて", 3),
        SurveyReplyCase("4\n-- \nHanako Sato\n090-1234-5678", 4),
        // A phone's signature without `-- `: an address or a phone number is no comment.
        SurveyReplyCase("３です\n佐藤花子\nTEL ０９０－１２３４－５６７８\nhanako@docomo.ne.jp", 3, "佐藤花子"),
        SurveyReplyCase("2 - read it 10 times a day, 2025 was a hard year", 2, "read it 10 times a day, 2025 was a hard year"),
        SurveyReplyCase("1 いつも助かっています\n\n2027年3月9日 さくら <kizuna@clinic.example>:\n> 生後3か月", 1, "いつも助かっています"),
        SurveyReplyCase("2\nOn Tue, 9 Mar 2027, Sakura <kizuna@clinic.example> wrote:\n> stop", 2),
        // A comment with words the parser lets pass inside a sentence (weak, not stop or loss).
        SurveyReplyCase("3 お休みの日にまとめて読みます", 3, "お休みの日にまとめて読みます"),
        SurveyReplyCase("4 - I check it every morning", 4, "I check it every morning"),
        SurveyReplyCase("3 配信を止めないでください", 3, "配信を止めないでください"),
        SurveyReplyCase("2 週末にまとめて読んでいます", 2, "週末にまとめて読んでいます"),
        SurveyReplyCase("4 - I read it at 7:30", 4, "I read it at 7:30"),
    ]

    @Test(arguments: answers) func readsTheAnswer(_ c: SurveyReplyCase) {
        #expect(SurveyReply.read(c.text, choices: c.choices, today: today) == c.expected)
    }

    static let notAnswers: [SurveyReplyCase] = [
        // Nothing, or no number first.
        SurveyReplyCase("", nil),
        SurveyReplyCase("ありがとうございます", nil),
        SurveyReplyCase("いつも読んでいます 3", nil),
        SurveyReplyCase("thank you!", nil),
        // Out of range.
        SurveyReplyCase("0", nil),
        SurveyReplyCase("6", nil),
        SurveyReplyCase("６です", nil),
        SurveyReplyCase("12", nil),
        SurveyReplyCase("03", nil),
        SurveyReplyCase("-3", nil),
        SurveyReplyCase("2", nil, choices: 1),
        // Dates, times, amounts, ranges.
        SurveyReplyCase("3/15", nil),
        SurveyReplyCase("３／１５", nil),
        SurveyReplyCase("3月15日", nil),
        SurveyReplyCase("３月１５日です", nil),
        SurveyReplyCase("3日", nil),
        SurveyReplyCase("2027-03-15", nil),
        SurveyReplyCase("2027/3/15", nil),
        SurveyReplyCase("R9.3.15", nil),
        SurveyReplyCase("令和9年3月15日", nil),
        SurveyReplyCase("3.15", nil),
        SurveyReplyCase("3-15", nil),
        SurveyReplyCase("3 March", nil),
        SurveyReplyCase("4 May 2027", nil),
        SurveyReplyCase("3 15日に生まれました", nil),
        SurveyReplyCase("3:00", nil),
        SurveyReplyCase("3か月になりました", nil),
        SurveyReplyCase("3ヶ月", nil),
        SurveyReplyCase("3歳", nil),
        SurveyReplyCase("3kg", nil),
        SurveyReplyCase("3rd", nil),
        SurveyReplyCase("3%", nil),
        SurveyReplyCase("3 or 4", nil),
        SurveyReplyCase("3か4", nil),
        SurveyReplyCase("3と4", nil),
        SurveyReplyCase("3,4", nil),
        SurveyReplyCase("3-4", nil),
        SurveyReplyCase("3~4", nil),
        SurveyReplyCase("３〜４", nil),
        SurveyReplyCase("(3", nil),
        // Commands: a care command always wins, and any other command is not an answer.
        SurveyReplyCase("3 stop", nil),
        SurveyReplyCase("stop 3", nil),
        SurveyReplyCase("3\nstop", nil),
        SurveyReplyCase("3 配信停止", nil),
        SurveyReplyCase("３です。もうメールはいらないです", nil),
        SurveyReplyCase("3 とめてください", nil),
        SurveyReplyCase("３です。でもメールをとめてほしい", nil),
        SurveyReplyCase("3 やめてください", nil),
        SurveyReplyCase("3 unsubscribe", nil),
        SurveyReplyCase("4 - please remove me", nil),
        SurveyReplyCase("2 流産しました", nil),
        SurveyReplyCase("1\n赤ちゃんが亡くなりました", nil),
        SurveyReplyCase("3 loss", nil),
        SurveyReplyCase("3 help", nil),
        SurveyReplyCase("3 ヘルプ", nil),
        SurveyReplyCase("3 状態", nil),
        SurveyReplyCase("3 地域 北区", nil),
        SurveyReplyCase("3\n地域 北区", nil),
        SurveyReplyCase("3 再開", nil),
        SurveyReplyCase("3 一時停止", nil),
        SurveyReplyCase("3 出生 2027-03-01", nil),
        SurveyReplyCase("3 生まれました", nil),
        SurveyReplyCase("3 予定日 2027-05-01", nil),
        SurveyReplyCase("3 登録", nil),
        SurveyReplyCase("3 お休み", nil),
        SurveyReplyCase("3 もうけっこうです。ていししてください", nil),
        SurveyReplyCase("4 - I'm done, unsubscribe me", nil),
        SurveyReplyCase("2 miscarriage last week", nil),
    ]

    @Test(arguments: notAnswers) func isNoAnswer(_ c: SurveyReplyCase) {
        #expect(SurveyReply.read(c.text, choices: c.choices, today: today) == nil)
    }

    @Test func aLongCommentIsCut() {
        let lines = (0..<10).map { _ in String(repeating: "読", count: 300) }.joined(separator: "\n")
        let reply = SurveyReply.read("2 " + lines, choices: 3, today: today)
        #expect(reply?.choice == 2)
        #expect(reply?.comment?.count == SurveyReply.maxCommentLength)
    }

    @Test func aSurveyWithoutChoicesTakesNoAnswer() {
        #expect(SurveyReply.read("1", choices: 0, today: today) == nil)
    }

    /// A reply typed in the subject line: read only when the body gives no answer and the subject
    /// is the parent's own, not ours quoted by the client.
    @Test(arguments: [
        ("3", "", SurveyReply(choice: 3)),
        ("３です", "\n\n", SurveyReply(choice: 3)),
        ("4", "> 1. 届いたらすぐ読む\n> 2. 週末にまとめて", SurveyReply(choice: 4)),
        ("2", "毎朝読んでいます", SurveyReply(choice: 2, comment: "毎朝読んでいます")),
        // The body's answer wins over the subject's.
        ("1", "5", SurveyReply(choice: 5)),
    ] as [(String, String, SurveyReply)])
    func readsAnAnswerInTheSubject(_ subject: String, _ body: String, _ expected: SurveyReply) {
        #expect(SurveyReply.read(body: body, subject: subject, choices: 5, today: today) == expected)
    }

    @Test(arguments: [
        // Our own subject, quoted by the client, or our bracketed daily subject.
        ("Re: 3 things to know this week", ""),
        ("RE: 3", ""),
        ("返信: ３です", ""),
        ("【さくら】3か月のあなたへ", ""),
        ("[Sakura] 3 tips", ""),
        // A command or a stop anywhere in the reply.
        ("3", "stop"),
        ("3 stop", ""),
        ("3", "もう配信はいりません"),
        ("3/15", ""),
        ("ありがとう", ""),
    ] as [(String, String)])
    func readsNoAnswerFromASubjectNotTheParents(_ subject: String, _ body: String) {
        #expect(SurveyReply.read(body: body, subject: subject, choices: 5, today: today) == nil)
    }
}
