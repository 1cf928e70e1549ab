import KizunaContent
import KizunaCore
import KizunaStore

/// A parent's reply read as the answer to the reader survey open for them.
extension PollJob.Worker {
    /// The survey sent to the sender and open today, with its number of choices in the
    /// subscriber's language (what they were sent); nil when none is, or the catalog no longer has
    /// it or no longer has it for the subscriber's edition.
    func openSurvey(_ state: SenderState) -> OpenSurvey? {
        guard let send = state.openSurvey, let survey = composer.catalog.survey(id: send.surveyID),
              state.detail.map({ survey.isFor(edition: $0.subscriber.edition) }) ?? false,
              let text = state.detail.flatMap({ survey.texts[$0.subscriber.language] }) ?? survey.languages.first.flatMap({ survey.texts[$0] })
        else { return nil }
        return OpenSurvey(id: send.surveyID, choices: text.choices.count, closesOn: send.closesOn, previousChoice: send.previousChoice)
    }

    /// The answer the message gives to `survey` (in its body, or a subject the parent wrote): only when it asks for nothing else (a stop, a
    /// loss, any command or a confirmation token is read as always), is not an unsubscribe
    /// address, and passed the trusted server's authentication (a forged From answers for nobody).
    func surveyAnswer(_ parsed: ParsedCommand, text: String, subject: String, survey: OpenSurvey?, failures: [String], today: CivilDate) -> SurveyReply? {
        guard let survey, failures.isEmpty, parsed.unsubscribeToken == nil else { return nil }
        switch parsed.command {
        case .unknown(.noCommand), .unknown(.replyToDailyMessage):
            return SurveyReply.read(body: text, subject: subject, choices: survey.choices, today: today)
        default:
            return nil
        }
    }
}
