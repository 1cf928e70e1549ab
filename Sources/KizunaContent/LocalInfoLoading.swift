import KizunaCore
import TOMLKit

extension CatalogLoader {
    mutating func loadLocal(_ path: String) throws(ContentError) {
        let parts = path.split(separator: "/")
        guard parts.count == 2, path.hasSuffix(".toml") else {
            throw ContentError(.misplacedFile, path: path, "local info belongs at local/<edition-id>.toml")
        }
        let editionID = String(parts[1].dropLast(5))
        let text = try read(path)
        let table = try Self.tomlTable(text, path: path)
        let top = TOMLFields(table: table, path: path, section: nil, lineOf: { TOMLLines.line(ofKey: $0, in: nil, text: text) }, headerLine: 1)
        try top.check(allowed: ["info", "areas", "max_local_items"])
        if top.has("max_local_items") {
            let limit = try top.int("max_local_items")
            guard limit >= 1 else { throw top.error(.badValue, key: "max_local_items", "`max_local_items` must be 1 or more, not \(limit)") }
            localLimits[editionID] = limit
        }
        let declared = try Self.declaredAreas(table, path: path, text: text)
        areas[editionID] = declared
        guard let infoValue = table["info"] else { local[editionID] = []; return }
        guard let array = infoValue.array else { throw top.error(.wrongType, key: "info", "`info` must be an array of tables ([[info]])") }
        let headers = TOMLLines.arrayTableLines("info", text: text)
        var entries: [LocalInfo] = []
        for (i, element) in array.enumerated() {
            let header = i < headers.count ? headers[i] : nil
            guard let entry = element.table else {
                throw ContentError(.wrongType, path: path, line: header, "each `info` entry must be a table ([[info]])")
            }
            let lineOf: (String) -> Int? = { key in
                TOMLLines.line(ofKey: key, in: "info", text: text, startingAt: (header ?? 1) - 1)
            }
            let fields = TOMLFields(table: entry, path: path, section: "[info] #\(i + 1)", lineOf: lineOf, headerLine: header)
            try fields.check(allowed: LocalInfoKeys.known)
            let language = try fields.string("language")
            guard Self.isLanguageCode(language) else { throw fields.error(.badValue, key: "language", "`\(language)` is not a language code") }
            let trackName = try fields.string("track")
            guard let track = Track(rawValue: trackName) else {
                throw fields.error(.unknownTrack, key: "track", "unknown track \"\(trackName)\"; use \"pregnancy\" or \"child\"")
            }
            let writtenAreas = try fields.optionalStrings("areas")
            let areas = try Self.areaIDs(writtenAreas, declared: declared, fields: fields)
            let fromKey = try fields.string("from")
            let untilKey = try fields.string("until")
            let body = try fields.string("text")
            let (dates, datePins) = try LocalInfoKeys.dates(fields, entry: entry, number: i + 1)
            let priority = try LocalInfoKeys.wholeNumber(fields, "priority", number: i + 1) ?? 0
            let textLine = lineOf("text") ?? header ?? 1
            let template = try Self.template(body, path: path, firstLine: textLine, allowed: ["nickname", "edition_name"],
                                             notHere: Dictionary(uniqueKeysWithValues: StageVariables.known.subtracting(["nickname", "edition_name"]).map { ($0, "is not available in local info, which spans several stages") }))
            let sample = fields.has("sample") ? try fields.bool("sample") : false
            var review = ReviewInfo.none
            if fields.has("review") {
                guard let table = entry["review"]?.table else {
                    throw fields.error(.wrongType, key: "review", "`review` must be an inline table: review = { status = \"unreviewed\" }")
                }
                do { review = try ReviewTOML.read(table) } catch { throw fields.error(.badValue, key: "review", error.message) }
            }
            let fingerprint = ReviewFingerprint.of([("language", language), ("areas", writtenAreas?.joined(separator: "\n") ?? "(all)"),
                                                    ("track", trackName), ("from", fromKey), ("until", untilKey), ("text", body)]
                                                    + datePins + (fields.has("priority") ? [("priority", String(priority))] : []))
            entries.append(LocalInfo(editionID: editionID, language: language, areas: areas, track: track,
                                     fromKey: fromKey, untilKey: untilKey,
                                     from: Stage(messageKey: fromKey), until: Stage(messageKey: untilKey),
                                     dates: dates, priority: priority, text: body, path: path, line: header, index: i, sample: sample, review: review,
                                     fingerprint: fingerprint, template: template))
            if languageWitness[language] == nil { languageWitness[language] = path }
        }
        local[editionID] = entries
    }
}

/// The keys of an `[[info]]` entry, and the reading of its calendar windows.
enum LocalInfoKeys {
    static let dated: Set<String> = ["from_date", "until_date", "every_year", "on", "days_before", "priority"]
    static let known: Set<String> = Set(["language", "areas", "track", "from", "until", "text", "sample", "review"]).union(dated)

    /// The entry's calendar windows, and the pairs that pin them in its review fingerprint (only
    /// the keys written, so an entry without them keeps the fingerprint it had before they existed).
    static func dates(_ fields: TOMLFields, entry: TOMLTable, number: Int) throws(ContentError) -> (LocalDateWindows, [(String, String)]) {
        let place = "[[info]] #\(number):"
        var dates = LocalDateWindows()
        var pins: [(String, String)] = []
        func date(_ key: String) throws(ContentError) -> CivilDate? {
            guard fields.has(key) else { return nil }
            // A TOML local date (2027-01-15) or a string holding one.
            let written = entry[key]?.date.map { d in CivilDate(year: d.year, month: d.month, day: d.day)?.iso ?? "\(d.year)-\(d.month)-\(d.day)" } ?? entry[key]?.string
            guard let written, let parsed = CivilDate(iso: written) else {
                throw fields.error(.badValue, key: key, "\(place) `\(key)` must be a date like 2027-01-15\(written.map { ", not \"\($0)\"" } ?? "")")
            }
            pins.append((key, parsed.iso))
            return parsed
        }
        dates.fromDate = try date("from_date")
        dates.untilDate = try date("until_date")
        if let from = dates.fromDate, let until = dates.untilDate, until < from {
            throw fields.error(.badValue, key: "until_date", "\(place) `until_date` \(until.iso) comes before `from_date` \(from.iso)")
        }
        if fields.has("every_year") {
            guard let table = entry["every_year"]?.table else {
                throw fields.error(.wrongType, key: "every_year", "\(place) `every_year` must be an inline table: every_year = { from = \"10-01\", until = \"01-31\" }")
            }
            for key in table.keys.sorted() where key != "from" && key != "until" {
                throw fields.error(.unknownKey, key: "every_year", "\(place) unknown key `\(key)` in `every_year`; allowed: from, until")
            }
            var ends: [MonthDay] = []
            for key in ["from", "until"] {
                guard let text = table[key]?.string, let day = MonthDay(text) else {
                    let shown = table[key]?.string.map { ", not \"\($0)\"" } ?? (table[key] == nil ? " (missing)" : "")
                    throw fields.error(.badValue, key: "every_year", "\(place) `every_year.\(key)` must be a month and day like \"10-01\" that exists\(shown)")
                }
                ends.append(day)
            }
            dates.everyYear = YearlyWindow(from: ends[0], until: ends[1])
            pins.append(("every_year", "\(ends[0])..\(ends[1])"))
        }
        dates.on = try date("on")
        if fields.has("days_before") {
            guard dates.on != nil else {
                throw fields.error(.badValue, key: "days_before", "\(place) `days_before` needs `on` (the event's date)")
            }
            let days = try wholeNumber(fields, "days_before", number: number) ?? 0
            guard days >= 0 else { throw fields.error(.badValue, key: "days_before", "\(place) `days_before` must be 0 or more, not \(days)") }
            dates.daysBefore = days
            pins.append(("days_before", String(days)))
        }
        return (dates, pins)
    }

    /// An optional whole number, its wrong type named with the entry.
    static func wholeNumber(_ fields: TOMLFields, _ key: String, number: Int) throws(ContentError) -> Int? {
        guard let value = fields.table[key] else { return nil }
        guard let n = value.int else { throw fields.error(.wrongType, key: key, "[[info]] #\(number): `\(key)` must be a whole number") }
        return n
    }
}
