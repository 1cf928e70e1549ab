import KizunaCore

/// The words a language uses for the values Kizuna fills in: ages, gestational weeks, the default nickname.
enum LanguageForms: Sendable {
    case japanese
    case english

    /// Languages with built-in forms: `ja`, `en` and its regional variants (`en-GB`).
    init?(code: String) {
        if code == "ja" || code.hasPrefix("ja-") { self = .japanese }
        else if code == "en" || code.hasPrefix("en-") { self = .english }
        else { return nil }
    }

    static let supported = ["en", "ja"]

    var defaultNickname: String {
        switch self {
        case .japanese: return "赤ちゃん"
        case .english: return "your baby"
        }
    }

    var bullet: String {
        switch self {
        case .japanese: return "・"
        case .english: return "• "
        }
    }

    var headingPrefix: String { "■ " }

    /// Suffix of a subject for an email that carries `others` more sections than the first.
    func moreSections(_ others: Int) -> String {
        switch self {
        case .japanese: return "（ほか\(others)件）"
        case .english: return " (and \(others) more)"
        }
    }

    private static let englishMonths = ["January", "February", "March", "April", "May", "June", "July",
                                        "August", "September", "October", "November", "December"]
    private static let englishWeekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let japaneseWeekdays = ["日", "月", "火", "水", "木", "金", "土"]

    /// A date as a parent reads it: `2027年5月1日（土）`, `Saturday 1 May 2027`.
    func date(_ d: CivilDate) -> String {
        // Day 0 (1970-01-01) was a Thursday.
        let weekday = ((d.dayNumber + 4) % 7 + 7) % 7
        switch self {
        case .japanese: return "\(d.year)年\(d.month)月\(d.day)日（\(Self.japaneseWeekdays[weekday])）"
        case .english: return "\(Self.englishWeekdays[weekday]) \(d.day) \(Self.englishMonths[d.month - 1]) \(d.year)"
        }
    }

    func weeksDays(weeks: Int, days: Int) -> String {
        switch self {
        case .japanese:
            return "\(weeks)週\(days)日"
        case .english:
            let w = weeks == 1 ? "1 week" : "\(weeks) weeks"
            if days == 0 { return w }
            return days == 1 ? "\(w) and 1 day" : "\(w) and \(days) days"
        }
    }

    /// A child's age at a stage, in words.
    func age(_ stage: Stage) -> String {
        switch (self, stage) {
        case (.japanese, .childDay(let d)): return "生後\(d)日"
        case (.japanese, .childMonth(let m)):
            if m < 12 { return "生後\(m)か月" }
            return m % 12 == 0 ? "\(m / 12)歳" : "\(m / 12)歳\(m % 12)か月"
        case (.japanese, .childYear(let y)): return "\(y)歳"
        case (.english, .childDay(let d)): return d == 1 ? "1 day old" : "\(d) days old"
        case (.english, .childMonth(let m)):
            if m < 12 { return m == 1 ? "1 month old" : "\(m) months old" }
            let y = m / 12, r = m % 12
            let years = y == 1 ? "1 year" : "\(y) years"
            if r == 0 { return "\(years) old" }
            return "\(years) and \(r == 1 ? "1 month" : "\(r) months") old"
        case (.english, .childYear(let y)): return y == 1 ? "1 year old" : "\(y) years old"
        case (_, .gestationalDay): return ""
        }
    }
}

extension ContentCatalog {
    /// A date in the words of `language` (`2027年5月1日（土）`, `Saturday 1 May 2027`), for
    /// system mail variables such as `next_message_date`; English for a language without forms.
    public static func dateWords(_ date: CivilDate, language: String) -> String {
        (LanguageForms(code: language) ?? .english).date(date)
    }
}
