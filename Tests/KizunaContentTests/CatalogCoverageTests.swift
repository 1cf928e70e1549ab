import KizunaCore
import Testing
@testable import KizunaContent

/// The catalog's messages per period against the reference cadence, its gaps and longest silence.
@Suite struct CatalogCoverageTests {
    @Test func countsEachPeriodAndFindsTheGapsAndTheLongestSilence() {
        let stages: [Stage] = (28...293).map { Stage.gestationalDay($0) }
            + [.childDay(1), .childDay(3), .childMonth(12), .childYear(1), .childYear(18), .childMonth(0)]
        let coverage = CatalogCoverage.compute(stages: stages, language: "en")
        #expect(coverage.map(\.track) == [.pregnancy, .child])

        let pregnancy = coverage[0]
        #expect(pregnancy.messages == 266 && pregnancy.periods.count == 1)
        #expect(pregnancy.periods[0].messages == pregnancy.periods[0].period.reference)
        #expect(pregnancy.periods[0].gaps.isEmpty && pregnancy.longestSilence == nil, "daily from 4+0 to 41+6: nothing missing")

        let child = coverage[1]
        // 12 months and 1 year share a day: one message (the year's); month 0 is never sent.
        #expect(child.messages == 4)
        #expect(child.first == .childDay(1) && child.last == .childYear(18))
        let byName = Dictionary(uniqueKeysWithValues: child.periods.map { ($0.period.name, $0) })
        let first = byName["day 1–100"]!
        #expect(first.messages == 2)
        // Day 2 is missing from a daily cadence; after day 3 nothing comes until the first birthday.
        #expect(first.gaps.map(\.silentDays) == [1, 361])
        #expect(first.gaps.last?.after == .childDay(3) && first.gaps.last?.before == .childYear(1))
        #expect(byName["day 101 – age 1"]!.messages == 0)
        #expect(byName["age 1"]!.messages == 1)
        #expect(byName["age 3–18"]!.messages == 1)
        #expect(child.longestSilence?.after == .childYear(1) && child.longestSilence?.before == .childYear(18))
    }

    @Test func aTrackWithoutMessagesIsOneSilence() {
        let coverage = CatalogCoverage.compute(stages: [], language: "ja")
        #expect(coverage.allSatisfy { $0.messages == 0 && $0.first == nil })
        #expect(coverage[0].longestSilence?.silentDays == 266)
    }
}
