/// Reads a parent's email as one command, in Japanese or English.
///
/// Reading order: the recipient's plus-address detail (`c-TOKEN`, `u-TOKEN`), the subject, then
/// the first `maxBodyLines` non-empty lines of the new body text, stopping at a signature (`-- `)
/// or a quoted earlier message. Text is width-folded (NFKC) and case-folded first, so `ＳＴＯＰ`,
/// `ｓｔｏｐ` and `Stop` read the same.
///
/// Rules where the words alone would be ambiguous:
/// - Keywords match longest first: `一時停止` is pause, not stop; `登録解除` is stop, not subscribe.
/// - English keywords match whole words only (`unsubscribe` is not `subscribe`).
/// - "Weak" words that also occur in ordinary sentences (`お休み`, `状況`, `help`, `cancel`, `yes`, …)
///   count only when the line is little more than the command: after removing the word, dates,
///   and polite filler (`お願いします`, `please`, …), at most `weakResidueLimit` characters remain.
/// - `確認`/`はい`/`confirm`/`yes` mean confirm only when a confirmation token is present; a token
///   with no other command (or with subscribe/help) is a confirmation.
/// - With subscribe, `予定日`/`due` and `誕生日`/`birth`/`生まれ` name the track; without it they are
///   the `due`/`born` commands. If both a birth word and a due word appear, birth wins (the baby
///   has arrived; a birth date in the future gets a reply that says so).
/// - Birth words that also name other things (`出生`, `誕生`, `誕生日`, `birth`, `birthday`) count
///   with a date on their line (`出生 2027-04-28`, the Japanese help mail's example) or when the
///   line is little more than the word; `出生届`, `出生前診断`, `誕生会` are neutral. Dates are read
///   in every form `JapaneseDateParser` knows; relative ones ("yesterday") are not, so a birth
///   reported without a date gets the date reply.
/// - A quoted subject — after a reply or forward prefix (`Re:`, `RE:`, `Fwd:`, `返信:`, `転送:`,
///   `AW:`, `Re[2]:`, `【返信】`, full-width `Ｒｅ：`; see `readSubject`) — is the earlier
///   message's subject, usually ours (`配信を停止しました`, `{{edition}}の使い方`, a daily title),
///   so its words are not the parent's: they never count while the new text has a command, and
///   then only a stop counts (a parent replying to their own `stop` mail, or to ours, with no
///   words of their own). It never counts as a loss. A subject starting with a bracketed name
///   (`[さくら] …`) is one of our daily messages and is not read at all; so is a quoted subject
///   when the message's In-Reply-To or References names a Message-ID of ours (`replyTo`): our
///   daily subjects carry no bracket, and `Re: 40週0日 出産予定日を迎えて` holds no parent's words.
///   Such a reply with no command in its new text is chatter (`unknown(.replyToDailyMessage)`,
///   recorded, not answered), unless a stop stands further down its new text (when unsure,
///   stop). A confirmation token in either counts: replying to our confirmation request is how
///   one confirms.
/// - `help` gives way to any other command. Where two other different commands remain and one is
///   stop, stop wins (a stop honoured wrongly is mended by subscribing again; one ignored breaks
///   the law on specified e-mail and the parent's trust); otherwise they are `unknown(.conflicting)`.
/// - Loss: a loss word anywhere in the new text (up to `maxLossLines` lines) wins over everything,
///   unless its sentence also has a hedge: a negation (`ではない`, `not`), a question mark, worry or
///   risk (`心配`, `切迫`, `risk`, `threatened`), or another person (`友達`, `friend`). Indirect words
///   (`亡くなり`, `天使になり`, `passed away`) count only with a baby word in the same sentence
///   (`赤ちゃん`, `お腹の`, `baby`). English `loss` counts only as the first word of a line.
///   A false positive ends a pregnancy subscription the parent can start again; a false negative
///   sends baby messages after a loss, which must never happen — so the rule leans to reading loss.
public enum CommandParser {
    public static let maxBodyLines = 5
    public static let maxLossLines = 40
    public static let weakResidueLimit = 1
    /// Longer lines are cut: a command line is short, and this bounds the work on hostile input.
    public static let maxLineLength = 400

    /// `replyTo`: the Message-ID of ours the message's In-Reply-To or References names, if any
    /// (see `ReplyToOurMail`): its quoted subject is then ours and not read, and without a
    /// command in the new text it is chatter, `unknown(.replyToDailyMessage)`.
    public static func parse(subject: String, body: String, plusDetail: String? = nil, replyTo: ReplyToOurMail? = nil,
                             today: CivilDate) -> ParsedCommand {
        var reader = Reader(today: today)
        return reader.read(subject: subject, body: body, plusDetail: plusDetail, replyTo: replyTo)
    }

    // MARK: - Vocabulary

    enum Verb: String, Hashable {
        case subscribe, dueWord, birthWord, bornWord, confirm, stop, pause, resume, loss, status, help
        case name, lang, area, languageJa, languageEn
        /// Phrases that contain a command word but are not a command (`切迫流産`, `weight loss`).
        case neutral
    }
    enum Strength {
        case strong, weak, lineStart, needsBaby
        /// A weak word that also counts with a date on its line (`出生 2027-04-28`, `誕生日 4/28`):
        /// the date makes it a statement of fact, not a word in a sentence.
        case weakUnlessDated
    }

    struct Keyword {
        let text: [Character]
        let verb: Verb
        let strength: Strength
        let english: Bool
    }

    static let keywords: [Character: [Keyword]] = {
        var all: [Keyword] = []
        func ja(_ verb: Verb, _ strength: Strength, _ words: String...) {
            for w in words { all.append(Keyword(text: Array(w), verb: verb, strength: strength, english: false)) }
        }
        func en(_ verb: Verb, _ strength: Strength, _ words: String...) {
            for w in words { all.append(Keyword(text: Array(w), verb: verb, strength: strength, english: true)) }
        }
        ja(.subscribe, .strong, "登録", "購読", "申し込み", "申込み", "申込", "申し込", "登録希望", "配信希望", "配信を希望")
        ja(.dueWord, .strong, "出産予定日", "予定日", "分娩予定日", "出産予定")
        ja(.birthWord, .strong, "生年月日", "出生日", "出産日")
        ja(.birthWord, .weakUnlessDated, "誕生日")
        ja(.bornWord, .strong, "生まれました", "産まれました", "生まれた", "産まれた", "出産しました", "出産した",
           "誕生しました", "誕生した", "無事出産", "無事に出産", "生まれ", "産まれ")
        ja(.bornWord, .strong, "出生しました", "出生した", "出産いたしました", "出産致しました", "出産報告", "誕生いたしました",
           "生まれてきました", "産まれてきました")
        ja(.bornWord, .weak, "出産")
        // The Japanese help mail's own word (`出生 2027-04-28`); `出生届`, `出生前診断` are neutral below.
        ja(.bornWord, .weakUnlessDated, "出生", "誕生")
        ja(.confirm, .weak, "確認", "はい", "登録確認", "確認しました", "承認")
        ja(.stop, .strong, "停止", "配信停止", "解除", "退会", "登録解除", "購読解除", "購読停止", "配信解除",
           "配信不要", "やめる", "配信をやめ", "配信を止め", "配信中止", "登録を解除", "登録取り消し", "登録を取り消",
           "メールを止め", "メールをやめ", "メールを停止", "メール停止", "メールの停止", "配信の停止", "メール不要", "メールは不要",
           "配信は不要", "メールを送らないで", "もう送らないで", "送らないでください", "受け取りたくない")
        ja(.stop, .weak, "やめたい", "やめて", "止めて", "止めたい", "中止", "不要", "いらない", "結構です")
        // Kana spellings a phone writes, and endings that the confirmation's `はい` would otherwise
        // swallow (`メールはいらない` read as は+い…: longest first, `はいらない` wins over `はい`).
        ja(.stop, .weak, "とめて", "とめたい", "とめる", "止めます", "とめます", "やめます", "ていし", "かいじょ", "いりません",
           "はいらない", "はいりません")
        // …and words that hold them (`まとめて読みます`, `受けとめて`, `ていしゅつ`).
        ja(.neutral, .strong, "まとめ", "もとめ", "うけとめ", "受けとめ", "つとめ", "ひきとめ", "よびとめ", "かきとめ", "くいとめ",
           "つきとめ", "うちとめ", "とめど", "ていしゅつ")
        ja(.pause, .strong, "一時停止", "一時休止", "一旦停止", "いったん停止", "休止", "一時的に停止", "しばらく停止",
           "配信をお休み", "配信お休み", "メールをお休み", "お休みしたい", "お休みします", "お休みさせて", "お休みにして",
           "しばらくお休み", "一時中断", "一時中止")
        ja(.pause, .weak, "お休み", "休み")
        ja(.resume, .strong, "配信再開", "再開してください", "再開希望", "再開したい", "再開お願い")
        ja(.resume, .weak, "再開")
        ja(.loss, .strong, "流産", "死産", "稽留流産", "流れてしまい", "お空に帰", "お空へ帰")
        ja(.loss, .needsBaby, "亡くな", "天使にな", "天使になり", "お空に", "心拍が止ま", "心拍停止")
        ja(.neutral, .strong, "切迫流産", "切迫早産", "流産予防", "早産予防", "流産しないよう", "停止しないで", "止めないで",
           "やめないで", "解除しないで", "登録状況確認", "確認メール", "配信を止めないで", "配信をやめないで", "メールを止めないで",
           "メールをやめないで", "メールを停止しないで", "メール停止しないで", "配信を停止しないで",
           // Birth words in questions and paperwork, not a birth report.
           "出生届", "出生前", "出生率", "出生数", "低出生体重", "出生証明", "出生地", "誕生会", "誕生日会", "誕生祝", "誕生石",
           "誕生花", "誕生月", "誕生前", "出産前", "出産準備", "出産費用", "出産育児一時金", "出産手当")
        ja(.status, .weak, "状態", "状況", "確認したい", "登録状況", "登録内容", "登録情報", "ステータス")
        ja(.help, .weak, "ヘルプ", "使い方", "使いかた", "ヘルプ希望")
        ja(.name, .strong, "名前", "なまえ", "ニックネーム", "呼び名")
        ja(.lang, .strong, "言語")
        ja(.languageEn, .strong, "英語")
        ja(.languageJa, .strong, "日本語")
        ja(.area, .strong, "地域", "エリア", "地区", "お住まい")

        en(.subscribe, .strong, "subscribe", "sign up", "signup", "sign me up", "register", "resubscribe")
        en(.subscribe, .weak, "join")
        en(.dueWord, .strong, "due", "due date", "due on", "edd")
        en(.birthWord, .strong, "date of birth", "born on", "dob", "birth date", "birthdate")
        en(.birthWord, .weakUnlessDated, "birth", "birthday")
        en(.bornWord, .strong, "was born", "were born", "is born", "been born", "gave birth", "has arrived", "baby arrived",
           "baby was born", "baby is here", "baby came", "had the baby", "had our baby", "had my baby", "had a baby")
        en(.bornWord, .weak, "born")
        en(.confirm, .strong, "confirm", "i confirm", "confirmed")
        en(.confirm, .weak, "yes", "ok", "okay")
        en(.stop, .strong, "stop", "unsubscribe", "remove me", "opt out", "opt-out", "optout", "stop sending",
           "take me off", "stop all", "no more emails", "leave", "stop emailing", "stop mailing", "don't send me",
           "do not send me", "dont send me", "no longer wish to receive", "no longer want to receive", "unsub",
           "cancel my subscription", "cancel subscription", "end my subscription")
        en(.stop, .weak, "cancel", "end", "quit", "remove")
        en(.pause, .strong, "pause", "pause until", "hold", "take a break", "suspend")
        en(.resume, .strong, "resume", "unpause", "start again", "restart sending", "continue sending")
        en(.resume, .weak, "restart", "continue")
        en(.loss, .strong, "miscarriage", "miscarried", "stillbirth", "stillborn", "lost the baby", "lost our baby",
           "lost my baby", "pregnancy loss", "lost the pregnancy", "lost my pregnancy", "lost our pregnancy")
        en(.loss, .lineStart, "loss")
        en(.loss, .needsBaby, "passed away", "died", "no heartbeat", "angel")
        en(.neutral, .strong, "threatened miscarriage", "weight loss", "hair loss", "hearing loss", "blood loss",
           "don't stop", "do not stop", "dont stop", "not stop", "confirmation email", "due to")
        en(.status, .strong, "status")
        en(.status, .weak, "my status", "my subscription", "check")
        en(.help, .weak, "help", "how to", "how do i", "commands", "instructions")
        en(.name, .strong, "name", "nickname", "baby name", "child name")
        en(.lang, .strong, "lang", "language")
        en(.languageEn, .strong, "english", "in english")
        en(.languageJa, .strong, "japanese", "in japanese")
        en(.area, .strong, "area", "region", "ward")

        var table: [Character: [Keyword]] = [:]
        for k in all { table[k.text[0], default: []].append(k) }
        for key in table.keys { table[key]!.sort { $0.text.count > $1.text.count } }
        return table
    }()

    static let jaFillers: [String] = [
        "をお願いいたします", "をお願い致します", "をお願いします", "お願いいたします", "お願い致します", "お願いします", "おねがいします",
        "お願い", "してください", "して下さい", "ください", "下さい", "したいです", "したい", "します", "して", "です", "ます",
        "を教えて", "教えて", "ほしい", "欲しい", "もう", "やっぱり", "やはり", "ありがとうございます", "よろしく", "宜しく", "全部", "すべて", "全て",
        "メール", "配信", "を", "は", "が", "の", "に", "で", "ね", "よ", "な",
    ].sorted { $0.count > $1.count }
    static let enFillers: Set<String> = [
        "please", "pls", "plz", "thanks", "thank", "you", "i", "i'd", "id", "i'm", "im", "like", "to", "want", "would",
        "my", "me", "the", "a", "can", "could", "for", "now", "kindly", "send", "all", "emails", "email", "mail",
        "mails", "messages", "it", "this", "from", "list", "subscription", "subscriptions", "of", "us", "we", "our",
        "just", "again", "sending", "up", "is", "what", "on", "in", "by", "at", "and", "be", "need", "some",
    ]
    static let hedgeJa = ["切迫", "心配", "不安", "怖", "こわ", "かも", "予防", "リスク", "可能性", "兆候", "しないよう",
                          "ではな", "じゃな", "ではありません", "じゃありません", "しませんでした", "していません", "なかった",
                          "?", "友達", "友人", "知人", "姉", "妹", "親戚", "同僚", "ママ友"]
    static let hedgeEn: Set<String> = ["not", "no", "never", "risk", "risks", "worried", "worry", "worries", "afraid",
                                       "scared", "fear", "threatened", "chance", "possible", "possibility", "prevent",
                                       "friend", "friends", "sister", "cousin", "colleague", "isn't", "wasn't",
                                       "didn't", "don't", "hasn't", "haven't", "won't"]
    static let babyWords = ["赤ちゃん", "赤ん坊", "胎児", "お腹の", "おなかの", "ベビー", "baby", "pregnancy", "fetus"]

    static func commandName(_ verb: Verb) -> String {
        switch verb {
        case .dueWord: return "due"
        case .bornWord, .birthWord: return "born"
        default: return verb.rawValue
        }
    }

    static func isCommandWord(_ word: String) -> Bool {
        let lower = Array(word.lowercased())
        guard let first = lower.first, let candidates = keywords[first] else { return false }
        return candidates.contains { $0.text == lower }
    }

    static func matches(_ k: Keyword, _ s: [Character], at i: Int) -> Bool {
        guard i + k.text.count <= s.count else { return false }
        for (n, c) in k.text.enumerated() where s[i + n] != c { return false }
        if k.english {
            func isWordChar(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }
            if i > 0, isWordChar(s[i - 1]) { return false }
            let end = i + k.text.count
            if end < s.count, isWordChar(s[end]) { return false }
        }
        return true
    }

    /// The first line of a quoted earlier message, as mail clients write it.
    static func startsQuotedMessage(_ line: String) -> Bool {
        let lower = line.lowercased()
        if lower.hasPrefix("-----original message") || lower.hasPrefix("----- original message") { return true }
        if lower.hasPrefix("-----元のメッセージ") || lower.hasPrefix("----- 元のメッセージ") { return true }
        if lower.hasPrefix("on "), lower.hasSuffix("wrote:") { return true }
        if lower.hasSuffix("書きました:") || lower.hasSuffix("書きました：") || lower.hasSuffix("wrote:") { return true }
        if lower.hasPrefix("from:"), lower.contains("@") { return true }
        if lower.hasPrefix("差出人:") || lower.hasPrefix("送信者:") { return true }
        return false
    }
}
