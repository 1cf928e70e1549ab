import Foundation
import KizunaContent
import KizunaCore
import KizunaStore

/// `kizuna surveys results`: a survey's answers, aggregated.
extension SurveyAdmin {
    /// The results of survey `id`, in `edition` or (nil) every edition, with the choices in the
    /// edition's default language (the first edition's without one) when the survey has it,
    /// else in the survey's first language. An unknown survey or edition is a usage error (64).
    public func results(id: String, edition editionID: String?) throws -> SurveyResults {
        let catalog = try instance.catalogAsWritten()
        guard let survey = catalog.survey(id: id) else {
            let known = catalog.surveys.map(\.id)
            throw JobError("no survey '\(id)' in \(instance.configuration.templatesPath)/surveys; "
                           + (known.isEmpty ? "there are none" : "the surveys are: \(known.joined(separator: ", "))"),
                           exitCode: ExitStatus.usage)
        }
        var edition = instance.configuration.editions.first
        if let editionID {
            guard let e = instance.edition(id: editionID) else {
                throw JobError("no edition '\(editionID)' in the configuration; the editions are: "
                               + instance.configuration.editions.map(\.id).joined(separator: ", "), exitCode: ExitStatus.usage)
            }
            guard survey.isFor(edition: editionID) else {
                throw JobError("survey '\(id)' is not for edition '\(editionID)'; it is for: "
                               + (survey.editions ?? []).joined(separator: ", "), exitCode: ExitStatus.usage)
            }
            edition = e
        }
        let language = edition.map(\.defaultLanguage).flatMap { survey.texts[$0] == nil ? nil : $0 } ?? survey.languages[0]
        let text = survey.texts[language]!
        let counts = try instance.store().surveyAnswerCounts(surveyID: id, edition: editionID)
        return SurveyResults(surveyID: id, edition: editionID, language: language, question: text.question, choices: text.choices,
                             counts: counts.counts, sent: counts.sent, comments: counts.comments)
    }
}
