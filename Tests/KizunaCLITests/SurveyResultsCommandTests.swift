import Foundation
import KizunaTestSupport
import XCTest

/// `kizuna surveys results`, end to end: text and CSV from the store's answers, never an
/// address; an unknown survey or edition is a usage error naming what exists.
final class SurveyResultsCommandTests: XCTestCase {
    func testResultsAsTextAndCSVAndClearErrors() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: true)
        let database = dir.appendingPathComponent("inst/kizuna.sqlite").path
        // Two families sent the sample survey; one answered 2 with a comment holding a comma and quotes.
        XCTAssertEqual(try runSQL(database, """
            INSERT INTO survey_sends SELECT 'reading', id, edition, '2027-03-01', '2027-03-14' FROM subscribers ORDER BY id LIMIT 2;
            INSERT INTO survey_answers SELECT 'reading', id, edition, 2, '週末に, "まとめて"', '2027-03-02T01:00:00Z'
                FROM subscribers ORDER BY id LIMIT 1;
            """), 0)
        let text = try Kizuna.run(["surveys", "results", "reading", "--config", config], in: dir)
        XCTAssertEqual(text.status, 0, "\(text)")
        XCTAssertTrue(text.stdout.contains("sent 2, answered 1, response rate 50.0 %"), text.stdout)
        XCTAssertTrue(text.stdout.contains("  [2] 週末に, \"まとめて\""), text.stdout)
        XCTAssertFalse(text.stdout.contains("@"), "no address: \(text.stdout)")

        let csv = try Kizuna.run(["surveys", "results", "reading", "--edition", "sakura", "--csv", "--config", config], in: dir)
        XCTAssertEqual(csv.status, 0, "\(csv)")
        XCTAssertTrue(csv.stdout.hasPrefix("survey,edition,row,choice,text,count,percent\r\n"), csv.stdout)
        XCTAssertTrue(csv.stdout.contains("reading,sakura,answered,,,1,50.0\r\n"), csv.stdout)
        XCTAssertTrue(csv.stdout.contains("reading,sakura,comment,2,\"週末に, \"\"まとめて\"\"\",,\r\n"), csv.stdout)

        let unknown = try Kizuna.run(["surveys", "results", "yearly", "--config", config], in: dir)
        XCTAssertEqual(unknown.status, 64, "\(unknown)")
        XCTAssertTrue(unknown.stderr.contains("no survey 'yearly'") && unknown.stderr.contains("reading"), unknown.stderr)
        let edition = try Kizuna.run(["surveys", "results", "reading", "--edition", "town", "--config", config], in: dir)
        XCTAssertEqual(edition.status, 64, "\(edition)")
        XCTAssertTrue(edition.stderr.contains("no edition 'town'") && edition.stderr.contains("sakura"), edition.stderr)
    }
}
