/// What a parent is told about a date that could not be used: the phrase keys and variables;
/// the words are the catalog's reviewed phrases (`templates/system/<lang>/phrases.toml`).
extension DateParseProblem {
    /// The reply text: what was wrong, then how to write the date. Dates are in the language's
    /// form (`2026年11月7日`, `2026-11-07`).
    public func phrase(language: ReplyLanguage) -> Phrase {
        func date(_ d: CivilDate) -> Phrase.Value { .text(language == .ja ? Self.jaDate(d) : d.iso) }
        var v: [String: Phrase.Value] = [
            "text": .text(text), "label": .phrase(label), "hint": .phrase(hint(language: language)),
            "example_date": date(example), "example_iso": .text(example.iso),
        ]
        let key: PhraseKey
        switch code {
        case .missing: key = .dateMissing
        case .notADate: key = .dateNotADate
        case .noSuchMonth(let m):
            key = .dateNoSuchMonth
            v["month"] = .text("\(m)")
        case .noSuchDay(let y, let m, let d):
            key = y == nil ? .dateNoSuchDayInMonth : .dateNoSuchDay
            v["month"] = .text("\(m)")
            v["month_name"] = .text(Self.monthNames[m - 1])
            v["day"] = .text("\(d)")
            if let y {
                v["year"] = .text("\(y)")
                v["days_in_month"] = .text("\(CivilDate.daysIn(year: y, month: m))")
            }
        case .outsideEra(let era, let y):
            key = .dateOutsideEra
            let name = Phrase.Value.text(language == .ja ? era.kanji : era.romaji)
            v["era"] = name
            v["year"] = .text("\(y)")
            v["era_year"] = .phrase(Phrase(y == 1 ? .eraFirstYear : .eraYear, ["year": .text("\(y)")]))
            v["span"] = .phrase(era.lastDay.map { Phrase(.eraSpanEnded, ["era": name, "first_day": date(era.firstDay), "last_day": date($0)]) }
                ?? Phrase(.eraSpanCurrent, ["era": name, "first_day": date(era.firstDay)]))
        case .dayMonthOrderUnclear: key = .dateOrderUnclear
        case .unclearWhetherDueOrBirth: key = .dateDueOrBirthUnclear
        case .outOfRange(let problem):
            switch problem {
            case .dueDateTooFarAhead(let d):
                key = .dateDueTooFarAhead
                v["date"] = date(d)
                v["days"] = .text("\(NewSubscriber.dueDateMaxDaysAhead)")
            case .dueDatePassed(let d):
                key = .dateDuePassed
                v["date"] = date(d)
                v["days"] = .text("\(NewSubscriber.dueDateMaxDaysPast)")
            case .birthDateInFuture(let d):
                key = .dateBirthInFuture
                v["date"] = date(d)
            case .birthDateTooLongAgo(let d):
                key = .dateBirthTooLongAgo
                v["date"] = date(d)
                v["years"] = .text("\(NewSubscriber.childMaxYears)")
            }
        case .birthLongBeforeDue(let birth, let due):
            key = .dateBirthLongBeforeDue
            v["birth"] = date(birth)
            v["due"] = date(due)
            v["weeks"] = .text("\(Lifecycle.birthMaxWeeksBeforeDue)")
        case .pauseEndNotAhead(let d):
            key = .datePauseEndNotAhead
            v["date"] = date(d)
        case .pauseEndTooFar(let d):
            key = .datePauseEndTooFar
            v["date"] = date(d)
        }
        return Phrase(key, v)
    }

    /// A line the parent can send back as it is: the command the date belongs to, with a
    /// plausible date of its kind (`出生 2026年11月7日`, `pause until 2026-12-20`), so that
    /// copying the example never turns a birth into a due date.
    public func examplePhrase(language: ReplyLanguage) -> Phrase {
        let key: PhraseKey = switch kind {
        case .due: .dateExampleDue
        case .birth: .dateExampleBirth
        case .pauseEnd: .dateExamplePauseEnd
        }
        return Phrase(key, ["example_date": .text(language == .ja ? Self.jaDate(example) : example.iso), "example_iso": .text(example.iso)])
    }

    /// The kind of date, as the hint names it ("due date", 「出産予定日」).
    private var label: Phrase {
        switch kind {
        case .due: return Phrase(.dateLabelDue)
        case .birth: return Phrase(.dateLabelBirth)
        case .pauseEnd: return Phrase(.dateLabelPauseEnd)
        }
    }

    private func hint(language: ReplyLanguage) -> Phrase {
        Phrase(.dateHint, ["label": .phrase(label), "example_date": .text(language == .ja ? Self.jaDate(example) : example.iso),
                           "example_iso": .text(example.iso)])
    }

    static func jaDate(_ d: CivilDate) -> String { "\(d.year)年\(d.month)月\(d.day)日" }

    /// English month names, for the date forms of English replies.
    static let monthNames = ["January", "February", "March", "April", "May", "June", "July",
                             "August", "September", "October", "November", "December"]
}
