/// One subscription (a pregnancy or a child) as the lifecycle sees it.
public struct LifecycleSubscription: Hashable, Sendable {
    /// nil for a subscription the lifecycle has just asked for and the store has not yet numbered.
    public var id: Int64?
    public var track: Track
    /// The due date (pregnancy) or birth date (child).
    public var anchor: CivilDate
    public var nickname: String?
    public var status: SubscriptionStatus
    /// Why an `ended` subscription ended; nil otherwise.
    public var endReason: SubscriptionEndReason?
    /// A child whose birth date was assumed (the due date) because none was reported: the
    /// parent's `born DATE` corrects it.
    public var birthAssumed: Bool

    public init(id: Int64?, track: Track, anchor: CivilDate, nickname: String? = nil, status: SubscriptionStatus = .active,
                endReason: SubscriptionEndReason? = nil, birthAssumed: Bool = false) {
        self.id = id; self.track = track; self.anchor = anchor; self.nickname = nickname; self.status = status
        self.endReason = endReason; self.birthAssumed = birthAssumed
    }
}

/// A subscriber (one address in one edition) as the lifecycle sees it.
public struct LifecycleSubscriber: Hashable, Sendable {
    /// nil for a subscriber the lifecycle has just asked to create.
    public var id: Int64?
    public var status: SubscriberStatus
    public var pausedUntil: CivilDate?
    public var language: ReplyLanguage
    public var subscriptions: [LifecycleSubscription]
    /// The day the last confirmation request went out; at most one a day goes to a pending address.
    public var lastConfirmationRequest: CivilDate?
    /// A command waiting for the parent's confirmation (its message failed authentication).
    public var held: HeldCommand?

    public init(id: Int64?, status: SubscriberStatus, pausedUntil: CivilDate? = nil, language: ReplyLanguage,
                subscriptions: [LifecycleSubscription], lastConfirmationRequest: CivilDate? = nil, held: HeldCommand? = nil) {
        self.id = id; self.status = status; self.pausedUntil = pausedUntil; self.language = language
        self.subscriptions = subscriptions; self.lastConfirmationRequest = lastConfirmationRequest; self.held = held
    }

    public var activeSubscriptions: [LifecycleSubscription] { subscriptions.filter { $0.status == .active } }
}

/// Everything the lifecycle knows about the sender of a message: the subscriber found by the
/// From address (nil when the address is unknown) and how many automatic replies it got today.
public struct LifecycleState: Hashable, Sendable {
    public var subscriber: LifecycleSubscriber?
    /// Automatic mail (replies, confirmation requests, welcomes) sent to this address today.
    public var autoRepliesToday: Int
    /// The reader survey open for the subscriber today, if any (`Lifecycle+Survey.swift`).
    public var openSurvey: OpenSurvey?

    public init(subscriber: LifecycleSubscriber?, autoRepliesToday: Int = 0, openSurvey: OpenSurvey? = nil) {
        self.subscriber = subscriber; self.autoRepliesToday = autoRepliesToday; self.openSurvey = openSurvey
    }
}

/// Configurable limits and defaults of the lifecycle.
public struct LifecycleLimits: Hashable, Sendable {
    /// Automatic mails to one address per day; more become `recordEvent("reply suppressed")`.
    public var autoRepliesPerDay: Int
    /// The reply language when neither the message nor the subscriber tells.
    public var defaultLanguage: ReplyLanguage
    /// The catalog's schedule: a new subscription it has no message for is refused. nil: not checked.
    public var schedule: Schedule?
    /// The edition's declared areas (an area command must name one); nil: none declared, taken as written.
    public var areas: EditionAreas?

    public init(autoRepliesPerDay: Int = 3, defaultLanguage: ReplyLanguage = .ja, schedule: Schedule? = nil, areas: EditionAreas? = nil) {
        self.autoRepliesPerDay = autoRepliesPerDay; self.defaultLanguage = defaultLanguage; self.schedule = schedule
        self.areas = areas
    }
}

/// What the message itself proves about its sender, beyond the From address.
public struct MessageTrust: Hashable, Sendable {
    /// DMARC/SPF/DKIM failures reported by the edition's trusted authserv-id (`dmarc=fail`, …):
    /// the From address may be forged.
    public var authenticationFailures: [String]
    /// The `u-` token of a List-Unsubscribe address the message was sent to, decoded.
    public var unsubscribeToken: AddressTokens.Decoded

    public init(authenticationFailures: [String] = [], unsubscribeToken: AddressTokens.Decoded = .none) {
        self.authenticationFailures = authenticationFailures; self.unsubscribeToken = unsubscribeToken
    }
}

/// What happened, as the lifecycle's input.
public enum LifecycleEvent: Hashable, Sendable {
    /// A command read from a message sent by `from` (the subscriber in the state is the one
    /// found by this address).
    case command(MailCommand, language: ReplyLanguage?, from: EmailAddress, messageID: String?, trust: MessageTrust = MessageTrust())
    /// A reply to a confirmation request, with its token already decoded.
    case confirmation(ConfirmationToken.Decoded, language: ReplyLanguage?, from: EmailAddress, messageID: String?)
    /// A reply that reads as an answer to the survey open for its sender (`state.openSurvey`);
    /// `otherwise` is what the message reads as without a survey (it is carried out instead when
    /// the sender has no survey open or receives nothing).
    case surveyAnswer(SurveyReply, otherwise: MailCommand, language: ReplyLanguage?, from: EmailAddress, messageID: String?)
    /// The daily tick: pauses that end today end.
    case tick
    /// The batch found no later message for a subscription (`Schedule.end`): it ends with a farewell.
    case trackEnded(subscriptionID: Int64, reason: SubscriptionEndReason)

    /// The event for a parsed message; a `confirm` command's token and an unsubscribe token are decoded here.
    public init(_ parsed: ParsedCommand, from: EmailAddress, messageID: String?, tokens: AddressTokens, today: CivilDate,
                authenticationFailures: [String] = []) {
        if case .confirm(let token) = parsed.command {
            self = .confirmation(OwnAddress.readConfirmation(token, today: today, tokens: tokens), language: parsed.language, from: from, messageID: messageID)
        } else {
            let trust = MessageTrust(authenticationFailures: authenticationFailures,
                                     unsubscribeToken: parsed.unsubscribeToken.map { OwnAddress.readUnsubscribe($0, tokens: tokens) } ?? .none)
            self = .command(parsed.command, language: parsed.language, from: from, messageID: messageID, trust: trust)
        }
    }
}

/// A subscription the lifecycle asks the store to create.
public struct PendingSubscription: Hashable, Sendable {
    public var track: Track
    public var anchor: CivilDate
    public var nickname: String?
    public var language: ReplyLanguage
    public var area: String?

    public init(track: Track, anchor: CivilDate, nickname: String? = nil, language: ReplyLanguage, area: String? = nil) {
        self.track = track; self.anchor = anchor; self.nickname = nickname; self.language = language; self.area = area
    }
}

/// Which subscriptions a stop ends.
public enum StopTarget: Hashable, Sendable {
    case all
    case subscription(Int64)
}

/// The automatic replies; the adapter renders each (`purpose-action-reason` texts, mlmmj-style).
public enum ReplyKind: Hashable, Sendable {
    case help
    case status
    case dateError(DateParseProblem)
    /// The kind loss reply with the edition's support contacts, and nothing else; when the loss
    /// ended several subscriptions without saying which child, it lists them (`resumable`) and
    /// says how to have another child's messages resumed.
    case loss(resumable: [LifecycleSubscription])
    /// A bare `resume` (or one naming no such child) while a loss left several to choose from:
    /// the list, and how to name one. Nothing changes.
    case resumeWhich([LifecycleSubscription])
    /// The messages for this child, ended by a loss, go on again (the parent named it).
    case resumedAfterLoss(LifecycleSubscription)
    /// A subscribe (or birth) for a child whose messages a loss ended for ever: a kind refusal
    /// with the support contacts. Nothing changes.
    case endedAfterLoss(LifecycleSubscription)
    case stopped(nickname: String?)
    case paused(until: CivilDate?)
    case resumed
    case notPaused
    case alreadySubscribed
    case subscriptionAdded
    case switchedToChild(birth: CivilDate)
    /// The birth date the night had assumed (the due date) is corrected to the one the parent gave.
    case birthCorrected(CivilDate)
    case dueCorrected(CivilDate)
    case noPregnancySubscription
    /// The parent's area is now this one (its name).
    case areaChanged(name: String)
    /// An area the edition does not declare: nothing changes; the reply lists the edition's areas.
    case areaUnknown(written: String, areas: String)
    /// Stopped: pause or resume needs a new subscription (with a new confirmation).
    case notSubscribed
    /// The confirmation token belongs to another address: reply from the address that subscribed.
    case confirmationForAnotherAddress
    /// A subscribe names an address other than the sender's.
    case subscribeForAnotherAddressRefused
    /// Two different commands in one message.
    case oneCommandPlease([String])
    /// A subscribe the catalog has no message for (a child past its last message, a pregnancy
    /// long over): a kind reply saying so; nothing changes.
    case notCovered(CoverageProblem)
    /// Not a reply: the night's one neutral check-in when the due date has passed with no birth
    /// reported (how to report the birth date, how to stop, whom to contact).
    case overdueCheckIn(due: CivilDate)
    /// Thanks for an answer to a reader survey: the choice taken, and until when another
    /// number replaces it.
    case surveyThanks(surveyID: String, choice: Int, closesOn: CivilDate)
}

/// One line of the consent and audit record (the `events` table).
public struct LifecycleRecord: Hashable, Sendable {
    public var kind: EventKind
    public var detail: String
    /// The Message-ID of the message that caused it; nil for the daily tick.
    public var messageID: String?

    public init(kind: EventKind, detail: String, messageID: String?) {
        self.kind = kind; self.detail = detail; self.messageID = messageID
    }
}

/// What the adapters must do, in order.
public enum LifecycleAction: Hashable, Sendable {
    /// Create the subscriber as pending with this subscription, or replace the pending one.
    case createPending(PendingSubscription)
    /// Send the confirmation request (a token for the subscriber, issued today).
    case sendConfirmationRequest(previousExpired: Bool)
    /// Keep the command until the parent confirms it (replacing one held before).
    case holdCommand(HeldCommand)
    /// Ask the parent to confirm a held command (the same token as a confirmation request).
    case sendCommandConfirmationRequest(MailCommand)
    /// Forget the held command (carried out, expired, or overtaken).
    case releaseHeldCommand
    /// Pending → active: the consent is the recorded confirmation.
    case activate
    case sendWelcome(withTodaysMessage: Bool)
    /// Another child (or pregnancy) for an active parent.
    case addSubscription(PendingSubscription)
    case stop(StopTarget)
    case pause(until: CivilDate?)
    case resume
    /// End the pregnancy subscription and start a child subscription from the birth date.
    case switchToChild(subscriptionID: Int64, birth: CivilDate)
    case correctDue(subscriptionID: Int64, due: CivilDate)
    /// A child subscription whose birth date was assumed gets the real one.
    case correctBirth(subscriptionID: Int64, birth: CivilDate)
    /// The subscription is `ended` with this reason (a loss).
    case endSubscription(subscriptionID: Int64, reason: SubscriptionEndReason)
    /// A subscription a loss ended without saying which child is active again from today.
    case resumeAfterLoss(subscriptionID: Int64)
    /// The one subscription left of those a loss ended without saying which child: it is the
    /// child who was lost, ended for ever (`loss unattributed` → `loss`).
    case attributeLoss(subscriptionID: Int64)
    /// Send the one farewell of an ended track (not a reply: no daily limit holds it back).
    case sendFarewell(subscriptionID: Int64)
    /// Every subscription has ended: the subscriber is `stopped` (nothing more is sent; a new
    /// subscribe starts again with a confirmation).
    case closeSubscriber
    case reply(ReplyKind, language: ReplyLanguage)
    case recordEvent(LifecycleRecord)
    /// The subscriber's area (an area id where the edition declares areas).
    case setArea(String)
    /// Keep the subscriber's answer to a reader survey, replacing an earlier one.
    case recordSurveyAnswer(SurveyAnswerRecord)
}

/// The subscription lifecycle as a pure state machine: it takes an event, the sender's state,
/// today and the limits, and returns the new state and the actions for the adapters. No I/O.
///
/// pending → (confirm) → active ⇄ paused → stopped; a pregnancy becomes a child on `born`, and
/// a loss ends the subscriptions it may concern for ever (`Lifecycle+Loss.swift`). Every transition records an event with the triggering Message-ID.
public enum Lifecycle {
    /// A reported birth date more than this many weeks before the due date is refused as a
    /// mistake (a birth before 20 weeks is not a birth the child track can follow).
    public static let birthMaxWeeksBeforeDue = 20

    public static func handle(_ event: LifecycleEvent, state: LifecycleState, today: CivilDate,
                              limits: LifecycleLimits) -> (LifecycleState, [LifecycleAction]) {
        var machine = Machine(state: state, today: today, limits: limits)
        switch event {
        case .tick:
            machine.tick()
        case .trackEnded(let id, let reason):
            machine.trackEnded(id, reason: reason)
        case .command(let command, let language, let from, let messageID, let trust):
            machine.messageID = messageID
            machine.language = language ?? state.subscriber?.language ?? limits.defaultLanguage
            machine.command(command, from: from, trust: trust)
        case .surveyAnswer(let answer, let command, let language, let from, let messageID):
            machine.messageID = messageID
            machine.language = language ?? state.subscriber?.language ?? limits.defaultLanguage
            machine.surveyAnswer(answer, otherwise: command, from: from)
        case .confirmation(let decoded, let language, _, let messageID):
            machine.messageID = messageID
            machine.language = state.subscriber?.language ?? language ?? limits.defaultLanguage
            machine.confirmation(decoded)
        }
        return (machine.state, machine.actions)
    }

    struct Machine {
        var state: LifecycleState
        let today: CivilDate
        let limits: LifecycleLimits
        var actions: [LifecycleAction] = []
        var messageID: String?
        var language: ReplyLanguage = .ja

        init(state: LifecycleState, today: CivilDate, limits: LifecycleLimits) {
            self.state = state; self.today = today; self.limits = limits
            self.language = state.subscriber?.language ?? limits.defaultLanguage
        }

        mutating func record(_ kind: EventKind, _ detail: String = "") {
            actions.append(.recordEvent(LifecycleRecord(kind: kind, detail: detail, messageID: messageID)))
        }

        /// An automatic mail, unless the address has had its share today.
        mutating func send(_ action: LifecycleAction, _ what: String) -> Bool {
            guard state.autoRepliesToday < limits.autoRepliesPerDay else {
                record(.replySuppressed, "\(what): \(state.autoRepliesToday) automatic replies today, limit \(limits.autoRepliesPerDay)")
                return false
            }
            state.autoRepliesToday += 1
            actions.append(action)
            return true
        }

        mutating func reply(_ kind: ReplyKind) {
            _ = send(.reply(kind, language: language), "reply \(kind)")
        }

        /// At most one confirmation request a day to a pending address.
        mutating func requestConfirmation(previousExpired: Bool = false) {
            guard state.subscriber?.lastConfirmationRequest != today else {
                record(.confirmationRequestWithheld, "one was sent today")
                return
            }
            if send(.sendConfirmationRequest(previousExpired: previousExpired), "confirmation request") {
                state.subscriber?.lastConfirmationRequest = today
            }
        }

        // MARK: Tick

        mutating func tick() {
            guard var s = state.subscriber, s.status == .paused, let until = s.pausedUntil, until <= today else { return }
            s.status = .active
            s.pausedUntil = nil
            state.subscriber = s
            actions.append(.resume)
            record(.resumed, "pause until \(until.iso) ended")
        }

        // MARK: The end of a track

        /// An active subscription of a receiving parent ends, with one farewell; never after a
        /// loss or a stop (the subscription or the subscriber is no longer active then). The
        /// last one to end closes the subscriber.
        mutating func trackEnded(_ id: Int64, reason: SubscriptionEndReason) {
            guard var s = state.subscriber, s.status == .active || s.status == .paused,
                  let i = s.subscriptions.firstIndex(where: { $0.id == id }), s.subscriptions[i].status == .active else { return }
            s.subscriptions[i].status = .ended
            actions.append(.endSubscription(subscriptionID: id, reason: reason))
            record(.trackEnded, "subscription \(id): \(reason)")
            if s.activeSubscriptions.isEmpty {
                s.status = .stopped
                s.pausedUntil = nil
                if s.held != nil { s.held = nil; actions.append(.releaseHeldCommand) }
                actions.append(.closeSubscriber)
            }
            state.subscriber = s
            actions.append(.sendFarewell(subscriptionID: id))
        }
    }

    /// Nicknames match ignoring width, case, blanks and a trailing honorific (`はなちゃん` = `はな`).
    public static func sameNickname(_ a: String?, _ b: String) -> Bool {
        guard let a else { return false }
        func key(_ s: String) -> String {
            var k = MailText.fold(s).lowercased().filter { !$0.isWhitespace }
            for suffix in ["ちゃん", "くん", "君", "さん", "様"] where k.hasSuffix(suffix) && k.count > suffix.count {
                k.removeLast(suffix.count)
                break
            }
            return k
        }
        return key(a) == key(b)
    }
}
