import Testing
@testable import KizunaCore

@Suite struct AreaSpellingTests {
    let kita = Area(id: "kita", name: "北区", aliases: ["北区", "きた", "キタ", "Kita-ku"])
    let minami = Area(id: "minami", name: "南区", aliases: ["みなみ"])

    @Test("NFKC and case folding", arguments: [
        ("ＫＩＴＡ", "kita"),          // full-width Latin
        ("KITA-KU", "kita-ku"),        // case
        ("Ｋｉｔａ－ｋｕ", "kita-ku"),    // full-width Latin and hyphen-minus
        ("ｷﾀ", "キタ"),                 // half-width Katakana
        ("  北区 ", "北区"),             // blanks at the ends
    ])
    func folds(spelling: String, folded: String) {
        #expect(AreaSpelling.fold(spelling) == folded)
    }

    @Test func hiraganaAndKatakanaStayDistinct() {
        #expect(AreaSpelling.fold("きた") != AreaSpelling.fold("キタ"))
    }

    @Test func anySpellingFindsTheArea() throws {
        let areas = try EditionAreas([kita, minami])
        for spelling in ["kita", "KITA", "ｋｉｔａ", "北区", "きた", "キタ", "ｷﾀ", "Kita-ku", "KITA-KU", "ｋｉｔａ－ｋｕ"] {
            #expect(areas.area(matching: spelling)?.id == "kita", "\(spelling)")
        }
        #expect(areas.area(matching: "ﾐﾅﾐ") == nil)   // Katakana みなみ is not declared
        #expect(areas.area(matching: "みなみ")?.id == "minami")
        #expect(areas.area(matching: "higashi") == nil)
        #expect(areas.listing == "kita (北区), minami (南区)")
    }

    @Test func aParticleAfterTheAreaWordIsNotPartOfTheArea() throws {
        let areas = try EditionAreas([kita, minami])
        // `お住まいは北区です` gives the value `は北区`.
        #expect(areas.area(matching: "は北区")?.id == "kita")
        #expect(areas.area(matching: "が みなみ")?.id == "minami")
        #expect(areas.area(matching: "は") == nil)
        #expect(areas.area(matching: "は東区") == nil)
    }

    @Test func twoAreasClaimingOneFoldedSpellingIsAnError() {
        let north = Area(id: "north", name: "北", aliases: ["kita-ku"])
        #expect(throws: EditionAreas.Conflict(spelling: "kita-ku", firstID: "kita", secondID: "north")) {
            try EditionAreas([kita, north])
        }
    }

    @Test func aCSVRowStoresTheAreaIDOfADeclaringEdition() throws {
        let csv = try SubscriberCSV(header: ["email", "birth", "edition", "area"])
        let areas = ["tokyo": try EditionAreas([kita, minami])]
        let today = try #require(CivilDate(year: 2026, month: 5, day: 1))
        func row(_ fields: [String]) -> Result<NewSubscriber, RowError> {
            csv.parseRow(fields: fields, line: 2, defaults: (edition: "tokyo", language: "ja"), today: today, areas: areas)
        }
        #expect(try row(["a@example.jp", "2026-04-01", "", "ＫＩＴＡ－ＫＵ"]).get().area == "kita")
        #expect(try row(["a@example.jp", "2026-04-01", "", ""]).get().area == nil)
        // An edition that declares no areas keeps the area as written.
        #expect(try row(["a@example.jp", "2026-04-01", "osaka", "Namba"]).get().area == "Namba")
        #expect(throws: RowError(line: 2, column: "area", message: "unknown area \"higashi\" in edition tokyo; its areas are kita (北区), minami (南区)")) {
            try row(["a@example.jp", "2026-04-01", "", "higashi"]).get()
        }
    }
}
