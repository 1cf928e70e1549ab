/// A reader survey open for the sender today (sent to them, today within its window, in their
/// edition), as the lifecycle sees it.
public struct OpenSurvey: Hashable, Sendable {
    public var id: String
    /// How many choices the survey offers (numbered from 1).
    public var choices: Int
    /// The last day (inclusive, the edition's local date) an answer is taken.
    public var closesOn: CivilDate
    /// The choice the sender gave earlier in the window, if any: a new answer replaces it.
    public var previousChoice: Int?

    public init(id: String, choices: Int, closesOn: CivilDate, previousChoice: Int? = nil) {
        self.id = id; self.choices = choices; self.closesOn = closesOn; self.previousChoice = previousChoice
    }
}

/// An answer to record: one per subscriber and survey (a later one replaces it).
public struct SurveyAnswerRecord: Hashable, Sendable {
    public var surveyID: String
    public var choice: Int
    public var comment: String?

    public init(surveyID: String, choice: Int, comment: String?) {
        self.surveyID = surveyID; self.choice = choice; self.comment = comment
    }
}

/// A reply that answers the survey open for its sender: recorded and thanked for, once per
/// subscriber and survey. Read only where the message asks for nothing else — a stop, a loss or
/// any other command is never an answer (`SurveyReply.read` and the poll see to that) — so a
/// number sent when no survey is open, or by someone who receives nothing, is read as before.
extension Lifecycle.Machine {
    mutating func surveyAnswer(_ answer: SurveyReply, otherwise command: MailCommand, from: EmailAddress) {
        guard let survey = state.openSurvey, let s = state.subscriber, [.active, .paused, .bouncing].contains(s.status),
              (1...max(1, survey.choices)).contains(answer.choice) else {
            self.command(command, from: from)
            return
        }
        actions.append(.recordSurveyAnswer(SurveyAnswerRecord(surveyID: survey.id, choice: answer.choice, comment: answer.comment)))
        let replaced = survey.previousChoice.map { ", replacing choice \($0)" } ?? ""
        // The comment is the parent's words: kept with the answer only, never in the event log.
        record(.surveyAnswered, "survey \(survey.id): choice \(answer.choice)\(answer.comment == nil ? "" : " with a comment")\(replaced)")
        state.openSurvey?.previousChoice = answer.choice
        reply(.surveyThanks(surveyID: survey.id, choice: answer.choice, closesOn: survey.closesOn))
    }
}
