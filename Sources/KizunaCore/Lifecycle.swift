/// One subscription (a pregnancy or a child) as the lifecycle sees it.
public struct LifecycleSubscription: Hashable, Sendable {
    /// nil for a subscription the lifecycle has just asked for and the store has not yet numbered.
    public var id: Int64?
    public var track: Track
    /// The due date (pregnancy) or birth date (child).
    public var anchor: CivilDate
    public var nickname: String?
    public var status: SubscriptionStatus

    public init(id: Int64?, track: Track, anchor: CivilDate, nickname: String? = nil, status: SubscriptionStatus = .active) {
        self.id = id; self.track = track; self.anchor = anchor; self.nickname = nickname; self.status = status
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

    public init(subscriber: LifecycleSubscriber?, autoRepliesToday: Int = 0) {
        self.subscriber = subscriber; self.autoRepliesToday = autoRepliesToday
    }
}

/// Configurable limits and defaults of the lifecycle.
public struct LifecycleLimits: Hashable, Sendable {
    /// Automatic mails to one address per day; more become `recordEvent("reply suppressed")`.
    public var autoRepliesPerDay: Int
    /// The reply language when neither the message nor the subscriber tells.
    public var defaultLanguage: ReplyLanguage

    public init(autoRepliesPerDay: Int = 3, defaultLanguage: ReplyLanguage = .ja) {
        self.autoRepliesPerDay = autoRepliesPerDay; self.defaultLanguage = defaultLanguage
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
    /// The daily tick: pauses that end today end.
    case tick

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
    /// The kind loss reply with the edition's support contacts, and nothing else.
    case loss
    case stopped(nickname: String?)
    case paused(until: CivilDate?)
    case resumed
    case notPaused
    case alreadySubscribed
    case subscriptionAdded
    case switchedToChild(birth: CivilDate)
    case dueCorrected(CivilDate)
    case noPregnancySubscription
    /// Stopped: pause or resume needs a new subscription (with a new confirmation).
    case notSubscribed
    /// The confirmation token belongs to another address: reply from the address that subscribed.
    case confirmationForAnotherAddress
    /// A subscribe names an address other than the sender's.
    case subscribeForAnotherAddressRefused
    /// Two different commands in one message.
    case oneCommandPlease([String])
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
    /// End the pregnancy subscription for ever (a loss).
    case endPregnancy(subscriptionID: Int64)
    case reply(ReplyKind, language: ReplyLanguage)
    case recordEvent(LifecycleRecord)
}

/// The subscription lifecycle as a pure state machine: it takes an event, the sender's state,
/// today and the limits, and returns the new state and the actions for the adapters. No I/O.
///
/// pending → (confirm) → active ⇄ paused → stopped; a pregnancy becomes a child on `born`, and
/// ends for ever on `loss`. Every transition records an event with the triggering Message-ID.
public enum Lifecycle {
    public static func handle(_ event: LifecycleEvent, state: LifecycleState, today: CivilDate,
                              limits: LifecycleLimits) -> (LifecycleState, [LifecycleAction]) {
        var machine = Machine(state: state, today: today, limits: limits)
        switch event {
        case .tick:
            machine.tick()
        case .command(let command, let language, let from, let messageID, let trust):
            machine.messageID = messageID
            machine.language = language ?? state.subscriber?.language ?? limits.defaultLanguage
            machine.command(command, from: from, trust: trust)
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

        // MARK: Confirmation

        mutating func confirmation(_ decoded: ConfirmationToken.Decoded) {
            guard var s = state.subscriber else {
                record(.confirmationRefused, "the address has no subscription; token \(decoded)")
                if case .valid = decoded { reply(.confirmationForAnotherAddress) }
                return
            }
            switch decoded {
            case .valid(let id) where id != s.id, .expired(let id) where id != s.id:
                record(.confirmationRefused, "token for subscriber \(id), sender is subscriber \(s.id.map(String.init) ?? "new")")
                reply(.confirmationForAnotherAddress)
            case .valid(let id):
                switch s.status {
                case .pending:
                    s.status = .active
                    state.subscriber = s
                    actions.append(.activate)
                    record(.confirmed, "subscriber \(id) confirmed by reply")
                    _ = send(.sendWelcome(withTodaysMessage: true), "welcome")
                case .stopped:
                    record(.confirmationIgnored, "subscriber \(id) has stopped; a new subscribe needs a new confirmation")
                case .active, .paused, .bouncing:
                    if let held = s.held {
                        confirmHeld(held)
                    } else {
                        record(.confirmationReplayed, "subscriber \(id) is already confirmed")
                    }
                }
            case .expired(let id):
                if let held = s.held, s.status != .pending, s.status != .stopped {
                    release()
                    record(.heldCommandExpired, "\(held.command.name) held on \(held.day.iso): the confirmation came too late")
                } else if s.status == .pending {
                    record(.confirmationExpired, "subscriber \(id)")
                    requestConfirmation(previousExpired: true)
                } else {
                    record(.confirmationReplayed, "expired token for subscriber \(id), status \(s.status.rawValue)")
                }
            case .forged, .none:
                record(.confirmationRefused, "token \(decoded == .forged ? "forged" : "unreadable")")
                if s.status == .pending { requestConfirmation() }
            }
        }

        /// The parent confirmed a held command by replying: carry it out now, as of today.
        mutating func confirmHeld(_ held: HeldCommand) {
            release()
            guard !held.isExpired(today: today) else {
                record(.heldCommandExpired, "\(held.command.name) held on \(held.day.iso): the confirmation came too late")
                return
            }
            record(.heldCommandConfirmed, "\(held.command.name) held on \(held.day.iso) (message \(held.messageID ?? "without Message-ID"))")
            fromSubscriber(held.command)
        }

        mutating func release() {
            guard state.subscriber?.held != nil else { return }
            state.subscriber?.held = nil
            actions.append(.releaseHeldCommand)
        }

        /// A command from a confirmed parent whose message failed authentication: kept, and the
        /// parent (the real owner of the address gets the mail) asked to confirm it.
        /// At most one confirmation request a day: while today's request is out, its command stays
        /// the one held (a reply confirms what the mail named), and a later one is only recorded.
        mutating func hold(_ command: MailCommand, failures: [String]) {
            let why = failures.joined(separator: ", ")
            if let current = state.subscriber?.held, current.day == today, state.subscriber?.lastConfirmationRequest == today {
                record(.commandNotHeld, "\(command.name): \(why); today's confirmation request asks about \(current.command.name) (one a day)")
                return
            }
            let held = HeldCommand(command: command, day: today, messageID: messageID)
            let replaced = state.subscriber?.held.map { "; replaces the \($0.command.name) held on \($0.day.iso)" } ?? ""
            state.subscriber?.held = held
            actions.append(.holdCommand(held))
            record(.commandHeld, "\(command.name): \(why); asking the parent to confirm\(replaced)")
            if send(.sendCommandConfirmationRequest(command), "command confirmation request") {
                state.subscriber?.lastConfirmationRequest = today
            }
        }

        // MARK: Commands

        mutating func command(_ command: MailCommand, from: EmailAddress, trust: MessageTrust = MessageTrust()) {
            var failures = trust.authenticationFailures
            switch trust.unsubscribeToken {
            case .valid(let id) where id == state.subscriber?.id:
                // Sent to the List-Unsubscribe address of a mail we sent this subscriber: the
                // token proves the mail reached them, whatever the authentication said.
                record(.unsubscribeAddress, "token for subscriber \(id) verified")
                failures = []
            case .valid(let id):
                record(.unsubscribeAddress, "token for subscriber \(id), but the sender is \(state.subscriber?.id.map { "subscriber \($0)" } ?? "unknown"): only the sender's own subscriptions stop")
            case .forged:
                record(.unsubscribeAddress, "token does not verify (forged or mangled): read as the sender's own stop")
            case .none:
                break
            }
            // Commands change only the sender's own subscriptions.
            if case .subscribe(let request) = command,
               let other = request.mentionedAddresses.first(where: { $0.matchKey.lowercased() != from.matchKey.lowercased() }) {
                record(.subscribeRefused, "names another address (\(other)); sender \(from)")
                reply(.subscribeForAnotherAddressRefused)
                return
            }
            switch state.subscriber?.status {
            case nil: fromUnknown(command)
            case .pending?: fromPending(command)
            case .stopped?: fromStopped(command)
            case .active?, .paused?, .bouncing?:
                if !failures.isEmpty, command.heldForm != nil {
                    hold(command, failures: failures)
                } else {
                    fromSubscriber(command)
                }
            }
        }

        /// subscribe, and the first email that just gives a due or birth date.
        func newSubscription(_ command: MailCommand) -> Result<PendingSubscription, DateParseProblem>? {
            switch command {
            case .subscribe(let r):
                switch r.date {
                case .failure(let problem): return .failure(problem)
                case .success(let date):
                    let track = r.track ?? .pregnancy
                    return .success(PendingSubscription(track: track, anchor: date, nickname: r.nickname,
                                                        language: r.language ?? language, area: r.area))
                }
            case .due(let d): return d.map { PendingSubscription(track: .pregnancy, anchor: $0, language: language) }
            case .born(let d): return d.map { PendingSubscription(track: .child, anchor: $0, language: language) }
            default: return nil
            }
        }

        mutating func startPending(_ p: PendingSubscription, previous: LifecycleSubscriber?) {
            release()
            var s = previous ?? LifecycleSubscriber(id: nil, status: .pending, language: p.language, subscriptions: [])
            s.status = .pending
            s.pausedUntil = nil
            s.language = p.language
            s.subscriptions.removeAll { $0.status == .active && previous?.status == .pending }
            s.subscriptions.append(LifecycleSubscription(id: nil, track: p.track, anchor: p.anchor, nickname: p.nickname))
            state.subscriber = s
            actions.append(.createPending(p))
            record(.subscribeRequested, "\(p.track.rawValue) \(p.anchor.iso)\(p.nickname.map { " nickname \($0)" } ?? "")")
            requestConfirmation()
        }

        /// A subscribe from an address without an active subscription starts a pending one (or
        /// explains the bad date). Returns whether the command was a subscribe.
        mutating func subscribeAgain(_ command: MailCommand, previous: LifecycleSubscriber?) -> Bool {
            guard let result = newSubscription(command) else { return false }
            switch result {
            case .success(let p): startPending(p, previous: previous)
            case .failure(let problem):
                record(.subscribeRefused, "date: \(problem.code)")
                reply(.dateError(problem))
            }
            return true
        }

        /// Chatter in reply to a daily message is recorded, not answered; two different commands
        /// in one message get a request for one (the same from any sender).
        mutating func notACommand(_ command: MailCommand) {
            switch command {
            case .unknown(.conflicting(let names)):
                record(.notACommand, "conflicting: \(names.joined(separator: ", "))")
                reply(.oneCommandPlease(names))
            default:
                record(.notACommand, "a reply to a daily message")
            }
        }

        mutating func fromUnknown(_ command: MailCommand) {
            if subscribeAgain(command, previous: nil) { return }
            switch command {
            case .stop:
                record(.stopIgnored, "the address has no subscription")
            case .loss:
                record(.lossReported, "the address has no subscription")
                reply(.loss)
            case .unknown(.replyToDailyMessage), .unknown(.conflicting):
                notACommand(command)
            default:
                record(.notACommand, "\(command.name) from an address with no subscription")
                reply(.help)
            }
        }

        mutating func fromPending(_ command: MailCommand) {
            let s = state.subscriber!
            switch command {
            case .stop:
                var stopped = s
                stopped.status = .stopped
                for i in stopped.subscriptions.indices where stopped.subscriptions[i].status == .active { stopped.subscriptions[i].status = .stopped }
                state.subscriber = stopped
                actions.append(.stop(.all))
                record(.stopped, "before confirming")
            case .loss:
                endPregnancies("before confirming")
                reply(.loss)
            default:
                // Until it confirms, a pending address gets nothing but one confirmation request a day.
                if let result = newSubscription(command), case .success(let p) = result {
                    startPending(p, previous: s)
                } else {
                    record(.awaitingConfirmation, "\(command.name) from a pending address")
                    requestConfirmation()
                }
            }
        }

        mutating func fromStopped(_ command: MailCommand) {
            if subscribeAgain(command, previous: state.subscriber) { return }
            switch command {
            case .stop:
                record(.stopRepeated, "already stopped")
            case .loss:
                record(.lossReported, "subscriber has stopped")
                reply(.loss)
            case .status:
                record(.statusRequested)
                reply(.status)
            case .pause, .resume:
                record(.notSubscribed, "\(command.name) after stop")
                reply(.notSubscribed)
            case .unknown(.replyToDailyMessage), .unknown(.conflicting):
                notACommand(command)
            default:
                record(.helpRequested, command.name)
                reply(.help)
            }
        }

        mutating func fromSubscriber(_ command: MailCommand) {
            var s = state.subscriber!
            let pregnancy = s.subscriptions.first { $0.status == .active && $0.track == .pregnancy }
            switch command {
            case .subscribe(let request):
                guard case .success(let date) = request.date else {
                    if case .failure(let problem) = request.date {
                        record(.subscribeRefused, "date: \(problem.code)")
                        reply(.dateError(problem))
                    }
                    return
                }
                let track = request.track ?? .pregnancy
                if track == .pregnancy, let p = pregnancy {
                    correctDue(p, date)
                    return
                }
                let same = s.activeSubscriptions.contains {
                    $0.track == track && $0.anchor == date
                        && ($0.nickname == nil || request.nickname == nil || $0.nickname == request.nickname)
                }
                if same {
                    record(.subscribeRepeated, "\(track.rawValue) \(date.iso) already subscribed")
                    reply(.alreadySubscribed)
                    return
                }
                // The sender is the verified address of an active subscriber: no new confirmation.
                let p = PendingSubscription(track: track, anchor: date, nickname: request.nickname,
                                            language: request.language ?? s.language, area: request.area)
                s.subscriptions.append(LifecycleSubscription(id: nil, track: track, anchor: date, nickname: request.nickname))
                state.subscriber = s
                actions.append(.addSubscription(p))
                record(.subscriptionAdded, "\(track.rawValue) \(date.iso)\(request.nickname.map { " nickname \($0)" } ?? "")")
                reply(.subscriptionAdded)

            case .stop(let scope):
                var nickname: String?
                var target = StopTarget.all
                if case .nickname(let name) = scope,
                   let match = s.activeSubscriptions.first(where: { Lifecycle.sameNickname($0.nickname, name) }),
                   let id = match.id, s.activeSubscriptions.count > 1 {
                    target = .subscription(id)
                    nickname = match.nickname
                }
                switch target {
                case .all:
                    s.status = .stopped
                    s.pausedUntil = nil
                    if s.held != nil { s.held = nil; actions.append(.releaseHeldCommand) }
                    for i in s.subscriptions.indices where s.subscriptions[i].status == .active { s.subscriptions[i].status = .stopped }
                    record(.stopped, scope == .all ? "all subscriptions" : "all subscriptions (no other subscription named \(scope))")
                case .subscription(let id):
                    for i in s.subscriptions.indices where s.subscriptions[i].id == id { s.subscriptions[i].status = .stopped }
                    record(.stopped, "subscription \(id) (\(nickname ?? ""))")
                }
                state.subscriber = s
                actions.append(.stop(target))
                reply(.stopped(nickname: nickname))

            case .pause(let until):
                var end: CivilDate?
                if let until {
                    switch until {
                    case .success(let d): end = d
                    case .failure(let problem):
                        record(.pauseRefused, "date: \(problem.code)")
                        reply(.dateError(problem))
                        return
                    }
                }
                s.status = .paused
                s.pausedUntil = end
                state.subscriber = s
                actions.append(.pause(until: end))
                record(.paused, end.map { "until \($0.iso)" } ?? "until resume")
                reply(.paused(until: end))

            case .resume:
                guard s.status == .paused else {
                    record(.resumeIgnored, "not paused")
                    reply(.notPaused)
                    return
                }
                s.status = .active
                s.pausedUntil = nil
                state.subscriber = s
                actions.append(.resume)
                record(.resumed, "by request")
                reply(.resumed)

            case .born(let argument):
                guard case .success(let birth) = argument else {
                    if case .failure(let problem) = argument { record(.bornRefused, "date: \(problem.code)"); reply(.dateError(problem)) }
                    return
                }
                guard let p = pregnancy, let id = p.id else {
                    if s.activeSubscriptions.contains(where: { $0.track == .child && $0.anchor == birth }) {
                        record(.bornRepeated, birth.iso)
                        reply(.alreadySubscribed)
                    } else {
                        record(.bornWithoutAPregnancy, birth.iso)
                        reply(.noPregnancySubscription)
                    }
                    return
                }
                for i in s.subscriptions.indices where s.subscriptions[i].id == id { s.subscriptions[i].status = .ended }
                s.subscriptions.append(LifecycleSubscription(id: nil, track: .child, anchor: birth, nickname: p.nickname))
                state.subscriber = s
                actions.append(.switchToChild(subscriptionID: id, birth: birth))
                record(.born, "subscription \(id) follows the child born \(birth.iso)")
                reply(.switchedToChild(birth: birth))

            case .due(let argument):
                guard case .success(let due) = argument else {
                    if case .failure(let problem) = argument { record(.dueRefused, "date: \(problem.code)"); reply(.dateError(problem)) }
                    return
                }
                guard let p = pregnancy else {
                    record(.dueWithoutAPregnancy, due.iso)
                    reply(.noPregnancySubscription)
                    return
                }
                correctDue(p, due)

            case .loss:
                endPregnancies("reported by the parent")
                reply(.loss)

            case .status:
                record(.statusRequested)
                reply(.status)

            case .help, .unknown(.noCommand), .unknown(.empty):
                record(.helpRequested, command.name)
                reply(.help)

            case .unknown(.replyToDailyMessage), .unknown(.conflicting):
                notACommand(command)

            case .confirm:
                // Decoded into a confirmation event before it gets here; a bare one is help.
                record(.helpRequested, "confirm without a decoded token")
                reply(.help)
            }
        }

        mutating func correctDue(_ p: LifecycleSubscription, _ due: CivilDate) {
            guard p.anchor != due else {
                record(.dueRepeated, due.iso)
                reply(.alreadySubscribed)
                return
            }
            guard let id = p.id else { return }
            var s = state.subscriber!
            for i in s.subscriptions.indices where s.subscriptions[i].id == id { s.subscriptions[i].anchor = due }
            state.subscriber = s
            actions.append(.correctDue(subscriptionID: id, due: due))
            record(.dueCorrected, "subscription \(id): \(p.anchor.iso) → \(due.iso)")
            reply(.dueCorrected(due))
        }

        /// A loss ends every pregnancy subscription at once and for ever; children's go on.
        mutating func endPregnancies(_ detail: String) {
            guard var s = state.subscriber else { return }
            var ended: [String] = []
            for i in s.subscriptions.indices where s.subscriptions[i].track == .pregnancy && s.subscriptions[i].status == .active {
                s.subscriptions[i].status = .ended
                if let id = s.subscriptions[i].id {
                    actions.append(.endPregnancy(subscriptionID: id))
                    ended.append(String(id))
                }
            }
            state.subscriber = s
            record(.loss, ended.isEmpty ? "no pregnancy subscription; \(detail)" : "pregnancy subscription \(ended.joined(separator: ", ")) ended; \(detail)")
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
