import Foundation
import XCTest

/// `kizuna subscribers …` end to end: refused input with its exit status and reason, a good
/// add, show and list, CSV import with per-line errors, and an export that imports back.
final class SubscriberCommandTests: XCTestCase {
    func testRefusedAddsSayWhatIsWrong() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        func add(_ args: [String]) throws -> Run { try Kizuna.run(["subscribers", "add"] + args + ["--config", config], in: dir) }

        let badAddress = try add(["hana.example.jp", "--due", tokyoDate(adding: 100)])
        XCTAssertEqual(badAddress.status, 65, "\(badAddress)")
        XCTAssertTrue(badAddress.stderr.contains(#""hana.example.jp" is not a usable email address"#), badAddress.stderr)
        XCTAssertTrue(badAddress.stderr.contains("@"), badAddress.stderr)

        let impossible = try add(["hana@example.jp", "--birth", "2027-02-30"])
        XCTAssertEqual(impossible.status, 65, "\(impossible)")
        XCTAssertTrue(impossible.stderr.contains("--birth: 2027-02-30 is not a date in the calendar"), impossible.stderr)

        let farDue = tokyoDate(adding: 301)
        let tooFar = try add(["hana@example.jp", "--due", farDue])
        XCTAssertEqual(tooFar.status, 65, "\(tooFar)")
        XCTAssertTrue(tooFar.stderr.contains("--due: the due date \(farDue) is more than 300 days away"), tooFar.stderr)

        let tomorrow = tokyoDate(adding: 1)
        let unborn = try add(["hana@example.jp", "--birth", tomorrow])
        XCTAssertEqual(unborn.status, 65, "\(unborn)")
        XCTAssertTrue(unborn.stderr.contains("--birth:") && unborn.stderr.contains(tomorrow), unborn.stderr)

        let both = try add(["hana@example.jp", "--due", tokyoDate(adding: 100), "--birth", tokyoDate(adding: -10)])
        XCTAssertEqual(both.status, 64, "\(both)")
        XCTAssertTrue(both.stderr.contains("give either --due or --birth, not both"), both.stderr)

        let neither = try add(["hana@example.jp"])
        XCTAssertEqual(neither.status, 64, "\(neither)")

        let edition = try add(["hana@example.jp", "--due", tokyoDate(adding: 100), "--edition", "momiji"])
        XCTAssertEqual(edition.status, 64, "\(edition)")
        XCTAssertTrue(edition.stderr.contains(#"no edition "momiji""#) && edition.stderr.contains("sakura"), edition.stderr)

        let language = try add(["hana@example.jp", "--due", tokyoDate(adding: 100), "--lang", "fr"])
        XCTAssertEqual(language.status, 64, "\(language)")

        // None of those left anything behind.
        let list = try Kizuna.run(["subscribers", "list", "--config", config], in: dir)
        XCTAssertEqual(list.status, 0, "\(list)")
        XCTAssertEqual(list.stdout, "")
    }

    func testAGoodAddThenShowAndList() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        let due = tokyoDate(adding: 100), birth = tokyoDate(adding: -30)
        let add = try Kizuna.run(["subscribers", "add", "hana@example.jp", "--due", due, "--name", "まめ", "--lang", "en", "--area", "kita",
                                  "--config", config], in: dir)
        XCTAssertEqual(add.status, 0, "\(add)")
        XCTAssertEqual(add.stdoutLines, ["added hana@example.jp (pregnancy \(due)) as subscriber 1, subscription 1"])
        let second = try Kizuna.run(["subscribers", "add", "hana@example.jp", "--birth", birth, "--config", config], in: dir)
        XCTAssertEqual(second.status, 0, "\(second)")
        let carrier = try Kizuna.run(["subscribers", "add", "taro..x.@docomo.ne.jp", "--birth", birth, "--config", config], in: dir)
        XCTAssertEqual(carrier.status, 0, "\(carrier)")

        let again = try Kizuna.run(["subscribers", "add", "hana@example.jp", "--due", due, "--config", config], in: dir)
        XCTAssertEqual(again.status, 65, "the same pregnancy twice: \(again)")
        XCTAssertTrue(again.stderr.contains("already has this subscription"), again.stderr)

        let show = try Kizuna.run(["subscribers", "show", "hana@example.jp", "--config", config], in: dir)
        XCTAssertEqual(show.status, 0, "\(show)")
        let lines = show.stdoutLines
        XCTAssertEqual(lines.first, "subscriber 1: hana@example.jp edition=sakura lang=en status=active area=kita")
        XCTAssertTrue(lines.contains { $0.hasPrefix("  subscription 1: pregnancy due \(due) \"まめ\" status=active since \(tokyoDate())") }, show.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("  subscription 2: child born \(birth) status=active") }, show.stdout)
        XCTAssertTrue(lines.contains { $0.contains("subscribed") && $0.hasPrefix("  event ") }, show.stdout)

        let missing = try Kizuna.run(["subscribers", "show", "nobody@example.jp", "--config", config], in: dir)
        XCTAssertEqual(missing.status, 65, "\(missing)")
        XCTAssertTrue(missing.stderr.contains("no subscriber nobody@example.jp"), missing.stderr)

        let list = try Kizuna.run(["subscribers", "list", "--config", config], in: dir)
        XCTAssertEqual(list.status, 0, "\(list)")
        XCTAssertEqual(list.stdoutLines, ["1\thana@example.jp\tsakura\ten\tactive\tkita", "2\ttaro..x.@docomo.ne.jp\tsakura\tja\tactive"])
        let limited = try Kizuna.run(["subscribers", "list", "--limit", "1", "--offset", "1", "--config", config], in: dir)
        XCTAssertEqual(limited.stdoutLines.count, 1)
        XCTAssertTrue(limited.stdout.contains("docomo.ne.jp"), limited.stdout)

        let remove = try Kizuna.run(["subscribers", "remove", "hana@example.jp", "--reason", "moved away", "--config", config], in: dir)
        XCTAssertEqual(remove.status, 0, "\(remove)")
        let active = try Kizuna.run(["subscribers", "list", "--status", "active", "--config", config], in: dir)
        XCTAssertEqual(active.stdoutLines.count, 1, active.stdout)
        let badStatus = try Kizuna.run(["subscribers", "list", "--status", "sleeping", "--config", config], in: dir)
        XCTAssertEqual(badStatus.status, 64, "\(badStatus)")
    }

    func testImportReportsEveryBadRowAndExportRoundTrips() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        let due = tokyoDate(adding: 120), birth = tokyoDate(adding: -40)
        let csv = [
            "email,due,birth,name,lang,edition,area",
            "one@example.jp,\(due),,Bean,en,,kita",           // 2 good
            "not-an-address,\(due),,,,,",                      // 3 bad address
            "two@example.jp,,2027-02-30,,,,",                  // 4 impossible date
            "three@example.jp,,\(birth),\"Sato, Ken\",ja,,",   // 5 good
            "four@example.jp,\(due),\(birth),,,,",             // 6 both dates
            "five@example.jp,\(tokyoDate(adding: 400)),,,,,",  // 7 due too far
            "taro..x.@docomo.ne.jp,,\(birth),,,,",             // 8 good: carrier address
            "six@example.jp,,\(birth),,,momiji,",              // 9 unknown edition
        ].joined(separator: "\n") + "\n"
        let file = dir.appendingPathComponent("families.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)

        let run = try Kizuna.run(["subscribers", "import", file.path, "--config", config], in: dir)
        XCTAssertEqual(run.status, 65, "\(run)")
        XCTAssertEqual(run.stdoutLines, ["import: 3 added, 0 already present, 5 refused"])
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("kizuna: \(file.path): line ") }
        XCTAssertEqual(errors.count, 5, run.stderr)
        for (line, column) in [(3, "email"), (4, "birth"), (6, nil), (7, "due"), (9, "edition")] as [(Int, String?)] {
            let prefix = "kizuna: \(file.path): line \(line)" + (column.map { ", column \($0):" } ?? "")
            XCTAssertTrue(errors.contains { $0.hasPrefix(prefix) }, "no error reported as \(prefix)…:\n\(run.stderr)")
        }
        for good in [2, 5, 8] { XCTAssertFalse(errors.contains { $0.contains("line \(good),") || $0.contains("line \(good):") }, run.stderr) }
        let list = try Kizuna.run(["subscribers", "list", "--config", config], in: dir)
        XCTAssertEqual(list.stdoutLines.map { $0.split(separator: "\t")[1] }, ["one@example.jp", "three@example.jp", "taro..x.@docomo.ne.jp"])

        // Importing the same file again adds nothing new.
        let again = try Kizuna.run(["subscribers", "import", file.path, "--config", config], in: dir)
        XCTAssertEqual(again.stdoutLines, ["import: 0 added, 3 already present, 5 refused"])

        // Export, import into a fresh instance, export again: the same rows.
        let exported = dir.appendingPathComponent("export.csv")
        let export = try Kizuna.run(["subscribers", "export", "-o", exported.path, "--config", config], in: dir)
        XCTAssertEqual(export.status, 0, "\(export)")
        let first = try String(contentsOf: exported, encoding: .utf8)
        XCTAssertEqual(first.split(whereSeparator: \.isNewline).count, 4, first)

        let fresh = try scratchDirectory(self, "fresh")
        let freshConfig = try initInstance(fresh, samples: false)
        let reimport = try Kizuna.run(["subscribers", "import", exported.path, "--config", freshConfig], in: fresh)
        XCTAssertEqual(reimport.status, 0, "\(reimport)")
        XCTAssertEqual(reimport.stdoutLines, ["import: 3 added, 0 already present, 0 refused"])
        let second = try Kizuna.run(["subscribers", "export", "--config", freshConfig], in: fresh)
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertEqual(second.stdout, first)
        XCTAssertTrue(first.contains("\"Sato, Ken\""), first)
        XCTAssertTrue(first.contains("kita"), first)
    }
}
