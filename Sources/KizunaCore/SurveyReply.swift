import Foundation

/// A parent's answer to a reader survey, read from the new text of their reply: the number of
/// the choice and the free text they wrote after it.
public struct SurveyReply: Hashable, Sendable {
    /// 1-based, within the survey's choices.
    public var choice: Int
    /// The words after the number (and the lines below it), trimmed; nil when there are none.
    public var comment: String?

    public init(choice: Int, comment: String? = nil) {
        self.choice = choice; self.comment = comment
    }

    /// A comment is kept up to this many characters: a reply is a line or two, and a pasted
    /// document must not grow the store.
    public static let maxCommentLength = 2000

    /// Reads `text` — the new text of a reply, quoted lines and signature already removed
    /// (`ReplyText.newContent`) — as the answer to a survey with `choices` choices, or nil.
    ///
    /// The first line must start with the number: `3`, `３`, `3です`, `3番`, `3番です`, `3.`, `(3)`,
    /// `③`, `No.3`, `#3`, or after a short lead (`I'd say 4`, `答えは3です`); what follows on that
    /// line after a separator (`4 - we read it every day`, `3です。毎日…`) and the lines below are
    /// the comment. It is never an answer when
    /// - the number is out of 1…`choices`, or part of a date, a time, an amount or a range
    ///   (`3/15`, `3月15日`, `2027-03-15`, `R9.3.15`, `3:00`, `3か月`, `3 or 4`), or the first line
    ///   holds a date anywhere;
    /// - the text holds a command the parser reads (`3 stop`, `3 ヘルプ`, `3 地域 北区`), or any
    ///   stop or loss word at all, even one the parser would let pass inside a sentence
    ///   (`とめて`, `やめて`): a care command always wins, and a parent who asks to stop must never
    ///   be thanked for an answer instead.
    public static func read(_ text: String, choices: Int, today: CivilDate) -> SurveyReply? {
        guard choices >= 1 else { return nil }
        let lines = newLines(text)
        guard let first = lines.first else { return nil }
        let chars = Array(first)
        guard let number = leadingNumber(chars), (1...choices).contains(number.value) else { return nil }
        // A date anywhere on the number's line: the number may be part of it, or the line is about a date.
        guard JapaneseDateParser.scan(chars, from: 0) == nil else { return nil }
        let rest = String(chars[number.end...])
        guard !startsAnotherNumber(rest) else { return nil }
        var commentLines = [String(rest.drop { separators.contains($0) })]
        commentLines += lines.dropFirst()
        let comment = commentLines.filter { !$0.isEmpty && !namesAContact($0) }.joined(separator: "\n")
        guard !holdsACommand(lines.joined(separator: "\n"), comment: comment, today: today) else { return nil }
        return SurveyReply(choice: number.value, comment: comment.isEmpty ? nil : String(comment.prefix(maxCommentLength)))
    }

    /// Reads a whole reply: its body's new text, else a subject the parent wrote themself, as a
    /// phone's reply typed in the subject line (`3です`, body empty or only a phone's signature).
    /// Then the subject is the first line and the body's lines the comment. A subject with a reply
    /// prefix is the subject of our mail quoted by the client (`Re: 3 things to know`), and a
    /// bracketed one is our daily subject: neither is ever read as an answer.
    public static func read(body: String, subject: String, choices: Int, today: CivilDate) -> SurveyReply? {
        if let answer = read(body, choices: choices, today: today) { return answer }
        let own = CommandParser.readSubject(subject)
        guard !own.isQuoted, !own.isOurs, !own.text.isEmpty else { return nil }
        return read(own.text + "\n" + body, choices: choices, today: today)
    }

    // MARK: - The lines

    /// The text's non-empty lines, width-folded and trimmed, up to a signature or a quoted
    /// earlier message (the reply-text reader removed them already; a text from elsewhere too).
    static func newLines(_ text: String) -> [String] {
        var out: [String] = []
        let raw = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
        for (index, rawLine) in raw.enumerated() {
            if rawLine.hasPrefix("-- ") || rawLine == "--" { break }
            let line = MailText.fold(String(rawLine.prefix(CommandParser.maxLineLength))).trimmingBlanks()
            if line.isEmpty { continue }
            if CommandParser.startsQuotedMessage(line) { break }
            if line.hasPrefix(">") || line.hasPrefix("|") { continue }
            // An attribution line of any wording: it ends in a colon and the quote follows.
            if line.hasSuffix(":"), index + 1 < raw.count, MailText.fold(String(raw[index + 1])).trimmingBlanks().hasPrefix(">") { break }
            out.append(line)
            if out.count >= CommandParser.maxLossLines { break }
        }
        return out
    }

    /// A line holding a mail address or a phone number (a phone's signature without `-- `):
    /// left out of the comment, which the results print beside no address but should not carry one.
    static func namesAContact(_ line: String) -> Bool {
        if line.contains("@"), line.split(separator: "@").last?.contains(".") == true { return true }
        // A phone number: ten digits or more, at least half of the line's ASCII (`TEL 090-1234-5678`).
        let digits = line.filter { $0.isASCII && $0.isNumber }.count
        return digits >= 10 && digits * 2 >= line.filter(\.isASCII).count
    }

    // MARK: - The number

    /// Words before the number that only introduce it, lower-case, longest first.
    static let leads: [String] = [
        "i would say", "i'd say", "id say", "i say", "i think", "i choose", "i pick", "my answer is", "my answer:",
        "my answer", "answer:", "answer", "回答は", "回答:", "回答", "答えは", "答え:", "答え", "番号は",
    ].sorted { $0.count > $1.count }
    /// Marks of a number written as a list item's number.
    static let numberMarks = ["no.", "#", "番号"]
    /// What may follow the digits and still be the answer alone (`3番です`, `3.`, `3)`), longest first.
    static let suffixes = [
        "番目です", "番目", "番です", "番で", "番", "ですね", "です", "でした", "かな", "で", "."
    ]
    static let separators: Set<Character> = [" ", "\t", "-", ",", "、", "。", ".", ":", ";", "!", "?", ")", "]", "」", "・"]

    /// The number the line starts with (after a lead, a mark or an opening bracket), and where
    /// its suffix ends; nil when the line does not start with a number standing alone.
    static func leadingNumber(_ line: [Character]) -> (value: Int, end: Int)? {
        let lower = line.map { c -> Character in
            let l = c.lowercased()
            return l.count == 1 ? Character(l) : c
        }
        var i = 0
        func skipBlanks() { while i < lower.count, lower[i] == " " || lower[i] == "\t" { i += 1 } }
        func skip(_ words: [String]) -> Bool {
            for w in words where lower[i...].starts(with: w) {
                i += w.count
                skipBlanks()
                return true
            }
            return false
        }
        _ = skip(leads)
        _ = skip(numberMarks)
        let closing: Character?
        switch lower.indices.contains(i) ? lower[i] : " " {
        case "(": closing = ")"
        case "[": closing = "]"
        case "「": closing = "」"
        default: closing = nil
        }
        if closing != nil { i += 1 }
        let start = i
        while i < lower.count, lower[i].isASCII, lower[i].isNumber { i += 1 }
        // One or two digits, no leading zero: `2027`, `03` and `15` of a date are not answers.
        guard (1...2).contains(i - start), lower[start] != "0", let value = Int(String(lower[start..<i])) else { return nil }
        if let closing {
            guard i < lower.count, lower[i] == closing else { return nil }
            i += 1
        }
        // After a Japanese suffix word (`です`, `番`) anything may follow: Japanese has no spaces.
        var endsInWord = false
        for s in suffixes where lower[i...].starts(with: s) {
            i += s.count
            endsInWord = s != "."
            break
        }
        guard i < lower.count else { return (value, i) }
        let next = lower[i]
        // `3.15`, `3番4`.
        if next.isNumber { return nil }
        if !endsInWord {
            // `3月`, `3日`, `3か月`, `3kg`, `3rd`, `3/15`, `3~4`, `3%`.
            if next.isLetter || "/~〜=+%*'".contains(next) { return nil }
            // `3-4`, `3,4`, `3:00`.
            if "-,:".contains(next), i + 1 < lower.count, lower[i + 1].isNumber { return nil }
        }
        return (value, i)
    }

    /// `3 or 4`, `3か4`, `3 and 5`, `3~4`: two choices are no answer.
    static func startsAnotherNumber(_ rest: String) -> Bool {
        var t = Substring(rest.lowercased()).drop { separators.contains($0) || $0 == " " }
        for word in ["or", "and", "to", "か", "と", "から", "または", "や", "&", "/"] where t.hasPrefix(word) {
            t = t.dropFirst(word.count).drop { $0 == " " }
            return t.first.map { $0.isASCII && $0.isNumber } ?? false
        }
        return false
    }

    // MARK: - Commands

    /// Whether the text asks for anything: a command the parser reads in it, or in the words
    /// after the number read on their own (`3 地域 北区`); or any stop or loss word at all.
    static func holdsACommand(_ text: String, comment: String, today: CivilDate) -> Bool {
        for body in [text, comment] {
            switch CommandParser.parse(subject: "", body: body, today: today).command {
            case .unknown(.noCommand), .unknown(.empty), .unknown(.replyToDailyMessage): continue
            default: return true
            }
        }
        return mentionsStopOrLoss(text)
    }

    /// Any stop or loss keyword anywhere, even inside a sentence or overlapped by another word
    /// (`メールはいらない` holds `はい`), unless it is part of a neutral phrase (`止めないで`,
    /// `切迫流産`, `まとめて`).
    static func mentionsStopOrLoss(_ text: String) -> Bool {
        let lower = Array(text).map { c -> Character in
            let l = c.lowercased()
            return l.count == 1 ? Character(l) : c
        }
        var neutral = [Bool](repeating: false, count: lower.count)
        for i in lower.indices {
            for k in CommandParser.keywords[lower[i]] ?? [] where k.verb == .neutral && CommandParser.matches(k, lower, at: i) {
                for j in i..<(i + k.text.count) { neutral[j] = true }
            }
        }
        for i in lower.indices where !neutral[i] {
            for k in CommandParser.keywords[lower[i]] ?? [] where (k.verb == .stop || k.verb == .loss) && CommandParser.matches(k, lower, at: i) {
                return true
            }
        }
        return false
    }
}
