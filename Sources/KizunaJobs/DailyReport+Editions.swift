import KizunaCore

/// An edition's part of the daily report. An instance-wide recipient's report (and one for
/// several editions) holds a part per edition after the totals; an edition's `report_to` gets a
/// report made of that edition's counts and lists alone (`DailyReport.editions`), never a part of
/// another edition. An instance with one edition keeps the report as it always was.
extension DailyReport {
    /// The part's lines: the edition's attention items, its deliveries of its own date, and its
    /// subscribers. The lists behind the items stay in the report's lists, which name the edition.
    func sectionLines(_ words: some ReportWording) -> [String] {
        guard let edition = editions?.first else { return [] }
        var out = [words.sectionHeading(edition, date: date)]
        let items = attention
        if items.isEmpty { out.append("  " + words.nothingNeedsAttention) }
        for item in items { out.append("  - " + words.attention(item)) }
        out.append("  " + words.dailyLine(dailyOutcomes))
        out.append("  " + words.skippedLine(stats.stats.skippedOnDate))
        out.append("  " + words.systemLine(systemOutcomes))
        return out + subscriberLines(words)
    }
}

extension EnglishReportWording {
    func editionName(_ e: Edition) -> String { e.name == e.id ? e.id : "\(e.id) (\(e.name))" }
    public func editionsLine(_ editions: [Edition]) -> String {
        (editions.count == 1 ? "Edition " : "Editions ") + editions.map(editionName).joined(separator: ", ") + " only."
    }
    public func sectionHeading(_ edition: Edition, date: CivilDate) -> String { "EDITION \(editionName(edition)), DELIVERIES FOR \(date)" }
}
