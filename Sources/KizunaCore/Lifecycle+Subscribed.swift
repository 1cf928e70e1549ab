/// A command from a confirmed parent (active, paused or bouncing), one step per command.
extension Lifecycle.Machine {
    mutating func fromSubscriber(_ command: MailCommand) {
        switch command {
        case .subscribe(let request): addSubscription(request)
        case .stop(let scope): stop(scope)
        case .pause(let until): pause(until: until)
        case .resume(let target): resume(target)
        case .born(let argument): born(argument)
        case .due(let argument): due(argument)
        case .loss(let kind): loss(kind, "reported by the parent")
        case .status:
            record(.statusRequested)
            reply(.status)
        case .area(let written): setArea(written)
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

    /// `地域 北区`: the declared area the words name (or, where the edition declares none, the
    /// words); an undeclared one changes nothing and the reply lists the edition's areas.
    mutating func setArea(_ written: String) {
        guard let areas = limits.areas else {
            actions.append(.setArea(written))
            record(.areaChanged, written)
            reply(.areaChanged(name: written))
            return
        }
        guard let area = areas.area(matching: written) else {
            record(.areaRefused, "unknown area \(written)")
            reply(.areaUnknown(written: written, areas: areas.listing))
            return
        }
        actions.append(.setArea(area.id))
        record(.areaChanged, area.id)
        reply(.areaChanged(name: area.name))
    }

    /// The subscriber's active pregnancy subscription, if any.
    var activePregnancy: LifecycleSubscription? {
        state.subscriber?.subscriptions.first { $0.status == .active && $0.track == .pregnancy }
    }

    /// The date a command gives, or nil once it is refused: recorded as `refused`, and the
    /// parent told what is wrong with it.
    mutating func acceptedDate(_ argument: DateArgument, refused: EventKind) -> CivilDate? {
        switch argument {
        case .success(let date): return date
        case .failure(let problem):
            record(refused, "date: \(problem.code)")
            reply(.dateError(problem))
            return nil
        }
    }

    /// Another child or pregnancy; a subscribe for the pregnancy already followed corrects its
    /// due date, and one for a subscription already there is answered as such.
    mutating func addSubscription(_ request: SubscribeRequest) {
        guard let date = acceptedDate(request.date, refused: .subscribeRefused) else { return }
        var s = state.subscriber!
        let track = request.track ?? .pregnancy
        if let ended = endedByLoss(track, date) {
            if ended.endReason == .lossUnattributed {
                resumeAfterLoss(ended)
            } else {
                refuseAfterLoss(ended)
            }
            return
        }
        if track == .pregnancy, let p = activePregnancy {
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
        if refusedAsUncovered(track, date) { return }
        // The sender is the verified address of an active subscriber: no new confirmation.
        let p = PendingSubscription(track: track, anchor: date, nickname: request.nickname,
                                    language: request.language ?? s.language, area: request.area)
        s.subscriptions.append(LifecycleSubscription(id: nil, track: track, anchor: date, nickname: request.nickname))
        state.subscriber = s
        actions.append(.addSubscription(p))
        record(.subscriptionAdded, "\(track.rawValue) \(date.iso)\(request.nickname.map { " nickname \($0)" } ?? "")")
        reply(.subscriptionAdded)
    }

    /// Everything, or the one subscription a nickname names when there are several.
    mutating func stop(_ scope: StopScope) {
        var s = state.subscriber!
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
    }

    /// Until a date, or until `resume`.
    mutating func pause(until: DateArgument?) {
        var end: CivilDate?
        if let until {
            guard let date = acceptedDate(until, refused: .pauseRefused) else { return }
            end = date
        }
        var s = state.subscriber!
        s.status = .paused
        s.pausedUntil = end
        state.subscriber = s
        actions.append(.pause(until: end))
        record(.paused, end.map { "until \($0.iso)" } ?? "until resume")
        reply(.paused(until: end))
    }

    /// A pause ends; or, when a loss left several subscriptions to choose from, the one the
    /// parent names goes on (`Lifecycle+Loss.swift`).
    mutating func resume(_ target: ResumeTarget?) {
        if resumeAfterLoss(named: target) { return }
        var s = state.subscriber!
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
    }

    /// The pregnancy subscription ends and a child subscription follows from the birth date.
    /// Without a pregnancy, a child whose birth date the night assumed gets the real one. A
    /// birth date in the future, or long before the due date, is refused and changes nothing.
    mutating func born(_ argument: DateArgument) {
        guard let birth = acceptedDate(argument, refused: .bornRefused) else { return }
        if let ended = endedByLoss(.child, birth), ended.endReason == .loss {
            refuseAfterLoss(ended)
            return
        }
        var s = state.subscriber!
        let assumed = s.activeSubscriptions.first { $0.track == .child && $0.birthAssumed }
        let anchor = activePregnancy?.anchor ?? assumed?.anchor
        if let problem = birthProblem(birth, due: anchor) {
            record(.bornRefused, "date: \(problem)")
            reply(.dateError(DateParseProblem(code: problem, text: birth.iso, kind: .birth, today: today)))
            return
        }
        guard let p = activePregnancy, let id = p.id else {
            if let assumed, let id = assumed.id {
                correctBirth(assumed, id: id, birth)
            } else if s.activeSubscriptions.contains(where: { $0.track == .child && $0.anchor == birth }) {
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
    }

    /// Why a reported birth date cannot be right: in the future, or more than
    /// `Lifecycle.birthMaxWeeksBeforeDue` weeks before the due date (`due`, when one is known).
    func birthProblem(_ birth: CivilDate, due: CivilDate?) -> DateParseProblem.Code? {
        if birth > today { return .outOfRange(.birthDateInFuture(birth)) }
        if let due, due - birth > 7 * Lifecycle.birthMaxWeeksBeforeDue { return .birthLongBeforeDue(birth: birth, due: due) }
        return nil
    }

    /// The child followed from an assumed birth date (the due date) was born on `birth`.
    mutating func correctBirth(_ child: LifecycleSubscription, id: Int64, _ birth: CivilDate) {
        var s = state.subscriber!
        for i in s.subscriptions.indices where s.subscriptions[i].id == id {
            s.subscriptions[i].anchor = birth
            s.subscriptions[i].birthAssumed = false
        }
        state.subscriber = s
        actions.append(.correctBirth(subscriptionID: id, birth: birth))
        record(.birthCorrected, "subscription \(id): assumed \(child.anchor.iso) → \(birth.iso)")
        reply(.birthCorrected(birth))
    }

    mutating func due(_ argument: DateArgument) {
        guard let due = acceptedDate(argument, refused: .dueRefused) else { return }
        guard let p = activePregnancy else {
            record(.dueWithoutAPregnancy, due.iso)
            reply(.noPregnancySubscription)
            return
        }
        correctDue(p, due)
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
}
