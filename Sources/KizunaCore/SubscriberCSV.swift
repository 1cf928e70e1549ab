/// A problem with one line of a subscriber CSV file: where it is and what is wrong.
public struct RowError: Error, Hashable, Sendable, CustomStringConvertible {
    /// 1-based line number in the file (the header is line 1).
    public var line: Int
    /// The column the problem is in, when it is in one.
    public var column: String?
    public var message: String

    public init(line: Int, column: String?, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        if let column { return "line \(line), column \(column): \(message)" }
        return "line \(line): \(message)"
    }
}

/// The subscriber CSV format: a header line naming the columns (any order), then one
/// subscription per line. Fields follow RFC 4180 quoting (`"Sato, Hana"`, `"say ""hi"""`),
/// except that a quoted field cannot span lines.
public struct SubscriberCSV: Sendable {
    public enum Column: String, Sendable, CaseIterable, Hashable {
        case email, due, birth, name, lang, edition, area
    }

    /// The header an export writes, and the example error messages give.
    public static let standardHeader = Column.allCases.map(\.rawValue).joined(separator: ",")

    /// The column at each field position.
    public let columns: [Column]
    private let positions: [Column: Int]

    /// Reads the header line. Column names are matched without regard to case or blanks;
    /// `email` and at least one of `due` and `birth` are required.
    public init(header fields: [String], line: Int = 1) throws(RowError) {
        var columns: [Column] = [], positions: [Column: Int] = [:], unknown: [String] = []
        for (i, raw) in fields.enumerated() {
            var name = raw.trimmingBlanks().lowercased()
            if i == 0, name.hasPrefix("\u{FEFF}") { name.removeFirst() }
            guard let column = Column(rawValue: name) else {
                unknown.append(raw.trimmingBlanks())
                continue
            }
            guard positions[column] == nil else {
                throw RowError(line: line, column: name, message: "the column \"\(name)\" appears twice in the header")
            }
            positions[column] = i
            columns.append(column)
        }
        if fields.count == 1 && fields[0].trimmingBlanks().isEmpty {
            throw RowError(line: line, column: nil, message: "the first line must name the columns, e.g. \(Self.standardHeader)")
        }
        if !unknown.isEmpty {
            let names = unknown.map { "\"\($0)\"" }.joined(separator: ", ")
            throw RowError(line: line, column: unknown.joined(separator: ","),
                           message: "unknown column\(unknown.count > 1 ? "s" : "") \(names); "
                               + "the columns are \(Column.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard positions[.email] != nil else {
            throw RowError(line: line, column: nil, message: "the header has no email column; "
                           + "the first line must name the columns, e.g. \(Self.standardHeader)")
        }
        guard positions[.due] != nil || positions[.birth] != nil else {
            throw RowError(line: line, column: nil, message: "the header has neither a due nor a birth column; "
                           + "the first line must name the columns, e.g. \(Self.standardHeader)")
        }
        self.columns = columns
        self.positions = positions
    }

    /// Splits one line (without its line break) into fields.
    public static func splitFields(_ text: some StringProtocol, line: Int) -> Result<[String], RowError> {
        var bytes = ContiguousArray(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { splitFields(utf8: UnsafeBufferPointer($0), line: line) }
    }

    /// Splits one line of UTF-8 bytes (without its line break) into fields.
    public static func splitFields(utf8 bytes: UnsafeBufferPointer<UInt8>, line: Int) -> Result<[String], RowError> {
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\"")
        var fields: [String] = []
        var field: [UInt8] = []
        field.reserveCapacity(64)
        var i = 0
        let n = bytes.count

        func finish() -> RowError? {
            guard let s = String(validating: field, as: UTF8.self) else {
                return RowError(line: line, column: nil, message: "field \(fields.count + 1) is not valid UTF-8 text; "
                                + "save the file as CSV in UTF-8 (in Excel: \"CSV UTF-8\")")
            }
            fields.append(s)
            field.removeAll(keepingCapacity: true)
            return nil
        }

        while true {
            if i < n && bytes[i] == quote {
                // A quoted field: runs to the next lone quote; "" stands for one quote.
                i += 1
                var closed = false
                while i < n {
                    if bytes[i] == quote {
                        if i + 1 < n && bytes[i + 1] == quote {
                            field.append(quote)
                            i += 2
                        } else {
                            closed = true
                            i += 1
                            break
                        }
                    } else {
                        field.append(bytes[i])
                        i += 1
                    }
                }
                guard closed else {
                    return .failure(RowError(line: line, column: nil, message: "field \(fields.count + 1) opens a quote that is not closed "
                                             + "on this line; a quoted field must end on the line it starts on, "
                                             + "and a quote inside it is written twice (\"\")"))
                }
                // Blanks after the closing quote are tolerated; anything else is not.
                while i < n && (bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t")) { i += 1 }
                if i < n && bytes[i] != comma {
                    return .failure(RowError(line: line, column: nil, message: "field \(fields.count + 1) has text after its closing quote; "
                                             + "put the whole field in quotes and write a quote inside it twice (\"\")"))
                }
            } else {
                while i < n && bytes[i] != comma {
                    field.append(bytes[i])
                    i += 1
                }
            }
            if let error = finish() { return .failure(error) }
            if i >= n { break }
            i += 1 // the comma
        }
        return .success(fields)
    }

    /// Turns one data line's fields into a subscriber, or says what is wrong with it.
    /// Empty `lang` and `edition` fields take the defaults; when a set of allowed editions or
    /// languages is given, any other value is an error; with schedules, so is a date the row's
    /// edition's schedule has no message for (`Schedule.coverageProblem`).
    public func parseRow(fields: [String], line: Int, defaults: (edition: String, language: String), today: CivilDate,
                         allowedEditions: Set<String>? = nil, allowedLanguages: Set<String>? = nil,
                         schedules: EditionSchedules? = nil, areas: [String: EditionAreas] = [:]) -> Result<NewSubscriber, RowError> {
        guard fields.count == columns.count else {
            return .failure(RowError(line: line, column: nil, message: "the line has \(fields.count) field\(fields.count == 1 ? "" : "s") "
                                     + "but the header names \(columns.count) columns; put a field that contains a comma in quotes"))
        }
        func value(_ c: Column) -> String {
            guard let p = positions[c] else { return "" }
            return fields[p].trimmingBlanks()
        }
        func fail(_ c: Column, _ message: String) -> Result<NewSubscriber, RowError> {
            .failure(RowError(line: line, column: c.rawValue, message: message))
        }

        let rawAddress = value(.email)
        let address: EmailAddress
        do {
            address = try EmailAddress(parsing: rawAddress)
        } catch let problem as EmailAddress.Problem {
            return fail(.email, rawAddress.isEmpty ? "the address is empty" : "the address \"\(rawAddress)\" cannot be used: \(problem)")
        } catch {
            return fail(.email, "the address \"\(rawAddress)\" cannot be used: \(error)")
        }

        let due = value(.due), birth = value(.birth)
        let track: Track, anchorColumn: Column, anchorText: String
        switch (due.isEmpty, birth.isEmpty) {
        case (false, false):
            return fail(.birth, "both a due date and a birth date are given; give the due date for a pregnancy "
                        + "or the birth date for a child, not both")
        case (true, true):
            return fail(positions[.due] != nil ? .due : .birth,
                        "neither a due date nor a birth date is given; write one as YYYY-MM-DD")
        case (false, true): (track, anchorColumn, anchorText) = (.pregnancy, .due, due)
        case (true, false): (track, anchorColumn, anchorText) = (.child, .birth, birth)
        }
        let anchor: CivilDate
        switch SubscriberCSV.parseDate(anchorText) {
        case .success(let d): anchor = d
        case .failure(let problem): return fail(anchorColumn, problem.description)
        }
        if let problem = NewSubscriber.validateAnchor(track: track, anchor: anchor, today: today) {
            return fail(anchorColumn, problem.description)
        }
        // An edition's overlay may add stages: the date is covered if the row's edition's schedule covers it.
        var edition = value(.edition)
        if edition.isEmpty { edition = defaults.edition }
        if let problem = schedules?.schedule(editionID: edition).coverageProblem(track: track, anchor: anchor, today: today) {
            return fail(anchorColumn, problem.description)
        }

        var language = value(.lang).lowercased()
        if language.isEmpty { language = defaults.language }
        if let allowed = allowedLanguages, !allowed.contains(language) {
            return fail(.lang, "unknown language \"\(language)\"; the languages are \(allowed.sorted().joined(separator: ", "))")
        }
        if let allowed = allowedEditions, !allowed.contains(edition) {
            return fail(.edition, "unknown edition \"\(edition)\"; the editions are \(allowed.sorted().joined(separator: ", "))")
        }
        var area = value(.area)
        // An edition that declares its areas stores the area's id, whatever spelling the row uses.
        if !area.isEmpty, let declared = areas[edition] {
            guard let known = declared.area(matching: area) else { return fail(.area, declared.unknown(area, edition: edition)) }
            area = known.id
        }
        return .success(NewSubscriber(address: address, edition: edition, language: language, area: area.isEmpty ? nil : area,
                                      track: track, anchor: anchor, nickname: positions[.name].map { fields[$0] }))
    }

    /// Why a date field cannot be read.
    public enum DateProblem: Error, Hashable, Sendable, CustomStringConvertible {
        case notADate(String)
        case noSuchDay(String, year: Int, month: Int)
        case noSuchMonth(String)

        public var description: String {
            switch self {
            case .notADate(let s): return "\"\(s)\" is not a date; write it as YYYY-MM-DD"
            case .noSuchMonth(let s): return "\(s) is not a date in the calendar (there is no month \(s.split(whereSeparator: { $0 == "-" || $0 == "/" })[1])); write it as YYYY-MM-DD"
            case .noSuchDay(let s, let y, let m):
                let pad = m < 10 ? "0\(m)" : "\(m)"
                return "\(s) is not a date in the calendar (\(y)-\(pad) has \(CivilDate.daysIn(year: y, month: m)) days); write it as YYYY-MM-DD"
            }
        }
    }

    /// Reads `YYYY-MM-DD`, and also `YYYY/MM/DD` and unpadded months and days (`2027/4/1`),
    /// the forms a spreadsheet writes back when it has reformatted a date column.
    public static func parseDate(_ text: String) -> Result<CivilDate, DateProblem> {
        if let d = CivilDate(iso: text) { return .success(d) }
        let parts = text.split(separator: text.contains("/") ? "/" : "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, (1...2).contains(parts[1].count), (1...2).contains(parts[2].count),
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return .failure(.notADate(text)) }
        guard (1...12).contains(m) else { return .failure(.noSuchMonth(text)) }
        guard let date = CivilDate(year: y, month: m, day: d) else { return .failure(.noSuchDay(text, year: y, month: m)) }
        return .success(date)
    }

    /// A field as it is written in a CSV line: quoted when it holds a comma, a quote, a line
    /// break or blanks at either end, with inner quotes doubled.
    public static func quoted(_ field: String) -> String {
        let needs = field.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
            || field.first == " " || field.last == " "
        guard needs else { return field }
        var out = "\""
        for c in field {
            if c == "\"" { out.append("\"") }
            out.append(c)
        }
        return out + "\""
    }

    /// One CSV line (without the line break) in the standard column order.
    public static func line(address: EmailAddress, track: Track, anchor: CivilDate, nickname: String?,
                            language: String, edition: String, area: String?) -> String {
        let fields = [address.description,
                      track == .pregnancy ? anchor.iso : "",
                      track == .child ? anchor.iso : "",
                      nickname ?? "", language, edition, area ?? ""]
        return fields.map(quoted).joined(separator: ",")
    }
}
