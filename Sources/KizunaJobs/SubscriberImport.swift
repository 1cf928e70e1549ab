import Foundation
import KizunaCore
import KizunaStore

/// What an import did: subscriptions added, already present, and every line refused.
public struct ImportReport: Sendable, Hashable {
    public var added: Int
    public var duplicates: Int
    /// Every refused line, in file order.
    public var errors: [RowError]
    /// Data lines read (blank lines not counted).
    public var rows: Int

    public init(added: Int = 0, duplicates: Int = 0, errors: [RowError] = [], rows: Int = 0) {
        self.added = added
        self.duplicates = duplicates
        self.errors = errors
        self.rows = rows
    }
}

/// `kizuna subscribers import`: streams a subscriber CSV file into the store.
public enum SubscriberImport {
    /// Rows per transaction: large enough that commits cost little, small enough that a
    /// failure loses little and the write lock is not held for long.
    public static let batchSize = 10_000

    /// Imports the file, reading it in chunks (a million rows never sit in memory as one
    /// string). A bad header refuses the whole file (throws a `RowError` for line 1); a bad
    /// data line is reported in `errors` and the other lines are imported.
    public static func run(csv: URL, store: Store, defaults: (edition: String, language: String),
                           allowedEditions: Set<String>? = nil, allowedLanguages: Set<String>? = nil, schedules: EditionSchedules? = nil,
                           areas: [String: EditionAreas] = [:],
                           today: CivilDate, at: Date, progress: ((Int) -> Void)? = nil) throws -> ImportReport {
        let handle = try FileHandle(forReadingFrom: csv)
        defer { try? handle.close() }
        var report = ImportReport()
        var batch: [NewSubscriber] = []
        batch.reserveCapacity(batchSize)

        func flush() throws {
            guard !batch.isEmpty else { return }
            let result = try store.importSubscribers(batch, today: today, at: at, source: "import \(csv.lastPathComponent)")
            report.added += result.added
            report.duplicates += result.duplicates
            batch.removeAll(keepingCapacity: true)
            progress?(report.rows)
        }

        var reader = SubscriberRowReader(defaults: defaults, today: today, allowedEditions: allowedEditions,
                                         allowedLanguages: allowedLanguages, schedules: schedules, areas: areas)
        try CSVLines.read(handle) { bytes, line in
            guard let row = try reader.read(bytes, line: line) else { return }
            report.rows += 1
            switch row {
            case .success(let s):
                batch.append(s)
                if batch.count >= batchSize { try flush() }
            case .failure(let error):
                report.errors.append(error)
            }
        }
        try reader.finish()
        try flush()
        return report
    }
}

extension SubscriberImport {
    /// Every row of a CSV held in memory (a mail's attachment), read as `run` reads a file but
    /// written nowhere: the caller refuses the whole file when any row is refused.
    public static func rows(csv: Data, defaults: (edition: String, language: String), allowedEditions: Set<String>?,
                            allowedLanguages: Set<String>?, schedules: EditionSchedules?, areas: [String: EditionAreas] = [:],
                            today: CivilDate) throws -> (rows: [NewSubscriber], errors: [RowError]) {
        var reader = SubscriberRowReader(defaults: defaults, today: today, allowedEditions: allowedEditions,
                                         allowedLanguages: allowedLanguages, schedules: schedules, areas: areas)
        var rows: [NewSubscriber] = [], errors: [RowError] = []
        var chunks = [csv][...]
        try CSVLines.read(next: { chunks.popFirst() }) { bytes, line in
            switch try reader.read(bytes, line: line) {
            case .success(let s)?: rows.append(s)
            case .failure(let e)?: errors.append(e)
            case nil: break
            }
        }
        try reader.finish()
        return (rows, errors)
    }
}

/// Reads a subscriber CSV line by line: the header first, then each data row as a subscriber or
/// the reason it is refused. A bad header (or none) refuses the whole file.
struct SubscriberRowReader {
    var defaults: (edition: String, language: String)
    var today: CivilDate
    var allowedEditions: Set<String>?
    var allowedLanguages: Set<String>?
    var schedules: EditionSchedules?
    /// Declared areas by edition: a row's area is stored as the id, an unknown one refused.
    var areas: [String: EditionAreas]
    var format: SubscriberCSV?

    init(defaults: (edition: String, language: String), today: CivilDate, allowedEditions: Set<String>?,
         allowedLanguages: Set<String>?, schedules: EditionSchedules?, areas: [String: EditionAreas] = [:]) {
        self.defaults = defaults; self.today = today; self.allowedEditions = allowedEditions
        self.allowedLanguages = allowedLanguages; self.schedules = schedules; self.areas = areas
    }

    /// The row of one line; nil for a blank line or the header.
    mutating func read(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) throws -> Result<NewSubscriber, RowError>? {
        if bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return nil }
        let fields: [String]
        switch SubscriberCSV.splitFields(utf8: bytes, line: line) {
        case .success(let f): fields = f
        case .failure(let error):
            if format == nil { throw error }
            return .failure(error)
        }
        guard let format else {
            format = try SubscriberCSV(header: fields, line: line)
            return nil
        }
        return format.parseRow(fields: fields, line: line, defaults: defaults, today: today,
                               allowedEditions: allowedEditions, allowedLanguages: allowedLanguages, schedules: schedules, areas: areas)
    }

    /// Throws when the file had no header at all.
    func finish() throws {
        guard format != nil else {
            throw RowError(line: 1, column: nil, message: "the file is empty; the first line must name the columns, "
                           + "e.g. \(SubscriberCSV.standardHeader)")
        }
    }
}

/// `kizuna subscribers export`: the live subscriptions in the import format.
public enum SubscriberExport {
    /// Writes the header and one CRLF-terminated line per subscription that is still being
    /// followed (subscriber active or paused, subscription active). Stopped, ended, pending and
    /// bouncing ones are left out on purpose: importing the file elsewhere must not subscribe a
    /// family that said stop or never confirmed. Returns the number of lines written after the header.
    @discardableResult
    public static func write(store: Store, to handle: FileHandle) throws -> Int {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        buffer += Array(SubscriberCSV.standardHeader.utf8) + [13, 10]
        var count = 0
        try store.forEachSubscription { subscriber, subscription in
            guard subscriber.status == .active || subscriber.status == .paused, subscription.status == .active else { return }
            buffer += SubscriberCSV.line(address: subscriber.address, track: subscription.track, anchor: subscription.anchorDate,
                                         nickname: subscription.nickname, language: subscriber.language,
                                         edition: subscriber.edition, area: subscriber.area).utf8
            buffer += [13, 10]
            count += 1
            if buffer.count >= 1 << 16 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: buffer)
        return count
    }
}

/// Splits a file into lines as it reads it: LF or CRLF endings, a UTF-8 byte order mark at
/// the start dropped, line numbers counted from 1.
enum CSVLines {
    static let chunkSize = 1 << 20

    static func read(_ handle: FileHandle, chunkSize: Int = CSVLines.chunkSize,
                     _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws {
        try read(next: { try handle.read(upToCount: chunkSize) }, body)
    }

    /// The lines of the chunks `next` returns (nil or empty at the end).
    static func read(next: () throws -> Data?, _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws {
        var carry: [UInt8] = []
        var line = 0
        var atStart = true
        while true {
            let chunk = try next() ?? Data()
            let atEnd = chunk.isEmpty
            carry.append(contentsOf: chunk)
            if atStart && (carry.count >= 3 || atEnd) {
                if carry.starts(with: [0xEF, 0xBB, 0xBF]) { carry.removeFirst(3) }
                atStart = false
            }
            if atStart { continue }
            let consumed = try carry.withUnsafeBufferPointer { all -> Int in
                var start = 0
                while let newline = all[start...].firstIndex(of: 10) {
                    line += 1
                    var end = newline
                    if end > start && all[end - 1] == 13 { end -= 1 }
                    try body(UnsafeBufferPointer(rebasing: all[start..<end]), line)
                    start = newline + 1
                }
                if atEnd && start < all.count {
                    line += 1
                    var end = all.count
                    if end > start && all[end - 1] == 13 { end -= 1 }
                    try body(UnsafeBufferPointer(rebasing: all[start..<end]), line)
                    start = all.count
                }
                return start
            }
            carry.removeFirst(consumed)
            if atEnd { return }
        }
    }
}
