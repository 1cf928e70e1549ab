/// What a parent is told about a date that could not be used, in Japanese or English.
extension DateParseProblem {
    /// The reply text: what was wrong, then how to write the date.
    public func description(language: ReplyLanguage) -> String {
        language == .ja ? japanese : english
    }

    /// A line the parent can send back as it is: the command the date belongs to, with a
    /// plausible date of its kind (`出生 2026年11月7日`, `pause until 2026-12-20`), so that
    /// copying the example never turns a birth into a due date.
    public func replyExample(language: ReplyLanguage) -> String {
        let ja = language == .ja
        switch kind {
        case .due: return ja ? "出産予定日 \(jaDate(example))" : "due \(example.iso)"
        case .birth: return ja ? "出生 \(jaDate(example))" : "born \(example.iso)"
        case .pauseEnd: return ja ? "一時停止 \(jaDate(example))まで" : "pause until \(example.iso)"
        }
    }

    private func jaDate(_ d: CivilDate) -> String { "\(d.year)年\(d.month)月\(d.day)日" }
    private var jaLabel: String {
        switch kind {
        case .due: return "出産予定日"
        case .birth: return "誕生日"
        case .pauseEnd: return "再開する日"
        }
    }
    private var enLabel: String {
        switch kind {
        case .due: return "due date"
        case .birth: return "birth date"
        case .pauseEnd: return "date to start again"
        }
    }
    private var jaHint: String {
        "\(jaLabel)は「\(jaDate(example))」または「\(example.iso)」のように書いてください。"
    }
    private var enHint: String {
        "Write the \(enLabel) as year-month-day, like \(example.iso)."
    }
    private static let monthNames = ["January", "February", "March", "April", "May", "June", "July",
                                     "August", "September", "October", "November", "December"]

    private var japanese: String {
        let quoted = "「\(text)」"
        switch code {
        case .missing:
            return "\(jaLabel)が見つかりませんでした。" + jaHint
        case .notADate:
            return "\(quoted)は日付として読めませんでした。" + jaHint
        case .noSuchMonth(let m):
            return "\(quoted)の月が\(m)になっています。月は1から12までです。" + jaHint
        case .noSuchDay(let y?, let m, let d):
            return "\(quoted)：\(y)年\(m)月に\(d)日はありません（\(y)年\(m)月は\(CivilDate.daysIn(year: y, month: m))日までです）。" + jaHint
        case .noSuchDay(nil, let m, let d):
            return "\(quoted)：\(m)月に\(d)日はありません。" + jaHint
        case .outsideEra(let era, let y):
            let yearText = y == 1 ? "元年" : "\(y)年"
            let span = era.lastDay.map { "\(era.kanji)は\(jaDate(era.firstDay))から\(jaDate($0))までです" }
                ?? "\(era.kanji)は\(jaDate(era.firstDay))に始まりました"
            return "\(quoted)は\(era.kanji)\(yearText)の日付としてありえません（\(span)）。元号と年を確かめるか、西暦で書いてください。" + jaHint
        case .dayMonthOrderUnclear:
            return "\(quoted)はどちらが月でどちらが日かわかりません。年を先に書いてください。" + jaHint
        case .unclearWhetherDueOrBirth:
            return "\(quoted)が出産予定日か誕生日かわかりません。「出産予定日 \(jaDate(example))」または「誕生日 \(jaDate(example))」のように、年も入れて書いてください。"
        case .outOfRange(let problem):
            switch problem {
            case .dueDateTooFarAhead(let d):
                return "出産予定日 \(jaDate(d)) は\(NewSubscriber.dueDateMaxDaysAhead)日以上先です。年を確かめてください。" + jaHint
            case .dueDatePassed(let d):
                return "出産予定日 \(jaDate(d)) は\(NewSubscriber.dueDateMaxDaysPast)日以上前です。赤ちゃんが生まれている場合は、誕生日を「誕生日 \(jaDate(d))」のように送ってください。"
            case .birthDateInFuture(let d):
                return "誕生日 \(jaDate(d)) は未来の日付です。まだ生まれていない場合は、出産予定日を「出産予定日 \(jaDate(d))」のように送ってください。"
            case .birthDateTooLongAgo(let d):
                return "誕生日 \(jaDate(d)) は\(NewSubscriber.childMaxYears)年以上前です。年を確かめてください。" + jaHint
            }
        case .birthLongBeforeDue(let birth, let due):
            return "誕生日 \(jaDate(birth)) は、出産予定日 \(jaDate(due)) より\(Lifecycle.birthMaxWeeksBeforeDue)週以上前になります。年と月をもう一度ご確認ください。" + jaHint
        case .pauseEndNotAhead(let d):
            return "再開する日 \(jaDate(d)) は今日か、それより前です。明日以降の日付にしてください。" + jaHint
        case .pauseEndTooFar(let d):
            return "再開する日 \(jaDate(d)) は1年以上先です。日付なしで「一時停止」と送り、再開したいときに「再開」と送ってください。"
        }
    }

    private var english: String {
        let quoted = "\"\(text)\""
        switch code {
        case .missing:
            return "No \(enLabel) was found. " + enHint
        case .notADate:
            return "\(quoted) could not be read as a date. " + enHint
        case .noSuchMonth(let m):
            return "\(quoted) has month \(m); months go from 1 to 12. " + enHint
        case .noSuchDay(let y?, let m, let d):
            return "\(quoted) is not a date: \(Self.monthNames[m - 1]) \(y) has \(CivilDate.daysIn(year: y, month: m)) days, so there is no day \(d). " + enHint
        case .noSuchDay(nil, let m, let d):
            return "\(quoted) is not a date: \(Self.monthNames[m - 1]) has no day \(d). " + enHint
        case .outsideEra(let era, let y):
            let span = era.lastDay.map { "the \(era.romaji) era ran from \(era.firstDay.iso) to \($0.iso)" }
                ?? "the \(era.romaji) era began on \(era.firstDay.iso)"
            return "\(quoted) is not a date in \(era.romaji) \(y): \(span). Check the era and year, or use the Western year. " + enHint
        case .dayMonthOrderUnclear:
            return "In \(quoted) it is not clear which number is the month and which is the day. Put the year first. " + enHint
        case .unclearWhetherDueOrBirth:
            return "It is not clear whether \(quoted) is a due date or a birth date. Write \"due \(example.iso)\" or \"birth \(example.iso)\", with the year."
        case .outOfRange(let problem):
            switch problem {
            case .dueDatePassed(let d):
                return "The due date \(d.iso) is more than \(NewSubscriber.dueDateMaxDaysPast) days ago. If the baby is born, send the birth date instead, like \"birth \(d.iso)\"."
            case .birthDateInFuture(let d):
                return "The birth date \(d.iso) is in the future. For a baby not yet born, send the due date instead, like \"due \(d.iso)\"."
            default:
                return problem.description.prefix(1).uppercased() + problem.description.dropFirst() + "."
            }
        case .birthLongBeforeDue(let birth, let due):
            return "The birth date \(birth.iso) is more than \(Lifecycle.birthMaxWeeksBeforeDue) weeks before the due date \(due.iso). Please check the year and month. " + enHint
        case .pauseEndNotAhead(let d):
            return "The date to start again, \(d.iso), is not after today. Give a later date. " + enHint
        case .pauseEndTooFar(let d):
            return "The date to start again, \(d.iso), is more than a year away. Send \"pause\" without a date, and \"resume\" when you are ready."
        }
    }
}
