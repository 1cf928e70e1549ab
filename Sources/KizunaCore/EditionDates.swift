/// The local date a night is for, per edition: each edition's families get their day's message by
/// the edition's own date (`time_zone` in `[[edition]]`), or one date names the night for all (`--date`).
public struct EditionDates: Sendable, Hashable {
    /// The instance's date: the report's date, and the date of an edition not listed.
    public var instance: CivilDate
    public var byEdition: [String: CivilDate]

    public init(_ instance: CivilDate, byEdition: [String: CivilDate] = [:]) {
        self.instance = instance
        self.byEdition = byEdition
    }

    public func date(edition: String) -> CivilDate { byEdition[edition] ?? instance }

    /// The distinct dates, earliest first, each with the editions on it; an edition not listed
    /// is on the instance's date (`others` says whether that group holds them).
    public var groups: [(date: CivilDate, editions: Set<String>, others: Bool)] {
        var byDate: [CivilDate: Set<String>] = [instance: []]
        for (edition, date) in byEdition { byDate[date, default: []].insert(edition) }
        return byDate.keys.sorted().map { ($0, byDate[$0]!, $0 == instance) }
    }

    /// True when every edition is on the instance's date (one batch serves them all).
    public var isOneDate: Bool { byEdition.values.allSatisfy { $0 == instance } }
}
