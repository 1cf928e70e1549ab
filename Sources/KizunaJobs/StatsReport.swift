import Foundation
import KizunaCore
import KizunaMail
import KizunaStore

/// `kizuna stats`: the store's counts and the spool's, as text or stable JSON; with each
/// edition's own counts beside them when the instance has several editions.
public struct StatsReport: Sendable {
    public var stats: StoreStats
    /// Empty for one edition's counts: the spool is the instance's.
    public var spool: [SpoolState: Int]
    public var bounces: BounceSummary
    /// Set when these are one edition's counts only (what belongs to its subscribers).
    public var edition: String?
    /// Each edition's counts, in the configuration's order, on the edition's own date (`time_zone`):
    /// only in an instance with several editions, and only in the whole instance's counts.
    public var editions: [StatsReport] = []

    /// Today's counts, and the events of the last 24 hours; of one edition only when `edition`
    /// is given (an administrator's mail), else the instance's with each edition's beside them.
    public static func make(instance: Instance, edition: String? = nil) throws -> StatsReport {
        let now = instance.clock.now()
        if let edition {
            return try make(instance: instance, edition: edition, date: instance.today(edition: edition, at: now), now: now, since: nil)
        }
        return try make(instance: instance, dates: instance.dates(at: now), now: now, since: nil)
    }

    /// The counts for `date`; events after `since` (nil: the 24 hours before `now`) up to `now`.
    public static func make(instance: Instance, date: CivilDate, now: Date, since: Date?) throws -> StatsReport {
        try make(instance: instance, dates: EditionDates(date), now: now, since: since)
    }

    /// The instance's counts for `dates.instance`, and (`breakdown`) each edition's for its own date.
    public static func make(instance: Instance, dates: EditionDates, now: Date, since: Date?, breakdown: Bool = true) throws -> StatsReport {
        let store = try instance.store()
        var report = StatsReport(stats: try store.stats(on: dates.instance, now: now, since: since),
                                 spool: try instance.spool().counts(), bounces: try store.bounceSummary(now: now))
        let editions = instance.configuration.editions
        if breakdown, editions.count > 1 {
            report.editions = try editions.map { try make(instance: instance, edition: $0.id, date: dates.date(edition: $0.id), now: now, since: since) }
        }
        return report
    }

    /// One edition's counts: nothing of another edition's, and no spool.
    public static func make(instance: Instance, edition: String, date: CivilDate, now: Date, since: Date?) throws -> StatsReport {
        let store = try instance.store()
        return StatsReport(stats: try store.stats(on: date, now: now, since: since, editions: [edition]), spool: [:],
                           bounces: try store.bounceSummary(now: now, editions: [edition]), edition: edition)
    }

    /// The stable shape of `kizuna stats --json` (the README lists its keys). One edition's
    /// counts have `edition` and no `spool`; the instance's have `editions` when it has several.
    public var jsonValue: JSONValue {
        var keys: [(String, JSONValue)] = [("date", .string(stats.date.iso))]
        if let edition { keys.append(("edition", .string(edition))) }
        keys += [
            ("subscribers", Self.counts(SubscriberStatus.allCases.map { ($0.rawValue, stats.subscribersByStatus[$0] ?? 0) })),
            ("subscriptions", .object(Track.allCases.map { t in
                (t.rawValue, Self.counts(SubscriptionStatus.allCases.map { ($0.rawValue, stats.subscriptionsByTrack[t]?[$0] ?? 0) }))
            })),
            ("deliveries", Self.counts(stats.deliveriesByStatus)),
            ("deliveries_today", Self.counts(stats.deliveriesOnDate)),
            ("events_last_day", Self.counts(stats.eventsLastDay)),
        ]
        if edition == nil { keys.append(("spool", Self.counts(SpoolState.allCases.map { ($0.rawValue, spool[$0] ?? 0) }))) }
        keys.append(("bounces", .object([
            ("bouncing", .int(bounces.bouncing)), ("scored", .int(bounces.scored)),
            ("events_last_day", Self.counts(BounceEventKind.allCases.map { ($0.rawValue, bounces.eventsLastDay[$0] ?? 0) })),
        ])))
        if !editions.isEmpty {
            keys.append(("editions", .object(editions.map { ($0.edition ?? "", $0.editionJSON) })))
        }
        return .object(keys)
    }

    /// An edition's entry under `editions`: its counts without the `edition` key (the entry's name says it).
    var editionJSON: JSONValue {
        guard case .object(let keys) = jsonValue else { return jsonValue }
        return .object(keys.filter { $0.0 != "edition" })
    }

    public var json: String { jsonValue.prettyPrinted }

    public var text: String {
        func line(_ title: String, _ pairs: [(String, Int)]) -> String {
            "\(title): " + (pairs.isEmpty ? "none" : pairs.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        }
        var out: [String] = ["Kizuna on \(stats.date)" + (edition.map { ", edition \($0)" } ?? "")]
        out.append(line("subscribers", SubscriberStatus.allCases.compactMap { s in stats.subscribersByStatus[s].map { (s.rawValue, $0) } }))
        for t in Track.allCases {
            out.append(line("  \(t.rawValue) subscriptions", SubscriptionStatus.allCases.compactMap { s in stats.subscriptionsByTrack[t]?[s].map { (s.rawValue, $0) } }))
        }
        out.append(line("deliveries today", Self.sorted(stats.deliveriesOnDate)))
        out.append(line("deliveries in all", Self.sorted(stats.deliveriesByStatus)))
        if edition == nil { out.append(line("spool", SpoolState.allCases.compactMap { s in spool[s].flatMap { $0 > 0 ? (s.rawValue, $0) : nil } })) }
        out.append(line("events (24 h)", Self.sorted(stats.eventsLastDay)))
        if bounces.scored > 0 || !bounces.eventsLastDay.isEmpty {
            out.append(line("bounces", [("scored", bounces.scored)] + Self.sorted(bounces.eventsLastDay).map { ("\($0.0) (24 h)", $0.1) }))
        }
        if let bouncing = stats.subscribersByStatus[.bouncing], bouncing > 0 { out.append("attention: \(bouncing) subscribers are bouncing") }
        for e in editions {
            out.append("")
            out.append(e.text)
        }
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
