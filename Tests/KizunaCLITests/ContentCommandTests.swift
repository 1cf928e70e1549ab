import Foundation
import XCTest

/// `kizuna content lint | calendar | preview` on the shipped sample catalog.
final class ContentCommandTests: XCTestCase {
    func testLintWarnsAboutSampleContentAndFailsInProduction() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        let lint = try Kizuna.run(["content", "lint", "--config", config], in: dir)
        XCTAssertEqual(lint.status, 0, "\(lint)")
        let summary = try XCTUnwrap(lint.stdoutLines.last)
        XCTAssertTrue(summary.hasPrefix("content lint: "), summary)
        XCTAssertTrue(summary.contains("; 0 errors, "), summary)
        XCTAssertFalse(summary.hasSuffix(" 0 warnings"), "sample content is warned about: \(summary)")

        let production = try Kizuna.run(["content", "lint", "--production", "--config", config], in: dir)
        XCTAssertEqual(production.status, 65, "\(production)")
        let prodSummary = try XCTUnwrap(production.stdoutLines.last)
        XCTAssertFalse(prodSummary.contains("; 0 errors"), prodSummary)

        // production = true in the config judges the same way.
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "production = false", with: "production = true")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Kizuna.run(["content", "lint", "--config", config], in: dir).status, 65)
        // …and a production night refuses to run on it.
        let night = try Kizuna.run(["nightly", "--config", config], in: dir)
        XCTAssertEqual(night.status, 78, "\(night)")
        XCTAssertTrue(night.stderr.contains("production = true"), night.stderr)
    }

    func testCalendarListsTheDatesInOrder() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        let due = "2027-05-01"
        let run = try Kizuna.run(["content", "calendar", "--due", due, "--lang", "en", "--config", config], in: dir)
        XCTAssertEqual(run.status, 0, "\(run)")
        let rows = run.stdoutLines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertGreaterThan(rows.count, 10)
        XCTAssertEqual(rows.filter { $0.count != 4 }.count, 0, run.stdout)
        let dates = rows.map { $0[0] }
        XCTAssertEqual(dates, dates.sorted(), "dates in order")
        XCTAssertEqual(Set(dates).count, dates.count, "one message a day at most")
        // Week 20 + 0 is 140 days before the due date.
        let week20 = try XCTUnwrap(rows.first { $0[1] == "pregnancy/d0140" }, run.stdout)
        XCTAssertEqual(week20[0], "2026-12-12")
        XCTAssertEqual(week20[2], "en")
        XCTAssertEqual(week20[3], "Week 20: halfway there")
        XCTAssertEqual(rows.filter { !$0[1].hasPrefix("pregnancy/") }.count, 0)

        let child = try Kizuna.run(["content", "calendar", "--birth", "2026-01-31", "--lang", "en", "--config", config], in: dir)
        XCTAssertEqual(child.status, 0, "\(child)")
        let childRows = child.stdoutLines.map { $0.split(separator: "\t").map(String.init) }
        XCTAssertEqual(childRows.map { $0[0] }, childRows.map { $0[0] }.sorted())
        XCTAssertEqual(childRows.first { $0[1] == "child/d0100" }?[0], "2026-05-11")
        XCTAssertEqual(childRows.first { $0[1] == "child/m01" }?[0], "2026-02-28", "31 January + 1 month")

        let neither = try Kizuna.run(["content", "calendar", "--config", config], in: dir)
        XCTAssertEqual(neither.status, 64, "\(neither)")
        let badDate = try Kizuna.run(["content", "calendar", "--due", "2027-13-01", "--config", config], in: dir)
        XCTAssertEqual(badDate.status, 64, "\(badDate)")
        XCTAssertTrue(badDate.stderr.contains("YYYY-MM-DD"), badDate.stderr)
    }

    func testPreviewPrintsAMessage() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        let run = try Kizuna.run(["content", "preview", "pregnancy/d0140", "--lang", "en", "--name", "Bean", "--config", config], in: dir)
        XCTAssertEqual(run.status, 0, "\(run)")
        let lines = run.stdout.components(separatedBy: "\r\n")
        XCTAssertTrue(lines.contains("Subject: Week 20: halfway there"), run.stdout)
        XCTAssertTrue(lines.contains("MIME-Version: 1.0"), run.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("Content-Type: multipart/alternative;") }, run.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("List-Unsubscribe: <mailto:kizuna+u-1-") && $0.hasSuffix("@clinic.example?subject=unsubscribe>") }, run.stdout)

        let unknown = try Kizuna.run(["content", "preview", "pregnancy/d9999", "--lang", "en", "--config", config], in: dir)
        XCTAssertEqual(unknown.status, 65, "\(unknown)")
        XCTAssertTrue(unknown.stderr.contains("no message pregnancy/d9999"), unknown.stderr)
        let badKey = try Kizuna.run(["content", "preview", "week20", "--config", config], in: dir)
        XCTAssertEqual(badKey.status, 64, "\(badKey)")
        XCTAssertTrue(badKey.stderr.contains("is not a message key"), badKey.stderr)
    }
}
