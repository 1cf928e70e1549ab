import KizunaCore

/// Which subscribers one batch run serves: every one, or those of the editions whose local
/// date it is (`time_zone` in `[[edition]]`), and then those of an edition the configuration no
/// longer names with the instance's date.
struct BatchScope: Sendable {
    var editions: Set<String>?
    /// Whether subscribers of an edition not configured are served (they follow the instance's day).
    var others = true
    var configured: Set<String> = []

    static let every = BatchScope(editions: nil)

    func serves(_ edition: String) -> Bool {
        guard let editions else { return true }
        return editions.contains(edition) || (others && !configured.contains(edition))
    }
}

extension BatchSummary {
    /// Adds another run's counts (the same night, the editions on another local date).
    mutating func add(_ other: BatchSummary) {
        recipients += other.recipients; queued += other.queued; sections += other.sections
        skippedItems += other.skippedItems; alreadyPlanned += other.alreadyPlanned; recovered += other.recovered
        failures += other.failures; farewells += other.farewells; checkIns += other.checkIns; switched += other.switched
    }
}

extension BatchJob {
    /// The night for each edition on its own local date: one run per distinct date, each serving
    /// the editions on it (`--date` gives one date to all, and then this is one run). A
    /// subscriber's daily mail, catch-up, end of track and overdue care are all decided by the
    /// edition's date, so a family in Honolulu gets its day's message on its own day.
    public func run(dates: EditionDates, progress: ((Int) -> Void)? = nil) throws -> BatchSummary {
        guard !dates.isOneDate else { return try run(date: dates.instance, progress: progress) }
        var summary = BatchSummary(date: dates.instance)
        let configured = Set(instance.configuration.editions.map(\.id))
        for group in dates.groups {
            let done = summary.recipients
            let scope = BatchScope(editions: group.editions, others: group.others, configured: configured)
            let part = try run(date: group.date, scope: scope, progress: progress.map { p in { p(done + $0) } })
            if group.date != dates.instance { summary.otherDates[group.date] = group.editions.sorted() }
            summary.add(part)
        }
        return summary
    }
}
