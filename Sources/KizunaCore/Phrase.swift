/// A short text a family reads (a date error, a note in a reply), named by key: the words live
/// in the catalog's reviewed `templates/system/<lang>/phrases.toml`; code gives only the key and
/// the variables.
public struct Phrase: Sendable, Hashable {
    public var key: PhraseKey
    public var variables: [String: Value]

    /// A variable's value: plain text (a date, a number, what the parent wrote) or another phrase.
    public indirect enum Value: Sendable, Hashable {
        case text(String)
        case phrase(Phrase)
    }

    public init(_ key: PhraseKey, _ variables: [String: Value] = [:]) {
        self.key = key
        self.variables = variables
    }
}

/// Every phrase key code uses; each shipped language's phrases file must define them all
/// (`content lint` reports a missing one as an error).
public enum PhraseKey: String, Sendable, Hashable, CaseIterable {
    // Date errors: the kind of date, how to write it, a line to send back.
    case dateLabelDue = "date_label_due"
    case dateLabelBirth = "date_label_birth"
    case dateLabelPauseEnd = "date_label_pause_end"
    case dateHint = "date_hint"
    case dateExampleDue = "date_example_due"
    case dateExampleBirth = "date_example_birth"
    case dateExamplePauseEnd = "date_example_pause_end"
    // Date errors: what was wrong.
    case dateMissing = "date_missing"
    case dateNotADate = "date_not_a_date"
    case dateNoSuchMonth = "date_no_such_month"
    case dateNoSuchDay = "date_no_such_day"
    case dateNoSuchDayInMonth = "date_no_such_day_in_month"
    case dateOutsideEra = "date_outside_era"
    case eraYear = "era_year"
    case eraFirstYear = "era_first_year"
    case eraSpanEnded = "era_span_ended"
    case eraSpanCurrent = "era_span_current"
    case dateOrderUnclear = "date_order_unclear"
    case dateDueOrBirthUnclear = "date_due_or_birth_unclear"
    case dateDueTooFarAhead = "date_due_too_far_ahead"
    case dateDuePassed = "date_due_passed"
    case dateBirthInFuture = "date_birth_in_future"
    case dateBirthTooLongAgo = "date_birth_too_long_ago"
    case dateBirthLongBeforeDue = "date_birth_long_before_due"
    case datePauseEndNotAhead = "date_pause_end_not_ahead"
    case datePauseEndTooFar = "date_pause_end_too_far"
    // Held commands, in the parent's words, for the request to confirm them.
    case nicknameAside = "nickname_aside"
    case commandSubscribeChild = "command_subscribe_child"
    case commandSubscribePregnancy = "command_subscribe_pregnancy"
    case commandStopAll = "command_stop_all"
    case commandStopNickname = "command_stop_nickname"
    case commandPauseUntil = "command_pause_until"
    case commandPause = "command_pause"
    case commandResume = "command_resume"
    case commandResumeFor = "command_resume_for"
    case commandBorn = "command_born"
    case commandDue = "command_due"
    case commandLossPregnancy = "command_loss_pregnancy"
    case commandLoss = "command_loss"
    case commandArea = "command_area"
    case commandName = "command_name"
    // Status replies: the lines, and the first line saying what happened.
    case statusNone = "status_none"
    case statusNext = "status_next"
    case statusLinePregnancy = "status_line_pregnancy"
    case statusLineChild = "status_line_child"
    case noteResumedAfterLoss = "note_resumed_after_loss"
    case noteNotPaused = "note_not_paused"
    case noteAlreadySubscribed = "note_already_subscribed"
    case noteSubscriptionAdded = "note_subscription_added"
    case noteSwitchedToChild = "note_switched_to_child"
    case noteBirthCorrected = "note_birth_corrected"
    case noteDueCorrected = "note_due_corrected"
    case noteNoPregnancySubscription = "note_no_pregnancy_subscription"
    case noteAreaChanged = "note_area_changed"
    case noteAreaUnknown = "note_area_unknown"
    // Loss replies: a child as the parent knows them, and the list of what a loss ended.
    case childBorn = "child_born"
    case childBornNamed = "child_born_named"
    case babyDue = "baby_due"
    case babyDueNamed = "baby_due_named"
    case lossResumeOpening = "loss_resume_opening"
    case resumeWhichOpening = "resume_which_opening"
    case resumeChoiceLine = "resume_choice_line"
    // Why a subscription cannot start: the catalog has nothing left to send.
    case coverageNoChildMessages = "coverage_no_child_messages"
    case coverageNoPregnancyMessages = "coverage_no_pregnancy_messages"
    case coverageChildBeyond = "coverage_child_beyond"
    case coveragePregnancyBeyond = "coverage_pregnancy_beyond"
}
