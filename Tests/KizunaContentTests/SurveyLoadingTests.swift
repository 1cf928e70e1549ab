import Foundation
import KizunaCore
import Testing
@testable import KizunaContent

/// Loads the valid fixture catalog with `surveys` (file name → text) under `surveys/`.
private func load(_ surveys: [String: String]) throws -> Result<ContentCatalog, ContentError> {
    let dir = try Fixtures.scratchCopy()
    defer { try? FileManager.default.removeItem(at: dir) }
    let folder = dir.appendingPathComponent("surveys")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (name, text) in surveys { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    do { return .success(try ContentCatalog.load(directory: dir)) } catch { return .failure(error) }
}

private func loadError(_ surveys: [String: String]) throws -> ContentError? {
    if case .failure(let error) = try load(surveys) { return error }
    return nil
}

private let review = "\n[review]\nstatus = \"unreviewed\"\nreviewer = \"\"\nreviewed_on = \"\"\n"
private let ja = "\n[ja]\nquestion = \"どのくらい読みますか？\"\nchoices = [\"すぐに\", \"その日のうちに\", \"あまり\"]\n"
private let en = "\n[en]\nquestion = \"How often do you read it?\"\nchoices = [\"At once\", \"Later\", \"Rarely\"]\n"

/// A survey file: `top` lines, then the language tables, then the review.
private func file(_ top: String, languages: String = ja + en, review: String = review) -> String {
    "+++\n\(top)\n\(languages)\(review)+++\n"
}

/// `templates/surveys/<id>.md`: what loads, and every load-time error with its file, line and key.
@Suite struct SurveyLoadingTests {
    @Test func aDateSurveyAndAStageSurveyLoad() throws {
        let catalog = try load([
            "yearly.md": file("editions = [\"town\"]\nfrom_date = 2027-01-10\nuntil_date = \"2027-01-31\"\nsample = true"),
            "baby.md": file("editions = [\"other\"]\nstage = \"child/m06\""),
        ]).get()
        #expect(catalog.surveys.map(\.id) == ["baby", "yearly"])
        let yearly = try #require(catalog.survey(id: "yearly"))
        #expect(yearly.editions == ["town"] && yearly.sample && yearly.languages == ["en", "ja"])
        #expect(yearly.when == .dates(from: CivilDate(iso: "2027-01-10")!, until: CivilDate(iso: "2027-01-31")!))
        #expect(yearly.texts["en"] == SurveyText(question: "How often do you read it?", choices: ["At once", "Later", "Rarely"]))
        #expect(catalog.survey(id: "baby")?.when == .stage(.childMonth(6), answerDays: Survey.defaultAnswerDays))
        #expect(catalog.surveyPath(id: "baby") == "surveys/baby.md")
        let audience = SurveyAudience(edition: "town", language: "ja", subscriptions: [(track: .child, anchor: CivilDate(iso: "2026-05-01")!)])
        #expect(catalog.survey(for: audience, on: CivilDate(iso: "2027-01-20")!)?.survey.id == "yearly")
        // Surveys are texts to review, and sample text is flagged like any other.
        let texts = catalog.reviewableTexts.filter { $0.kind == .survey }
        #expect(texts.map(\.path) == ["surveys/baby.md", "surveys/yearly.md"])
        #expect(catalog.lint(production: true).contains { $0.path == "surveys/yearly.md" && $0.severity == .error && $0.message.contains("sample") })
        #expect(catalog.lint(production: true).contains { $0.path == "surveys/baby.md" && $0.severity == .error })
    }

    @Test func theShippedSampleSurveyLoadsAndIsSample() throws {
        let catalog = try ContentCatalog.load(directory: Fixtures.repoTemplates)
        let reading = try #require(catalog.survey(id: "reading"))
        #expect(reading.sample && reading.languages == ["en", "ja"] && reading.editions == nil)
        #expect(reading.texts.values.allSatisfy { (4...5).contains($0.choices.count) })
        #expect(catalog.lint(production: true).contains { $0.path == "surveys/reading.md" && $0.severity == .error && $0.message.contains("sample") })
    }

    @Test func choicesMustBeTwoToNine() throws {
        let none = try #require(try loadError(["s.md": file("stage = \"child/m06\"", languages: "\n[ja]\nquestion = \"q\"\nchoices = []\n")]))
        #expect(none.path == "surveys/s.md" && none.line == 6 && none.message.contains("no choice"))
        let one = try #require(try loadError(["s.md": file("stage = \"child/m06\"", languages: "\n[ja]\nquestion = \"q\"\nchoices = [\"only\"]\n")]))
        #expect(one.message.contains("one choice") && one.message.contains("[ja]"))
        let ten = "[" + (1...10).map { "\"c\($0)\"" }.joined(separator: ", ") + "]"
        let tooMany = try #require(try loadError(["s.md": file("stage = \"child/m06\"", languages: "\n[ja]\nquestion = \"q\"\nchoices = \(ten)\n")]))
        #expect(tooMany.message.contains("10 choices") && tooMany.message.contains("at most 9"))
        let nine = "[" + (1...9).map { "\"c\($0)\"" }.joined(separator: ", ") + "]"
        #expect(try loadError(["s.md": file("stage = \"child/m06\"", languages: "\n[ja]\nquestion = \"q\"\nchoices = \(nine)\n")]) == nil)
        let blank = try #require(try loadError(["s.md": file("stage = \"child/m06\"", languages: "\n[ja]\nquestion = \"q\"\nchoices = [\"a\", \" \"]\n")]))
        #expect(blank.message.contains("choice 2 is empty"))
    }

    @Test func everyLanguageNeedsItsQuestionAndChoices() throws {
        let noChoices = try #require(try loadError(["s.md": file("stage = \"child/m06\"", languages: ja + "\n[en]\nquestion = \"q\"\n")]))
        #expect(noChoices.code == .missingKey && noChoices.message.contains("`choices` in [en]") && noChoices.path == "surveys/s.md")
        let noQuestion = try #require(try loadError(["s.md": file("stage = \"child/m06\"", languages: ja + "\n[en]\nchoices = [\"a\", \"b\"]\n")]))
        #expect(noQuestion.code == .missingKey && noQuestion.message.contains("`question` in [en]"))
        let noLanguage = try #require(try loadError(["s.md": file("stage = \"child/m06\"", languages: "")]))
        #expect(noLanguage.message.contains("no language"))
        let strayKey = try #require(try loadError(["s.md": file("stage = \"child/m06\"", languages: ja + "\n[en]\nquestion = \"q\"\nchoices = [\"a\", \"b\"]\nintro = \"x\"\n")]))
        #expect(strayKey.code == .unknownKey && strayKey.message.contains("`intro` in [en]"))
        let notALanguage = try #require(try loadError(["s.md": file("stage = \"child/m06\"\nquestion = \"q\"")]))
        #expect(notALanguage.code == .unknownKey && notALanguage.line == 3)
    }

    @Test func theWindowMustBeKnownAndInOrder() throws {
        let stage = try #require(try loadError(["s.md": file("stage = \"child/x06\"")]))
        #expect(stage.message.contains("unknown stage \"child/x06\"") && stage.line == 2)
        let backwards = try #require(try loadError(["s.md": file("from_date = 2027-02-01\nuntil_date = 2027-01-31")]))
        #expect(backwards.message.contains("`until_date` 2027-01-31 comes before `from_date` 2027-02-01") && backwards.line == 3)
        let half = try #require(try loadError(["s.md": file("from_date = 2027-02-01")]))
        #expect(half.message.contains("until_date"))
        let both = try #require(try loadError(["s.md": file("stage = \"child/m06\"\nfrom_date = 2027-02-01\nuntil_date = 2027-02-10")]))
        #expect(both.message.contains("not both"))
        let never = try #require(try loadError(["s.md": file("sample = true")]))
        #expect(never.message.contains("never opens"))
        let badDate = try #require(try loadError(["s.md": file("from_date = \"2027-02-30\"\nuntil_date = 2027-03-10")]))
        #expect(badDate.message.contains("`from_date` must be a date"))
        let days = try #require(try loadError(["s.md": file("stage = \"child/m06\"\nanswer_days = 0")]))
        #expect(days.message.contains("`answer_days` must be 1 to 366"))
        let daysWithDates = try #require(try loadError(["s.md": file("from_date = 2027-02-01\nuntil_date = 2027-02-10\nanswer_days = 3")]))
        #expect(daysWithDates.message.contains("goes with `stage`"))
    }

    @Test func overlappingSurveysAreAnError() throws {
        let overlap = try #require(try loadError([
            "a.md": file("from_date = 2027-01-01\nuntil_date = 2027-01-14"),
            "b.md": file("from_date = 2027-01-14\nuntil_date = 2027-01-31"),
        ]))
        #expect(overlap.path == "surveys/b.md" && overlap.line == 2 && overlap.message.contains("\"a\"") && overlap.message.contains("surveys/a.md"))
        // A stage survey meets any survey of its editions and languages.
        #expect(try loadError(["a.md": file("from_date = 2027-01-01\nuntil_date = 2027-01-14"), "m.md": file("stage = \"child/m06\"")]) != nil)
        #expect(try loadError(["m.md": file("stage = \"child/m06\""), "y.md": file("stage = \"child/y03\"")]) != nil)
        #expect(try loadError(["m.md": file("editions = [\"town\"]\nstage = \"child/m06\""), "y.md": file("stage = \"child/y03\"")]) != nil)
        // Apart: windows that do not meet, other editions, other languages.
        #expect(try loadError(["a.md": file("from_date = 2027-01-01\nuntil_date = 2027-01-14"), "b.md": file("from_date = 2027-01-15\nuntil_date = 2027-01-31")]) == nil)
        #expect(try loadError(["m.md": file("editions = [\"town\"]\nstage = \"child/m06\""), "y.md": file("editions = [\"other\"]\nstage = \"child/y03\"")]) == nil)
        #expect(try loadError(["m.md": file("stage = \"child/m06\"", languages: ja), "y.md": file("stage = \"child/y03\"", languages: en)]) == nil)
    }

    @Test func unknownEditionsAreAnErrorOnceTheConfigurationIsKnown() throws {
        let catalog = try load(["s.md": file("editions = [\"town\", \"nowhere\"]\nstage = \"child/m06\"")]).get()
        #expect(throws: Never.self) { try catalog.checkSurveyEditions(["town", "nowhere"]) }
        do {
            try catalog.checkSurveyEditions(["town", "other"])
            Issue.record("an unknown edition was accepted")
        } catch {
            #expect(error.path == "surveys/s.md" && error.message.contains("unknown edition \"nowhere\"") && error.message.contains("other, town"))
        }
        let empty = try #require(try loadError(["s.md": file("editions = []\nstage = \"child/m06\"")]))
        #expect(empty.message.contains("`editions` is empty"))
    }

    @Test func theFileItselfMustBeInShape() throws {
        let body = try #require(try loadError(["s.md": file("stage = \"child/m06\"") + "A body\n"]))
        #expect(body.message.contains("no body"))
        let name = try #require(try loadError(["Reading.md": file("stage = \"child/m06\"")]))
        #expect(name.code == .misplacedFile)
        let reviewFirst = try #require(try loadError(["s.md": "+++\nstage = \"child/m06\"\n\(review)\(ja)+++\n"]))
        #expect(reviewFirst.message.contains("[review] table last"))
        let noReview = try #require(try loadError(["s.md": file("stage = \"child/m06\"", review: "")]))
        #expect(noReview.message.contains("review"))
    }
}
