import Foundation
import KizunaCore
import KizunaMail
import KizunaStore

/// `kizuna stats`: the store's counts and the spool's, as text or stable JSON.
public struct StatsReport: Sendable {
    public var stats: StoreStats
    public var spool: [SpoolState: Int]
    public var bounces: BounceSummary

    /// Today's counts, and the events of the last 24 hours.
    public static func make(instance: Instance) throws -> StatsReport {
        let now = instance.clock.now()
        return try make(instance: instance, date: instance.today(at: now), now: now, since: nil)
    }

    /// The counts for `date`; events after `since` (nil: the 24 hours before `now`) up to `now`.
    public static func make(instance: Instance, date: CivilDate, now: Date, since: Date?) throws -> StatsReport {
        let store = try instance.store()
        return StatsReport(stats: try store.stats(on: date, now: now, since: since),
                           spool: try instance.spool().counts(), bounces: try store.bounceSummary(now: now))
    }

    /// The stable shape of `kizuna stats --json` (the README lists its keys).
    public var jsonValue: JSONValue {
        .object([
            ("date", .string(stats.date.iso)),
            ("subscribers", Self.counts(SubscriberStatus.allCases.map { ($0.rawValue, stats.subscribersByStatus[$0] ?? 0) })),
            ("subscriptions", .object(Track.allCases.map { t in
                (t.rawValue, Self.counts(SubscriptionStatus.allCases.map { ($0.rawValue, stats.subscriptionsByTrack[t]?[$0] ?? 0) }))
            })),
            ("deliveries", Self.counts(stats.deliveriesByStatus)),
            ("deliveries_today", Self.counts(stats.deliveriesOnDate)),
            ("events_last_day", Self.counts(stats.eventsLastDay)),
            ("spool", Self.counts(SpoolState.allCases.map { ($0.rawValue, spool[$0] ?? 0) })),
            ("bounces", .object([
                ("bouncing", .int(bounces.bouncing)), ("scored", .int(bounces.scored)),
                ("events_last_day", Self.counts(BounceEventKind.allCases.map { ($0.rawValue, bounces.eventsLastDay[$0] ?? 0) })),
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
        out.append(line("deliveries today", Self.sorted(stats.deliveriesOnDate)))
        out.append(line("deliveries in all", Self.sorted(stats.deliveriesByStatus)))
        out.append(line("spool", SpoolState.allCases.compactMap { s in spool[s].flatMap { $0 > 0 ? (s.rawValue, $0) : nil } }))
        out.append(line("events (24 h)", Self.sorted(stats.eventsLastDay)))
        if bounces.scored > 0 || !bounces.eventsLastDay.isEmpty {
            out.append(line("bounces", [("scored", bounces.scored)] + Self.sorted(bounces.eventsLastDay).map { ("\($0.0) (24 h)", $0.1) }))
        }
        if let bouncing = stats.subscribersByStatus[.bouncing], bouncing > 0 { out.append("attention: \(bouncing) subscribers are bouncing") }
        return out.joined(separator: "\n")
    }

    /// Counts keyed by the stored words, as a JSON object.
    static func counts<State: RawRepresentable<String>>(_ byState: [State: Int]) -> JSONValue {
        counts(byState.map { ($0.key.rawValue, $0.value) })
    }

    static func counts(_ pairs: [(String, Int)]) -> JSONValue { .object(pairs.map { ($0.0, .int($0.1)) }) }

    /// Counts as (stored word, count) pairs in the words' order, for the text.
    static func sorted<State: RawRepresentable<String>>(_ counts: [State: Int]) -> [(String, Int)] {
        counts.map { ($0.key.rawValue, $0.value) }.sorted { $0.0 < $1.0 }
    }
}
