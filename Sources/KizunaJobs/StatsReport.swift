import Foundation
import KizunaCore
import KizunaMail
import KizunaStore

/// `kizuna stats`: the store's counts and the spool's, as text or stable JSON.
public struct StatsReport: Sendable {
    public var stats: StoreStats
    public var spool: [SpoolState: Int]
    public var bounces: BounceSummary

    /// The counts for `date` (default: today at `now`); events after `since` (default: the 24
    /// hours before `now`) up to `now`.
    public static func make(instance: Instance, date: CivilDate? = nil, now: Date = Date(), since: Date? = nil) throws -> StatsReport {
        let store = try instance.store()
        return StatsReport(stats: try store.stats(on: date ?? instance.today(at: now), now: now, since: since),
                           spool: try instance.spool().counts(), bounces: try store.bounceSummary(now: now))
    }

    /// The stable shape of `kizuna stats --json` (the README lists its keys).
    public var jsonValue: JSONValue {
        func counts(_ pairs: [(String, Int)]) -> JSONValue { .object(pairs.map { ($0.0, .int($0.1)) }) }
        return .object([
            ("date", .string(stats.date.iso)),
            ("subscribers", counts(SubscriberStatus.allCases.map { ($0.rawValue, stats.subscribersByStatus[$0] ?? 0) })),
            ("subscriptions", .object(Track.allCases.map { t in
                (t.rawValue, counts(SubscriptionStatus.allCases.map { ($0.rawValue, stats.subscriptionsByTrack[t]?[$0] ?? 0) }))
            })),
            ("deliveries", counts(stats.deliveriesByStatus.map { ($0.key, $0.value) })),
            ("deliveries_today", counts(stats.deliveriesOnDate.map { ($0.key, $0.value) })),
            ("events_last_day", counts(stats.eventsLastDay.map { ($0.key, $0.value) })),
            ("spool", counts(SpoolState.allCases.map { ($0.rawValue, spool[$0] ?? 0) })),
            ("bounces", .object([
                ("bouncing", .int(bounces.bouncing)), ("scored", .int(bounces.scored)),
                ("events_last_day", counts(["bounce", "smtp", "complaint", "cleared", "reset"].map { ($0, bounces.eventsLastDay[$0] ?? 0) })),
            ])),
        ])
    }

    public var json: String { jsonValue.prettyPrinted }

    public var text: String {
        func line(_ title: String, _ pairs: [(String, Int)]) -> String {
            "\(title): " + (pairs.isEmpty ? "none" : pairs.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        }
        var out: [String] = ["Kizuna on \(stats.date)"]
        out.append(line("subscribers", SubscriberStatus.allCases.compactMap { s in stats.subscribersByStatus[s].map { (s.rawValue, $0) } }))
        for t in Track.allCases {
            out.append(line("  \(t.rawValue) subscriptions", SubscriptionStatus.allCases.compactMap { s in stats.subscriptionsByTrack[t]?[s].map { (s.rawValue, $0) } }))
        }
        out.append(line("deliveries today", stats.deliveriesOnDate.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        out.append(line("deliveries in all", stats.deliveriesByStatus.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        out.append(line("spool", SpoolState.allCases.compactMap { s in spool[s].flatMap { $0 > 0 ? (s.rawValue, $0) : nil } }))
        out.append(line("events (24 h)", stats.eventsLastDay.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        if bounces.scored > 0 || !bounces.eventsLastDay.isEmpty {
            out.append(line("bounces", [("scored", bounces.scored)] + bounces.eventsLastDay.sorted { $0.key < $1.key }.map { ("\($0.key) (24 h)", $0.value) }))
        }
        if let bouncing = stats.subscribersByStatus[.bouncing], bouncing > 0 { out.append("attention: \(bouncing) subscribers are bouncing") }
        return out.joined(separator: "\n")
    }
}
