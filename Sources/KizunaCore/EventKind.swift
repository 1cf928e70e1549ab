/// What a row of `events` records: consent, status changes, bounces, administrator actions,
/// and every decision the lifecycle took about a parent's mail. The raw value is the stored text.
public enum EventKind: String, Sendable, Codable, CaseIterable, Hashable, StoredWord {
    // MARK: Written by the store
    case subscribed
    case stopped
    /// A subscriber's status changed (`from -> to: reason`).
    case status
    /// One subscription's status or anchor changed.
    case subscription
    case bounce
    case complaint
    case bouncesReset = "bounces-reset"
    /// A sender without a subscription, kept only to address the reply.
    case contact
    /// No birth was reported by `[care] auto_switch_days` after the due date: the pregnancy
    /// switched to the child track with the due date as the birth date.
    case birthAssumed = "birth assumed"
    /// The one neutral check-in sent when the due date has passed with no birth reported.
    case overdueCheckIn = "overdue check-in"
    /// An OpenPGP key was given a role (`kizuna keys import`), or lost its roles (`keys remove`).
    case keyRoleAdded = "key role added"
    case keyRoleRemoved = "key role removed"
    /// An administrator's mail passed every check (signature, key, role, age, replay) and its
    /// signature was recorded, before its commands were carried out.
    case adminMailAccepted = "admin mail accepted"
    /// An administrator's mail (or mail that reads like one) was refused: the reason, the From
    /// address and the key's fingerprint when there is one.
    case adminMailRefused = "admin mail refused"
    /// A command of an administrator's signed mail, carried out: `openpgp:FINGERPRINT line N:
    /// the command` (who changed or read what), beside the events the command itself wrote.
    case adminCommand = "admin command"

    // MARK: Written by the poller about a message it does not act on
    case inboundCommand = "inbound command"
    case inboundBounce = "inbound bounce"
    case inboundComplaint = "inbound complaint"
    case inboundAutoreply = "inbound autoreply"
    case inboundOther = "inbound other"
    case inboundUnreadable = "inbound unreadable"
    case inboundFailed = "inbound failed"

    // MARK: Decided by the lifecycle
    case awaitingConfirmation = "awaiting confirmation"
    case birthCorrected = "birth corrected"
    case born
    case bornRefused = "born refused"
    case bornRepeated = "born repeated"
    case bornWithoutAPregnancy = "born without a pregnancy"
    case commandHeld = "command held"
    case commandNotHeld = "command not held"
    case confirmationExpired = "confirmation expired"
    case confirmationIgnored = "confirmation ignored"
    case confirmationRefused = "confirmation refused"
    case confirmationReplayed = "confirmation replayed"
    case confirmationRequestWithheld = "confirmation request withheld"
    case confirmed
    case dueCorrected = "due corrected"
    case dueRefused = "due refused"
    case dueRepeated = "due repeated"
    case areaChanged = "area changed"
    case areaRefused = "area refused"
    case dueWithoutAPregnancy = "due without a pregnancy"
    case heldCommandConfirmed = "held command confirmed"
    case heldCommandExpired = "held command expired"
    case helpRequested = "help requested"
    case loss
    case lossReported = "loss reported"
    case notACommand = "not a command"
    case notSubscribed = "not subscribed"
    case pauseRefused = "pause refused"
    case paused
    case replySuppressed = "reply suppressed"
    case resumeIgnored = "resume ignored"
    case resumed
    case statusRequested = "status requested"
    case stopIgnored = "stop ignored"
    case stopRepeated = "stop repeated"
    case subscribeRefused = "subscribe refused"
    case subscribeRepeated = "subscribe repeated"
    case subscribeRequested = "subscribe requested"
    case subscriptionAdded = "subscription added"
    /// A reply answered the reader survey open for the parent (the choice, never the comment).
    case surveyAnswered = "survey answered"
    case trackEnded = "track ended"
    case unsubscribeAddress = "unsubscribe address"

    /// The event the poller records for a message of `kind` that it does not act on.
    public static func inbound(_ kind: InboundKind) -> EventKind {
        switch kind {
        case .command: return .inboundCommand
        case .bounce: return .inboundBounce
        case .complaint: return .inboundComplaint
        case .autoreply: return .inboundAutoreply
        case .other: return .inboundOther
        }
    }
}
