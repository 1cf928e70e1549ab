/// Reads a parent's email as one command, in Japanese or English.
///
/// Reading order: the recipient's plus-address detail (`c-TOKEN`, `u-TOKEN`), the subject
/// (unless it is the subject of one of our own messages being replied to: `Re: [さくら] …`), then
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
/// - `help` gives way to any other command; two other different commands are `unknown(.conflicting)`.
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

    public static func parse(subject: String, body: String, plusDetail: String? = nil, today: CivilDate) -> ParsedCommand {
        var reader = Reader(today: today)
        return reader.read(subject: subject, body: body, plusDetail: plusDetail)
    }

    // MARK: - Vocabulary

    enum Verb: String, Hashable {
        case subscribe, dueWord, birthWord, bornWord, confirm, stop, pause, resume, loss, status, help
        case name, lang, area, languageJa, languageEn
        /// Phrases that contain a command word but are not a command (`切迫流産`, `weight loss`).
        case neutral
    }
    enum Strength { case strong, weak, lineStart, needsBaby }

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
        ja(.dueWord, .strong, "出産予定日", "予定日", "分娩予定日")
        ja(.birthWord, .strong, "誕生日", "生年月日")
        ja(.bornWord, .strong, "生まれました", "産まれました", "生まれた", "産まれた", "出産しました", "出産した",
           "誕生しました", "誕生した", "無事出産", "無事に出産", "生まれ", "産まれ")
        ja(.bornWord, .weak, "出産")
        ja(.confirm, .weak, "確認", "はい", "登録確認", "確認しました", "承認")
        ja(.stop, .strong, "停止", "配信停止", "解除", "退会", "登録解除", "購読解除", "購読停止", "配信解除",
           "配信不要", "やめる", "配信をやめ", "配信を止め", "配信中止", "登録を解除", "登録取り消し", "登録を取り消")
        ja(.stop, .weak, "やめたい", "やめて", "止めて", "止めたい", "中止", "不要", "いらない", "結構です")
        ja(.pause, .strong, "一時停止", "一時休止", "一旦停止", "いったん停止", "休止", "一時的に停止", "しばらく停止",
           "配信をお休み", "配信お休み", "メールをお休み", "お休みしたい", "お休みします", "お休みさせて", "お休みにして",
           "しばらくお休み", "一時中断", "一時中止")
        ja(.pause, .weak, "お休み", "休み")
        ja(.resume, .strong, "配信再開", "再開してください", "再開希望", "再開したい", "再開お願い")
        ja(.resume, .weak, "再開")
        ja(.loss, .strong, "流産", "死産", "稽留流産", "流れてしまい", "お空に帰", "お空へ帰")
        ja(.loss, .needsBaby, "亡くな", "天使にな", "天使になり", "お空に", "心拍が止ま", "心拍停止")
        ja(.neutral, .strong, "切迫流産", "切迫早産", "流産予防", "早産予防", "流産しないよう", "停止しないで", "止めないで",
           "やめないで", "解除しないで", "登録状況確認", "確認メール")
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
        en(.birthWord, .strong, "birth", "birthday", "date of birth", "born on", "dob", "birth date", "birthdate")
        en(.bornWord, .strong, "was born", "were born", "is born", "gave birth", "has arrived", "baby arrived", "baby was born")
        en(.bornWord, .weak, "born")
        en(.confirm, .strong, "confirm", "i confirm", "confirmed")
        en(.confirm, .weak, "yes", "ok", "okay")
        en(.stop, .strong, "stop", "unsubscribe", "remove me", "opt out", "opt-out", "optout", "stop sending",
           "take me off", "stop all", "no more emails", "leave")
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

    // MARK: - Reading

    struct Hit {
        var verb: Verb
        var range: Range<Int>
        var keyword: Keyword
        var line: Int // index into lines
    }

    struct Line {
        var source: CommandSource
        /// Width-folded, case kept (for nicknames and addresses).
        var chars: [Character]
        /// The same, lower-cased character by character, so indices line up.
        var lower: [Character]
        var hits: [Hit] = []
        var dates: [(Range<Int>, WrittenDate)] = []
        var isCommandWindow: Bool
    }

    struct Reader {
        let today: CivilDate
        var lines: [Line] = []
        var why: [CommandEvidence] = []
        /// The subject after prefixes, even when it is not read for commands (for the language only).
        var subjectText = ""

        init(today: CivilDate) { self.today = today }

        mutating func read(subject rawSubject: String, body: String, plusDetail: String?) -> ParsedCommand {
            // The plus address.
            var token: String?
            var unsubscribeToken: String?
            if let plus = plusDetail.map({ MailText.fold($0).trimmingBlanks().lowercased() }), !plus.isEmpty {
                switch OwnAddress.kind(ofDetail: plus) {
                case .confirmation:
                    token = OwnAddress.findConfirmation(in: plus) ?? plus
                    why.append(CommandEvidence(source: .plusAddress, matched: plus, meaning: "confirmation token"))
                case .unsubscribe:
                    unsubscribeToken = plus
                    why.append(CommandEvidence(source: .plusAddress, matched: plus, meaning: "unsubscribe address: stop"))
                case .verp, nil:
                    break
                }
            }

            // The subject.
            let (subjectText, isOurs) = CommandParser.strippedSubject(String(rawSubject.prefix(maxLineLength * 2)))
            self.subjectText = subjectText
            if token == nil, let t = OwnAddress.findConfirmation(in: subjectText) {
                token = t
                why.append(CommandEvidence(source: .subject, matched: t, meaning: "confirmation token"))
            }
            if isOurs {
                why.append(CommandEvidence(source: .subject, matched: subjectText, meaning: "ignored: a reply to one of our messages"))
            } else if !subjectText.isEmpty {
                addLine(subjectText, source: .subject, window: true)
            }

            // The body: the command window, then further new lines for loss words only.
            var nonEmpty = 0
            var quotedNoted = false
            for rawLine in body.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
                if nonEmpty >= maxLossLines { break }
                let folded = MailText.fold(String(rawLine.prefix(maxLineLength))).trimmingBlanks()
                if folded.isEmpty { continue }
                if folded == "--" || rawLine.hasPrefix("-- ") || rawLine == "--" { break }
                if CommandParser.startsQuotedMessage(folded) {
                    why.append(CommandEvidence(source: .body(line: nonEmpty + 1), matched: folded, meaning: "stop reading: quoted message follows"))
                    break
                }
                if folded.hasPrefix(">") || folded.hasPrefix("|") {
                    if !quotedNoted {
                        why.append(CommandEvidence(source: .body(line: nonEmpty + 1), matched: folded, meaning: "ignored: quoted"))
                        quotedNoted = true
                    }
                    continue
                }
                nonEmpty += 1
                if token == nil, nonEmpty <= maxBodyLines, let t = OwnAddress.findConfirmation(in: folded) {
                    token = t
                    why.append(CommandEvidence(source: .body(line: nonEmpty), matched: t, meaning: "confirmation token"))
                }
                addLine(folded, source: .body(line: nonEmpty), window: nonEmpty <= maxBodyLines)
            }

            return decide(token: token, unsubscribeToken: unsubscribeToken, subjectWasOurs: isOurs,
                          hadText: !rawSubject.trimmingBlanks().isEmpty || nonEmpty > 0)
        }

        mutating func addLine(_ text: String, source: CommandSource, window: Bool) {
            let chars = Array(text)
            let lower = chars.map { c -> Character in
                let l = c.lowercased()
                return l.count == 1 ? Character(l) : c
            }
            var line = Line(source: source, chars: chars, lower: lower, isCommandWindow: window)
            let index = lines.count
            // Keywords, longest first, English ones on word boundaries.
            var i = 0
            while i < lower.count {
                var found: Keyword?
                if let candidates = CommandParser.keywords[lower[i]] {
                    for k in candidates where CommandParser.matches(k, lower, at: i) { found = k; break }
                }
                if let k = found {
                    line.hits.append(Hit(verb: k.verb, range: i..<(i + k.text.count), keyword: k, line: index))
                    i += k.text.count
                } else {
                    i += 1
                }
            }
            // Dates, outside keywords.
            var from = 0
            while let (range, written) = JapaneseDateParser.scan(line.chars, from: from) {
                if !line.hits.contains(where: { $0.range.overlaps(range) && $0.verb != .neutral }) {
                    line.dates.append((range, written))
                }
                from = range.upperBound
            }
            lines.append(line)
        }

        /// Whether a hit counts, by its strength and the rest of its line.
        func counts(_ hit: Hit) -> Bool {
            let line = lines[hit.line]
            switch hit.keyword.strength {
            case .strong: return true
            case .lineStart:
                return line.hits.first.map { $0.range == hit.range } == true && hit.range.lowerBound == 0
            case .needsBaby:
                let sentence = sentenceText(line, around: hit.range)
                return CommandParser.babyWords.contains { sentence.contains($0) }
            case .weak:
                return residue(line).count <= CommandParser.weakResidueLimit
            }
        }

        /// The line without keywords, dates, polite filler, punctuation and blanks.
        func residue(_ line: Line) -> String {
            var keep = [Bool](repeating: true, count: line.lower.count)
            for h in line.hits { for k in h.range { keep[k] = false } }
            for (r, _) in line.dates { for k in r { keep[k] = false } }
            var text = String(zip(line.lower, keep).compactMap { $1 ? $0 : nil })
            for f in CommandParser.jaFillers { text = text.replacingAll(f, with: " ") }
            let words = text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "'") })
            return words.filter { !CommandParser.enFillers.contains(String($0)) }.joined()
        }

        func sentenceText(_ line: Line, around range: Range<Int>) -> String {
            let stops: Set<Character> = ["。", "!", ".", "\n"]
            var start = range.lowerBound
            while start > 0, !stops.contains(line.lower[start - 1]) { start -= 1 }
            var end = range.upperBound
            while end < line.lower.count, !stops.contains(line.lower[end]) { end += 1 }
            if end < line.lower.count { end += 1 }
            return String(line.lower[start..<end])
        }

        func isHedged(_ hit: Hit) -> Bool {
            let sentence = sentenceText(lines[hit.line], around: hit.range)
            if CommandParser.hedgeJa.contains(where: { sentence.contains($0) }) { return true }
            let words = sentence.split(whereSeparator: { !($0.isLetter || $0 == "'") }).map(String.init)
            return words.contains { CommandParser.hedgeEn.contains($0) || $0.hasSuffix("n't") }
        }

        mutating func decide(token: String?, unsubscribeToken: String?, subjectWasOurs: Bool, hadText: Bool) -> ParsedCommand {
            // Loss first: anywhere in the new text.
            var lossHit: Hit?
            for line in lines {
                for hit in line.hits where hit.verb == .loss && counts(hit) {
                    if isHedged(hit) {
                        why.append(evidence(hit, "ignored: loss word with a negation, question, worry or another person"))
                    } else if lossHit == nil {
                        lossHit = hit
                    }
                }
            }
            if let hit = lossHit {
                why.append(evidence(hit, "loss"))
                return ParsedCommand(command: .loss, language: language(of: hit), why: why, unsubscribeToken: unsubscribeToken)
            }

            // The command window.
            var counted: [Hit] = []
            for line in lines where line.isCommandWindow {
                for hit in line.hits where hit.verb != .loss {
                    if hit.verb == .neutral {
                        why.append(evidence(hit, "ignored: not a command here"))
                    } else if counts(hit) {
                        counted.append(hit)
                    } else {
                        why.append(evidence(hit, "ignored: \(hit.verb.rawValue) word inside a longer sentence"))
                    }
                }
            }
            let fieldVerbs: Set<Verb> = [.name, .lang, .area, .languageEn, .languageJa]
            var commands = counted.filter { !fieldVerbs.contains($0.verb) }
            for hit in commands { why.append(evidence(hit, hit.verb.rawValue)) }

            if unsubscribeToken != nil {
                return ParsedCommand(command: .stop(.all), language: language(of: commands.first), why: why, unsubscribeToken: unsubscribeToken)
            }

            var kinds = Set(commands.map(\.verb))
            let hasSubscribe = kinds.contains(.subscribe)
            if hasSubscribe {
                kinds.subtract([.dueWord, .birthWord, .bornWord])
            } else {
                if kinds.contains(.birthWord) { kinds.remove(.birthWord); kinds.insert(.bornWord) }
                if kinds.contains(.bornWord) { kinds.remove(.dueWord) }
            }
            if let token {
                if kinds.isSubset(of: [.subscribe, .confirm, .help]) {
                    return ParsedCommand(command: .confirm(token: token), language: language(of: commands.first), why: why)
                }
                kinds.subtract([.confirm, .subscribe])
            } else if kinds.contains(.confirm) {
                kinds.remove(.confirm)
                why.append(CommandEvidence(source: commands.first { $0.verb == .confirm }.map { lines[$0.line].source } ?? .subject,
                                           matched: "confirm", meaning: "ignored: no confirmation token"))
            }
            if kinds.count > 1 { kinds.remove(.help) }
            commands = commands.filter { kinds.contains($0.verb) || (hasSubscribe && [.dueWord, .birthWord, .bornWord].contains($0.verb)) }
            let lang = explicitLanguage(counted) ?? language(of: commands.first)

            guard kinds.count <= 1 else {
                let names = kinds.map { CommandParser.commandName($0) }.sorted()
                return ParsedCommand(command: .unknown(.conflicting(names)), language: lang, why: why)
            }
            guard let verb = kinds.first else {
                let reason: UnknownReason = !hadText ? .empty : (subjectWasOurs ? .replyToDailyMessage : .noCommand)
                return ParsedCommand(command: .unknown(reason), language: lang ?? scriptLanguage(), why: why)
            }
            let command: MailCommand
            switch verb {
            case .subscribe: command = .subscribe(subscribeRequest(commands, counted))
            case .dueWord: command = .due(date(near: commands.first { $0.verb == .dueWord }, kind: .due))
            case .bornWord, .birthWord: command = .born(date(near: commands.first { $0.verb == .bornWord || $0.verb == .birthWord }, kind: .birth))
            case .stop: command = .stop(stopScope(commands.first { $0.verb == .stop }!, counted))
            case .pause:
                let hit = commands.first { $0.verb == .pause }!
                command = .pause(until: findDate(near: hit).map { JapaneseDateParser.resolve($0, today: today, kind: .pauseEnd) })
            case .resume: command = .resume
            case .status: command = .status
            case .help: command = .help
            default: command = .unknown(.noCommand)
            }
            return ParsedCommand(command: command, language: lang ?? scriptLanguage(), why: why)
        }

        func evidence(_ hit: Hit, _ meaning: String) -> CommandEvidence {
            CommandEvidence(source: lines[hit.line].source, matched: String(lines[hit.line].chars[hit.range]), meaning: meaning)
        }

        func language(of hit: Hit?) -> ReplyLanguage? {
            guard let hit else { return scriptLanguage() }
            return hit.keyword.english ? .en : .ja
        }

        /// Japanese when the text read has kana or kanji, English when it has Latin letters;
        /// when nothing was read, the subject (our own, being replied to) decides.
        func scriptLanguage() -> ReplyLanguage? {
            var sawLatin = false
            var texts = lines.filter(\.isCommandWindow).map(\.chars)
            if texts.isEmpty { texts = [Array(subjectText)] }
            for chars in texts {
                for c in chars {
                    for s in c.unicodeScalars {
                        switch s.value {
                        case 0x3040...0x30FF, 0x4E00...0x9FFF, 0x3400...0x4DBF: return .ja
                        case 0x41...0x5A, 0x61...0x7A: sawLatin = true
                        default: break
                        }
                    }
                }
            }
            return sawLatin ? .en : nil
        }

        func explicitLanguage(_ hits: [Hit]) -> ReplyLanguage? {
            for hit in hits {
                switch hit.verb {
                case .languageEn: return .en
                case .languageJa: return .ja
                case .lang:
                    let value = fieldValue(hit).lowercased()
                    if value.hasPrefix("en") || value.hasPrefix("英") { return .en }
                    if value.hasPrefix("ja") || value.hasPrefix("jp") || value.hasPrefix("日本") { return .ja }
                default: continue
                }
            }
            return nil
        }

        /// The text after a field keyword up to the next keyword or date, without separators.
        func fieldValue(_ hit: Hit) -> String {
            let line = lines[hit.line]
            var end = line.chars.count
            for h in line.hits where h.range.lowerBound >= hit.range.upperBound { end = min(end, h.range.lowerBound) }
            for (r, _) in line.dates where r.lowerBound >= hit.range.upperBound { end = min(end, r.lowerBound) }
            var value = String(line.chars[hit.range.upperBound..<end])
            value = value.trimmingBlanks()
            while let f = value.first, ":=：-、,".contains(f) { value.removeFirst(); value = value.trimmingBlanks() }
            // `名前は はなこ`; but `名前：はなこ` keeps the は of the name.
            if value.hasPrefix("は "), value.count > 2 { value.removeFirst(); value = value.trimmingBlanks() }
            for suffix in ["でお願いします", "です", "で", "、", ",", "。", "."] where value.hasSuffix(suffix) {
                value.removeLast(suffix.count)
                value = value.trimmingBlanks()
            }
            return value
        }

        func field(_ verb: Verb, _ hits: [Hit]) -> String? {
            for hit in hits where hit.verb == verb {
                let v = fieldValue(hit)
                if !v.isEmpty { return v }
            }
            return nil
        }

        /// A date on the hit's line, else the first date in the command window.
        func findDate(near hit: Hit?) -> WrittenDate? {
            if let hit, let d = lines[hit.line].dates.first { return d.1 }
            for line in lines where line.isCommandWindow { if let d = line.dates.first { return d.1 } }
            return nil
        }

        mutating func date(near hit: Hit?, kind: DateKind) -> DateArgument {
            guard let written = findDate(near: hit) else {
                return .failure(DateParseProblem(code: .missing, text: "", kind: kind, today: today))
            }
            why.append(CommandEvidence(source: hit.map { lines[$0.line].source } ?? .subject, matched: written.text, meaning: "date (\(kind.rawValue))"))
            return JapaneseDateParser.resolve(written, today: today, kind: kind)
        }

        mutating func subscribeRequest(_ commands: [Hit], _ counted: [Hit]) -> SubscribeRequest {
            let birthHit = commands.first { $0.verb == .birthWord || $0.verb == .bornWord }
            let dueHit = commands.first { $0.verb == .dueWord }
            let track: Track?
            let dateArgument: DateArgument
            if let hit = birthHit ?? dueHit {
                let kind: DateKind = birthHit != nil ? .birth : .due
                track = birthHit != nil ? .child : .pregnancy
                dateArgument = date(near: hit, kind: kind)
            } else if let written = findDate(near: commands.first) {
                // No due or birth word: a full date after today is a due date, else a birth date.
                if written.year != nil, case .success(let raw) = JapaneseDateParser.resolve(written, today: today, kind: .due)
                    .flatMapError({ _ in JapaneseDateParser.resolve(written, today: today, kind: .birth) }) {
                    let kind: DateKind = raw > today ? .due : .birth
                    track = kind == .due ? .pregnancy : .child
                    why.append(CommandEvidence(source: .subject, matched: written.text, meaning: "date (\(kind.rawValue), by its being \(kind == .due ? "after" : "not after") today)"))
                    dateArgument = JapaneseDateParser.resolve(written, today: today, kind: kind)
                } else if written.year != nil {
                    track = nil
                    // Impossible either way: report it as a due date (the usual first subscription).
                    dateArgument = JapaneseDateParser.resolve(written, today: today, kind: .due)
                } else {
                    track = nil
                    dateArgument = .failure(DateParseProblem(code: .unclearWhetherDueOrBirth, text: written.text, kind: .due, today: today))
                }
            } else {
                track = nil
                dateArgument = .failure(DateParseProblem(code: .missing, text: "", kind: .due, today: today))
            }
            let nickname = NewSubscriber.cleanNickname(field(.name, counted))
            if let nickname { why.append(CommandEvidence(source: .subject, matched: nickname, meaning: "nickname")) }
            let area = field(.area, counted)
            if let area { why.append(CommandEvidence(source: .subject, matched: area, meaning: "area")) }
            return SubscribeRequest(track: track, date: dateArgument, nickname: nickname, language: explicitLanguage(counted),
                                    area: area, mentionedAddresses: mentionedAddresses())
        }

        func mentionedAddresses() -> [EmailAddress] {
            var out: [EmailAddress] = []
            for line in lines where line.isCommandWindow {
                let words = String(line.chars).split(whereSeparator: { " \t<>()[]「」『』\"',;:、。".contains($0) })
                for w in words where w.contains("@") {
                    if let a = try? EmailAddress(parsing: w), !out.contains(a) { out.append(a) }
                }
            }
            return out
        }

        mutating func stopScope(_ hit: Hit, _ counted: [Hit]) -> StopScope {
            if let name = NewSubscriber.cleanNickname(field(.name, counted)) {
                why.append(evidence(hit, "stop for nickname \(name)"))
                return .nickname(name)
            }
            let line = lines[hit.line]
            var candidate: String?
            if hit.keyword.english {
                // `stop Hana`: the next word, unless it is filler.
                let rest = String(line.chars[hit.range.upperBound...])
                // A name is capitalised or not in Latin letters (`stop Hana`, `stop はな`); `stop now` is not one.
                if let word = rest.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }).first,
                   let first = word.first, first.isUppercase || !first.isASCII,
                   !CommandParser.enFillers.contains(word.lowercased()), !CommandParser.isCommandWord(String(word)) {
                    candidate = String(word)
                }
            } else {
                // `はなこの配信停止`, `たろうの分を停止`: a word joined to the keyword by の.
                var before = String(line.chars[..<hit.range.lowerBound]).trimmingBlanks()
                var joined = false
                for suffix in ["の配信を", "の配信", "の分を", "の分の", "の分", "のメールを", "のメール", "の"] where before.hasSuffix(suffix) {
                    before.removeLast(suffix.count)
                    joined = true
                    break
                }
                let word = !joined ? "" : before.split(whereSeparator: { " \t、。,.!！?？「」".contains($0) }).last.map(String.init) ?? ""
                if !word.isEmpty, !CommandParser.jaFillers.contains(word), !CommandParser.isCommandWord(word),
                   !["全部", "すべて", "全て", "メール", "配信", "登録", "購読", "毎日", "今日", "もう", "すぐ", "至急"].contains(word) {
                    candidate = word
                }
            }
            if let name = NewSubscriber.cleanNickname(candidate) {
                why.append(evidence(hit, "stop for nickname \(name) (all, if no subscription has it)"))
                return .nickname(name)
            }
            return .all
        }
    }

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

    /// The subject without `Re:`/`Fwd:`/`返信:` prefixes; and whether it is the subject of one of
    /// our own messages (it starts with a bracketed edition name, `[さくら]` or `【さくら】`).
    public static func strippedSubject(_ subject: String) -> (text: String, isOurs: Bool) {
        var s = MailText.fold(subject).trimmingBlanks()
        let prefixes = ["re", "fwd", "fw", "aw", "sv", "vs", "tr", "wg", "返信", "転送", "回复", "答复"]
        var changed = true
        while changed {
            changed = false
            let lower = s.lowercased()
            for p in prefixes where lower.hasPrefix(p) {
                var rest = Substring(s.dropFirst(p.count))
                // `Re[2]:`, `Re(2):`, `Re :`
                if rest.first == "[" || rest.first == "(" , let close = rest.firstIndex(where: { $0 == "]" || $0 == ")" }),
                   rest[rest.index(after: rest.startIndex)..<close].allSatisfy(\.isNumber) {
                    rest = rest[rest.index(after: close)...]
                }
                rest = Substring(rest.trimmingBlanks())
                if rest.first == ":" {
                    s = String(rest.dropFirst()).trimmingBlanks()
                    changed = true
                    break
                }
            }
        }
        let ours = (s.hasPrefix("[") && s.contains("]")) || (s.hasPrefix("【") && s.contains("】"))
        return (s, ours)
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

extension String {
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
