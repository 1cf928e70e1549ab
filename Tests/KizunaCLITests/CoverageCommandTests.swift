import Foundation
import XCTest

/// The catalog's reach from the command line: `subscribers add` and `import` refuse a child the
/// catalog no longer covers (naming its last covered age), and `content coverage` shows each
/// period against the reference cadence.
final class CoverageCommandTests: XCTestCase {
    /// An instance whose child messages stop at 3 years (child/m36), like the catalog before it grew.
    func instanceEndingAtThree(_ dir: URL) throws -> String {
        let config = try initInstance(dir, samples: false)
        for language in ["ja", "en"] {
            let child = dir.appendingPathComponent("inst/templates/messages/\(language)/child")
            for name in try FileManager.default.contentsOfDirectory(atPath: child.path) {
                let beyond = name.hasPrefix("y") || (name.hasPrefix("m") && (Int(name.dropFirst().prefix(while: \.isNumber)) ?? 0) > 36)
                if beyond { try FileManager.default.removeItem(at: child.appendingPathComponent(name)) }
            }
        }
        return config
    }

    /// A birth date 11 years and 40 days ago, written YYYY-MM-DD.
    func elevenYearsAgo() -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Asia/Tokyo")!
        let d = cal.date(byAdding: .day, value: -40, to: cal.date(byAdding: .year, value: -11, to: Date())!)!
        let c = cal.dateComponents([.year, .month, .day], from: d)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    func testAChildTheCatalogNoLongerCoversIsRefusedByAddAndImport() throws {
        let dir = try scratchDirectory(self)
        let config = try instanceEndingAtThree(dir)
        let birth = elevenYearsAgo()
        let why = "the catalog's child track ends at 3 years 0 months (child/m36); \(birth) is 11 years old"

        let add = try Kizuna.run(["subscribers", "add", "ken@example.jp", "--birth", birth, "--config", config], in: dir)
        XCTAssertEqual(add.status, 65, "\(add)")
        XCTAssertTrue(add.stderr.contains("--birth: \(why)"), add.stderr)

        let csv = dir.appendingPathComponent("families.csv")
        try "email,due,birth\nken@example.jp,,\(birth)\nmio@example.jp,,\(tokyoDate(adding: -30))\n".write(to: csv, atomically: true, encoding: .utf8)
        let run = try Kizuna.run(["subscribers", "import", csv.path, "--config", config], in: dir)
        XCTAssertEqual(run.status, 65, "\(run)")
        XCTAssertEqual(run.stdoutLines, ["import: 1 added, 0 already present, 1 refused"])
        XCTAssertTrue(run.stderr.contains("line 2, column birth: \(why)"), run.stderr)

        let list = try Kizuna.run(["subscribers", "list", "--config", config], in: dir)
        XCTAssertEqual(list.stdoutLines.map { $0.split(separator: "\t")[1] }, ["mio@example.jp"])
    }

    func testTheBatchEndsATrackPastTheCatalogWithAFarewell() throws {
        let dir = try scratchDirectory(self)
        let config = try instanceEndingAtThree(dir)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Asia/Tokyo")!
        let c = cal.dateComponents([.year, .month, .day], from: cal.date(byAdding: .month, value: -36, to: Date())!)
        let birth = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        // Three years old today: child/m36, the last message, is today's.
        let add = try Kizuna.run(["subscribers", "add", "ken@example.jp", "--birth", birth, "--config", config], in: dir)
        XCTAssertEqual(add.status, 0, "\(add)")
        let tonight = try Kizuna.run(["batch", "--date", tokyoDate(), "--config", config], in: dir)
        XCTAssertTrue(tonight.stdout.contains("1 emails queued"), "\(tonight)")
        let tomorrow = try Kizuna.run(["batch", "--date", tokyoDate(adding: 1), "--config", config], in: dir)
        XCTAssertTrue(tomorrow.stdout.contains("0 emails queued") && tomorrow.stdout.contains("; 1 subscriptions ended (farewell queued)"),
                      "\(tomorrow)")
        let show = try Kizuna.run(["subscribers", "show", "ken@example.jp", "--config", config], in: dir)
        XCTAssertTrue(show.stdout.contains("status=stopped"), show.stdout)
        XCTAssertTrue(show.stdout.contains("status=ended (catalog ended)"), show.stdout)
        let after = try Kizuna.run(["batch", "--date", tokyoDate(adding: 2), "--config", config], in: dir)
        XCTAssertFalse(after.stdout.contains("farewell"), "\(after)")
    }

    func testCoverageShowsEachPeriodAgainstTheReferenceCadence() throws {
        let dir = try scratchDirectory(self)
        let config = try instanceEndingAtThree(dir)
        let text = try Kizuna.run(["content", "coverage", "--lang", "en", "--config", config], in: dir)
        XCTAssertEqual(text.status, 0, "\(text)")
        XCTAssertTrue(text.stdout.contains("to child/m36 (3 years 0 months)"), text.stdout)
        let ageThree = try XCTUnwrap(text.stdoutLines.first { $0.hasPrefix("  age 3–18") }, text.stdout)
        XCTAssertTrue(ageThree.contains("1/183") && ageThree.contains("monthly or less") && ageThree.hasSuffix("; 1 gap"), ageThree)
        XCTAssertTrue(text.stdout.contains("gap: 5479 days after child/m36 to the end"), text.stdout)

        let json = try Kizuna.run(["content", "coverage", "--json", "--config", config], in: dir)
        XCTAssertEqual(json.status, 0, "\(json)")
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let tracks = try XCTUnwrap(object["tracks"] as? [[String: Any]])
        XCTAssertEqual(tracks.map { "\($0["language"]!) \($0["track"]!)" }, ["en pregnancy", "en child", "ja pregnancy", "ja child"])
        let child = try XCTUnwrap(tracks.first { $0["track"] as? String == "child" })
        XCTAssertEqual(child["last"] as? String, "child/m36")
        let periods = try XCTUnwrap(child["periods"] as? [[String: Any]])
        XCTAssertEqual(periods.map { $0["period"] as? String }, ["day 1–100", "day 101 – age 1", "age 1", "age 2", "age 3–18"])
        XCTAssertEqual(periods.map { $0["reference"] as? Int }, [100, 88, 53, 27, 183])

        let unknown = try Kizuna.run(["content", "coverage", "--lang", "fr", "--config", config], in: dir)
        XCTAssertEqual(unknown.status, 64, "\(unknown)")
        let help = try Kizuna.run(["help", "content", "coverage"], in: dir)
        XCTAssertTrue(help.stdout.contains("kizuna content coverage --lang ja"), help.stdout)
    }
}
