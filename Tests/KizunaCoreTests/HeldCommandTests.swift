import Testing
@testable import KizunaCore

private let today = CivilDate(iso: "2026-11-20")!
private let parent = try! EmailAddress(parsing: "hanako@families.example")
private let limits = LifecycleLimits(autoRepliesPerDay: 3, defaultLanguage: .ja)
private let due = CivilDate(iso: "2027-05-01")!
private let pregnancy = LifecycleSubscription(id: 70, track: .pregnancy, anchor: due, nickname: "まめ")
private let failed = ["dmarc=fail at mx.clinic.example"]

private func state(held: HeldCommand? = nil, status: SubscriberStatus = .active) -> LifecycleState {
    LifecycleState(subscriber: LifecycleSubscriber(id: 7, status: status, language: .en, subscriptions: [pregnancy], held: held))
}
private func command(_ c: MailCommand, trust: MessageTrust = MessageTrust(), _ id: String = "<m1@phone>") -> LifecycleEvent {
    .command(c, language: .en, from: parent, messageID: id, trust: trust)
}
private extension Array where Element == LifecycleAction {
    var kinds: [EventKind] { compactMap { if case .recordEvent(let r) = $0 { return r.kind } else { return nil } } }
    var withoutRecords: [LifecycleAction] { filter { if case .recordEvent = $0 { return false } else { return true } } }
}

@Suite struct HeldCommandTests {
    @Test func everyCommandThatChangesStateRoundTripsThroughItsHeldForm() throws {
        let commands: [MailCommand] = [
            .subscribe(SubscribeRequest(track: .child, date: .success(CivilDate(iso: "2026-10-01")!), nickname: "はな ちゃん=1%",
                                        language: .en, area: "sakura city")),
            .subscribe(SubscribeRequest(track: nil, date: .success(due))),
            .stop(.all), .stop(.nickname("Taro Jr.")), .pause(until: nil), .pause(until: .success(due)), .resume(nil),
            .resume(.nickname("はな ちゃん")), .resume(.date(year: 2025, month: 3, day: 1)), .resume(.date(year: nil, month: 12, day: 9)),
            .born(.success(today)), .due(.success(due)), .loss(.pregnancy), .loss(.unspecified),
        ]
        for c in commands {
            let form = try #require(c.heldForm, "\(c)")
            #expect(!form.contains("\n"))
            var expected = c
            // A subscribe without a track is a pregnancy (as the lifecycle reads it).
            if case .subscribe(var r) = c, r.track == nil { r.track = .pregnancy; expected = .subscribe(r) }
            #expect(MailCommand(heldForm: form) == expected, "\(form)")
        }
        let unread = DateParseProblem(code: .noSuchDay(year: 2027, month: 2, day: 30), text: "2027-02-30", kind: .due, today: today)
        for c: MailCommand in [.status, .help, .unknown(.noCommand), .confirm(token: "c-1-2-abcdefgh"), .born(.failure(unread)), .pause(until: .failure(unread))] {
            #expect(c.heldForm == nil, "\(c)")
        }
        for bad in ["", "stop now", "born", "born 2027-02-30", "subscribe twins 2027-05-01", "launch"] {
            #expect(MailCommand(heldForm: bad) == nil, "\(bad)")
        }
    }

    @Test func aCommandThatFailedAuthenticationIsHeldAndTheParentAskedToConfirm() {
        let (s, actions) = Lifecycle.handle(command(.stop(.all), trust: MessageTrust(authenticationFailures: failed)), state: state(), today: today, limits: limits)
        let held = HeldCommand(command: .stop(.all), day: today, messageID: "<m1@phone>")
        #expect(actions.withoutRecords == [.holdCommand(held), .sendCommandConfirmationRequest(.stop(.all))])
        #expect(actions.kinds == [.commandHeld])
        #expect(s.subscriber?.status == .active)
        #expect(s.subscriber?.held == held)
        // A command that changes nothing is answered: the answer goes to the address's real owner.
        let (_, status) = Lifecycle.handle(command(.status, trust: MessageTrust(authenticationFailures: failed)), state: state(), today: today, limits: limits)
        #expect(status.withoutRecords == [.reply(.status, language: .en)])
        // One confirmation request a day: a flood of forged commands gets one mail, and the held
        // command stays the one that mail names.
        var flood = s
        var requests = 0
        for i in 0..<6 {
            let (next, a) = Lifecycle.handle(command(.pause(until: nil), trust: MessageTrust(authenticationFailures: failed), "<f\(i)@x>"),
                                             state: flood, today: today, limits: limits)
            flood = next
            requests += a.filter { if case .sendCommandConfirmationRequest = $0 { return true } else { return false } }.count
            #expect(a.contains { if case .recordEvent(let r) = $0 { return r.kind == .commandNotHeld } else { return false } })
        }
        #expect(requests == 0)
        #expect(flood.subscriber?.held == held)
        // The next day a new command is held in its place, with a request of its own.
        let (nextDay, a) = Lifecycle.handle(command(.resume(nil), trust: MessageTrust(authenticationFailures: failed), "<n@x>"),
                                            state: flood, today: today.adding(days: 1), limits: limits)
        #expect(a.withoutRecords == [.holdCommand(HeldCommand(command: .resume(nil), day: today.adding(days: 1), messageID: "<n@x>")),
                                     .sendCommandConfirmationRequest(.resume(nil))])
        #expect(nextDay.subscriber?.held?.command == .resume(nil))
    }

    @Test func theParentsConfirmationCarriesOutTheHeldCommandOnce() {
        let held = HeldCommand(command: .stop(.all), day: today, messageID: "<m1@phone>")
        let reply = LifecycleEvent.confirmation(.valid(7), language: .en, from: parent, messageID: "<c1@phone>")
        let (s, actions) = Lifecycle.handle(reply, state: state(held: held), today: today.adding(days: 2), limits: limits)
        #expect(actions.withoutRecords == [.releaseHeldCommand, .stop(.all), .reply(.stopped(nickname: nil), language: .en)])
        #expect(actions.kinds.first == .heldCommandConfirmed)
        #expect(s.subscriber?.status == .stopped)
        #expect(s.subscriber?.held == nil)
        // The same reply again finds nothing held.
        let (_, again) = Lifecycle.handle(reply, state: LifecycleState(subscriber: s.subscriber.map { var x = $0; x.status = .active; return x }),
                                          today: today.adding(days: 2), limits: limits)
        #expect(again.kinds == [.confirmationReplayed])
        // Too late: the held command is dropped, not carried out.
        let (late, expired) = Lifecycle.handle(reply, state: state(held: held), today: today.adding(days: 7), limits: limits)
        #expect(expired.withoutRecords == [.releaseHeldCommand])
        #expect(expired.kinds == [.heldCommandExpired])
        #expect(late.subscriber?.status == .active)
        // A token for another subscriber confirms nothing.
        let (_, other) = Lifecycle.handle(.confirmation(.valid(8), language: .en, from: parent, messageID: "<c2@phone>"),
                                          state: state(held: held), today: today, limits: limits)
        #expect(!other.contains(.stop(.all)))
    }

    @Test func aNewSubscribeOrAStopOvertakesAHeldCommand() {
        let held = HeldCommand(command: .pause(until: nil), day: today, messageID: "<m1@phone>")
        let (s, stop) = Lifecycle.handle(command(.stop(.all)), state: state(held: held), today: today, limits: limits)
        #expect(stop.contains(.releaseHeldCommand))
        #expect(s.subscriber?.held == nil)
        let (_, again) = Lifecycle.handle(command(.subscribe(SubscribeRequest(track: .pregnancy, date: .success(due)))),
                                          state: LifecycleState(subscriber: s.subscriber.map { var x = $0; x.held = held; return x }),
                                          today: today, limits: limits)
        #expect(again.contains(.releaseHeldCommand))
    }

    @Test func anUnsubscribeAddressTokenIsVerified() {
        // Our own List-Unsubscribe address for this subscriber: the stop needs no confirmation.
        let mine = MessageTrust(authenticationFailures: failed, unsubscribeToken: .valid(7))
        let (s, a) = Lifecycle.handle(command(.stop(.all), trust: mine), state: state(), today: today, limits: limits)
        #expect(s.subscriber?.status == .stopped)
        #expect(a.kinds.first == .unsubscribeAddress)
        // Another subscriber's token, or a forged one: read as the sender's own stop, which a failed authentication holds.
        for token in [AddressTokens.Decoded.valid(8), .forged] {
            let (s2, a2) = Lifecycle.handle(command(.stop(.all), trust: MessageTrust(authenticationFailures: failed, unsubscribeToken: token)),
                                            state: state(), today: today, limits: limits)
            #expect(s2.subscriber?.status == .active, "\(token)")
            #expect(a2.kinds == [.unsubscribeAddress, .commandHeld], "\(token)")
            let (s3, _) = Lifecycle.handle(command(.stop(.all), trust: MessageTrust(unsubscribeToken: token)), state: state(), today: today, limits: limits)
            #expect(s3.subscriber?.status == .stopped, "\(token)")
        }
    }

    @Test func theEventFromAParsedMessageDecodesTheUnsubscribeToken() {
        let tokens = AddressTokens(secret: Array("secret".utf8))
        let parsed = ParsedCommand(command: .stop(.all), language: .en, why: [], unsubscribeToken: OwnAddress.unsubscribe(subscriberID: 7).detail(signedWith: tokens))
        let event = LifecycleEvent(parsed, from: parent, messageID: "<u@x>", tokens: tokens, today: today, authenticationFailures: failed)
        #expect(event == .command(.stop(.all), language: .en, from: parent, messageID: "<u@x>",
                                  trust: MessageTrust(authenticationFailures: failed, unsubscribeToken: .valid(7))))
    }
}
