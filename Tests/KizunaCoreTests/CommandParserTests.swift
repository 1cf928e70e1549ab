import Testing
@testable import KizunaCore

private let today = CivilDate(iso: "2026-11-20")!

/// A one-line summary of a command, so a table can say what it expects.
func commandSummary(_ c: MailCommand) -> String {
    func date(_ d: DateArgument) -> String {
        switch d {
        case .success(let d): return d.iso
        case .failure(let p):
            if case .outOfRange(let a) = p.code {
                switch a {
                case .dueDateTooFarAhead(let d): return "error(dueDateTooFarAhead \(d))"
                case .dueDatePassed(let d): return "error(dueDatePassed \(d))"
                case .birthDateInFuture(let d): return "error(birthDateInFuture \(d))"
                case .birthDateTooLongAgo(let d): return "error(birthDateTooLongAgo \(d))"
                }
            }
            return "error(\(p.code))"
        }
    }
    switch c {
    case .subscribe(let r):
        var s = "subscribe \(r.track?.rawValue ?? "?") \(date(r.date))"
        if let n = r.nickname { s += " name=\(n)" }
        if let l = r.language { s += " lang=\(l.rawValue)" }
        if let a = r.area { s += " area=\(a)" }
        if !r.mentionedAddresses.isEmpty { s += " addresses=\(r.mentionedAddresses.map(\.description).joined(separator: ","))" }
        return s
    case .confirm(let t): return "confirm \(t)"
    case .stop(.all): return "stop all"
    case .stop(.nickname(let n)): return "stop \(n)"
    case .pause(nil): return "pause"
    case .pause(let d?): return "pause \(date(d))"
    case .resume: return "resume"
    case .born(let d): return "born \(date(d))"
    case .due(let d): return "due \(date(d))"
    case .loss: return "loss"
    case .status: return "status"
    case .help: return "help"
    case .area(let a): return "area \(a)"
    case .unknown(.conflicting(let names)): return "unknown conflicting \(names.joined(separator: ","))"
    case .unknown(let reason): return "unknown \(reason)"
    }
}

struct CommandCase: CustomTestStringConvertible, Sendable {
    var subject: String
    var body: String
    var plus: String?
    var expected: String
    var language: ReplyLanguage?
    init(_ subject: String, _ body: String = "", plus: String? = nil, _ expected: String, _ language: ReplyLanguage? = nil) {
        self.subject = subject; self.body = body; self.plus = plus; self.expected = expected; self.language = language
    }
    var testDescription: String { "\(subject) | \(body.replacingNewlines()) → \(expected)" }
}

extension String {
    func replacingNewlines() -> String { String(map { $0 == "\n" ? "⏎" : $0 }) }
}

let japaneseCases: [CommandCase] = [
    CommandCase("登録", "出産予定日 2027年5月1日", "subscribe pregnancy 2027-05-01", .ja),
    CommandCase("登録お願いします", "予定日は２０２７／５／１です", "subscribe pregnancy 2027-05-01", .ja),
    CommandCase("", "登録します\n出産予定日：令和9年5月1日\n名前：はなこ", "subscribe pregnancy 2027-05-01 name=はなこ", .ja),
    CommandCase("購読希望", "誕生日 2026年10月30日\nニックネーム たろう\n地域 北区", "subscribe child 2026-10-30 name=たろう area=北区", .ja),
    CommandCase("申し込み", "生年月日 R8.10.1", "subscribe child 2026-10-01", .ja),
    CommandCase("登録", "2026年11月1日生まれです", "subscribe child 2026-11-01", .ja),
    CommandCase("登録", "予定日 5/1", "subscribe pregnancy 2027-05-01", .ja),
    CommandCase("登録", "予定日 ５月１日", "subscribe pregnancy 2027-05-01", .ja),
    CommandCase("登録", "2027-05-01", "subscribe pregnancy 2027-05-01", .ja),
    CommandCase("登録", "2026-10-01", "subscribe child 2026-10-01", .ja),
    CommandCase("登録", "5/1", "subscribe ? error(unclearWhetherDueOrBirth)", .ja),
    CommandCase("登録", "", "subscribe ? error(missing)", .ja),
    CommandCase("登録 英語で", "due 2027-05-01", "subscribe pregnancy 2027-05-01 lang=en", .en),
    CommandCase("登録", "予定日 2027/2/30", "subscribe pregnancy error(noSuchDay(year: Optional(2027), month: 2, day: 30))", .ja),
    CommandCase("登録", "予定日 2028-05-01", "subscribe pregnancy error(dueDateTooFarAhead 2028-05-01)", .ja),
    CommandCase("停止", "", "stop all", .ja),
    CommandCase("", "配信停止をお願いします", "stop all", .ja),
    CommandCase("", "停止してください", "stop all", .ja),
    CommandCase("ｓｔｏｐ", "", "stop all", .en),
    CommandCase("ＳＴＯＰ", "", "stop all", .en),
    CommandCase("", "退会します", "stop all", .ja),
    CommandCase("", "登録解除お願いします", "stop all", .ja),
    CommandCase("解除", "", "stop all", .ja),
    CommandCase("Re: [さくら] 20週0日 赤ちゃんの様子", "配信停止", "stop all", .ja),
    CommandCase("Re: [さくら] 20週0日 赤ちゃんの様子", "いつも楽しみにしています！ありがとうございます。", "unknown replyToDailyMessage", .ja),
    CommandCase("Re: [さくら] 20週0日", "今日はお休み！", "unknown replyToDailyMessage", .ja),
    CommandCase("Re: [さくら] 生後100日", "状況が落ち着いたので夫と読んでいます。毎日の確認が楽しみです", "unknown replyToDailyMessage", .ja),
    CommandCase("RE: 【さくら】生まれたらすること", "ありがとう", "unknown replyToDailyMessage", .ja),
    CommandCase("返信: [さくら] 20週0日", "> 停止", "unknown replyToDailyMessage"),
    CommandCase("Re: [さくら] 20週0日", "ありがとう\n> 配信停止はstopと返信", "unknown replyToDailyMessage", .ja),
    CommandCase("", "＞ 停止\nはい、読んでいます", "unknown noCommand", .ja),
    CommandCase("", "はなこの配信停止をお願いします", "stop はなこ", .ja),
    CommandCase("停止", "名前：たろう", "stop たろう", .ja),
    CommandCase("一時停止", "", "pause", .ja),
    CommandCase("", "一時停止 2027年1月10日まで", "pause 2027-01-10", .ja),
    CommandCase("", "1/10までお休みさせてください", "pause 2027-01-10", .ja),
    CommandCase("お休み", "", "pause", .ja),
    CommandCase("", "一時停止 2026年11月1日まで", "pause error(pauseEndNotAhead(2026-11-01))", .ja),
    CommandCase("再開", "", "resume", .ja),
    CommandCase("", "配信再開をお願いします", "resume", .ja),
    CommandCase("", "仕事を再開しました。子どもは保育園に行っています", "unknown noCommand", .ja),
    CommandCase("生まれました", "2026年11月18日に無事に生まれました", "born 2026-11-18", .ja),
    CommandCase("", "11月18日に産まれました！", "born 2026-11-18", .ja),
    CommandCase("出産しました", "予定日より早く、11/18に出産しました", "born 2026-11-18", .ja),
    CommandCase("", "誕生しました", "born error(missing)", .ja),
    CommandCase("", "生まれました 2026年12月1日", "born error(birthDateInFuture 2026-12-01)", .ja),
    CommandCase("予定日の変更", "出産予定日 2027/5/3", "due 2027-05-03", .ja),
    CommandCase("", "流産してしまいました", "loss", .ja),
    CommandCase("", "死産でした", "loss", .ja),
    CommandCase("再開", "お腹の赤ちゃんが天使になりました", "loss", .ja),
    CommandCase("", "切迫流産で入院中ですが元気です", "unknown noCommand", .ja),
    CommandCase("", "流産が心配です", "unknown noCommand", .ja),
    CommandCase("", "流産ではありません", "unknown noCommand", .ja),
    CommandCase("", "祖母が亡くなりました", "unknown noCommand", .ja),
    CommandCase("状態", "", "status", .ja),
    CommandCase("", "登録状況を教えてください", "status", .ja),
    CommandCase("ヘルプ", "", "help", .ja),
    CommandCase("", "使い方を教えてください", "help", .ja),
    CommandCase("", "停止\n再開", "stop all", .ja),
    CommandCase("", "一時停止\n再開", "unknown conflicting pause,resume", .ja),
    CommandCase("こんにちは", "よろしくお願いします", "unknown noCommand", .ja),
    CommandCase("", "", "unknown empty", nil),
]

let englishCases: [CommandCase] = [
    CommandCase("subscribe", "due 2027-05-01", "subscribe pregnancy 2027-05-01", .en),
    CommandCase("Subscribe", "Due date: May 1, 2027\nName: Hana", "subscribe pregnancy 2027-05-01 name=Hana", .en),
    CommandCase("sign up", "born on 1 October 2026\nlang en\narea kita", "subscribe child 2026-10-01 lang=en area=kita", .en),
    CommandCase("join", "birth 2026/10/1", "subscribe child 2026-10-01", .en),
    CommandCase("Please sign me up", "Our baby is due 5/1", "subscribe pregnancy 2027-05-01", .en),
    CommandCase("subscribe", "due 5/1/2027", "subscribe pregnancy error(dayMonthOrderUnclear)", .en),
    CommandCase("subscribe", "due 13/5/2027", "subscribe pregnancy 2027-05-13", .en),
    CommandCase("subscribe for other@example.com", "due 2027-05-01", "subscribe pregnancy 2027-05-01 addresses=other@example.com", .en),
    CommandCase("stop", "", "stop all", .en),
    CommandCase("STOP", "", "stop all", .en),
    CommandCase("Re: stop", "", "stop all", .en),
    CommandCase("", "Please stop", "stop all", .en),
    CommandCase("", "I'd like to unsubscribe", "stop all", .en),
    CommandCase("", "unsubscribe please, thank you", "stop all", .en),
    CommandCase("remove me", "", "stop all", .en),
    CommandCase("", "stop Hana", "stop Hana", .en),
    CommandCase("", "Don't stop the emails, they are lovely", "unknown noCommand", .en),
    CommandCase("", "My appointment was cancelled so I read your mail twice", "unknown noCommand", .en),
    CommandCase("cancel", "", "stop all", .en),
    CommandCase("pause", "", "pause", .en),
    CommandCase("", "pause until 2027-01-10", "pause 2027-01-10", .en),
    CommandCase("", "pause until Jan 10", "pause 2027-01-10", .en),
    CommandCase("resume", "", "resume", .en),
    CommandCase("restart", "", "resume", .en),
    CommandCase("", "Our baby was born on 2026-11-18!", "born 2026-11-18", .en),
    CommandCase("", "I gave birth on Nov 18", "born 2026-11-18", .en),
    CommandCase("", "due 2027-05-03", "due 2027-05-03", .en),
    CommandCase("", "We had a miscarriage last week", "loss", .en),
    CommandCase("", "We lost the baby", "loss", .en),
    CommandCase("", "loss", "loss", .en),
    CommandCase("", "Our baby passed away", "loss", .en),
    CommandCase("", "My weight loss is slow", "unknown noCommand", .en),
    CommandCase("", "Is there a risk of miscarriage?", "unknown noCommand", .en),
    CommandCase("", "My friend had a stillbirth and I am sad", "unknown noCommand", .en),
    CommandCase("status", "", "status", .en),
    CommandCase("help", "", "help", .en),
    CommandCase("", "Can you help me?", "help", .en),
    CommandCase("", "I need help with the settings for my phone which are confusing", "unknown noCommand", .en),
    CommandCase("stop", "resume", "stop all", .en),
    CommandCase("pause", "resume", "unknown conflicting pause,resume", .en),
    CommandCase("hello", "thanks for the lovely messages", "unknown noCommand", .en),
]

let mixedCases: [CommandCase] = [
    CommandCase("stop 停止", "", "stop all", .en),
    CommandCase("停止", "stop", "stop all", .ja),
    CommandCase("Re: [Sakura] week 20", "停止\nstop", "stop all", .ja),
    CommandCase("停止", "resume", "stop all", .ja),
    CommandCase("登録 subscribe", "予定日 2027-05-01", "subscribe pregnancy 2027-05-01", .ja),
    CommandCase("help", "停止", "stop all", .ja),
    CommandCase("stop", "流産しました", "loss", .ja),
    CommandCase("Fwd: Re: 登録", "予定日 2027.5.1", "due 2027-05-01", .ja),
    CommandCase("　ｓｕｂｓｃｒｉｂｅ　", "ｄｕｅ　２０２７－０５－０１", "subscribe pregnancy 2027-05-01", .en),
    CommandCase("", "停止\n-- \n配信停止はこちら 再開", "stop all", .ja),
    CommandCase("", "停止\n\nOn Mon, 1 Jun 2026 Kizuna wrote:\n再開", "stop all", .ja),
    CommandCase("", "お願い\n\n\n\n\n\n\n停止", "stop all", .ja),
    CommandCase("", "こんにちは\n毎日\n読んで\nいます\nありがとう\n停止", "unknown noCommand", .ja),
    CommandCase("", "停止\n\n----- Original Message -----\n再開", "stop all", .ja),
    CommandCase("", "やっぱりやめたい", "stop all", .ja),
    CommandCase("Re: [さくら] 生後30日", "夜泣きをやめてほしい…", "unknown replyToDailyMessage", .ja),
    CommandCase("", "stop now please", "stop all", .en),
]

let confirmationCases: [CommandCase] = [
    CommandCase("Re: [さくら] 登録の確認 c-2n9c-fs4-abcdefgh", "", "confirm c-2n9c-fs4-abcdefgh", .ja),
    CommandCase("RE: [さくら] 登録の確認 C-2N9C-FS4-ABCDEFGH", "はい", "confirm c-2n9c-fs4-abcdefgh", .ja),
    CommandCase("Re: confirm", "yes", plus: "c-2n9c-fs4-abcdefgh", "confirm c-2n9c-fs4-abcdefgh", .en),
    CommandCase("Re: [さくら] 登録の確認", "登録お願いします", plus: "c-2n9c-fs4-abcdefgh", "confirm c-2n9c-fs4-abcdefgh", .ja),
    CommandCase("Re: [さくら] 登録の確認 c-2n9c-fs4-abcdefgh", "やっぱり停止", "stop all", .ja),
    CommandCase("確認", "", "unknown noCommand", .ja),
    CommandCase("yes", "", "unknown noCommand", .en),
    CommandCase("", "", plus: "u-2n9c-abcdefgh", "stop all", nil),
]

@Suite struct CommandParserTests {
    func check(_ c: CommandCase) {
        let parsed = CommandParser.parse(subject: c.subject, body: c.body, plusDetail: c.plus, today: today)
        #expect(commandSummary(parsed.command) == c.expected, "why: \(parsed.why)")
        if let language = c.language { #expect(parsed.language == language, "why: \(parsed.why)") }
    }

    @Test(arguments: japaneseCases) func japanese(_ c: CommandCase) { check(c) }
    @Test(arguments: englishCases) func english(_ c: CommandCase) { check(c) }
    @Test(arguments: mixedCases) func mixedAndFullWidth(_ c: CommandCase) { check(c) }
    @Test(arguments: confirmationCases) func confirmations(_ c: CommandCase) { check(c) }

    @Test func tableIsLargeEnough() {
        #expect(japaneseCases.count + englishCases.count + mixedCases.count + confirmationCases.count >= 60)
    }

    @Test func whyNamesTheMatchedWordsAndWhere() {
        let parsed = CommandParser.parse(subject: "Re: [さくら] 20週0日", body: "> 停止\n配信停止をお願いします", today: today)
        #expect(parsed.why.contains(CommandEvidence(source: .subject, matched: "[さくら] 20週0日", meaning: "ignored: a reply to one of our messages")))
        #expect(parsed.why.contains { $0.meaning == "ignored: quoted" && $0.matched == "> 停止" })
        #expect(parsed.why.contains(CommandEvidence(source: .body(line: 1), matched: "配信停止", meaning: "stop")))
    }

    @Test func unsubscribeAddressKeepsItsToken() {
        let parsed = CommandParser.parse(subject: "unsubscribe", body: "", plusDetail: "U-2N9C-ABCDEFGH", today: today)
        #expect(parsed.unsubscribeToken == "u-2n9c-abcdefgh")
    }

    @Test func neverCrashesOnRandomInput() {
        var rng = SplitMix(seed: 42)
        let alphabet: [Character] = Array("停止一時再開登録予定日誕生年月元令和平成Rr0123456789０１２/.-／:： \t\n\r>stopauseyn@[]【】?？。c-") +
            [Character(Unicode.Scalar(0)!), Character(Unicode.Scalar(0x1B)!), "\u{202E}", "\u{FEFF}", "ｶﾞ", "👨‍👩‍👧", "é"]
        for n in 0..<3000 {
            let length = n % 10 == 0 ? Int(rng.next() % 5000) : Int(rng.next() % 80)
            var s = ""
            for _ in 0..<length { s.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            var bytes = [UInt8]()
            for _ in 0..<Int(rng.next() % 40) { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            let garbage = String(decoding: bytes, as: UTF8.self)
            let parsed = CommandParser.parse(subject: garbage + s.prefix(30), body: s, plusDetail: n % 7 == 0 ? s : nil, today: today)
            _ = commandSummary(parsed.command)
            if case .subscribe(let r) = parsed.command, case .failure(let p) = r.date {
                #expect(!p.description(language: .ja).isEmpty && !p.description(language: .en).isEmpty)
            }
        }
        // A very long line and very many lines.
        let long = String(repeating: "停止", count: 200_000)
        #expect(commandSummary(CommandParser.parse(subject: long, body: long, today: today).command) == "stop all")
        let many = String(repeating: "こんにちは\n", count: 100_000) + "流産"
        #expect(commandSummary(CommandParser.parse(subject: "", body: many, today: today).command) == "unknown noCommand")
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
