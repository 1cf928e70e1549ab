import KizunaCore
import KizunaStore

/// When a parent's next mail comes, as welcomes, confirmations and status replies say it: the
/// schedule's answer (`Schedule+Reach.swift`) for the subscriptions of a subscriber as stored.
struct SubscriptionReach {
    let schedule: Schedule
    let today: CivilDate

    /// The earliest next mail after today of these subscriptions (a message, or the farewell
    /// when none is left); after a pause's end for a paused subscriber, nil for one paused
    /// until further notice or without active subscriptions.
    func nextMailDate(_ subscriptions: [SubscriptionRecord], subscriber: SubscriberRecord) -> CivilDate? {
        var after = today
        if subscriber.status == .paused {
            guard let until = subscriber.pausedUntil else { return nil }
            // The batch sends again on the pause's last day (`pausedUntil <= date`).
            after = max(after, until.adding(days: -1))
        }
        return subscriptions.filter { $0.status == .active }
            .compactMap { schedule.nextMailDate(track: $0.track, anchor: $0.anchorDate, after: after) }.min()
    }

    /// The earliest message on or after today: what a confirmation made today would start with.
    func firstMessageDate(_ subscriptions: [SubscriptionRecord]) -> CivilDate? {
        subscriptions.filter { $0.status == .active }
            .compactMap { schedule.nextMessage(track: $0.track, anchor: $0.anchorDate, onOrAfter: today)?.date }.min()
    }
}
