import Testing
@testable import KizunaCore

private let today = CivilDate(iso: "2026-12-07")!
private let parent = try! EmailAddress(parsing: "parent@families.example")
/// Monthly child messages to 3 years, weekly pregnancy messages to 41+0.
private let schedule = Schedule(stages: (4...41).map { Stage.gestationalDay($0 * 7) } + (1...36).map { Stage.childMonth($0) }, catchUpDays: 2)
private let limits = LifecycleLimits(autoRepliesPerDay: 3, defaultLanguage: .en, schedule: schedule)
private let older = LifecycleSubscription(id: 81, track: .child, anchor: CivilDate(iso: "2023-11-01")!, nickname: "Ken")
private let younger = LifecycleSubscription(id: 82, track: .child, anchor: CivilDate(iso: "2026-06-01")!, nickname: "Mio")

private func subscriber(_ subs: [LifecycleSubscription], status: SubscriberStatus = .active) -> LifecycleState {
    LifecycleState(subscriber: LifecycleSubscriber(id: 8, status: status, language: .en, subscriptions: subs))
}
private func subscribe(_ birth: String) -> LifecycleEvent {
    .command(.subscribe(SubscribeRequest(track: .child, date: .success(CivilDate(iso: birth)!))), language: .en, from: parent, messageID: "<s@x>")
}
private extension Array where Element == LifecycleAction {
    var withoutRecords: [LifecycleAction] { filter { if case .recordEvent = $0 { return false } else { return true } } }
}

/// The end of a track in the lifecycle, and new subscriptions the catalog does not cover.
@Suite struct LifecycleEndTests {
    @Test func theLastTrackToEndClosesTheSubscriberWithOneFarewell() {
        let (state, actions) = Lifecycle.handle(.trackEnded(subscriptionID: 81, reason: .catalogEnded), state: subscriber([older]),
                                                today: today, limits: limits)
        #expect(actions.withoutRecords == [.endSubscription(subscriptionID: 81, reason: .catalogEnded), .closeSubscriber,
                                           .sendFarewell(subscriptionID: 81)])
        #expect(state.subscriber?.status == .stopped)
        #expect(state.subscriber?.subscriptions.map(\.status) == [.ended])
        #expect(actions.contains(.recordEvent(LifecycleRecord(kind: .trackEnded, detail: "subscription 81: catalog ended", messageID: nil))))
    }

    @Test func anotherChildsMessagesGoOn() {
        let (state, actions) = Lifecycle.handle(.trackEnded(subscriptionID: 81, reason: .agedOut), state: subscriber([older, younger]),
                                                today: today, limits: limits)
        #expect(actions.withoutRecords == [.endSubscription(subscriptionID: 81, reason: .agedOut), .sendFarewell(subscriptionID: 81)])
        #expect(state.subscriber?.status == .active)
        #expect(state.subscriber?.activeSubscriptions.map(\.id) == [82])
    }

    @Test func neverAfterALossOrAStop() {
        var lost = older
        lost.status = .ended
        for state in [subscriber([lost]), subscriber([older], status: .stopped), subscriber([older], status: .bouncing),
                      subscriber([older], status: .pending), LifecycleState(subscriber: nil)] {
            let (_, actions) = Lifecycle.handle(.trackEnded(subscriptionID: 81, reason: .catalogEnded), state: state, today: today, limits: limits)
            #expect(actions.isEmpty, "\(state)")
        }
        // Nor twice: once ended, a second ending does nothing.
        let (ended, _) = Lifecycle.handle(.trackEnded(subscriptionID: 81, reason: .catalogEnded), state: subscriber([older, younger]),
                                          today: today, limits: limits)
        #expect(Lifecycle.handle(.trackEnded(subscriptionID: 81, reason: .catalogEnded), state: ended, today: today, limits: limits).1.isEmpty)
    }

    @Test func aSubscribeTheCatalogDoesNotCoverGetsAKindReplyAndChangesNothing() {
        for state in [LifecycleState(subscriber: nil), subscriber([younger]), subscriber([older], status: .stopped)] {
            let (after, actions) = Lifecycle.handle(subscribe("2015-11-01"), state: state, today: today, limits: limits)
            #expect(after.subscriber == state.subscriber, "\(state)")
            guard case .reply(.notCovered(let problem), .en)? = actions.withoutRecords.first, actions.withoutRecords.count == 1 else {
                Issue.record("\(actions)"); continue
            }
            #expect(problem.description.contains("ends at 3 years 0 months (child/m36); 2015-11-01 is 11 years old"))
        }
        // A child the catalog covers is subscribed as before.
        let (_, actions) = Lifecycle.handle(subscribe("2026-10-01"), state: LifecycleState(subscriber: nil), today: today, limits: limits)
        #expect(actions.withoutRecords.first == .createPending(PendingSubscription(track: .child, anchor: CivilDate(iso: "2026-10-01")!, language: .en)))
    }
}
