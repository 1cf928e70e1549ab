import Testing
@testable import KizunaCore

private let today = CivilDate(iso: "2026-05-01")!
private let defaults = (edition: "tokyo", language: "ja")

private func date(_ s: String) -> CivilDate { CivilDate(iso: s)! }

@Suite struct AnchorValidationTests {
    @Test func dueDatesFrom42DaysAgoTo300DaysAheadAreAccepted() {
        #expect(NewSubscriber.validateAnchor(track: .pregnancy, anchor: today.adding(days: 300), today: today) == nil)
        #expect(NewSubscriber.validateAnchor(track: .pregnancy, anchor: today.adding(days: -42), today: today) == nil)
        #expect(NewSubscriber.validateAnchor(track: .pregnancy, anchor: today, today: today) == nil)
        #expect(NewSubscriber.validateAnchor(track: .pregnancy, anchor: today.adding(days: 301), today: today)
                == .dueDateTooFarAhead(today.adding(days: 301)))
        #expect(NewSubscriber.validateAnchor(track: .pregnancy, anchor: today.adding(days: -43), today: today)
                == .dueDatePassed(today.adding(days: -43)))
    }

    @Test func birthDatesFromTodayBackTo18YearsAreAccepted() {
        #expect(NewSubscriber.validateAnchor(track: .child, anchor: today, today: today) == nil)
        #expect(NewSubscriber.validateAnchor(track: .child, anchor: date("2008-05-01"), today: today) == nil)
        #expect(NewSubscriber.validateAnchor(track: .child, anchor: date("2008-04-30"), today: today) == .birthDateTooLongAgo(date("2008-04-30")))
        #expect(NewSubscriber.validateAnchor(track: .child, anchor: date("2026-05-02"), today: today) == .birthDateInFuture(date("2026-05-02")))
    }

    @Test func problemsSayWhatIsWrongAndHowToWriteIt() {
        #expect(AnchorProblem.dueDateTooFarAhead(date("2028-09-01")).description
                == "the due date 2028-09-01 is more than 300 days away; check the year and write it as YYYY-MM-DD")
        #expect(AnchorProblem.dueDatePassed(date("2026-01-01")).description.contains("give the birth date instead"))
        #expect(AnchorProblem.birthDateInFuture(date("2026-06-01")).description
                == "the birth date 2026-06-01 is in the future; for a baby not yet born, give the due date instead (due, written as YYYY-MM-DD)")
        #expect(AnchorProblem.birthDateTooLongAgo(date("2001-01-01")).description.hasPrefix("the birth date 2001-01-01 is more than 18 years ago"))
    }
}

@Suite struct NicknameTests {
    @Test func nicknamesAreTrimmedCleanedAndLimited() {
        #expect(NewSubscriber.cleanNickname("  はなちゃん　") == "はなちゃん")
        #expect(NewSubscriber.cleanNickname("Ha\u{0007}na\r\n") == "Hana")
        #expect(NewSubscriber.cleanNickname("a\u{202E}b") == "ab")  // a bidi override could disguise text
        #expect(NewSubscriber.cleanNickname("👨‍👩‍👧") == "👨‍👩‍👧")   // the joiner in an emoji sequence stays
        #expect(NewSubscriber.cleanNickname(" \t ") == nil)
        #expect(NewSubscriber.cleanNickname("") == nil)
        #expect(NewSubscriber.cleanNickname(nil) == nil)
        let long = String(repeating: "あ", count: 45)
        #expect(NewSubscriber.cleanNickname(long) == String(repeating: "あ", count: 40))
        #expect(NewSubscriber.cleanNickname(String(repeating: "x", count: 39) + " yz")?.count == 39)
    }

    @Test func theInitializerCleansTheNickname() throws {
        let s = NewSubscriber(address: try EmailAddress(parsing: "a@example.jp"), edition: "e", language: "ja",
                              track: .child, anchor: today, nickname: "  Ken\u{0000} ")
        #expect(s.nickname == "Ken")
    }
}

@Suite struct SubscriberCSVTests {
    let csv = try! SubscriberCSV(header: ["email", "due", "birth", "name", "lang", "edition", "area"])

    func row(_ line: String, number: Int = 2, editions: Set<String>? = nil, languages: Set<String>? = nil) -> Result<NewSubscriber, RowError> {
        switch SubscriberCSV.splitFields(line, line: number) {
        case .failure(let e): return .failure(e)
        case .success(let fields):
            return csv.parseRow(fields: fields, line: number, defaults: defaults, today: today,
                                allowedEditions: editions, allowedLanguages: languages)
        }
    }

    func error(_ line: String, editions: Set<String>? = nil, languages: Set<String>? = nil) -> RowError? {
        if case .failure(let e) = row(line, number: 7, editions: editions, languages: languages) { return e }
        return nil
    }

    @Test func headerColumnsMayComeInAnyOrderAndCase() throws {
        let h = try SubscriberCSV(header: ["\u{FEFF}Birth", " EMAIL "])
        #expect(h.columns == [.birth, .email])
        let s = try h.parseRow(fields: ["2026-04-01", "taro@example.jp"], line: 2, defaults: defaults, today: today).get()
        #expect(s.track == .child && s.anchor == date("2026-04-01") && s.edition == "tokyo" && s.language == "ja")
        #expect(s.nickname == nil && s.area == nil)
    }

    @Test func unknownColumnsAreNamed() {
        #expect(throws: RowError(line: 1, column: "mail,dob", message: "unknown columns \"mail\", \"dob\"; the columns are email, due, birth, name, lang, edition, area")) {
            try SubscriberCSV(header: ["mail", "due", "dob"])
        }
        #expect(throws: RowError.self) { try SubscriberCSV(header: ["email", "name"]) }        // no date column
        #expect(throws: RowError.self) { try SubscriberCSV(header: ["due", "birth"]) }         // no email
        #expect(throws: RowError.self) { try SubscriberCSV(header: ["email", "due", "Due"]) }  // twice
        #expect(throws: RowError.self) { try SubscriberCSV(header: [""]) }
    }

    @Test func aGoodRowBecomesASubscriber() throws {
        let s = try row("taro@Example.JP,2026-10-01,,\"Sato, \"\"Hana\"\"\",EN,osaka, Minato ").get()
        #expect(s.address.description == "taro@example.jp")
        #expect(s.track == .pregnancy && s.anchor == date("2026-10-01"))
        #expect(s.nickname == "Sato, \"Hana\"")
        #expect(s.language == "en" && s.edition == "osaka" && s.area == "Minato")
    }

    @Test func spreadsheetDatesAreAccepted() throws {
        #expect(try row("a@example.jp,,2026/4/1,,,,").get().anchor == date("2026-04-01"))
        #expect(try row("a@example.jp,,2026-04-01,,,,").get().anchor == date("2026-04-01"))
    }

    @Test func eachBadRowSaysLineColumnAndWhat() {
        #expect(error("not-an-address,2026-10-01,,,,,")
                == RowError(line: 7, column: "email", message: "the address \"not-an-address\" cannot be used: the address has no @"))
        #expect(error(",2026-10-01,,,,,")?.message == "the address is empty")
        #expect(error("a@example.jp,,2027-02-30,,,,")
                == RowError(line: 7, column: "birth", message: "2027-02-30 is not a date in the calendar (2027-02 has 28 days); write it as YYYY-MM-DD"))
        #expect(error("a@example.jp,2026-13-01,,,,,")?.message == "2026-13-01 is not a date in the calendar (there is no month 13); write it as YYYY-MM-DD")
        #expect(error("a@example.jp,next spring,,,,,") == RowError(line: 7, column: "due", message: "\"next spring\" is not a date; write it as YYYY-MM-DD"))
        #expect(error("a@example.jp,2026-10-01,2026-04-01,,,,")?.column == "birth")
        #expect(error("a@example.jp,2026-10-01,2026-04-01,,,,")?.message.hasPrefix("both a due date and a birth date are given") == true)
        #expect(error("a@example.jp,,,,,,") == RowError(line: 7, column: "due", message: "neither a due date nor a birth date is given; write one as YYYY-MM-DD"))
        #expect(error("a@example.jp,2028-09-01,,,,,")?.message == "the due date 2028-09-01 is more than 300 days away; check the year and write it as YYYY-MM-DD")
        #expect(error("a@example.jp,,2026-04-01,,fr,,", languages: ["ja", "en"])
                == RowError(line: 7, column: "lang", message: "unknown language \"fr\"; the languages are en, ja"))
        #expect(error("a@example.jp,,2026-04-01,,,kyoto,", editions: ["tokyo"])
                == RowError(line: 7, column: "edition", message: "unknown edition \"kyoto\"; the editions are tokyo"))
        // The defaults are checked too: an empty field means the default edition.
        #expect(error("a@example.jp,,2026-04-01,,,,", editions: ["tokyo"]) == nil)
        #expect(error("a@example.jp,,2026-04-01,,,")?.message == "the line has 6 fields but the header names 7 columns; put a field that contains a comma in quotes")
    }

    @Test func quotingFollowsRFC4180OnOneLine() throws {
        #expect(try SubscriberCSV.splitFields("a,\"b,c\",\"say \"\"hi\"\"\",,\"\"", line: 1).get() == ["a", "b,c", "say \"hi\"", "", ""])
        #expect(try SubscriberCSV.splitFields("", line: 1).get() == [""])
        #expect(try SubscriberCSV.splitFields("x,", line: 1).get() == ["x", ""])
        #expect(try SubscriberCSV.splitFields("\"quoted\"  ,b", line: 1).get() == ["quoted", "b"])
        guard case .failure(let open) = SubscriberCSV.splitFields("a,\"unterminated, b", line: 9) else {
            Issue.record("an unterminated quote was accepted")
            return
        }
        #expect(open.line == 9)
        #expect(open.message.contains("not closed on this line"))
        guard case .failure(let after) = SubscriberCSV.splitFields("\"a\"b,c", line: 3) else {
            Issue.record("text after a closing quote was accepted")
            return
        }
        #expect(after.message.contains("after its closing quote"))
    }

    @Test func textThatIsNotUTF8IsReportedAsSuch() {
        // "花" in Shift_JIS, as a spreadsheet saves it by default in Japan.
        var bytes: [UInt8] = Array("a@example.jp,,2026-04-01,".utf8) + [0x89, 0xD4] + Array(",,,".utf8)
        let result = bytes.withUnsafeMutableBufferPointer { SubscriberCSV.splitFields(utf8: UnsafeBufferPointer($0), line: 4) }
        guard case .failure(let e) = result else {
            Issue.record("Shift_JIS bytes were accepted")
            return
        }
        #expect(e.line == 4 && e.message.hasPrefix("field 4 is not valid UTF-8 text"))
    }

    @Test func linesAreWrittenSoTheyReadBack() throws {
        let address = try EmailAddress(parsing: "taro..x@docomo.ne.jp")
        let line = SubscriberCSV.line(address: address, track: .child, anchor: date("2026-04-01"), nickname: "Sato, \"Hana\"",
                                      language: "ja", edition: "tokyo", area: nil)
        #expect(line == "taro..x@docomo.ne.jp,,2026-04-01,\"Sato, \"\"Hana\"\"\",ja,tokyo,")
        let back = try row(line).get()
        #expect(back.address == address && back.nickname == "Sato, \"Hana\"" && back.track == .child)
        #expect(SubscriberCSV.quoted(" padded") == "\" padded\"")
        #expect(SubscriberCSV.quoted("plain") == "plain")
    }
}
