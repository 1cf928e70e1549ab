import Testing
@testable import KizunaCore

private let today = CivilDate(iso: "2026-11-20")!
private let parent = try! EmailAddress(parsing: "hanako..mama.@docomo.ne.jp")
private let limits = LifecycleLimits(autoRepliesPerDay: 3, defaultLanguage: .ja)
private let due = CivilDate(iso: "2027-05-01")!

private func subscribe(_ track: Track = .pregnancy, _ date: CivilDate = due, nickname: String? = nil,
                       addresses: [EmailAddress] = []) -> MailCommand {
    .subscribe(SubscribeRequest(track: track, date: .success(date), nickname: nickname, mentionedAddresses: addresses))
}
private func command(_ c: MailCommand, _ id: String = "<m1@phone>", language: ReplyLanguage? = .ja) -> LifecycleEvent {
    .command(c, language: language, from: parent, messageID: id)
}
private func confirm(_ d: ConfirmationToken.Decoded, _ id: String = "<c1@phone>") -> LifecycleEvent {
    .confirmation(d, language: .ja, from: parent, messageID: id)
}
private func active(_ subs: [LifecycleSubscription], status: SubscriberStatus = .active, pausedUntil: CivilDate? = nil) -> LifecycleState {
    LifecycleState(subscriber: LifecycleSubscriber(id: 7, status: status, pausedUntil: pausedUntil, language: .ja, subscriptions: subs))
}
private let pregnancy = LifecycleSubscription(id: 70, track: .pregnancy, anchor: due, nickname: "まめ")
private let olderChild = LifecycleSubscription(id: 71, track: .child, anchor: CivilDate(iso: "2024-06-01")!, nickname: "たろう")

private extension Array where Element == LifecycleAction {
    var records: [LifecycleRecord] { compactMap { if case .recordEvent(let r) = $0 { return r } else { return nil } } }
    var withoutRecords: [LifecycleAction] { filter { if case .recordEvent = $0 { return false } else { return true } } }
    var replies: [ReplyKind] { compactMap { if case .reply(let k, _) = $0 { return k } else { return nil } } }
}

@Suite struct LifecycleTests {
    func run(_ e: LifecycleEvent, _ s: LifecycleState, on day: CivilDate = today, limits l: LifecycleLimits = limits)
        -> (LifecycleState, [LifecycleAction]) {
        let (state, actions) = Lifecycle.handle(e, state: s, today: day, limits: l)
        // The consent record: every event from a message is recorded with its Message-ID.
        switch e {
        case .command(_, _, _, let id, _), .confirmation(_, _, _, let id), .surveyAnswer(_, _, _, _, let id):
            #expect(!actions.records.isEmpty, "no record for \(e)")
            #expect(actions.records.allSatisfy { $0.messageID == id })
        case .tick, .trackEnded:
            if !actions.isEmpty { #expect(!actions.records.isEmpty) }
        }
        return (state, actions)
    }

    @Test func firstSubscribeCreatesAPendingSubscriberAndAsksForConfirmation() {
        let (state, actions) = run(command(subscribe(nickname: "まめ")), LifecycleState(subscriber: nil))
        #expect(actions.withoutRecords == [
            .createPending(PendingSubscription(track: .pregnancy, anchor: due, nickname: "まめ", language: .ja)),
            .sendConfirmationRequest(previousExpired: false),
        ])
        #expect(actions.records.first?.kind == .subscribeRequested)
        #expect(state.subscriber?.status == .pending)
        #expect(state.subscriber?.lastConfirmationRequest == today)
        #expect(state.autoRepliesToday == 1)
    }

    @Test func aFirstEmailWithOnlyADueOrBirthDateSubscribes() {
        let (_, a1) = run(command(.due(.success(due))), LifecycleState(subscriber: nil))
        #expect(a1.withoutRecords.first == .createPending(PendingSubscription(track: .pregnancy, anchor: due, language: .ja)))
        let birth = CivilDate(iso: "2026-11-01")!
        let (_, a2) = run(command(.born(.success(birth)), language: .en), LifecycleState(subscriber: nil))
        #expect(a2.withoutRecords.first == .createPending(PendingSubscription(track: .child, anchor: birth, language: .en)))
    }

    @Test func onlyOneConfirmationRequestADayGoesToAPendingAddress() {
        let (pending, _) = run(command(subscribe()), LifecycleState(subscriber: nil))
        // A second subscribe (a corrected date) replaces the pending one but sends nothing.
        let (again, a2) = run(command(subscribe(.pregnancy, due.adding(days: 2)), "<m2@phone>"), pending)
        #expect(a2.withoutRecords == [.createPending(PendingSubscription(track: .pregnancy, anchor: due.adding(days: 2), language: .ja))])
        #expect(a2.records.contains { $0.kind == .confirmationRequestWithheld })
        #expect(again.subscriber?.subscriptions.map(\.anchor) == [due.adding(days: 2)])
        // Help, status, pause, chatter: nothing but the one confirmation request.
        for c in [MailCommand.help, .status, .pause(until: nil), .resume(nil), .unknown(.noCommand)] {
            let (_, a) = run(command(c, "<m3@phone>"), again)
            #expect(a.withoutRecords.isEmpty, "\(c)")
        }
        // The next day one more may go.
        let (_, next) = run(command(.help, "<m4@phone>"), LifecycleState(subscriber: again.subscriber), on: today.adding(days: 1))
        #expect(next.withoutRecords == [.sendConfirmationRequest(previousExpired: false)])
    }

    @Test func confirmingActivatesAndWelcomesOnce() {
        var pending = LifecycleState(subscriber: LifecycleSubscriber(id: 7, status: .pending, language: .ja,
                                                                     subscriptions: [pregnancy], lastConfirmationRequest: today))
        pending.autoRepliesToday = 1
        let (activeState, actions) = run(confirm(.valid(7)), pending)
        #expect(actions.withoutRecords == [.activate, .sendWelcome(withTodaysMessage: true)])
        #expect(actions.records.map(\.kind) == [.confirmed])
        #expect(actions.records.first?.messageID == "<c1@phone>")
        #expect(activeState.subscriber?.status == .active)
        // Replayed: no second welcome, nothing sent.
        let (replayed, again) = run(confirm(.valid(7), "<c2@phone>"), activeState)
        #expect(again.withoutRecords.isEmpty)
        #expect(again.records.map(\.kind) == [.confirmationReplayed])
        #expect(replayed == activeState)
        // Replayed after a pause: still nothing.
        let (_, paused) = run(confirm(.valid(7)), active([pregnancy], status: .paused))
        #expect(paused.withoutRecords.isEmpty)
    }

    @Test func anExpiredTokenGetsANewRequestNotAnActivation() {
        let pending = LifecycleState(subscriber: LifecycleSubscriber(id: 7, status: .pending, language: .ja,
                                                                     subscriptions: [pregnancy], lastConfirmationRequest: today.adding(days: -8)))
        let (state, actions) = run(confirm(.expired(7)), pending)
        #expect(actions.withoutRecords == [.sendConfirmationRequest(previousExpired: true)])
        #expect(state.subscriber?.status == .pending)
        // The same day again: withheld.
        let (_, again) = run(confirm(.expired(7)), state)
        #expect(again.withoutRecords.isEmpty)
        // Expired token of an active subscriber: nothing.
        let (_, activeExpired) = run(confirm(.expired(7)), active([pregnancy]))
        #expect(activeExpired.withoutRecords.isEmpty)
    }

    @Test func forgedAndOtherAddressesTokensAreRefused() {
        let pending = LifecycleState(subscriber: LifecycleSubscriber(id: 7, status: .pending, language: .ja,
                                                                     subscriptions: [pregnancy], lastConfirmationRequest: today))
        let (s1, forged) = run(confirm(.forged), pending)
        #expect(forged.withoutRecords.isEmpty)
        #expect(s1.subscriber?.status == .pending)
        #expect(forged.records.first?.kind == .confirmationRefused)
        // A valid token for subscriber 8 sent from subscriber 7's address.
        let (s2, other) = run(confirm(.valid(8)), pending)
        #expect(other.withoutRecords == [.reply(.confirmationForAnotherAddress, language: .ja)])
        #expect(s2.subscriber?.status == .pending)
        // From an address with no subscriber at all.
        let (s3, unknown) = run(confirm(.valid(8)), LifecycleState(subscriber: nil))
        #expect(unknown.withoutRecords == [.reply(.confirmationForAnotherAddress, language: .ja)])
        #expect(s3.subscriber == nil)
    }

    @Test func stopThenSubscribeAgainNeedsConfirmationAgain() {
        let (stopped, a1) = run(command(.stop(.all)), active([pregnancy, olderChild]))
        #expect(a1.withoutRecords == [.stop(.all), .reply(.stopped(nickname: nil), language: .ja)])
        #expect(stopped.subscriber?.status == .stopped)
        #expect(stopped.subscriber?.subscriptions.allSatisfy { $0.status == .stopped } == true)
        // Nothing after stop: a second stop is only recorded.
        let (_, a2) = run(command(.stop(.all), "<m2@phone>"), stopped)
        #expect(a2.withoutRecords.isEmpty)
        // An old confirmation token does not bring it back.
        let (_, a3) = run(confirm(.valid(7)), stopped)
        #expect(a3.withoutRecords.isEmpty)
        // Subscribing again starts over at pending.
        let (again, a4) = run(command(subscribe(), "<m3@phone>"), LifecycleState(subscriber: stopped.subscriber))
        #expect(a4.withoutRecords == [.createPending(PendingSubscription(track: .pregnancy, anchor: due, language: .ja)),
                                      .sendConfirmationRequest(previousExpired: false)])
        #expect(again.subscriber?.status == .pending)
        let (confirmed, a5) = run(confirm(.valid(7)), again)
        #expect(a5.withoutRecords == [.activate, .sendWelcome(withTodaysMessage: true)])
        #expect(confirmed.subscriber?.status == .active)
    }

    @Test func stopForOneChildStopsOnlyThatOne() {
        let (state, actions) = run(command(.stop(.nickname("たろうくん"))), active([pregnancy, olderChild]))
        #expect(actions.withoutRecords == [.stop(.subscription(71)), .reply(.stopped(nickname: "たろう"), language: .ja)])
        #expect(state.subscriber?.status == .active)
        #expect(state.subscriber?.activeSubscriptions.map(\.id) == [70])
        // A nickname no subscription has: everything stops (a stop is always honoured).
        let (all, a2) = run(command(.stop(.nickname("ジロー"))), active([pregnancy, olderChild]))
        #expect(a2.withoutRecords.first == .stop(.all))
        #expect(all.subscriber?.status == .stopped)
    }

    @Test func lossEndsOnlyThePregnancyAndRepliesWithTheLossMessageAlone() {
        let (state, actions) = run(command(.loss(.pregnancy)), active([pregnancy, olderChild]))
        #expect(actions.withoutRecords == [.endSubscription(subscriptionID: 70, reason: .loss), .reply(.loss(resumable: []), language: .ja)])
        #expect(actions.records.map(\.kind) == [.loss])
        #expect(state.subscriber?.subscriptions.first { $0.id == 70 }?.status == .ended)
        #expect(state.subscriber?.subscriptions.first { $0.id == 71 }?.status == .active)
        #expect(state.subscriber?.status == .active)
        // For ever: a later born does not bring the pregnancy back as a child.
        let (_, born) = run(command(.born(.success(today))), state)
        #expect(born.withoutRecords == [.reply(.noPregnancySubscription, language: .ja)])
        // While paused, and from a pending address, too.
        let (_, paused) = run(command(.loss(.pregnancy)), active([pregnancy], status: .paused, pausedUntil: today.adding(days: 9)))
        #expect(paused.withoutRecords == [.endSubscription(subscriptionID: 70, reason: .loss), .reply(.loss(resumable: []), language: .ja)])
        let pending = LifecycleState(subscriber: LifecycleSubscriber(id: 7, status: .pending, language: .en, subscriptions: [pregnancy]))
        let (_, fromPending) = run(command(.loss(.pregnancy), language: .en), pending)
        #expect(fromPending.withoutRecords == [.endSubscription(subscriptionID: 70, reason: .loss), .reply(.loss(resumable: []), language: .en)])
    }

    @Test func pauseUntilADateThenTheTickResumes() {
        let end = CivilDate(iso: "2027-01-10")!
        let (paused, actions) = run(command(.pause(until: .success(end))), active([pregnancy]))
        #expect(actions.withoutRecords == [.pause(until: end), .reply(.paused(until: end), language: .ja)])
        #expect(paused.subscriber?.status == .paused)
        let (stillPaused, before) = run(.tick, paused, on: end.adding(days: -1))
        #expect(before.isEmpty)
        #expect(stillPaused == paused)
        let (resumed, onTheDay) = run(.tick, paused, on: end)
        #expect(onTheDay.withoutRecords == [.resume])
        #expect(onTheDay.records.map(\.kind) == [.resumed])
        #expect(onTheDay.records.first?.messageID == nil)
        #expect(resumed.subscriber?.status == .active && resumed.subscriber?.pausedUntil == nil)
        // A pause without a date waits for resume; the tick leaves it alone.
        let (open, _) = run(command(.pause(until: nil)), active([pregnancy]))
        #expect(Lifecycle.handle(.tick, state: open, today: today.adding(days: 400), limits: limits).1.isEmpty)
        let (back, a3) = run(command(.resume(nil)), open)
        #expect(a3.withoutRecords == [.resume, .reply(.resumed, language: .ja)])
        #expect(back.subscriber?.status == .active)
        let (_, notPaused) = run(command(.resume(nil)), back)
        #expect(notPaused.withoutRecords == [.reply(.notPaused, language: .ja)])
    }

    @Test func badDatesGetTheProblemAsTheReply() {
        let problem = DateParseProblem(code: .pauseEndNotAhead(today), text: "11/20", kind: .pauseEnd, today: today)
        let (state, actions) = run(command(.pause(until: .failure(problem))), active([pregnancy]))
        #expect(actions.withoutRecords == [.reply(.dateError(problem), language: .ja)])
        #expect(state.subscriber?.status == .active)
        let missing = DateParseProblem(code: .missing, text: "", kind: .due, today: today)
        let (unknownState, a2) = run(command(.subscribe(SubscribeRequest(track: nil, date: .failure(missing)))), LifecycleState(subscriber: nil))
        #expect(a2.withoutRecords == [.reply(.dateError(missing), language: .ja)])
        #expect(unknownState.subscriber == nil)
    }

    @Test func bornSwitchesThePregnancyAndDueCorrectsIt() {
        // Born two weeks before a due date of 2 December (a birth more than 20 weeks before the due date is refused).
        let birth = CivilDate(iso: "2026-11-18")!
        var nearTerm = pregnancy
        nearTerm.anchor = CivilDate(iso: "2026-12-02")!
        let (state, actions) = run(command(.born(.success(birth))), active([nearTerm]))
        #expect(actions.withoutRecords == [.switchToChild(subscriptionID: 70, birth: birth), .reply(.switchedToChild(birth: birth), language: .ja)])
        #expect(state.subscriber?.subscriptions.map(\.status) == [.ended, .active])
        #expect(state.subscriber?.subscriptions.last?.track == .child)
        let newDue = due.adding(days: 3)
        let (corrected, a2) = run(command(.due(.success(newDue))), active([pregnancy]))
        #expect(a2.withoutRecords == [.correctDue(subscriptionID: 70, due: newDue), .reply(.dueCorrected(newDue), language: .ja)])
        #expect(corrected.subscriber?.subscriptions.first?.anchor == newDue)
        let (_, same) = run(command(.due(.success(due))), active([pregnancy]))
        #expect(same.withoutRecords == [.reply(.alreadySubscribed, language: .ja)])
        let (_, none) = run(command(.due(.success(newDue))), active([olderChild]))
        #expect(none.withoutRecords == [.reply(.noPregnancySubscription, language: .ja)])
    }

    @Test func aBirthDateInTheFutureOrLongBeforeTheDueDateIsRefusedKindlyAndChangesNothing() {
        var nearTerm = pregnancy
        nearTerm.anchor = CivilDate(iso: "2026-12-02")!
        let future = today.adding(days: 1)
        let (s1, a1) = run(command(.born(.success(future))), active([nearTerm]))
        #expect(a1.withoutRecords == [.reply(.dateError(DateParseProblem(code: .outOfRange(.birthDateInFuture(future)), text: future.iso,
                                                                          kind: .birth, today: today)), language: .ja)])
        #expect(a1.records.map(\.kind) == [.bornRefused])
        #expect(s1.subscriber == active([nearTerm]).subscriber)
        // 20 weeks before the due date is still a birth; one day more is not.
        let limit = nearTerm.anchor.adding(days: -140)
        let (_, a2) = run(command(.born(.success(limit))), active([nearTerm]))
        #expect(a2.withoutRecords.first == .switchToChild(subscriptionID: 70, birth: limit))
        let early = limit.adding(days: -1)
        let (s3, a3) = run(command(.born(.success(early))), active([nearTerm]))
        #expect(a3.withoutRecords == [.reply(.dateError(DateParseProblem(code: .birthLongBeforeDue(birth: early, due: nearTerm.anchor), text: early.iso,
                                                                          kind: .birth, today: today)), language: .ja)])
        #expect(s3.subscriber == active([nearTerm]).subscriber)
        let reply = DateParseProblem(code: .birthLongBeforeDue(birth: early, due: nearTerm.anchor), text: early.iso, kind: .birth, today: today)
        #expect(reply.description(language: .ja).contains("20週以上前"))
        #expect(reply.description(language: .en).contains("more than 20 weeks before the due date 2026-12-02"))
        #expect(reply.replyExample(language: .en).hasPrefix("born "))
    }

    @Test func bornCorrectsABirthDateTheNightAssumed() {
        let assumedBirth = CivilDate(iso: "2026-11-01")!
        let assumed = LifecycleSubscription(id: 80, track: .child, anchor: assumedBirth, nickname: "まめ", birthAssumed: true)
        let real = assumedBirth.adding(days: 4)
        let (state, actions) = run(command(.born(.success(real))), active([assumed]))
        #expect(actions.withoutRecords == [.correctBirth(subscriptionID: 80, birth: real), .reply(.birthCorrected(real), language: .ja)])
        #expect(actions.records.map(\.kind) == [.birthCorrected])
        #expect(state.subscriber?.subscriptions == [LifecycleSubscription(id: 80, track: .child, anchor: real, nickname: "まめ")])
        // The assumed date itself confirms it (the flag is cleared); a date far before it is refused.
        let (_, same) = run(command(.born(.success(assumedBirth))), active([assumed]))
        #expect(same.withoutRecords.first == .correctBirth(subscriptionID: 80, birth: assumedBirth))
        let (_, early) = run(command(.born(.success(assumedBirth.adding(days: -141)))), active([assumed]))
        #expect(early.replies.count == 1)
        if case .dateError(let p)? = early.replies.first { #expect(p.code == .birthLongBeforeDue(birth: assumedBirth.adding(days: -141), due: assumedBirth)) }
        // A birth the parent reported stays as it is: `born` without a pregnancy says so.
        let (_, reported) = run(command(.born(.success(real))), active([olderChild]))
        #expect(reported.withoutRecords == [.reply(.noPregnancySubscription, language: .ja)])
    }

    @Test func aPregnancyLossEndsAChildFollowedFromAnAssumedBirthDate() {
        let assumed = LifecycleSubscription(id: 80, track: .child, anchor: CivilDate(iso: "2026-11-01")!, birthAssumed: true)
        let (state, actions) = run(command(.loss(.pregnancy)), active([assumed, olderChild]))
        #expect(actions.withoutRecords == [.endSubscription(subscriptionID: 80, reason: .loss), .reply(.loss(resumable: []), language: .ja)])
        #expect(state.subscriber?.subscriptions.map(\.status) == [.ended, .active], "a child whose birth was reported goes on")
    }

    @Test func aKnownParentAddsAChildWithoutANewConfirmation() {
        let birth = CivilDate(iso: "2026-11-01")!
        let (state, actions) = run(command(subscribe(.child, birth, nickname: "はな")), active([olderChild]))
        #expect(actions.withoutRecords == [.addSubscription(PendingSubscription(track: .child, anchor: birth, nickname: "はな", language: .ja)),
                                           .reply(.subscriptionAdded, language: .ja)])
        #expect(state.subscriber?.status == .active)
        #expect(state.subscriber?.activeSubscriptions.count == 2)
        let (_, again) = run(command(subscribe(.child, olderChild.anchor)), active([olderChild]))
        #expect(again.withoutRecords == [.reply(.alreadySubscribed, language: .ja)])
    }

    @Test func aSubscribeForAnotherAddressIsRefused() {
        let other = try! EmailAddress(parsing: "someone@example.com")
        let (state, actions) = run(command(subscribe(addresses: [other])), LifecycleState(subscriber: nil))
        #expect(actions.withoutRecords == [.reply(.subscribeForAnotherAddressRefused, language: .ja)])
        #expect(state.subscriber == nil)
        // Naming one's own address (domain in any case) is fine.
        let own = try! EmailAddress(parsing: "hanako..mama.@DOCOMO.ne.jp")
        let (_, ok) = run(command(subscribe(addresses: [own])), LifecycleState(subscriber: nil))
        #expect(ok.withoutRecords.first == .createPending(PendingSubscription(track: .pregnancy, anchor: due, language: .ja)))
    }

    @Test func repliesBeyondTheDailyLimitAreSuppressed() {
        var state = active([pregnancy])
        var replies = 0
        for n in 0..<6 {
            let (next, actions) = run(command(.status, "<s\(n)@phone>"), state)
            replies += actions.replies.count
            if n >= 3 {
                #expect(actions.withoutRecords.isEmpty)
                #expect(actions.records.contains { $0.kind == .replySuppressed })
            }
            state = next
        }
        #expect(replies == 3)
        #expect(state.autoRepliesToday == 3)
        // State changes still happen when the reply is suppressed.
        let (stopped, actions) = run(command(.stop(.all)), state)
        #expect(actions.withoutRecords == [.stop(.all)])
        #expect(stopped.subscriber?.status == .stopped)
        // And the welcome counts against the limit too, but activation does not wait for it.
        let limited = LifecycleState(subscriber: LifecycleSubscriber(id: 7, status: .pending, language: .ja, subscriptions: [pregnancy]), autoRepliesToday: 3)
        let (activated, a2) = run(confirm(.valid(7)), limited)
        #expect(a2.withoutRecords == [.activate])
        #expect(activated.subscriber?.status == .active)
    }

    @Test func chatterIsNotAnsweredButUnknownTextGetsHelp() {
        let (_, chatter) = run(command(.unknown(.replyToDailyMessage)), active([pregnancy]))
        #expect(chatter.withoutRecords.isEmpty)
        let (_, unknown) = run(command(.unknown(.noCommand), language: .en), active([pregnancy]))
        #expect(unknown.withoutRecords == [.reply(.help, language: .en)])
        let (_, conflicting) = run(command(.unknown(.conflicting(["resume", "stop"]))), active([pregnancy]))
        #expect(conflicting.withoutRecords == [.reply(.oneCommandPlease(["resume", "stop"]), language: .ja)])
        let (_, stranger) = run(command(.stop(.all)), LifecycleState(subscriber: nil))
        #expect(stranger.withoutRecords.isEmpty)
        let (_, emptyMail) = run(command(.unknown(.empty)), LifecycleState(subscriber: nil))
        #expect(emptyMail.withoutRecords == [.reply(.help, language: .ja)])
    }

    /// From a parent's first email to stop, through the parser, the token codec and the lifecycle.
    @Test func aParentsWholeJourney() throws {
        let tokens = AddressTokens(secret: Array("journey secret".utf8))
        func step(_ subject: String, _ body: String, plus: String? = nil, _ state: LifecycleState, id: String, on day: CivilDate = today)
            -> (LifecycleState, [LifecycleAction]) {
            let parsed = CommandParser.parse(subject: subject, body: body, plusDetail: plus, today: day)
            let event = LifecycleEvent(parsed, from: parent, messageID: id, tokens: tokens, today: day)
            return run(event, state, on: day)
        }
        var (state, actions) = step("登録", "出産予定日　２０２７年５月１日\n名前　まめ", LifecycleState(subscriber: nil), id: "<1@p>")
        #expect(actions.withoutRecords.first == .createPending(PendingSubscription(track: .pregnancy, anchor: due, nickname: "まめ", language: .ja)))
        // The store numbers the subscriber 7; the confirmation request carries its token.
        state.subscriber?.id = 7
        state.subscriber?.subscriptions[0].id = 70
        let token = OwnAddress.confirmation(subscriberID: 7, issued: today).detail(signedWith: tokens)
        (state, actions) = step("Re: [さくら] 登録の確認 \(token.uppercased())", "はい", state, id: "<2@p>", on: today.adding(days: 1))
        #expect(actions.withoutRecords == [.activate, .sendWelcome(withTodaysMessage: true)])
        (state, actions) = step("Re: [さくら] 登録の確認", "", plus: token, state, id: "<3@p>", on: today.adding(days: 2))
        #expect(actions.withoutRecords.isEmpty)
        (state, actions) = step("Re: [さくら] 20週0日", "いつもありがとう", state, id: "<4@p>")
        #expect(actions.withoutRecords.isEmpty)
        (state, actions) = step("Re: [さくら] 20週0日", "配信停止をお願いします\n> 配信を再開するには「再開」", state, id: "<5@p>")
        #expect(actions.withoutRecords == [.stop(.all), .reply(.stopped(nickname: nil), language: .ja)])
        #expect(state.subscriber?.status == .stopped)
    }
}
