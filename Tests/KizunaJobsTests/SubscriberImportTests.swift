import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaStore
import Testing

private let today = CivilDate(iso: "2026-05-01")!
private let noon = Date(timeIntervalSince1970: 1_777_636_800)
private let defaults = (edition: "tokyo", language: "ja")

/// A scratch directory removed when the value goes away.
private final class Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kizuna-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func file(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let f = url.appendingPathComponent(name)
        try Data(bytes).write(to: f)
        return f
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

private func crlf(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\r\n").utf8) + [13, 10] }

@Suite struct SubscriberImportTests {
    @Test func goodRowsAreImportedAndEveryBadRowIsReportedWithItsLine() throws {
        let scratch = try Scratch()
        let lines = [
            "name,email,due,birth,lang,edition,area",                       // 1 (columns in another order)
            "\"Sato, \"\"Hana\"\"\",hana@example.jp,,2026-03-01,,,minato",   // 2 good: quoted, comma, doubled quotes
            "Ken,not-an-address,2026-10-01,,,,",                             // 3 bad address
            "Mio,mio@example.jp,,2027-02-30,,,",                             // 4 impossible date
            ",both@example.jp,2026-10-01,2026-03-01,,,",                     // 5 both dates
            "",                                                              // 6 blank: skipped
            ",taro..x@docomo.ne.jp,2026-11-20,,en,osaka,",                   // 7 good: carrier address, other edition
            ",hana@example.jp,,2026-03-01,,,minato",                         // 8 duplicate of line 2
            ",hana@example.jp,,2024-07-07,,,",                               // 9 good: a second child
            ",fr@example.jp,,2026-03-01,fr,,",                               // 10 unknown language
            "\"open,quote@example.jp,,2026-03-01,,,",                        // 11 unterminated quote
            ",late@example.jp,,2026-03-01,,kyoto,",                          // 12 unknown edition
        ]
        let file = try scratch.file("families.csv", [0xEF, 0xBB, 0xBF] + crlf(lines))
        let store = try Store.inMemory()
        var progress: [Int] = []
        let report = try SubscriberImport.run(csv: file, store: store, defaults: defaults,
                                              allowedEditions: ["tokyo", "osaka"], allowedLanguages: ["ja", "en"],
                                              today: today, at: noon, progress: { progress.append($0) })
        #expect(report.added == 3)
        #expect(report.duplicates == 1)
        #expect(report.rows == 10)  // lines 2-12 less the blank one
        #expect(report.errors.map(\.line) == [3, 4, 5, 10, 11, 12])
        #expect(report.errors.map(\.column) == ["email", "birth", "birth", "lang", nil, "edition"])
        #expect(report.errors[0].message == "the address \"not-an-address\" cannot be used: the address has no @")
        #expect(report.errors[1].message.hasPrefix("2027-02-30 is not a date in the calendar"))
        #expect(report.errors[4].message.contains("not closed on this line"))
        #expect(progress == [10])

        let hana = try #require(try store.subscriber(address: EmailAddress(parsing: "hana@example.jp"), edition: "tokyo"))
        #expect(hana.subscriptions.map(\.nickname) == ["Sato, \"Hana\"", nil])
        #expect(hana.subscriber.area == "minato" && hana.subscriber.language == "ja")
        #expect(hana.events.first?.detail == "import families.csv")
        let taro = try #require(try store.subscriber(address: EmailAddress(parsing: "taro..x@docomo.ne.jp"), edition: "osaka"))
        #expect(taro.subscriptions.first?.track == .pregnancy && taro.subscriber.language == "en")
    }

    @Test func aBadHeaderRefusesTheWholeFile() throws {
        let scratch = try Scratch()
        let file = try scratch.file("x.csv", Array("email,due,birth,nick,phone\na@example.jp,2026-10-01,,x,1\n".utf8))
        let store = try Store.inMemory()
        #expect(throws: RowError(line: 1, column: "nick,phone",
                                 message: "unknown columns \"nick\", \"phone\"; the columns are email, due, birth, name, lang, edition, area")) {
            try SubscriberImport.run(csv: file, store: store, defaults: defaults, today: today, at: noon)
        }
        #expect(try store.listSubscribers(limit: 10).isEmpty)
        let empty = try scratch.file("empty.csv", [0xEF, 0xBB, 0xBF])
        #expect(throws: RowError.self) { try SubscriberImport.run(csv: empty, store: store, defaults: defaults, today: today, at: noon) }
    }

    @Test func aFileWithoutAFinalLineBreakKeepsItsLastRow() throws {
        let scratch = try Scratch()
        let file = try scratch.file("x.csv", Array("email,birth\na@example.jp,2026-01-01\nb@example.jp,2026-01-02".utf8))
        let report = try SubscriberImport.run(csv: file, store: try Store.inMemory(), defaults: defaults, today: today, at: noon)
        #expect(report.added == 2 && report.errors.isEmpty)
    }

    @Test func rowsAreCommittedInBatchesAndProgressIsReported() throws {
        let scratch = try Scratch()
        let count = SubscriberImport.batchSize + 50
        var text = "email,birth\n"
        for i in 0..<count { text += "p\(i)@example.jp,2026-0\(i % 4 + 1)-15\n" }
        let file = try scratch.file("many.csv", Array(text.utf8))
        var progress: [Int] = []
        let store = try Store.inMemory()
        let report = try SubscriberImport.run(csv: file, store: store, defaults: defaults, today: today, at: noon,
                                              progress: { progress.append($0) })
        #expect(report.added == count && report.errors.isEmpty)
        #expect(progress == [SubscriberImport.batchSize, count])
        #expect(try store.stats(on: today, now: noon).subscribersByStatus[.active] == count)
    }

    @Test func linesAreSplitAcrossChunkBoundaries() throws {
        let scratch = try Scratch()
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("ab\r\n\r\ncde\nf\r\n\nlast".utf8)
        for chunk in [1, 2, 3, 5, 1 << 20] {
            let handle = try FileHandle(forReadingFrom: try scratch.file("c\(chunk).csv", bytes))
            var seen: [String] = []
            try CSVLines.read(handle, chunkSize: chunk) { line, number in
                seen.append("\(number):\(String(decoding: line, as: UTF8.self))")
            }
            #expect(seen == ["1:ab", "2:", "3:cde", "4:f", "5:", "6:last"], "chunk size \(chunk)")
        }
    }

    @Test func exportWritesWhatImportReadsBack() throws {
        let scratch = try Scratch()
        let source = try Store.inMemory()
        let rows = [
            "email,due,birth,name,lang,edition,area",
            "hana@example.jp,,2026-03-01,\"Sato, \"\"Hana\"\"\",ja,tokyo,minato",
            "hana@example.jp,,2024-07-07,,ja,tokyo,minato",
            "taro..x@docomo.ne.jp,2026-11-20,,, en ,osaka,",
            "gone@example.jp,,2025-12-01,,ja,tokyo,",
            "mio@example.jp,2026-09-09,,ミオ,ja,tokyo,\" Kita, 2-chome\"",
        ]
        let first = try SubscriberImport.run(csv: try scratch.file("in.csv", crlf(rows)), store: source, defaults: defaults,
                                             today: today, at: noon)
        #expect(first.added == 5 && first.errors.isEmpty)
        let gone = try #require(try source.subscriber(address: EmailAddress(parsing: "gone@example.jp"), edition: "tokyo"))
        try source.stopSubscriber(id: gone.subscriber.id!, reason: "stop", at: noon, messageID: nil)

        let out = scratch.url.appendingPathComponent("out.csv")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        let handle = try FileHandle(forWritingTo: out)
        let written = try SubscriberExport.write(store: source, to: handle)
        try handle.close()
        #expect(written == 4)  // the stopped family is not exported
        let text = try String(contentsOf: out, encoding: .utf8)
        #expect(text.hasPrefix("email,due,birth,name,lang,edition,area\r\nhana@example.jp,,2026-03-01,\"Sato, \"\"Hana\"\"\",ja,tokyo,minato\r\n"))
        #expect(!text.contains("gone@"))

        let copy = try Store.inMemory()
        let second = try SubscriberImport.run(csv: out, store: copy, defaults: (edition: "other", language: "xx"), today: today, at: noon)
        #expect(second.added == 4 && second.duplicates == 0 && second.errors.isEmpty)

        func snapshot(_ store: Store) throws -> [String] {
            var all: [String] = []
            try store.forEachSubscription { s, sub in
                guard s.status == .active else { return }
                all.append([s.address.description, s.edition, s.language, s.area ?? "-", sub.track.rawValue, sub.anchorDate.iso,
                            sub.nickname ?? "-"].joined(separator: "|"))
            }
            return all.sorted()
        }
        #expect(try snapshot(copy) == snapshot(source))
        #expect(try snapshot(copy).contains("mio@example.jp|tokyo|ja| Kita, 2-chome|pregnancy|2026-09-09|ミオ") == false)
        #expect(try snapshot(copy).contains("mio@example.jp|tokyo|ja|Kita, 2-chome|pregnancy|2026-09-09|ミオ"))
    }

    /// A one-off measurement, not a test of speed: `KIZUNA_IMPORT_BENCH=1 swift test -c release
    /// --filter importBenchmark` prints the rate of a 1,000,000-row import into a file database.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KIZUNA_IMPORT_BENCH"] == "1"))
    func importBenchmark() throws {
        let scratch = try Scratch()
        let count = Int(ProcessInfo.processInfo.environment["KIZUNA_IMPORT_ROWS"] ?? "") ?? 1_000_000
        let file = scratch.url.appendingPathComponent("bench.csv")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let out = try FileHandle(forWritingTo: file)
        var buffer = "email,due,birth,name,lang,edition,area\n"
        for i in 0..<count {
            // Mostly one child each; every 10th address has a second child; some pregnancies.
            let who = i % 10 == 9 ? i - 1 : i
            if i % 3 == 0 {
                buffer += "parent\(who)@example\(who % 97).jp,\(today.adding(days: i % 280).iso),,,ja,tokyo,area\(i % 50)\n"
            } else {
                buffer += "parent\(who)@example\(who % 97).jp,,\(today.adding(days: -(i % 2000)).iso),\"Child \(i)\",ja,tokyo,\n"
            }
            if buffer.utf8.count > 1 << 20 {
                try out.write(contentsOf: Data(buffer.utf8))
                buffer = ""
            }
        }
        try out.write(contentsOf: Data(buffer.utf8))
        try out.close()

        let store = try Store(path: scratch.url.appendingPathComponent("bench.sqlite").path)
        let started = Date()
        let report = try SubscriberImport.run(csv: file, store: store, defaults: defaults, today: today, at: noon)
        let seconds = Date().timeIntervalSince(started)
        print("import benchmark: \(report.rows) rows (\(report.added) added, \(report.duplicates) duplicates, \(report.errors.count) refused) "
              + "in \(String(format: "%.1f", seconds)) s = \(Int(Double(report.rows) / seconds)) rows/s")
        #expect(report.errors.isEmpty)
        #expect(report.added + report.duplicates == count)
    }
}
