import KizunaCore

extension Renderer {
    /// A survey as one section (the system message `survey` with its question, its choices
    /// numbered 1…n, and the last day to answer), to append under a daily message as a block of
    /// its own or to stand alone in a mail. Sample when the template or the survey is, so the
    /// mail carries the sample notice.
    public func surveySection(_ opening: SurveyOpening, language: String, edition: EditionInfo) throws(RenderError) -> PreparedSection {
        guard let text = opening.survey.texts[language] else {
            throw RenderError(.noMessage, "survey \(opening.survey.id) is not written in \(language)")
        }
        let choices = text.choices.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n")
        let section = try systemSection(name: "survey", language: language, edition: edition, variables: [
            "survey_question": text.question,
            "survey_choices": choices,
            "survey_closes_on": ContentCatalog.dateWords(opening.closesOn, language: language),
        ])
        guard opening.survey.sample, !section.sample else { return section }
        return PreparedSection(stage: section.stage, language: section.language, editionID: section.editionID, area: section.area,
                               sample: true, subject: section.subject, subjectHTML: section.subjectHTML, text: section.text,
                               html: section.html, localText: section.localText, localHTML: section.localHTML, size: section.size)
    }
}
