import Foundation

/// The language a reply to a parent is written in.
public enum ReplyLanguage: String, Sendable, Hashable, Codable, CaseIterable {
    case ja, en

    /// `ja` for a code starting with "ja", `en` for any other.
    public init(code: String) { self = code.lowercased().hasPrefix("ja") ? .ja : .en }
}

/// What a date in a command stands for; it decides how a date without a year is read and
/// which range is allowed.
public enum DateKind: String, Sendable, Hashable, Codable {
    /// A due date: a year-less date is the next one (today or later); 42 days ago to 300 days ahead.
    case due
    /// A birth date: a year-less date is the last one (today or earlier); up to 18 years ago.
    case birth
    /// The day a pause ends: a year-less date is the next one after today; at most a year ahead.
    case pauseEnd
}

/// A Japanese era a date can be written in.
public enum JapaneseEra: String, Sendable, Hashable, Codable, CaseIterable {
    case reiwa, heisei

    public var firstDay: CivilDate {
        switch self {
        case .reiwa: return CivilDate(year: 2019, month: 5, day: 1)!
        case .heisei: return CivilDate(year: 1989, month: 1, day: 8)!
        }
    }
    public var lastDay: CivilDate? {
        switch self {
        case .reiwa: return nil
        case .heisei: return CivilDate(year: 2019, month: 4, day: 30)!
        }
    }
    /// The Western year of the era's first year (元年).
    public var firstYear: Int { firstDay.year }
    public var kanji: String { self == .reiwa ? "令和" : "平成" }
    public var romaji: String { self == .reiwa ? "Reiwa" : "Heisei" }
}

/// A date as the parent wrote it, before it is checked against the calendar and today.
public struct WrittenDate: Hashable, Sendable {
    public var era: JapaneseEra?
    /// The year as written: Western, or the year of the era (1 for 元年); nil when left out.
    public var year: Int?
    public var month: Int
    public var day: Int
    /// The text the date was read from, as the parent wrote it (after width folding).
    public var text: String
    /// `5/1/2027`: month/day or day/month cannot be told apart.
    public var dayMonthOrderUnclear = false
}

/// Why a date in a command cannot be used. The description says what was wrong and how to
/// write it, in Japanese or English.
public struct DateParseProblem: Error, Hashable, Sendable {
    public enum Code: Hashable, Sendable {
        /// The command needs a date and none was found.
        case missing
        case notADate
        case noSuchMonth(Int)
        /// No such day; `year` is nil when the date had no year and the day exists in no year.
        case noSuchDay(year: Int?, month: Int, day: Int)
        /// An era year that does not exist, or a date before the era began or after it ended.
        case outsideEra(JapaneseEra, eraYear: Int)
        /// `5/1/2027`: month/day or day/month cannot be told apart.
        case dayMonthOrderUnclear
        /// A subscribe with a year-less date and neither "due" nor "birth".
        case unclearWhetherDueOrBirth
        case outOfRange(AnchorProblem)
        /// A birth date more than `Lifecycle.birthMaxWeeksBeforeDue` weeks before the due date followed.
        case birthLongBeforeDue(birth: CivilDate, due: CivilDate)
        case pauseEndNotAhead(CivilDate)
        case pauseEndTooFar(CivilDate)
    }

    public var code: Code
    /// What the parent wrote ("" when nothing was found).
    public var text: String
    public var kind: DateKind
    /// A date of the right kind near today, shown in the hint (so the example is plausible).
    public var example: CivilDate

    public init(code: Code, text: String, kind: DateKind, today: CivilDate) {
        self.code = code
        self.text = text
        self.kind = kind
        switch kind {
        case .due: example = today.adding(days: 150)
        case .birth: example = today.adding(days: -30)
        case .pauseEnd: example = today.adding(days: 30)
        }
    }
}

/// Reads dates as parents write them in Japanese and English mail: `2027-05-01`, `2027/5/1`,
/// `2027.5.1`, `20270501`, `5/1`, `5月1日`, `2027年5月1日`, `令和9年5月1日`, `R9.5.1`, `令和元年…`,
/// `平成…`, `May 1, 2027`, `1 May 2027`, full-width digits and punctuation, spaces anywhere between.
public enum JapaneseDateParser {
    /// Parses text that is one date and nothing else (blanks and a trailing `まで`/`日` allowed).
    public static func parseDate(_ text: String, today: CivilDate, kind: DateKind) -> Result<CivilDate, DateParseProblem> {
        let folded = MailText.fold(text)
        let chars = Array(folded)
        let trimmedText = folded.trimmingBlanks()
        guard let (range, written) = scan(chars, from: 0) else {
            return .failure(DateParseProblem(code: trimmedText.isEmpty ? .missing : .notADate, text: trimmedText, kind: kind, today: today))
        }
        let before = String(chars[..<range.lowerBound]).trimmingBlanks()
        var after = String(chars[range.upperBound...]).trimmingBlanks()
        for suffix in ["まで", "ごろ", "頃", "です", "."] where after.hasSuffix(suffix) { after.removeLast(suffix.count) }
        guard before.isEmpty, after.trimmingBlanks().isEmpty else {
            return .failure(DateParseProblem(code: .notADate, text: trimmedText, kind: kind, today: today))
        }
        return resolve(written, today: today, kind: kind)
    }

    /// Checks a written date against the calendar, the era, and the range its kind allows,
    /// filling in a missing year.
    public static func resolve(_ w: WrittenDate, today: CivilDate, kind: DateKind) -> Result<CivilDate, DateParseProblem> {
        func fail(_ code: DateParseProblem.Code) -> Result<CivilDate, DateParseProblem> {
            .failure(DateParseProblem(code: code, text: w.text, kind: kind, today: today))
        }
        if w.dayMonthOrderUnclear { return fail(.dayMonthOrderUnclear) }
        guard (1...12).contains(w.month) else { return fail(.noSuchMonth(w.month)) }
        let date: CivilDate
        if var year = w.year {
            if let era = w.era {
                guard year >= 1, year <= 99 else { return fail(.outsideEra(era, eraYear: year)) }
                year += era.firstYear - 1
            }
            guard let d = CivilDate(year: year, month: w.month, day: w.day) else {
                return fail(.noSuchDay(year: year, month: w.month, day: w.day))
            }
            if let era = w.era, d < era.firstDay || era.lastDay.map({ d > $0 }) == true {
                return fail(.outsideEra(era, eraYear: w.year!))
            }
            date = d
        } else {
            // The day must exist in some year (29 February does; 30 February does not).
            guard w.day >= 1, w.day <= CivilDate.daysIn(year: 2000, month: w.month) else {
                return fail(.noSuchDay(year: nil, month: w.month, day: w.day))
            }
            switch kind {
            case .due, .pauseEnd:
                let earliest = kind == .due ? today : today.adding(days: 1)
                let sameYear = CivilDate(year: today.year, month: w.month, day: w.day)
                if let d = sameYear, d >= earliest {
                    date = d
                } else if let d = CivilDate(year: today.year + 1, month: w.month, day: w.day) {
                    date = d
                } else {
                    // 29 February with no leap year within reach: say which year was meant.
                    let y = sameYear.map { $0 >= earliest } == true ? today.year : today.year + 1
                    return fail(.noSuchDay(year: y, month: w.month, day: w.day))
                }
            case .birth:
                var found: CivilDate?
                for y in stride(from: today.year, through: today.year - 8, by: -1) {
                    if let d = CivilDate(year: y, month: w.month, day: w.day), d <= today { found = d; break }
                }
                guard let d = found else { return fail(.noSuchDay(year: nil, month: w.month, day: w.day)) }
                date = d
            }
        }
        switch kind {
        case .due:
            if let problem = NewSubscriber.validateAnchor(track: .pregnancy, anchor: date, today: today) { return fail(.outOfRange(problem)) }
        case .birth:
            if let problem = NewSubscriber.validateAnchor(track: .child, anchor: date, today: today) { return fail(.outOfRange(problem)) }
        case .pauseEnd:
            if date <= today { return fail(.pauseEndNotAhead(date)) }
            if date - today > 366 { return fail(.pauseEndTooFar(date)) }
        }
        return .success(date)
    }

    /// Finds the first date at or after `start` in folded text (see `MailText.fold`); returns
    /// its character range and what was written. Never fails on odd input: no date is nil.
    public static func scan(_ chars: [Character], from start: Int) -> (Range<Int>, WrittenDate)? {
        var i = max(0, start)
        while i < chars.count {
            if let m = match(chars, at: i) { return m }
            i += 1
        }
        return nil
    }

    // MARK: - Matching

    private static let monthWords: [(String, Int)] = {
        let names = ["january", "february", "march", "april", "may", "june", "july", "august",
                     "september", "october", "november", "december"]
        var out: [(String, Int)] = []
        for (i, n) in names.enumerated() {
            out.append((n, i + 1))
            out.append((String(n.prefix(3)), i + 1))
        }
        out.append(("sept", 9))
        return out.sorted { $0.0.count > $1.0.count }
    }()

    private static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
    private static func isLatinLetter(_ c: Character) -> Bool { c.isASCII && c.isLetter }

    private static func match(_ s: [Character], at i: Int) -> (Range<Int>, WrittenDate)? {
        if i > 0, isDigit(s[i - 1]) { return nil }
        // Not the tail of a longer number such as `12345/6/7` or `1.5.3`.
        if i > 1, "/.-".contains(s[i - 1]), isDigit(s[i - 2]) { return nil }
        let lower = s[i].lowercased()
        // Era forms.
        var era: JapaneseEra?
        var j = i
        if starts(s, i, "令和") { era = .reiwa; j = i + 2 }
        else if starts(s, i, "平成") { era = .heisei; j = i + 2 }
        else if (lower == "r" || lower == "h"), i == 0 || !isLatinLetter(s[i - 1]) {
            var k = i + 1
            skipBlanks(s, &k)
            if k < s.count, isDigit(s[k]) { era = lower == "r" ? .reiwa : .heisei; j = i + 1 }
        }
        if let era {
            skipBlanks(s, &j)
            var year: Int
            if j < s.count, s[j] == "元" { year = 1; j += 1 } else {
                guard let (y, n) = digits(s, j, max: 2) else { return nil }
                year = y; j += n
            }
            skipBlanks(s, &j)
            guard j < s.count, "年./-".contains(s[j]) else { return nil }
            j += 1
            guard let (m, d, end) = monthDay(s, j, separators: "月./-") else { return nil }
            return (i..<end, WrittenDate(era: era, year: year, month: m, day: d, text: String(s[i..<end])))
        }
        // English month name first: `May 1, 2027`, `May 1`.
        if isLatinLetter(s[i]), i == 0 || !isLatinLetter(s[i - 1]) {
            return monthNameFirst(s, i)
        }
        guard let (n, count) = digits(s, i, max: 8) else { return nil }
        var k = i + count
        if count == 8 {
            // 20270501
            let y = n / 10000, m = (n / 100) % 100, d = n % 100
            return (i..<k, WrittenDate(era: nil, year: y, month: m, day: d, text: String(s[i..<k])))
        }
        if count == 4 {
            skipBlanks(s, &k)
            guard k < s.count, "年/.-".contains(s[k]) else { return nil }
            k += 1
            guard let (m, d, end) = monthDay(s, k, separators: "月/.-") else { return nil }
            return (i..<end, WrittenDate(era: nil, year: n, month: m, day: d, text: String(s[i..<end])))
        }
        guard count <= 2 else { return nil }
        // `1 May 2027`, `1st May`.
        var afterDay = k
        for ordinal in ["st", "nd", "rd", "th"] where starts(s, afterDay, ordinal) { afterDay += 2; break }
        var w = afterDay
        skipBlanks(s, &w)
        if w > afterDay || afterDay > k, let (month, end) = monthName(s, w) {
            var e = end
            var year: Int?
            var y = e
            if y < s.count, s[y] == "," { y += 1 }
            skipBlanks(s, &y)
            if let (yy, yn) = digits(s, y, max: 4), yn == 4 { year = yy; e = y + yn }
            return (i..<e, WrittenDate(era: nil, year: year, month: month, day: n, text: String(s[i..<e])))
        }
        // Year-less `5/1`, `5月1日`; and `5/1/2027`, which is refused as unclear by the caller.
        skipBlanks(s, &k)
        guard k < s.count, s[k] == "/" || s[k] == "月" else { return nil }
        let sep = s[k]
        k += 1
        skipBlanks(s, &k)
        guard let (d, dn) = digits(s, k, max: 2) else { return nil }
        k += dn
        if sep == "/", k < s.count, s[k] == "/" {
            if let (y, yn) = digits(s, k + 1, max: 4), yn == 4 {
                let end = k + 1 + yn
                // Unambiguous only when one number cannot be a month.
                if n > 12, d <= 12 { return (i..<end, WrittenDate(era: nil, year: y, month: d, day: n, text: String(s[i..<end]))) }
                if d > 12, n <= 12 { return (i..<end, WrittenDate(era: nil, year: y, month: n, day: d, text: String(s[i..<end]))) }
                if n == d { return (i..<end, WrittenDate(era: nil, year: y, month: n, day: d, text: String(s[i..<end]))) }
                var unclear = WrittenDate(era: nil, year: y, month: n, day: d, text: String(s[i..<end]))
                unclear.dayMonthOrderUnclear = true
                return (i..<end, unclear)
            }
            return nil
        }
        if k < s.count, isDigit(s[k]) { return nil }
        var end = k
        var t = k
        skipBlanks(s, &t)
        if t < s.count, s[t] == "日" { end = t + 1 }
        return (i..<end, WrittenDate(era: nil, year: nil, month: n, day: d, text: String(s[i..<end])))
    }

    /// Month and day after the year separator: `5月1日`, `5/1`, `05-01`.
    private static func monthDay(_ s: [Character], _ start: Int, separators: String) -> (Int, Int, Int)? {
        var k = start
        skipBlanks(s, &k)
        guard let (m, mn) = digits(s, k, max: 2) else { return nil }
        k += mn
        skipBlanks(s, &k)
        guard k < s.count, separators.contains(s[k]) else { return nil }
        k += 1
        skipBlanks(s, &k)
        guard let (d, dn) = digits(s, k, max: 2) else { return nil }
        k += dn
        if k < s.count, isDigit(s[k]) { return nil }
        var end = k
        skipBlanks(s, &k)
        if k < s.count, s[k] == "日" { end = k + 1 }
        return (m, d, end)
    }

    private static func monthNameFirst(_ s: [Character], _ i: Int) -> (Range<Int>, WrittenDate)? {
        guard let (month, end) = monthName(s, i) else { return nil }
        var k = end
        skipBlanks(s, &k)
        guard k > end || (end > i && s[end - 1] == "."), let (d, dn) = digits(s, k, max: 2) else { return nil }
        k += dn
        if k < s.count, isDigit(s[k]) { return nil }
        for ordinal in ["st", "nd", "rd", "th"] where starts(s, k, ordinal) { k += 2; break }
        var e = k
        var y = k
        if y < s.count, s[y] == "," { y += 1 }
        skipBlanks(s, &y)
        var year: Int?
        if let (yy, yn) = digits(s, y, max: 4), yn == 4 { year = yy; e = y + yn }
        return (i..<e, WrittenDate(era: nil, year: year, month: month, day: d, text: String(s[i..<e])))
    }

    /// An English month name (full, 3 letters, or 3 letters and a dot) at `i`, not inside a word.
    private static func monthName(_ s: [Character], _ i: Int) -> (Int, Int)? {
        for (word, month) in monthWords where startsCaseless(s, i, word) {
            var end = i + word.count
            if end < s.count, isLatinLetter(s[end]) { continue }
            if end < s.count, s[end] == "." { end += 1 }
            return (month, end)
        }
        return nil
    }

    private static func digits(_ s: [Character], _ start: Int, max: Int) -> (Int, Int)? {
        var k = start, value = 0
        while k < s.count, isDigit(s[k]), k - start < max {
            value = value * 10 + (s[k].wholeNumberValue ?? 0)
            k += 1
        }
        guard k > start else { return nil }
        if k < s.count, isDigit(s[k]) { return nil }
        return (value, k - start)
    }

    private static func skipBlanks(_ s: [Character], _ k: inout Int) {
        while k < s.count, s[k] == " " || s[k] == "\t" { k += 1 }
    }

    static func starts(_ s: [Character], _ i: Int, _ word: String) -> Bool {
        var k = i
        for c in word {
            guard k < s.count, s[k] == c else { return false }
            k += 1
        }
        return true
    }

    private static func startsCaseless(_ s: [Character], _ i: Int, _ word: String) -> Bool {
        var k = i
        for c in word {
            guard k < s.count, s[k].lowercased() == String(c) else { return false }
            k += 1
        }
        return true
    }
}
