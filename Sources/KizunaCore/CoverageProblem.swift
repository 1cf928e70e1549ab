/// Why a new subscription would get no message at all: the catalog's track ends before the
/// child's (or the pregnancy's) day today. Adding, importing and subscribing by email refuse it.
public enum CoverageProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// The catalog has no message of the track.
    case noMessages(Track)
    /// The track's last message for this anchor (`last`) falls before `today`.
    case beyondCatalog(track: Track, anchor: CivilDate, last: Stage, today: CivilDate)

    /// For the administrator (CLI, import report), naming the last covered age and its key.
    public var description: String {
        switch self {
        case .noMessages(let track):
            return "the catalog has no \(track.rawValue) messages, so there is nothing to send"
        case .beyondCatalog(.child, let birth, let last, let today):
            return "the catalog's child track ends at \(Self.englishStage(last)) (\(last.messageKey)); "
                + "\(birth.iso) is \(Self.englishAge(birth: birth, on: today)) old"
        case .beyondCatalog(.pregnancy, let due, let last, let today):
            return "the catalog's pregnancy track ends at \(Self.englishStage(last)) (\(last.messageKey)); "
                + "the due date \(due.iso) was \(today - due) days ago; if the baby is born, give the birth date instead"
        }
    }

    /// What a parent is told (without message keys): the phrase key and variables, ages and
    /// dates in the language's form; the words are the catalog's phrases.
    public func phrase(language: ReplyLanguage) -> Phrase {
        let ja = language == .ja
        switch self {
        case .noMessages(.child): return Phrase(.coverageNoChildMessages)
        case .noMessages(.pregnancy): return Phrase(.coverageNoPregnancyMessages)
        case .beyondCatalog(.child, let birth, let last, let today):
            return Phrase(.coverageChildBeyond, [
                "last": .text(ja ? Self.japaneseStage(last) : Self.englishStage(last)),
                "birth": .text(ja ? Self.japaneseDate(birth) : birth.iso),
                "age": .text(ja ? Self.japaneseAge(birth: birth, on: today) : Self.englishAge(birth: birth, on: today)),
            ])
        case .beyondCatalog(.pregnancy, let due, let last, let today):
            return Phrase(.coveragePregnancyBeyond, [
                "last": .text(ja ? Self.japaneseStage(last) : Self.englishStage(last)),
                "due": .text(ja ? Self.japaneseDate(due) : due.iso), "days": .text("\(today - due)"),
            ])
        }
    }

    /// A stage as an age or a gestational week: "3 years 0 months", "100 days", "week 41+0".
    public static func englishStage(_ stage: Stage) -> String {
        switch stage {
        case .gestationalDay(let d): return "week \(d / 7)+\(d % 7)"
        case .childDay(let d): return d == 1 ? "1 day" : "\(d) days"
        case .childMonth(let m): return "\(plural(m / 12, "year")) \(plural(m % 12, "month"))"
        case .childYear(let y): return "\(plural(y, "year")) 0 months"
        }
    }

    static func japaneseStage(_ stage: Stage) -> String {
        switch stage {
        case .gestationalDay(let d): return "妊娠\(d / 7)週\(d % 7)日"
        case .childDay(let d): return "生後\(d)日"
        case .childMonth(let m): return m < 12 ? "生後\(m)か月" : "\(m / 12)歳\(m % 12)か月"
        case .childYear(let y): return "\(y)歳"
        }
    }

    /// A child's age in whole years (and months under 5), or months, or days under a month.
    static func englishAge(birth: CivilDate, on date: CivilDate) -> String {
        let age = ChildAge(on: date, birth: birth)
        if age.months == 0 { return plural(age.days, "day") }
        if age.years == 0 { return plural(age.months, "month") }
        if age.years >= 5 || age.months % 12 == 0 { return plural(age.years, "year") }
        return "\(plural(age.years, "year")) \(plural(age.months % 12, "month"))"
    }

    static func japaneseAge(birth: CivilDate, on date: CivilDate) -> String {
        let age = ChildAge(on: date, birth: birth)
        if age.months == 0 { return "生後\(age.days)日" }
        if age.years == 0 { return "生後\(age.months)か月" }
        if age.years >= 5 || age.months % 12 == 0 { return "\(age.years)歳" }
        return "\(age.years)歳\(age.months % 12)か月"
    }

    static func japaneseDate(_ d: CivilDate) -> String { "\(d.year)年\(d.month)月\(d.day)日" }

    private static func plural(_ n: Int, _ unit: String) -> String { n == 1 ? "1 \(unit)" : "\(n) \(unit)s" }
}
