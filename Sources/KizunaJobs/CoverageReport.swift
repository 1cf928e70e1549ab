import KizunaContent
import KizunaCore

/// `kizuna content coverage`: the catalog's coverage (`CatalogCoverage`) per language, as text
/// for an editor or as JSON.
public struct CoverageReport: Sendable {
    public let tracks: [TrackCoverage]

    /// At most this many gaps are listed per period in the text (the JSON has them all).
    static let gapsShown = 5

    /// The catalog's languages, or only `language`; the catalog as written (unreviewed content too),
    /// as the families of `editionID` get it (its overlay laid over the shared texts) when given.
    public static func make(instance: Instance, language: String?, editionID: String? = nil) throws -> CoverageReport {
        var catalog = try instance.catalogAsWritten()
        if let editionID {
            _ = try instance.namedEdition(editionID)
            catalog = catalog.view(editionID: editionID)
        }
        let languages = language.map { [$0] } ?? catalog.languages
        if let language, !catalog.languages.contains(language) {
            throw JobError("the catalog has no language \"\(language)\" (it has \(catalog.languages.joined(separator: ", ")))",
                           exitCode: ExitStatus.usage)
        }
        return CoverageReport(tracks: languages.flatMap { catalog.coverage(language: $0) })
    }

    /// The report for a person: per track a summary line, then one line per period and its gaps.
    public var text: String {
        var lines: [String] = []
        for t in tracks {
            let span = t.first.map { "\(Self.words($0)) to \(Self.words(t.last!))" } ?? "none"
            let longest = t.longestSilence.map { "; longest silence \(Self.describe($0))" } ?? ""
            lines.append("\(t.track.rawValue) (\(t.language)): \(t.messages) messages, \(span)\(longest)")
            for p in t.periods {
                let share = p.period.reference > 0 ? p.messages * 100 / p.period.reference : 100
                lines.append("  \(Self.pad(p.period.name, 16)) \(Self.pad("\(p.messages)/\(p.period.reference)", 9)) \(Self.pad("\(share)%", 5)) "
                             + "\(Self.pad(p.period.cadence, 19)) longest silence \(Self.days(p.longestSilence)); \(p.gaps.count == 1 ? "1 gap" : "\(p.gaps.count) gaps")")
                for gap in p.gaps.prefix(Self.gapsShown) { lines.append("      gap: \(Self.describe(gap))") }
                if p.gaps.count > Self.gapsShown { lines.append("      … and \(p.gaps.count - Self.gapsShown) more gaps (--json lists all)") }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// One object with `reference_birth` and `tracks` (keys sorted; days as integers).
    public var json: JSONValue {
        func gap(_ g: CoverageGap) -> JSONValue {
            .object([("after", g.after.map { .string($0.messageKey) } ?? .null),
                     ("before", g.before.map { .string($0.messageKey) } ?? .null),
                     ("silent_days", .int(g.silentDays))])
        }
        return .object([
            ("reference_birth", .string(CatalogCoverage.referenceBirth.iso)),
            ("tracks", .array(tracks.map { t in
                .object([
                    ("track", .string(t.track.rawValue)), ("language", .string(t.language)), ("messages", .int(t.messages)),
                    ("first", t.first.map { .string($0.messageKey) } ?? .null), ("last", t.last.map { .string($0.messageKey) } ?? .null),
                    ("longest_silence", t.longestSilence.map(gap) ?? .null),
                    ("periods", .array(t.periods.map { p in
                        .object([
                            ("period", .string(p.period.name)), ("first_day", .int(p.period.firstDay)), ("last_day", .int(p.period.lastDay)),
                            ("cadence", .string(p.period.cadence)), ("reference", .int(p.period.reference)),
                            ("messages", .int(p.messages)), ("longest_silence", .int(p.longestSilence)),
                            ("gaps", .array(p.gaps.map(gap))),
                        ])
                    })),
                ])
            })),
        ])
    }

    /// `child/m36 (3 years 0 months)`, `pregnancy/d0287 (week 41+0)`.
    static func words(_ stage: Stage) -> String { "\(stage.messageKey) (\(CoverageProblem.englishStage(stage)))" }

    static func describe(_ gap: CoverageGap) -> String {
        let from = gap.after.map { "after \($0.messageKey)" } ?? "from the start"
        let to = gap.before.map { "before \($0.messageKey)" } ?? "to the end"
        return "\(days(gap.silentDays)) \(from) \(to)"
    }

    static func days(_ n: Int) -> String { n == 1 ? "1 day" : "\(n) days" }

    static func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
}
