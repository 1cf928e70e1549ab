import Testing
@testable import KizunaCore

private let today = CivilDate(iso: "2026-11-20")!
private let parent = try! EmailAddress(parsing: "loss.parent@example.jp")
private let limits = LifecycleLimits(autoRepliesPerDay: 3, defaultLanguage: .ja)
private let due = CivilDate(iso: "2027-05-01")!
private let hanaBirth = CivilDate(iso: "2026-03-01")!
private let taroBirth = CivilDate(iso: "2024-06-01")!

private let pregnancy = LifecycleSubscription(id: 80, track: .pregnancy, anchor: due)
private let hana = LifecycleSubscription(id: 81, track: .child, anchor: hanaBirth, nickname: "ハナ")
private let taro = LifecycleSubscription(id: 82, track: .child, anchor: taroBirth)

private func parentWith(_ subs: [LifecycleSubscription], status: SubscriberStatus = .active, pausedUntil: CivilDate? = nil,
                        held: HeldCommand? = nil) -> LifecycleState {
    LifecycleState(subscriber: LifecycleSubscriber(id: 8, status: status, pausedUntil: pausedUntil, language: .ja,
                                                   subscriptions: subs, held: held))
}

private func ended(_ s: LifecycleSubscription, _ reason: SubscriptionEndReason) -> LifecycleSubscription {
    var e = s
    e.status = .ended
    e.endReason = reason
    return e
}

/// What a loss ends, on every path afterwards; and the one way back a loss of an unnamed child leaves.
@Suite struct LifecycleLossTests {
    func run(_ c: MailCommand, _ s: LifecycleState, trust: MessageTrust = MessageTrust(), on day: CivilDate = today)
        -> (LifecycleState, [LifecycleAction]) {
        // Each message on a day of its own: the daily limit of automatic replies is tested elsewhere.
        var fresh = s
        fresh.autoRepliesToday = 0
        return Lifecycle.handle(.command(c, language: .ja, from: parent, messageID: "<loss@phone>", trust: trust), state: fresh, today: day, limits: limits)
    }

    func changes(_ actions: [LifecycleAction]) -> [LifecycleAction] {
        actions.filter { if case .recordEvent = $0 { return false } else { return true } }
    }

    func subscription(_ state: LifecycleState, _ id: Int64) -> LifecycleSubscription? {
        state.subscriber?.subscriptions.first { $0.id == id }
    }

    @Test func aPregnancyLossEndsThePregnancyAndLeavesTheChildren() {
        let (state, actions) = run(.loss(.pregnancy), parentWith([pregnancy, hana]))
        #expect(changes(actions) == [.endSubscription(subscriptionID: 80, reason: .loss), .reply(.loss(resumable: []), language: .ja)])
        #expect(subscription(state, 80)?.endReason == .loss)
        #expect(subscription(state, 81)?.status == .active)
        #expect(actions.contains { if case .recordEvent(let r) = $0 { return r.kind == .loss } else { return false } })
    }

    @Test func anUnspecifiedLossWithOneChildEndsItForEverAndOffersNoResume() {
        let (state, actions) = run(.loss(.unspecified), parentWith([hana]))
        #expect(changes(actions) == [.endSubscription(subscriptionID: 81, reason: .loss), .reply(.loss(resumable: []), language: .ja)])
        #expect(state.subscriber?.activeSubscriptions.isEmpty == true)
        #expect(state.subscriber?.status == .active)
        // A bare resume, or one naming the child, never brings it back.
        for target in [nil, ResumeTarget.nickname("ハナ"), .date(year: 2026, month: 3, day: 1)] {
            let (after, a) = run(.resume(target), state)
            #expect(after.subscriber?.activeSubscriptions.isEmpty == true, "\(String(describing: target))")
            #expect(changes(a) == [.reply(.notPaused, language: .ja)], "\(String(describing: target))")
        }
        // Nor does a subscribe or a birth with the same birth date.
        let (_, again) = run(.subscribe(SubscribeRequest(track: .child, date: .success(hanaBirth), nickname: "ハナ")), state)
        #expect(changes(again) == [.reply(.endedAfterLoss(ended(hana, .loss)), language: .ja)])
        // A later subscribe for another child (or a new pregnancy) works as usual.
        let (added, a2) = run(.subscribe(SubscribeRequest(track: .pregnancy, date: .success(due))), state)
        #expect(changes(a2) == [.addSubscription(PendingSubscription(track: .pregnancy, anchor: due, language: .ja)),
                                .reply(.subscriptionAdded, language: .ja)])
        #expect(added.subscriber?.activeSubscriptions.map(\.track) == [.pregnancy])
    }

    @Test func anUnspecifiedLossEndsEveryPregnancyAndChildAndListsThem() {
        let (state, actions) = run(.loss(.unspecified), parentWith([pregnancy, hana, taro]))
        let all = [ended(pregnancy, .lossUnattributed), ended(hana, .lossUnattributed), ended(taro, .lossUnattributed)]
        #expect(changes(actions) == [
            .endSubscription(subscriptionID: 80, reason: .lossUnattributed),
            .endSubscription(subscriptionID: 81, reason: .lossUnattributed),
            .endSubscription(subscriptionID: 82, reason: .lossUnattributed),
            .reply(.loss(resumable: all), language: .ja),
        ])
        #expect(state.subscriber?.activeSubscriptions.isEmpty == true)

        // A bare resume, or one naming no such child, lists them and changes nothing.
        for target in [nil, ResumeTarget.nickname("ジロー"), .date(year: 2020, month: 1, day: 1)] {
            let (same, a) = run(.resume(target), state)
            #expect(same.subscriber == state.subscriber)
            #expect(changes(a) == [.reply(.resumeWhich(all), language: .ja)])
        }

        // Naming one resumes exactly that one, from today.
        let (one, a1) = run(.resume(.nickname("ハナちゃん")), state)
        #expect(changes(a1) == [.resumeAfterLoss(subscriptionID: 81), .reply(.resumedAfterLoss(hana), language: .ja)])
        #expect(one.subscriber?.activeSubscriptions.map(\.id) == [81])
        // By date, the next; the one left is the child who was lost, ended for ever.
        let (two, a2) = run(.resume(.date(year: nil, month: 6, day: 1)), one)
        #expect(changes(a2) == [.resumeAfterLoss(subscriptionID: 82), .attributeLoss(subscriptionID: 80),
                                .reply(.resumedAfterLoss(taro), language: .ja)])
        #expect(subscription(two, 80)?.endReason == .loss)
        let (_, a3) = run(.resume(.date(year: 2027, month: 5, day: 1)), two)
        #expect(changes(a3) == [.reply(.notPaused, language: .ja)])
    }

    @Test func twoChildrenOneResumedTheOtherIsTheLoss() {
        let (state, _) = run(.loss(.unspecified), parentWith([hana, taro]))
        let (after, actions) = run(.resume(.nickname("ハナ")), state)
        #expect(changes(actions) == [.resumeAfterLoss(subscriptionID: 81), .attributeLoss(subscriptionID: 82),
                                     .reply(.resumedAfterLoss(hana), language: .ja)])
        #expect(subscription(after, 82)?.endReason == .loss)
        // Neither a resume nor a subscribe with its birth date brings it back.
        let (_, bare) = run(.resume(nil), after)
        #expect(changes(bare) == [.reply(.notPaused, language: .ja)])
        let (_, again) = run(.subscribe(SubscribeRequest(track: .child, date: .success(taroBirth))), after)
        #expect(changes(again) == [.reply(.endedAfterLoss(ended(taro, .loss)), language: .ja)])
    }

    @Test func aSubscribeNamingAChildTheLossDidNotPlaceResumesIt() {
        let (state, _) = run(.loss(.unspecified), parentWith([hana, taro]))
        let (after, actions) = run(.subscribe(SubscribeRequest(track: .child, date: .success(taroBirth))), state)
        #expect(changes(actions) == [.resumeAfterLoss(subscriptionID: 82), .attributeLoss(subscriptionID: 81),
                                     .reply(.resumedAfterLoss(taro), language: .ja)])
        #expect(after.subscriber?.activeSubscriptions.map(\.id) == [82])
    }

    @Test func aPausedParentStaysWithoutTheChildWhenThePauseEnds() {
        let (state, actions) = run(.loss(.unspecified), parentWith([hana], status: .paused, pausedUntil: today.adding(days: 3)))
        #expect(changes(actions).first == .endSubscription(subscriptionID: 81, reason: .loss))
        let (resumed, tick) = Lifecycle.handle(.tick, state: state, today: today.adding(days: 3), limits: limits)
        #expect(changes(tick) == [.resume])
        #expect(resumed.subscriber?.status == .active)
        #expect(resumed.subscriber?.activeSubscriptions.isEmpty == true)
        // A resume by word ends the pause and nothing else.
        let (_, byWord) = run(.resume(nil), state)
        #expect(changes(byWord) == [.resume, .reply(.resumed, language: .ja)])
    }

    @Test func aPausedParentNamingAChildAfterALossResumesItAndThePause() {
        let (state, _) = run(.loss(.unspecified), parentWith([hana, taro], status: .paused))
        #expect(state.subscriber?.status == .paused)
        let (after, actions) = run(.resume(.nickname("ハナ")), state)
        #expect(changes(actions) == [.resumeAfterLoss(subscriptionID: 81), .resume, .attributeLoss(subscriptionID: 82),
                                     .reply(.resumedAfterLoss(hana), language: .ja)])
        #expect(after.subscriber?.status == .active)
    }

    @Test func aBouncingParentsLossEndsToo() {
        let (state, actions) = run(.loss(.unspecified), parentWith([hana], status: .bouncing))
        #expect(changes(actions).first == .endSubscription(subscriptionID: 81, reason: .loss))
        #expect(state.subscriber?.activeSubscriptions.isEmpty == true)
    }

    @Test func aPendingParentsLossEndsAllAndOffersNoResume() {
        let (state, actions) = run(.loss(.unspecified), parentWith([hana, taro], status: .pending))
        #expect(changes(actions).last == .reply(.loss(resumable: []), language: .ja))
        #expect(state.subscriber?.activeSubscriptions.isEmpty == true)
        // A new subscribe starts again (the confirmation then activates only the new one).
        let (_, again) = run(.subscribe(SubscribeRequest(track: .pregnancy, date: .success(due))), state)
        #expect(changes(again).first == .createPending(PendingSubscription(track: .pregnancy, anchor: due, language: .ja)))
    }

    @Test func aStoppedParentsLossGetsTheKindReplyAndItsChildStaysEnded() {
        var child = hana
        child.status = .stopped
        let (state, actions) = run(.loss(.unspecified), parentWith([child, taro], status: .stopped))
        #expect(changes(actions) == [.endSubscription(subscriptionID: 81, reason: .lossUnattributed),
                                     .endSubscription(subscriptionID: 82, reason: .lossUnattributed),
                                     .reply(.loss(resumable: []), language: .ja)])
        let (_, single) = run(.loss(.unspecified), parentWith([child], status: .stopped))
        #expect(changes(single) == [.endSubscription(subscriptionID: 81, reason: .loss), .reply(.loss(resumable: []), language: .ja)])
        // A later subscribe with the same birth date is refused kindly; another works normally.
        let (lost, _) = run(.loss(.unspecified), parentWith([child], status: .stopped))
        let (_, again) = run(.subscribe(SubscribeRequest(track: .child, date: .success(hanaBirth))), lost)
        #expect(changes(again) == [.reply(.endedAfterLoss(ended(hana, .loss)), language: .ja)])
        let (pending, other) = run(.subscribe(SubscribeRequest(track: .pregnancy, date: .success(due))), lost)
        #expect(changes(other).first == .createPending(PendingSubscription(track: .pregnancy, anchor: due, language: .ja)))
        #expect(pending.subscriber?.status == .pending)
        // With two ended without saying which, a subscribe naming one starts it again (with a confirmation).
        let (_, named) = run(.subscribe(SubscribeRequest(track: .child, date: .success(taroBirth))), state)
        #expect(changes(named).first == .createPending(PendingSubscription(track: .child, anchor: taroBirth, language: .ja)))
    }

    @Test func aLossFromAnUnknownAddressGetsTheKindReply() {
        let (state, actions) = run(.loss(.pregnancy), LifecycleState(subscriber: nil))
        #expect(changes(actions) == [.reply(.loss(resumable: []), language: .ja)])
        #expect(state.subscriber == nil)
    }

    @Test func aLossIsNeverHeldEvenWhenAuthenticationFailed() {
        let trust = MessageTrust(authenticationFailures: ["dmarc=fail"])
        let (state, actions) = run(.loss(.unspecified), parentWith([hana]), trust: trust)
        #expect(changes(actions) == [.endSubscription(subscriptionID: 81, reason: .loss), .reply(.loss(resumable: []), language: .ja)])
        #expect(state.subscriber?.held == nil)
    }

    @Test func aHeldCommandThatWouldRestartMessagesIsDroppedByTheLoss() {
        let held = HeldCommand(command: .subscribe(SubscribeRequest(track: .child, date: .success(hanaBirth))), day: today, messageID: "<h@x>")
        let (state, actions) = run(.loss(.unspecified), parentWith([hana], held: held))
        #expect(changes(actions).contains(.releaseHeldCommand))
        #expect(state.subscriber?.held == nil)
        // A confirmation that comes anyway finds nothing to carry out.
        let (_, confirmed) = Lifecycle.handle(.confirmation(.valid(8), language: .ja, from: parent, messageID: "<c@x>"),
                                              state: state, today: today, limits: limits)
        #expect(changes(confirmed).isEmpty)
        // A held born with the lost child's birth date, confirmed after the loss, is refused too.
        let born = HeldCommand(command: .born(.success(hanaBirth)), day: today, messageID: "<b@x>")
        var withBorn = state
        withBorn.subscriber?.held = born
        withBorn.subscriber?.subscriptions.append(pregnancy)
        let (_, b) = Lifecycle.handle(.confirmation(.valid(8), language: .ja, from: parent, messageID: "<c2@x>"),
                                      state: withBorn, today: today, limits: limits)
        #expect(changes(b) == [.releaseHeldCommand, .reply(.endedAfterLoss(ended(hana, .loss)), language: .ja)])
    }

    @Test func aHeldStopSurvivesTheLoss() {
        let held = HeldCommand(command: .stop(.all), day: today, messageID: "<h@x>")
        let (state, _) = run(.loss(.pregnancy), parentWith([pregnancy, hana], held: held))
        #expect(state.subscriber?.held == held)
    }
}
