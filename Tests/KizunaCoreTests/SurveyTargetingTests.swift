import KizunaCore
import Testing

private func day(_ iso: String) -> CivilDate { CivilDate(iso: iso)! }
private let bothLanguages = ["ja": SurveyText(question: "q", choices: ["a", "b"]), "en": SurveyText(question: "q", choices: ["a", "b"])]

private func survey(_ id: String, editions: [String]? = nil, languages: [String] = ["ja", "en"], _ when: SurveyWindow) -> Survey {
    Survey(id: id, texts: bothLanguages.filter { languages.contains($0.key) }, editions: editions, when: when, sample: false, review: .none)
}

private func family(edition: String = "sakura", language: String = "ja", _ subscriptions: [(Track, String)]) -> SurveyAudience {
    SurveyAudience(edition: edition, language: language, subscriptions: subscriptions.map { (track: $0.0, anchor: day($0.1)) })
}

/// Which survey targets a family on a day, and until when it is open for them.
@Suite struct SurveyTargetingTests {
    @Test func aDateSurveyTargetsEveryFamilyOfItsEditionsAndLanguagesInItsWindow() {
        let yearly = survey("yearly", editions: ["sakura"], languages: ["ja"], .dates(from: day("2027-01-10"), until: day("2027-01-31")))
        let baby = family([(.child, "2026-05-01")])
        #expect(yearly.opening(for: baby, on: day("2027-01-09")) == nil)
        #expect(yearly.opening(for: baby, on: day("2027-01-10")) == SurveyOpening(survey: yearly, opensOn: day("2027-01-10"), closesOn: day("2027-01-31")))
        #expect(yearly.opening(for: baby, on: day("2027-01-31"))?.closesOn == day("2027-01-31"))
        #expect(yearly.opening(for: baby, on: day("2027-02-01")) == nil)
        // Another edition's family, or a language the survey is not written in: never.
        #expect(yearly.opening(for: family(edition: "town", [(.child, "2026-05-01")]), on: day("2027-01-15")) == nil)
        #expect(yearly.opening(for: family(language: "en", [(.child, "2026-05-01")]), on: day("2027-01-15")) == nil)
        // A pregnancy counts as much as a child for a survey by date.
        #expect(yearly.opening(for: family([(.pregnancy, "2027-04-01")]), on: day("2027-01-15")) != nil)
    }

    @Test func aStageSurveyOpensOnTheStageDayForItsAnswerDays() {
        let sixMonths = survey("m06", .stage(.childMonth(6), answerDays: 14))
        let baby = family([(.child, "2026-08-31")])          // 6 months old on 2027-02-28
        #expect(sixMonths.opening(for: baby, on: day("2027-02-27")) == nil)
        #expect(sixMonths.opening(for: baby, on: day("2027-02-28")) == SurveyOpening(survey: sixMonths, opensOn: day("2027-02-28"), closesOn: day("2027-03-13")))
        #expect(sixMonths.opening(for: baby, on: day("2027-03-13")) != nil)
        #expect(sixMonths.opening(for: baby, on: day("2027-03-14")) == nil)
        // A pregnancy is not on the child track.
        #expect(sixMonths.opening(for: family([(.pregnancy, "2027-02-28")]), on: day("2027-02-28")) == nil)
        // Editions nil = every edition.
        #expect(sixMonths.opening(for: family(edition: "town", [(.child, "2026-08-31")]), on: day("2027-03-01")) != nil)
        let pregnancy = survey("w20", .stage(.gestationalDay(140), answerDays: 1))
        #expect(pregnancy.opening(for: family([(.pregnancy, "2027-05-01")]), on: day("2027-05-01").adding(days: -140))?.closesOn == day("2027-05-01").adding(days: -140))
    }

    @Test func aFamilyWithTwoChildrenIsTargetedByEitherChildsStage() {
        let sixMonths = survey("m06", .stage(.childMonth(6), answerDays: 14))
        let twoChildren = family([(.child, "2024-01-10"), (.child, "2026-07-01")])
        #expect(sixMonths.opening(for: twoChildren, on: day("2027-01-05"))?.opensOn == day("2027-01-01"))
        #expect(sixMonths.opening(for: twoChildren, on: day("2024-07-10"))?.opensOn == day("2024-07-10"))
        #expect(sixMonths.opening(for: twoChildren, on: day("2026-12-31")) == nil)
    }

    @Test func targetingPicksTheSurveyOpenForTheFamily() {
        let first = survey("a", .dates(from: day("2027-01-01"), until: day("2027-01-14")))
        let second = survey("b", .dates(from: day("2027-01-15"), until: day("2027-01-31")))
        let baby = family([(.child, "2026-05-01")])
        #expect(Survey.targeting([first, second], audience: baby, on: day("2027-01-14"))?.survey.id == "a")
        #expect(Survey.targeting([first, second], audience: baby, on: day("2027-01-15"))?.survey.id == "b")
        #expect(Survey.targeting([first, second], audience: baby, on: day("2027-02-01")) == nil)
    }

    @Test func overlapIsJudgedConservatively() {
        let january = survey("a", .dates(from: day("2027-01-01"), until: day("2027-01-14")))
        let lateJanuary = survey("b", .dates(from: day("2027-01-14"), until: day("2027-01-31")))
        let february = survey("c", .dates(from: day("2027-02-01"), until: day("2027-02-28")))
        #expect(january.mayOverlap(lateJanuary) && lateJanuary.mayOverlap(january))
        #expect(!january.mayOverlap(february))
        // A stage survey can fall on any day: it meets every survey of its editions and languages.
        let sixMonths = survey("m06", .stage(.childMonth(6), answerDays: 14))
        let threeYears = survey("y03", .stage(.childYear(3), answerDays: 14))
        #expect(sixMonths.mayOverlap(february) && sixMonths.mayOverlap(threeYears))
        // Apart: no shared edition, or no shared language.
        let sakura = survey("s", editions: ["sakura"], .stage(.childMonth(6), answerDays: 14))
        let town = survey("t", editions: ["town"], .stage(.childMonth(6), answerDays: 14))
        #expect(!sakura.mayOverlap(town))
        #expect(sakura.mayOverlap(sixMonths))   // nil editions = every edition
        let japanese = survey("j", languages: ["ja"], .stage(.childMonth(6), answerDays: 14))
        let english = survey("e", languages: ["en"], .stage(.childMonth(6), answerDays: 14))
        #expect(!japanese.mayOverlap(english))
    }
}
