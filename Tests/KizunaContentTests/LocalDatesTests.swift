import Foundation
import KizunaCore
import Testing
@testable import KizunaContent

private func day(_ iso: String) -> CivilDate { CivilDate(iso: iso)! }

/// Calendar windows of local info, one at a time.
@Suite struct LocalDateWindowTests {
    @Test func holidayClosureIsInclusive() {
        var w = LocalDateWindows()
        w.fromDate = day("2026-12-28"); w.untilDate = day("2027-01-04")
        #expect(!w.allows(day("2026-12-27")))
        #expect(w.allows(day("2026-12-28")) && w.allows(day("2027-01-01")) && w.allows(day("2027-01-04")))
        #expect(!w.allows(day("2027-01-05")))
        #expect(w.narrowestSpan == 8)
    }

    @Test func everyYearWrapsOverTheNewYear() {
        var w = LocalDateWindows()
        w.everyYear = YearlyWindow(from: MonthDay("10-01")!, until: MonthDay("01-31")!)
        for inside in ["2026-10-01", "2026-12-31", "2027-01-01", "2027-01-31", "2030-11-15"] { #expect(w.allows(day(inside)), "\(inside)") }
        for outside in ["2026-09-30", "2027-02-01", "2027-06-15"] { #expect(!w.allows(day(outside)), "\(outside)") }
        #expect(w.narrowestSpan == 123)
        var spring = LocalDateWindows()
        spring.everyYear = YearlyWindow(from: MonthDay("03-01")!, until: MonthDay("05-31")!)
        #expect(spring.allows(day("2027-03-01")) && spring.allows(day("2027-05-31")))
        #expect(!spring.allows(day("2027-02-28")) && !spring.allows(day("2027-06-01")))
    }

    @Test func leapDayInEveryYear() {
        // 02-29 is a valid MM-DD; in a year without it a window from 02-29 starts on 1 March and
        // one until 02-29 ends on 28 February.
        #expect(MonthDay("02-29") != nil)
        #expect(MonthDay("02-30") == nil && MonthDay("13-01") == nil && MonthDay("2-1") == nil && MonthDay("04-31") == nil)
        var from = LocalDateWindows()
        from.everyYear = YearlyWindow(from: MonthDay("02-29")!, until: MonthDay("03-10")!)
        #expect(from.allows(day("2028-02-29")) && !from.allows(day("2027-02-28")) && from.allows(day("2027-03-01")))
        var until = LocalDateWindows()
        until.everyYear = YearlyWindow(from: MonthDay("02-20")!, until: MonthDay("02-29")!)
        #expect(until.allows(day("2027-02-28")) && !until.allows(day("2027-03-01")) && until.allows(day("2028-02-29")))
    }

    @Test func eventIsShownInTheDaysBeforeAndOnTheDay() {
        var w = LocalDateWindows()
        w.on = day("2027-01-15")
        #expect(!w.allows(day("2026-12-31")))
        #expect(w.allows(day("2027-01-01")) && w.allows(day("2027-01-15")))
        #expect(!w.allows(day("2027-01-16")))
        w.daysBefore = 0
        #expect(!w.allows(day("2027-01-14")) && w.allows(day("2027-01-15")))
        #expect(w.narrowestSpan == 1)
    }

    @Test func everyWindowMustAllowTheDay() {
        var w = LocalDateWindows()
        w.everyYear = YearlyWindow(from: MonthDay("10-01")!, until: MonthDay("01-31")!)
        w.fromDate = day("2027-01-01")
        #expect(!w.allows(day("2026-10-15")))
        #expect(w.allows(day("2027-01-15")))
        #expect(!w.allows(day("2027-03-01")))
        #expect(LocalDateWindows().allows(day("1999-01-01")) && LocalDateWindows().narrowestSpan == nil)
    }
}

/// A scratch copy of the valid fixture catalog with `text` as `local/<edition>.toml`.
func catalogWithLocal(_ text: String, edition: String = "dated") throws -> ContentCatalog {
    let dir = try Fixtures.scratchCopy()
    defer { try? FileManager.default.removeItem(at: dir) }
    try text.write(to: dir.appendingPathComponent("local/\(edition).toml"), atomically: true, encoding: .utf8)
    return try ContentCatalog.load(directory: dir)
}

/// The error loading `text` as `local/<edition>.toml` throws; nil when it loads.
func localError(_ text: String, edition: String = "clinic") throws -> ContentError? {
    let dir = try Fixtures.scratchCopy()
    defer { try? FileManager.default.removeItem(at: dir) }
    try text.write(to: dir.appendingPathComponent("local/\(edition).toml"), atomically: true, encoding: .utf8)
    do { _ = try ContentCatalog.load(directory: dir); return nil } catch { return error }
}

/// Entries that fit the day for the golden renders: a stage range for everyone, the flu season,
/// a holiday closure (priority 5) and an event for the north area; at most two per mail.
let datedLocal = """
max_local_items = 2

[[info]]
language = "en"
track = "child"
from = "child/d0014"
until = "child/y01"
text = "The health centre answers calls on weekdays."

[[info]]
language = "en"
track = "child"
from = "child/d0014"
until = "child/y01"
every_year = { from = "10-01", until = "01-31" }
text = "Flu vaccination season: ask about the vaccine for the family."

[[info]]
language = "en"
track = "child"
from = "child/d0014"
until = "child/y01"
from_date = 2026-12-28
until_date = 2027-01-04
priority = 5
text = "The health centre is closed from 28 December to 4 January."

[[info]]
language = "en"
areas = ["north"]
track = "child"
from = "child/d0014"
until = "child/y01"
on = 2027-01-15
days_before = 7
text = "Baby fair on 15 January at the North hall."
"""

@Suite struct LocalSelectionTests {
    let edition = EditionInfo(id: "dated", name: "Dated Town")

    func texts(_ catalog: ContentCatalog, _ date: String, area: String? = "north", stage: Stage = .childDay(100)) -> [String] {
        catalog.localInfo(editionID: "dated", stage: stage, language: "en", area: area, date: day(date)).map(\.text)
    }

    @Test func priorityThenSpecificityThenFileOrderUpToTheLimit() throws {
        let catalog = try catalogWithLocal(datedLocal)
        #expect(catalog.maxLocalItems(editionID: "dated") == 2)
        #expect(catalog.maxLocalItems(editionID: "town") == LocalSelection.defaultLimit)
        // Closure (priority 5) first; the flu season (123 days) before the undated entry.
        #expect(texts(catalog, "2026-12-29") == ["The health centre is closed from 28 December to 4 January.",
                                                 "Flu vaccination season: ask about the vaccine for the family."])
        // Same priority: the area entry first, then the narrower window.
        #expect(texts(catalog, "2027-01-10") == ["Baby fair on 15 January at the North hall.",
                                                 "Flu vaccination season: ask about the vaccine for the family."])
        // Without the area the event does not fit; the undated entry fills the second place.
        #expect(texts(catalog, "2027-01-10", area: "south") == ["Flu vaccination season: ask about the vaccine for the family.",
                                                                "The health centre answers calls on weekdays."])
        #expect(texts(catalog, "2027-03-01") == ["The health centre answers calls on weekdays."])
        // The stage window still counts.
        #expect(texts(catalog, "2026-12-29", stage: .childYear(2)) == [])
        // File order breaks the last tie, whatever order the candidates come in.
        let undated = catalog.localInfo(editionID: "dated").filter { $0.dates.isEmpty && $0.priority == 0 }
        #expect(LocalSelection.ranked(undated.reversed(), limit: 3).map(\.index) == undated.map(\.index))
    }

    @Test func oneMailShowsAnEntryOnceAndAtMostTheLimit() throws {
        let catalog = try catalogWithLocal(datedLocal)
        let sections: [(stage: Stage, language: String)] = [(.childDay(100), "en"), (.childYear(1), "en")]
        let chosen = catalog.localInfo(editionID: "dated", sections: sections, area: "north", date: day("2026-12-29"))
        #expect(chosen.map { $0.map(\.index) } == [[2, 1], []])
    }

    @Test func defaultLimitIsThree() throws {
        let catalog = try catalogWithLocal(datedLocal.replacingOccurrences(of: "max_local_items = 2\n", with: ""))
        #expect(texts(catalog, "2027-01-01").count == 3)
    }

    /// The same family (child day 100, area north, English) on three days: the closure and the flu
    /// season; the baby fair and the flu season; only the everyday notice.
    @Test(arguments: ["2026-12-29", "2027-01-10", "2027-03-01"])
    func goldenRenderOnThreeDays(date: String) throws {
        let catalog = try catalogWithLocal(datedLocal)
        let renderer = Renderer(catalog: catalog)
        let section = try renderer.prepareSection(stage: .childDay(100), language: "en", edition: edition, area: "north", date: day(date))
        let mail = renderer.compose(sections: [(section, nickname: "Kai")], language: "en", edition: edition,
                                    unsubscribeAddress: "kizuna@dated.example")
        let golden = Fixtures.content.appendingPathComponent("golden/local-\(date).txt")
        if ProcessInfo.processInfo.environment["KIZUNA_UPDATE_GOLDEN"] != nil {
            try mail.text.write(to: golden, atomically: true, encoding: .utf8)
        }
        #expect(mail.text == (try String(contentsOf: golden, encoding: .utf8)))
    }
}

@Suite struct LocalDateLintTests {
    static let entry = "[[info]]\nlanguage = \"en\"\ntrack = \"child\"\nfrom = \"child/d0014\"\nuntil = \"child/y01\"\ntext = \"ok\"\n"

    @Test("each bad value names the file, the entry and the key", arguments: [
        ("from_date = \"2027-02-30\"", "from_date", "[[info]] #2"),
        ("on = \"soon\"", "on", "[[info]] #2"),
        ("from_date = 2027-01-05\nuntil_date = 2027-01-04", "until_date", "comes before"),
        ("every_year = { from = \"02-30\", until = \"03-31\" }", "every_year.from", "02-30"),
        ("every_year = { from = \"10-01\" }", "every_year.until", "missing"),
        ("every_year = { from = \"10-01\", until = \"01-31\", to = \"x\" }", "`to`", "every_year"),
        ("days_before = 3", "days_before", "needs `on`"),
        ("on = 2027-01-15\ndays_before = -1", "days_before", "0 or more"),
        ("priority = \"high\"", "priority", "whole number"),
        ("on = 2027-01-15\ndays_before = 1.5", "days_before", "whole number"),
        ("from_dates = 2027-01-01", "from_dates", "unknown key"),
    ])
    func badValue(line: String, key: String, fragment: String) throws {
        let text = Self.entry + "\n" + Self.entry + line + "\n"
        let error = try #require(try localError(text))
        do {
            #expect(error.path == "local/clinic.toml")
            #expect(error.message.contains(key) && error.message.contains(fragment), "\(error)")
            #expect(error.message.contains("#2"), "\(error)")
            #expect((error.line ?? 0) >= 9, "\(error)")
        }
    }

    @Test func maxLocalItemsBelowOne() throws {
        for bad in ["max_local_items = 0", "max_local_items = -2", "max_local_items = \"two\""] {
            let error = try #require(try localError(bad + "\n\n" + Self.entry), "\(bad) loaded")
            do {
                #expect(error.path == "local/clinic.toml" && error.line == 1 && error.message.contains("max_local_items"), "\(error)")
            }
        }
    }

    @Test func entriesWithoutDatesKeepTheirReviewFingerprint() throws {
        // The fixture's reviewed town.toml entries have no calendar keys: their fingerprints are
        // computed as before, so a review written before calendar windows still matches.
        let plain = try catalogWithLocal(Self.entry, edition: "clinic").localInfo(editionID: "clinic")[0]
        let dated = try catalogWithLocal(Self.entry + "on = 2027-01-15\n", edition: "clinic").localInfo(editionID: "clinic")[0]
        let expected = ReviewFingerprint.of([("language", "en"), ("areas", "(all)"), ("track", "child"),
                                             ("from", "child/d0014"), ("until", "child/y01"), ("text", "ok")])
        #expect(plain.fingerprint == expected)
        #expect(dated.fingerprint != expected)
    }
}
