import Foundation
import KizunaCore
import Testing
@testable import KizunaContent

/// A survey in a mail: appended under the daily message as a block of its own, or alone.
@Suite struct SurveyRenderingTests {
    let edition = EditionInfo(id: "sakura", name: "Sakura Clinic")

    func opening(_ catalog: ContentCatalog) throws -> SurveyOpening {
        let survey = try #require(catalog.survey(id: "reading"))
        return SurveyOpening(survey: survey, opensOn: CivilDate(iso: "2027-03-01")!, closesOn: CivilDate(iso: "2027-03-14")!)
    }

    /// The shipped six-month message with the shipped sample survey under it, in each language.
    @Test(arguments: ["en", "ja"])
    func goldenDailyMailWithTheSurveyAppended(language: String) throws {
        let catalog = try ContentCatalog.load(directory: Fixtures.repoTemplates)
        let renderer = Renderer(catalog: catalog)
        let message = try renderer.prepareSection(stage: .childMonth(6), language: language, edition: edition, area: nil, date: undatedDay)
        let block = try renderer.surveySection(try opening(catalog), language: language, edition: edition)
        let mail = renderer.compose(sections: [(renderer.appending(note: block, to: message), nickname: "Kai")], language: language,
                                    edition: edition, unsubscribeAddress: "kizuna@clinic.example")
        // The daily message's subject stays the mail's; the block follows the message, numbered.
        #expect(mail.subject == renderer.compose(sections: [(message, nickname: "Kai")], language: language, edition: edition,
                                                 unsubscribeAddress: "kizuna@clinic.example").subject)
        let text = try #require(catalog.survey(id: "reading")?.texts[language])
        for (i, choice) in text.choices.enumerated() {
            #expect(mail.text.contains("\(i + 1). \(choice)"))
            #expect(mail.html.contains("\(i + 1). \(Splice.html(choice))"))
        }
        #expect(mail.text.contains(text.question))
        #expect(mail.sample, "sample text: the notice is shown")
        let golden = Fixtures.content.appendingPathComponent("golden/survey-\(language)-m06.txt")
        if ProcessInfo.processInfo.environment["KIZUNA_UPDATE_GOLDEN"] != nil {
            try mail.text.write(to: golden, atomically: true, encoding: .utf8)
        }
        #expect(mail.text == (try String(contentsOf: golden, encoding: .utf8)))
    }

    @Test func aSurveyAloneIsItsOwnMailWithTheSurveySubject() throws {
        let catalog = try ContentCatalog.load(directory: Fixtures.repoTemplates)
        let renderer = Renderer(catalog: catalog)
        let block = try renderer.surveySection(try opening(catalog), language: "en", edition: edition)
        let mail = renderer.compose(sections: [(block, nickname: nil)], language: "en", edition: edition, unsubscribeAddress: "kizuna@clinic.example")
        #expect(mail.subject == "One question from Sakura Clinic")
        #expect(mail.text.contains("Reply to this email with the number of your answer (until Sunday 14 March 2027)"))
        #expect(mail.text.contains("4. Rarely"))
        #expect(mail.sample)
    }

    @Test func aSampleSurveyMarksTheMailSampleEvenInAReviewedTemplate() throws {
        let catalog = try ContentCatalog.load(directory: Fixtures.repoTemplates)
        let renderer = Renderer(catalog: catalog)
        let reading = try #require(catalog.survey(id: "reading"))
        let ownSurvey = Survey(id: "own", texts: reading.texts, editions: nil, when: reading.when, sample: false, review: .none)
        let block = try renderer.surveySection(SurveyOpening(survey: ownSurvey, opensOn: CivilDate(iso: "2027-03-01")!, closesOn: CivilDate(iso: "2027-03-14")!),
                                               language: "en", edition: edition)
        // The shipped template is sample text itself, so the block is sample either way.
        #expect(block.sample)
        #expect(try renderer.surveySection(try opening(catalog), language: "en", edition: edition).sample)
        #expect(throws: RenderError.self) {
            try renderer.surveySection(SurveyOpening(survey: Survey(id: "fr", texts: ["fr": SurveyText(question: "q", choices: ["a", "b"])], editions: nil,
                                                                    when: reading.when, sample: false, review: .none),
                                                     opensOn: CivilDate(iso: "2027-03-01")!, closesOn: CivilDate(iso: "2027-03-14")!),
                                       language: "en", edition: edition)
        }
    }
}
