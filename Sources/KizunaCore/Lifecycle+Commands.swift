/// A parent's command, by where the sender stands: unknown, pending, stopped, or subscribed
/// (`Lifecycle+Subscribed.swift`).
extension Lifecycle.Machine {
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
            // A loss is carried out at once, whatever the authentication says: holding it would
            // send baby messages to a bereaved parent until they confirm. A forged one only ends
            // messages, and the daily report names every loss for a person to follow up.
            if case .loss(let kind) = command, !failures.isEmpty {
                loss(kind, "reported by the parent; authentication failed (\(failures.joined(separator: ", "))): carried out at once, a loss is never held")
            } else if !failures.isEmpty, command.heldForm != nil {
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
        if let ended = endedByLoss(p.track, p.anchor), ended.endReason == .loss {
            refuseAfterLoss(ended)
            return
        }
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
        case .success(let p) where refusedAsUncovered(p.track, p.anchor):
            break
        case .success(let p): startPending(p, previous: previous)
        case .failure(let problem):
            record(.subscribeRefused, "date: \(problem.code)")
            reply(.dateError(problem))
        }
        return true
    }

    /// A new subscription the catalog would send nothing to (see `Schedule.coverageProblem`)
    /// gets a kind reply saying so and changes nothing. Returns whether it was refused.
    mutating func refusedAsUncovered(_ track: Track, _ anchor: CivilDate) -> Bool {
        guard let problem = limits.schedule?.coverageProblem(track: track, anchor: anchor, today: today) else { return false }
        record(.subscribeRefused, "not covered: \(problem)")
        reply(.notCovered(problem))
        return true
    }

    /// Chatter in reply to our mail is recorded, not answered; two different commands
    /// in one message get a request for one (the same from any sender).
    mutating func notACommand(_ command: MailCommand) {
        switch command {
        case .unknown(.conflicting(let names)):
            record(.notACommand, "conflicting: \(names.joined(separator: ", "))")
            reply(.oneCommandPlease(names))
        default:
            record(.notACommand, "a reply to our mail")
        }
    }

    mutating func fromUnknown(_ command: MailCommand) {
        if subscribeAgain(command, previous: nil) { return }
        switch command {
        case .stop:
            record(.stopIgnored, "the address has no subscription")
        case .loss:
            record(.lossReported, "the address has no subscription")
            reply(.loss(resumable: []))
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
        case .loss(let kind):
            loss(kind, "before confirming")
        default:
            // Until it confirms, a pending address gets nothing but one confirmation request a day.
            if let result = newSubscription(command), case .success(let p) = result {
                if !refusedAsUncovered(p.track, p.anchor) { startPending(p, previous: s) }
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
        case .loss(let kind):
            // Nothing is sent to a stopped address; what the loss concerns still ends, so that
            // a later subscribe never brings back a child who was lost.
            loss(kind, "subscriber has stopped")
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
}
