import Testing
@testable import KizunaCore

private let today = CivilDate(iso: "2026-11-20")!

struct DateCase: CustomTestStringConvertible, Sendable {
    var text: String
    var kind: DateKind
    var expected: String
    var testDescription: String { "\(text) (\(kind)) → \(expected)" }
    init(_ text: String, _ kind: DateKind, _ expected: String) { self.text = text; self.kind = kind; self.expected = expected }
}

let goodDates: [DateCase] = [
    DateCase("2027-05-01", .due, "2027-05-01"),
    DateCase("2027/5/1", .due, "2027-05-01"),
    DateCase("2027.5.1", .due, "2027-05-01"),
    DateCase("20270501", .due, "2027-05-01"),
    DateCase("2027年5月1日", .due, "2027-05-01"),
    DateCase("2027 年 5 月 1 日", .due, "2027-05-01"),
    DateCase("２０２７／５／１", .due, "2027-05-01"),
    DateCase("２０２７年５月１日", .due, "2027-05-01"),
    DateCase("2027ー5ー1", .due, "2027-05-01"),
    DateCase("令和9年5月1日", .due, "2027-05-01"),
    DateCase("㋿9年5月1日", .due, "2027-05-01"),
    DateCase("R9.5.1", .due, "2027-05-01"),
    DateCase("r9/5/1", .due, "2027-05-01"),
    DateCase("Ｒ９．５．１", .due, "2027-05-01"),
    DateCase("5/1", .due, "2027-05-01"),
    DateCase("5月1日", .due, "2027-05-01"),
    DateCase("５月１日", .due, "2027-05-01"),
    DateCase("11月20日", .due, "2026-11-20"),      // today counts for a due date
    DateCase("11/19", .birth, "2026-11-19"),
    DateCase("11/20", .birth, "2026-11-20"),      // today counts for a birth date
    DateCase("11/21", .birth, "2025-11-21"),      // the last one, a year ago
    DateCase("12/1", .birth, "2025-12-01"),
    DateCase("1/10", .pauseEnd, "2027-01-10"),
    DateCase("11/20", .pauseEnd, "2027-11-20"),   // a pause ends after today
    DateCase("令和元年5月1日", .birth, "2019-05-01"),
    DateCase("令和8年1月1日", .birth, "2026-01-01"),
    DateCase("平成31年4月30日", .birth, "2019-04-30"),
    DateCase("平成21年1月8日", .birth, "2009-01-08"),
    DateCase("H21.1.8", .birth, "2009-01-08"),
    DateCase("May 1, 2027", .due, "2027-05-01"),
    DateCase("1 May 2027", .due, "2027-05-01"),
    DateCase("1st May", .due, "2027-05-01"),
    DateCase("Nov. 18", .birth, "2026-11-18"),
    DateCase("13/5/2027", .due, "2027-05-13"),
    DateCase("2027-05-01まで", .pauseEnd, "2027-05-01"),
    DateCase("2/29", .birth, "2024-02-29"),       // the last 29 February
]

@Suite struct CommandDateTests {
    func summary(_ r: Result<CivilDate, DateParseProblem>) -> String {
        switch r {
        case .success(let d): return d.iso
        case .failure(let p): return "\(p.code)"
        }
    }

    @Test(arguments: goodDates) func readsDatesAsParentsWriteThem(_ c: DateCase) {
        #expect(summary(JapaneseDateParser.parseDate(c.text, today: today, kind: c.kind)) == c.expected)
    }

    @Test func dueDateRangeIs42DaysAgoTo300Ahead() {
        #expect(summary(JapaneseDateParser.parseDate(today.adding(days: -42).iso, today: today, kind: .due)) == today.adding(days: -42).iso)
        #expect(summary(JapaneseDateParser.parseDate(today.adding(days: 300).iso, today: today, kind: .due)) == today.adding(days: 300).iso)
        let past = today.adding(days: -43), far = today.adding(days: 301)
        #expect(JapaneseDateParser.parseDate(past.iso, today: today, kind: .due).problemCode == .outOfRange(.dueDatePassed(past)))
        #expect(JapaneseDateParser.parseDate(far.iso, today: today, kind: .due).problemCode == .outOfRange(.dueDateTooFarAhead(far)))
    }

    @Test func birthDateRangeIsTodayTo18YearsAgo() {
        let tomorrow = today.adding(days: 1)
        #expect(JapaneseDateParser.parseDate(tomorrow.iso, today: today, kind: .birth).problemCode == .outOfRange(.birthDateInFuture(tomorrow)))
        #expect(summary(JapaneseDateParser.parseDate("2008-11-20", today: today, kind: .birth)) == "2008-11-20")
        #expect(JapaneseDateParser.parseDate("2008-11-19", today: today, kind: .birth).problemCode
                == .outOfRange(.birthDateTooLongAgo(CivilDate(iso: "2008-11-19")!)))
    }

    @Test func impossibleDatesSayWhy() {
        #expect(JapaneseDateParser.parseDate("2027/2/30", today: today, kind: .due).problemCode == .noSuchDay(year: 2027, month: 2, day: 30))
        #expect(JapaneseDateParser.parseDate("2/30", today: today, kind: .due).problemCode == .noSuchDay(year: nil, month: 2, day: 30))
        #expect(JapaneseDateParser.parseDate("4月31日", today: today, kind: .birth).problemCode == .noSuchDay(year: nil, month: 4, day: 31))
        #expect(JapaneseDateParser.parseDate("2027-13-01", today: today, kind: .due).problemCode == .noSuchMonth(13))
        #expect(JapaneseDateParser.parseDate("13/1", today: today, kind: .due).problemCode == .noSuchMonth(13))
        #expect(JapaneseDateParser.parseDate("2/29", today: today, kind: .due).problemCode == .noSuchDay(year: 2027, month: 2, day: 29))
        #expect(JapaneseDateParser.parseDate("令和0年5月1日", today: today, kind: .due).problemCode == .outsideEra(.reiwa, eraYear: 0))
        #expect(JapaneseDateParser.parseDate("令和元年4月30日", today: today, kind: .birth).problemCode == .outsideEra(.reiwa, eraYear: 1))
        #expect(JapaneseDateParser.parseDate("平成31年5月1日", today: today, kind: .birth).problemCode == .outsideEra(.heisei, eraYear: 31))
        #expect(JapaneseDateParser.parseDate("平成元年1月7日", today: today, kind: .birth).problemCode == .outsideEra(.heisei, eraYear: 1))
        #expect(JapaneseDateParser.parseDate("5/1/2027", today: today, kind: .due).problemCode == .dayMonthOrderUnclear)
        #expect(JapaneseDateParser.parseDate("来週", today: today, kind: .due).problemCode == .notADate)
        #expect(JapaneseDateParser.parseDate("2027-05-01 or so", today: today, kind: .due).problemCode == .notADate)
        #expect(JapaneseDateParser.parseDate("", today: today, kind: .due).problemCode == .missing)
        #expect(JapaneseDateParser.parseDate("2026-11-20", today: today, kind: .pauseEnd).problemCode == .pauseEndNotAhead(today))
        #expect(JapaneseDateParser.parseDate("2028-01-01", today: today, kind: .pauseEnd).problemCode
                == .pauseEndTooFar(CivilDate(iso: "2028-01-01")!))
    }

    /// Every problem, in both languages: says what was wrong and shows how to write the date.
    @Test func everyProblemIsDescribedInBothLanguages() {
        let d = CivilDate(iso: "2027-09-30")!
        let cases: [(DateParseProblem.Code, DateKind, ja: [String], en: [String])] = [
            (.missing, .due, ["出産予定日が見つかりません", "2027年4月19日", "2027-04-19"], ["No due date was found", "2027-04-19"]),
            (.notADate, .birth, ["「来週」は日付として読めません", "誕生日は"], ["\"来週\" could not be read as a date", "birth date", "2026-10-21"]),
            (.noSuchMonth(13), .due, ["月が13", "1から12"], ["month 13", "1 to 12"]),
            (.noSuchDay(year: 2027, month: 2, day: 30), .due, ["2027年2月に30日はありません", "28日まで"], ["February 2027 has 28 days", "no day 30"]),
            (.noSuchDay(year: nil, month: 4, day: 31), .birth, ["4月に31日はありません"], ["April has no day 31"]),
            (.outsideEra(.reiwa, eraYear: 1), .birth, ["令和元年", "令和は2019年5月1日に始まりました", "西暦"], ["Reiwa 1", "began on 2019-05-01", "Western year"]),
            (.outsideEra(.heisei, eraYear: 31), .birth, ["平成31年", "1989年1月8日から2019年4月30日まで"], ["Heisei 31", "1989-01-08 to 2019-04-30"]),
            (.dayMonthOrderUnclear, .due, ["どちらが月", "年を先に"], ["which number is the month", "year first"]),
            (.unclearWhetherDueOrBirth, .due, ["出産予定日か誕生日か", "年も入れて"], ["due date or a birth date", "with the year"]),
            (.outOfRange(.dueDateTooFarAhead(d)), .due, ["2027年9月30日 は300日以上先", "年を確かめて"], ["more than 300 days away", "YYYY-MM-DD"]),
            (.outOfRange(.dueDatePassed(d)), .due, ["42日以上前", "誕生日を「誕生日 2027年9月30日」"], ["more than 42 days ago", "birth 2027-09-30"]),
            (.outOfRange(.birthDateInFuture(d)), .birth, ["未来の日付", "出産予定日 2027年9月30日"], ["in the future", "due 2027-09-30"]),
            (.outOfRange(.birthDateTooLongAgo(d)), .birth, ["18年以上前"], ["more than 18 years ago"]),
            (.pauseEndNotAhead(d), .pauseEnd, ["今日か、それより前", "明日以降"], ["not after today", "2026-12-20"]),
            (.pauseEndTooFar(d), .pauseEnd, ["1年以上先", "再開"], ["more than a year away", "resume"]),
        ]
        for (code, kind, ja, en) in cases {
            let text: String = {
                if case .notADate = code { return "来週" }
                if case .outsideEra(let era, let y) = code { return era == .reiwa ? "令和\(y == 1 ? "元" : String(y))年4月30日" : "平成\(y)年5月1日" }
                return "x"
            }()
            let problem = DateParseProblem(code: code, text: text, kind: kind, today: today)
            let jaText = problem.description(language: .ja), enText = problem.description(language: .en)
            for needle in ja { #expect(jaText.contains(needle), "\(code): \(jaText)") }
            for needle in en { #expect(enText.contains(needle), "\(code): \(enText)") }
            #expect(jaText.unicodeScalars.contains { (0x3040...0x30FF).contains($0.value) }, "Japanese text has kana: \(jaText)")
        }
    }

    @Test func findsDatesInsideSentences() {
        let chars = Array(MailText.fold("出産予定日は令和９年５月１日です。よろしく"))
        let found = JapaneseDateParser.scan(chars, from: 0)
        #expect(found?.1.era == .reiwa)
        #expect(found?.1.year == 9 && found?.1.month == 5 && found?.1.day == 1)
        #expect(JapaneseDateParser.scan(Array("20週0日 体重3.5kg"), from: 0) == nil)
        #expect(JapaneseDateParser.scan(Array("order 12345/6/7"), from: 0) == nil)
        #expect(JapaneseDateParser.scan(Array("hr9 5/1"), from: 0)?.1.era == nil)
    }
}

extension Result where Success == CivilDate, Failure == DateParseProblem {
    var problemCode: DateParseProblem.Code? {
        if case .failure(let p) = self { return p.code }
        return nil
    }
}
