import Testing
@testable import KizunaCore

private let today = CivilDate(iso: "2026-11-20")!

/// Our own subjects as a parent's mail client quotes them (the shipped system mails', ja and en,
/// and daily titles with command words in them); `Tests/KizunaJobsTests` renders the real ones.
let ourSubjects = [
    "登録の確認 [c-2n9c-fs4-abcdefgh]", "お手続きの確認 [c-2n9c-fs4-abcdefgh]", "日付を確認させてください",
    "さくらクリニックの使い方", "さくらクリニックより", "配信をお休みしています", "配信を再開しました", "登録内容のお知らせ",
    "配信を停止しました", "ようこそ、さくらクリニックへ", "Please confirm [c-2n9c-fs4-abcdefgh]", "Could you check the date?",
    "How to use Sakura", "From Sakura", "Messages paused", "Messages resumed", "Your subscription", "You've been unsubscribed",
    "Welcome to Sakura", "40週0日　出産予定日を迎えて", "生まれてきてくれて、ありがとう", "Week 40: your due date",
    "1歳　お誕生日、おめでとう",
]

/// Reply and forward prefixes as mail clients write them.
let replyPrefixes = [
    "Re: ", "RE: ", "re: ", "Re:", "Re : ", "Fwd: ", "FWD: ", "Fw: ", "FW: ", "返信: ", "転送: ", "Re[2]: ", "Re(3): ", "Re^2: ",
    "AW: ", "WG: ", "SV: ", "VS: ", "TR: ", "RV: ", "RES: ", "ENC: ", "Antw: ", "Odp: ", "回复: ", "答复: ", "转发: ", "회신: ",
    "Ｒｅ：", "ＲＥ： ", "Re：", "返信：", "【返信】", "【転送】", "[Fwd] ", "[返信]", "Re: Re: ", "Fwd: Re: ", "RE:RE: ", "Re: 返信: ",
]

let quotedSubjectCases: [CommandCase] = [
    // The parent's words in the body decide; the quoted subject never outvotes them.
    CommandCase("Re: 配信を停止しました", "再開", "resume", .ja),
    CommandCase("返信: 配信を停止しました", "再開してください", "resume", .ja),
    CommandCase("【返信】配信を停止しました", "再開", "resume", .ja),
    CommandCase("Re[2]: 配信を停止しました", "再開", "resume", .ja),
    CommandCase("Re: 配信をお休みしています", "再開", "resume", .ja),
    CommandCase("Re: 一時停止を受け付けました", "再開\nでお願いします。", "resume", .ja),
    CommandCase("Re: 配信を再開しました", "停止", "stop all", .ja),
    CommandCase("Re: 配信をお休みしています", "停止", "stop all", .ja),
    CommandCase("Re: 配信を再開しました", "一時停止", "pause", .ja),
    CommandCase("Re: 登録内容のお知らせ", "状況", "status", .ja),
    CommandCase("RE: Messages paused", "resume", "resume", .en),
    CommandCase("AW: You've been unsubscribed", "resume", "resume", .en),
    CommandCase("Fwd: 停止", "再開", "resume", .ja),
    CommandCase("Re: stop", "resume please", "resume", .en),
    // With nothing asked in the body, only a stop in the quoted subject counts (when unsure, stop).
    CommandCase("Re: stop", "", "stop all", .en),
    CommandCase("Re: 配信を停止しました", "", "stop all", .ja),
    CommandCase("Re: 配信を停止しました", "ありがとうございました", "stop all", .ja),
    CommandCase("Re: 配信停止", "まだ届いています", "stop all", .ja),
    CommandCase("Re: 配信をお休みしています", "", "unknown noCommand", .ja),
    CommandCase("Re: 配信を再開しました", "ありがとうございます", "unknown noCommand", .ja),
    CommandCase("Re: さくらクリニックの使い方", "わかりました", "unknown noCommand", .ja),
    CommandCase("Re: 40週0日　出産予定日を迎えて", "ありがとうございます", "unknown noCommand", .ja),
    CommandCase("Re: 生まれてきてくれて、ありがとう", "うれしくて泣きました", "unknown noCommand", .ja),
    CommandCase("Re: Week 40: your due date", "thanks!", "unknown noCommand", .en),
    CommandCase("Re: 1歳　お誕生日、おめでとう", "ありがとう", "unknown noCommand", .ja),
    // A loss word in a quoted subject is not the parent's report.
    CommandCase("Re: 流産について", "いつもありがとうございます", "unknown noCommand", .ja),
    CommandCase("Re: miscarriage", "thank you", "unknown noCommand", .en),
    // A confirmation token in a quoted subject still confirms (replying is how one confirms).
    CommandCase("Re: 登録の確認 [c-2n9c-fs4-abcdefgh]", "", "confirm c-2n9c-fs4-abcdefgh", .ja),
    CommandCase("Re: Please confirm your request [c-2n9c-fs4-abcdefgh]", "yes", "confirm c-2n9c-fs4-abcdefgh", .en),
    // Without a prefix the subject is the parent's own.
    CommandCase("配信を停止しました", "", "stop all", .ja),
]

let stopWinsCases: [CommandCase] = [
    CommandCase("停止", "再開", "stop all", .ja),
    CommandCase("再開", "停止", "stop all", .ja),
    CommandCase("", "再開\n停止", "stop all", .ja),
    CommandCase("", "一時停止\n配信停止", "stop all", .ja),
    CommandCase("状況", "停止", "stop all", .ja),
    CommandCase("登録", "予定日 2027-05-01\n配信停止", "stop all", .ja),
    CommandCase("", "11/18に生まれました\n停止", "stop all", .ja),
    CommandCase("resume", "stop", "stop all", .en),
    CommandCase("status", "unsubscribe", "stop all", .en),
    CommandCase("", "停止\nはなこ の予定日 2027-05-01", "stop all", .ja),
    // help gives way; loss beats stop; conflicts without a stop still ask for one command.
    CommandCase("ヘルプ", "停止", "stop all", .ja),
    CommandCase("停止", "流産しました", "loss", .ja),
    CommandCase("", "一時停止\n再開", "unknown conflicting pause,resume", .ja),
    CommandCase("", "状況\n再開", "unknown conflicting resume,status", .ja),
]

/// Stop requests in a parent's own sentence, not only the bare word.
let stopPhrasingCases: [CommandCase] = [
    CommandCase("", "毎日のメールが負担なのでメールを止めてください", "stop all", .ja),
    CommandCase("", "しばらく読めないので、もうメールは不要です。ありがとうございました", "stop all", .ja),
    CommandCase("", "出産後は忙しくなるので、もう送らないでください", "stop all", .ja),
    CommandCase("", "このメールを受け取りたくないです", "stop all", .ja),
    CommandCase("", "Please stop emailing me, the baby is keeping us busy", "stop all", .en),
    CommandCase("", "I no longer wish to receive these messages", "stop all", .en),
    CommandCase("", "Don't send me any more of these", "stop all", .en),
    CommandCase("", "How do I cancel my subscription?", "stop all", .en),
    CommandCase("", "Please don't stop sending, we love them", "unknown noCommand", .en),
    CommandCase("", "メールを止めないでください、楽しみにしています", "unknown noCommand", .ja),
    CommandCase("", "配信を止めないでください", "unknown noCommand", .ja),
    CommandCase("", "そのメールを止めてください", "stop all", .ja),
    // Phone spellings and plain refusals (when unsure, stop).
    CommandCase("", "メールはいらない", "stop all", .ja),
    CommandCase("", "メールはもういりません", "stop all", .ja),
    CommandCase("", "配信はいらないです", "stop all", .ja),
    CommandCase("", "とめて", "stop all", .ja),
    CommandCase("", "とめてください", "stop all", .ja),
    CommandCase("", "配信とめて", "stop all", .ja),
    CommandCase("", "ていし", "stop all", .ja),
    CommandCase("", "もうやめます", "stop all", .ja),
    CommandCase("", "いりません", "stop all", .ja),
    // …but not these words inside an ordinary sentence.
    CommandCase("", "心配はいらないと先生に言われました", "unknown noCommand", .ja),
    CommandCase("", "はい", "unknown noCommand", .ja),
    CommandCase("", "まとめて", "unknown noCommand", .ja),
    CommandCase("", "週末にまとめて読んでいます", "unknown noCommand", .ja),
    CommandCase("Re: [さくら] 生後30日", "夜泣きをやめてほしい…", "unknown replyToDailyMessage", .ja),
]

/// A loss word inside a quoted earlier message is not a loss.
let quotedLossCases: [CommandCase] = [
    CommandCase("", "いつもありがとうございます\n> 流産してしまいました", "unknown noCommand", .ja),
    CommandCase("", "ありがとう\n\nOn Mon, 1 Jun 2026 Kizuna wrote:\n流産の心配はありません\n死産", "unknown noCommand", .ja),
    CommandCase("", "ありがとう\n-----Original Message-----\n流産しました", "unknown noCommand", .ja),
    CommandCase("", "停止\n> 流産", "stop all", .ja),
    CommandCase("", "thanks\n> We had a miscarriage", "unknown noCommand", .en),
]

let birthCases: [CommandCase] = [
    CommandCase("", "出生 2026-11-18", "born 2026-11-18", .ja),
    CommandCase("出生", "2026年11月18日", "born 2026-11-18", .ja),
    CommandCase("", "出生 令和8年11月18日", "born 2026-11-18", .ja),
    CommandCase("", "出生　１１／１８", "born 2026-11-18", .ja),
    CommandCase("", "出生：２０２６年１１月１８日", "born 2026-11-18", .ja),
    CommandCase("", "出生 R8.11.18", "born 2026-11-18", .ja),
    CommandCase("", "出生 2027-04-28", "born error(birthDateInFuture 2027-04-28)", .ja),
    CommandCase("", "出生", "born error(missing)", .ja),
    CommandCase("", "11月18日に出生しました", "born 2026-11-18", .ja),
    CommandCase("", "出生日 2026/11/18", "born 2026-11-18", .ja),
    CommandCase("", "出生届はどこに出せばいいですか", "unknown noCommand", .ja),
    CommandCase("", "出生届を11/18に出しました", "unknown noCommand", .ja),
    CommandCase("", "出生前診断を受けるか迷っています", "unknown noCommand", .ja),
    CommandCase("", "出生前診断 12/1 に予約しました", "unknown noCommand", .ja),
    CommandCase("", "出産 2026/11/18", "born 2026-11-18", .ja),
    CommandCase("", "出産日 2026年11月18日", "born 2026-11-18", .ja),
    CommandCase("", "11/18に出産いたしました", "born 2026-11-18", .ja),
    CommandCase("", "出産は12/1の予定です", "unknown noCommand", .ja),
    CommandCase("", "出産予定 2027/5/3", "due 2027-05-03", .ja),
    CommandCase("", "出産準備 12/1 から始めます", "unknown noCommand", .ja),
    CommandCase("", "誕生 2026年11月18日", "born 2026-11-18", .ja),
    CommandCase("", "11月18日に誕生しました", "born 2026-11-18", .ja),
    CommandCase("", "誕生日 2026-10-30", "born 2026-10-30", .ja),
    CommandCase("", "息子の誕生日でした、いつもありがとう", "unknown noCommand", .ja),
    CommandCase("", "11/18の誕生会の準備をしています", "unknown noCommand", .ja),
    CommandCase("", "生まれました！2026年11月18日です", "born 2026-11-18", .ja),
    CommandCase("", "令和8年11月18日に生まれました", "born 2026-11-18", .ja),
    CommandCase("", "１１月１８日に生まれました", "born 2026-11-18", .ja),
    CommandCase("", "11/18 産まれました", "born 2026-11-18", .ja),
    CommandCase("登録", "出生日 2026-10-01", "subscribe child 2026-10-01", .ja),
    CommandCase("登録", "誕生日 2026年10月30日", "subscribe child 2026-10-30", .ja),
    CommandCase("登録", "出生 2026-10-01", "subscribe child 2026-10-01", .ja),
    CommandCase("登録", "出産予定 2027-05-01", "subscribe pregnancy 2027-05-01", .ja),
    CommandCase("", "The baby came early, on 11/18", "born 2026-11-18", .en),
    CommandCase("", "Our baby arrived on Nov 18", "born 2026-11-18", .en),
    CommandCase("", "our baby arrived on May 3", "born 2026-05-03", .en),
    CommandCase("Baby arrived!", "18 November 2026", "born 2026-11-18", .en),
    CommandCase("", "I gave birth on 18 Nov 2026", "born 2026-11-18", .en),
    CommandCase("", "gave birth on 3 May 2026", "born 2026-05-03", .en),
    CommandCase("", "We had our baby on November 18", "born 2026-11-18", .en),
    CommandCase("", "Our son has been born, 2026-11-18", "born 2026-11-18", .en),
    CommandCase("", "born 2026-11-18", "born 2026-11-18", .en),
    CommandCase("", "birth 2026-11-18", "born 2026-11-18", .en),
    // Relative dates ("yesterday") are not read: the parent is asked for the date.
    CommandCase("", "She was born yesterday", "born error(missing)", .en),
    CommandCase("", "Happy birthday to our son, thank you for the lovely message", "unknown noCommand", .en),
    CommandCase("", "We wrote a birth plan with the midwife", "unknown noCommand", .en),
]

extension CommandParserTests {
    @Test(arguments: quotedSubjectCases) func quotedSubjects(_ c: CommandCase) { check(c) }
    @Test(arguments: stopWinsCases) func stopWins(_ c: CommandCase) { check(c) }
    @Test(arguments: stopPhrasingCases) func stopPhrasings(_ c: CommandCase) { check(c) }
    @Test(arguments: quotedLossCases) func lossInQuotedMessage(_ c: CommandCase) { check(c) }
    @Test(arguments: birthCases) func birthPhrasings(_ c: CommandCase) { check(c) }

    /// A stop in the body is honoured under every quoted subject of ours with every prefix, also
    /// when the mail client quotes our mail below it; and the same reply asking to resume resumes.
    @Test func stopUnderEveryQuotedSubject() {
        let quote = "\n\n2026/11/19 21:00 さくらクリニック <kizuna@clinic.example>:\n> 再開するときは「再開」と返信してください。\n> 一時停止"
        for subject in ourSubjects {
            for prefix in replyPrefixes {
                for body in ["停止", "stop", "配信停止をお願いします" + quote, "Please unsubscribe me.\n\nOn Thu, 19 Nov 2026 Sakura wrote:\n> resume"] {
                    let parsed = CommandParser.parse(subject: prefix + subject, body: body, today: today)
                    #expect(commandSummary(parsed.command) == "stop all", "\(prefix + subject) | \(body.replacingNewlines()): \(parsed.why)")
                }
                let resume = CommandParser.parse(subject: prefix + subject, body: "再開", today: today)
                #expect(commandSummary(resume.command) == "resume", "\(prefix + subject): \(resume.why)")
            }
        }
    }

    @Test func readSubjectStripsEveryPrefix() {
        for prefix in replyPrefixes {
            let read = CommandParser.readSubject(prefix + "配信を停止しました")
            #expect(read.text == "配信を停止しました" && read.isQuoted, "\(prefix)")
        }
        let own = CommandParser.readSubject("配信を停止しました")
        #expect(!own.isQuoted && own.text == "配信を停止しました")
        // Words that only look like prefixes.
        for subject in ["Reiwa 9: due", "Release: stop", "Resume", "RE stop", "返信ありがとう: 停止", "[さくら] 20週0日", "R9.5.1 生まれました"] {
            #expect(!CommandParser.readSubject(subject).isQuoted, "\(subject)")
        }
        #expect(CommandParser.readSubject("Re: [さくら] 20週0日").isOurs)
    }

    /// The date reply's example line, and the examples inside its text, are read as the command
    /// they stand for — with a usable date — so a parent who copies one gets what they meant.
    @Test func examplesInDateRepliesAreCommands() {
        let expected: [DateKind: String] = [.due: "due", .birth: "born", .pauseEnd: "pause"]
        for kind in [DateKind.due, .birth, .pauseEnd] {
            for language in ReplyLanguage.allCases {
                let problem = DateParseProblem(code: .missing, text: "", kind: kind, today: today)
                let line = problem.replyExample(language: language)
                let parsed = CommandParser.parse(subject: "Re: 日付を確認させてください", body: line, today: today)
                #expect(parsed.command.name == expected[kind], "\(line) → \(parsed.command)")
                switch parsed.command {
                case .due(let d), .born(let d), .pause(until: let d?): #expect((try? d.get()) == problem.example, "\(line)")
                default: Issue.record("\(line) has no date: \(parsed.command)")
                }
            }
        }
        // Examples inside the problem's own text: 「出産予定日 …」/「誕生日 …」, "due …"/"birth …".
        let cases: [(DateParseProblem, [String: String])] = [
            (DateParseProblem(code: .unclearWhetherDueOrBirth, text: "5/1", kind: .due, today: today), ["出産予定日": "due", "誕生日": "born", "due": "due", "birth": "born"]),
            (DateParseProblem(code: .outOfRange(.dueDatePassed(today.adding(days: -60))), text: "", kind: .due, today: today), ["誕生日": "born", "birth": "born"]),
            (DateParseProblem(code: .outOfRange(.birthDateInFuture(today.adding(days: 20))), text: "", kind: .birth, today: today), ["出産予定日": "due", "due": "due"]),
        ]
        for (problem, words) in cases {
            for language in ReplyLanguage.allCases {
                let text = problem.description(language: language)
                let quoted = text.split(whereSeparator: { "「」\"".contains($0) }).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
                #expect(!quoted.isEmpty, "\(text)")
                for example in quoted {
                    guard let word = words.keys.first(where: { example.hasPrefix($0 + " ") }) else { continue }
                    let parsed = CommandParser.parse(subject: "", body: example, today: today)
                    #expect(parsed.command.name == words[word], "\(example) in \(text) → \(parsed.command)")
                }
            }
        }
    }

    @Test func whyExplainsStopWinsAndQuotedSubjects() {
        let conflict = CommandParser.parse(subject: "停止", body: "再開", today: today)
        #expect(conflict.why.contains { $0.meaning.hasPrefix("stop wins over resume") && $0.source == .subject }, "\(conflict.why)")
        let quoted = CommandParser.parse(subject: "Re: 配信を停止しました", body: "再開", today: today)
        #expect(quoted.why.contains { $0.meaning.contains("quoted subject") && $0.matched == "停止" }, "\(quoted.why)")
        let onlySubject = CommandParser.parse(subject: "Re: stop", body: "", today: today)
        #expect(onlySubject.why.contains { $0.meaning.hasPrefix("stop (in a quoted subject") }, "\(onlySubject.why)")
    }
}
