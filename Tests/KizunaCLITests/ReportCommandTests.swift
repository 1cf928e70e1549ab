import Foundation
import KizunaTestSupport
import XCTest

/// `kizuna report` and the report step of `kizuna nightly`, end to end with the Maildir transport.
final class ReportCommandTests: XCTestCase {
    func addReportTable(_ config: String, to: String = "admin@clinic.example") throws {
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "\n[[edition]]\n", with: "\n[report]\nto = [\"\(to)\"]\n\n[[edition]]\n")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
    }

    func sql(_ database: String, _ statement: String) throws {
        XCTAssertEqual(try runSQL(database, statement), 0, statement)
    }

    func reportFiles(_ outbox: URL) -> [String] {
        maildirFiles(outbox).compactMap { try? String(contentsOf: $0, encoding: .utf8) }.filter { $0.contains("\nAuto-Submitted: auto-generated\n") }
    }

    func testHelpSaysWhatTheReportHoldsAndItsOptions() throws {
        let dir = try scratchDirectory(self)
        let run = try Kizuna.run(["report", "--help"], in: dir)
        XCTAssertEqual(run.status, 0, "\(run)")
        for word in ["USAGE: kizuna report", "--date <DATE>", "--print", "--config <PATH>", "[report]", "once per", "spool/corrupt", "75"] {
            XCTAssertTrue(run.stdout.contains(word), "kizuna report --help does not mention \(word):\n\(run.stdout)")
        }
        let top = try Kizuna.run(["--help"], in: dir)
        XCTAssertTrue(top.stdout.contains("report"), top.stdout)
        let nightly = try Kizuna.run(["nightly", "--help"], in: dir)
        XCTAssertTrue(nightly.stdout.contains("report"), nightly.stdout)
    }

    func testWithoutAReportTableTheReportIsPrintedAndNothingIsQueued() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: true)
        let run = try Kizuna.run(["report", "--config", config], in: dir)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(run.stdout.hasPrefix("Subject: Kizuna report \(tokyoDate()): 0 sent, nothing needs attention\n\nKizuna daily report for \(tokyoDate())\n"), run.stdout)
        XCTAssertTrue(run.stdout.contains("  started: 9 subscriptions added,"), run.stdout)
        XCTAssertTrue(run.stderr.contains("no [report] table"), run.stderr)
        XCTAssertEqual(try stats(config, in: dir)["deliveries"] as? [String: Int], [:])

        // The night says it skipped the report, and its summary line is as before.
        let night = try Kizuna.run(["nightly", "--config", config], in: dir)
        XCTAssertEqual(night.status, 0, "\(night)")
        XCTAssertEqual(night.stdoutLines, ["nightly \(tokyoDate()): 8 queued, 8 sent, 0 deferred, 0 bounced, 0 waiting"])
        XCTAssertTrue(night.stderr.contains("no [report] table in the configuration: the daily report is not sent"), night.stderr)
    }

    func testNightlyQueuesTheReportOnceAndSendsItInTheSameRun() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: true)
        try addReportTable(config)
        let outbox = dir.appendingPathComponent("inst/outbox")

        let night = try Kizuna.run(["nightly", "--config", config], in: dir)
        XCTAssertEqual(night.status, 0, "\(night)")
        XCTAssertEqual(night.stdoutLines, ["nightly \(tokyoDate()): 8 queued, 9 sent, 0 deferred, 0 bounced, 0 waiting; report queued for admin@clinic.example"])
        let reports = reportFiles(outbox)
        XCTAssertEqual(reports.count, 1)
        XCTAssertTrue(reports.first?.contains("Delivered-To: admin@clinic.example\n") ?? false)
        XCTAssertTrue(reports.first?.contains("Subject: Kizuna report \(tokyoDate()): 8 sent, nothing needs attention\n") ?? false, reports.first ?? "")
        XCTAssertEqual(maildirFiles(outbox).count, 9)

        let again = try Kizuna.run(["nightly", "--config", config], in: dir)
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.stdoutLines, ["nightly \(tokyoDate()): 0 queued, 0 sent, 0 deferred, 0 bounced, 0 waiting; report already queued"])
        let report = try Kizuna.run(["report", "--config", config], in: dir)
        XCTAssertEqual(report.status, 0, "\(report)")
        XCTAssertEqual(report.stdoutLines, ["report \(tokyoDate()): already queued for admin@clinic.example; nothing more queued"])
        XCTAssertEqual(try Kizuna.run(["send", "--config", config], in: dir).status, 0)
        XCTAssertEqual(reportFiles(outbox).count, 1)

        // --print shows it without queuing; a bad --date is a usage error.
        let printed = try Kizuna.run(["report", "--print", "--config", config], in: dir)
        XCTAssertEqual(printed.status, 0, "\(printed)")
        XCTAssertTrue(printed.stdout.contains("  daily messages: 8 sent, 0 deferred, 0 failed, 0 cancelled, 0 waiting\n"), printed.stdout)
        let yesterday = try Kizuna.run(["report", "--print", "--date", tokyoDate(adding: -1), "--config", config], in: dir)
        XCTAssertTrue(yesterday.stdout.contains("Kizuna daily report for \(tokyoDate(adding: -1))\n"), yesterday.stdout)
        let bad = try Kizuna.run(["report", "--date", "2027-02-30", "--config", config], in: dir)
        XCTAssertEqual(bad.status, 64, "\(bad)")
        XCTAssertTrue(bad.stderr.contains("--date \"2027-02-30\" is not a valid date"), bad.stderr)
        XCTAssertEqual(reportFiles(outbox).count, 1)
        XCTAssertEqual(count(try stats(config, in: dir), "deliveries", "sent"), 9)
    }

    func testAFailingReportDoesNotKeepTheNightsMailFromGoingOut() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: true)
        try addReportTable(config)
        let database = dir.appendingPathComponent("inst/kizuna.sqlite").path
        XCTAssertEqual(try Kizuna.run(["stats", "--config", config], in: dir).status, 0, "the store exists and is migrated")
        try sql(database, "CREATE TRIGGER refuse_reports BEFORE INSERT ON deliveries WHEN NEW.kind = 'report' BEGIN SELECT RAISE(ABORT, 'reports refused by the test'); END;")

        let night = try Kizuna.run(["nightly", "--config", config], in: dir)
        XCTAssertEqual(night.status, 70, "the report's failure is the exit status: \(night)")
        XCTAssertTrue(night.stderr.contains("kizuna: report: ") && night.stderr.contains("reports refused by the test"), night.stderr)
        XCTAssertEqual(night.stdoutLines, ["nightly \(tokyoDate()): 8 queued, 8 sent, 0 deferred, 0 bounced, 0 waiting"])
        let outbox = dir.appendingPathComponent("inst/outbox")
        XCTAssertEqual(maildirFiles(outbox).count, 8, "the families' mail went out")
        XCTAssertEqual(reportFiles(outbox).count, 0)

        try sql(database, "DROP TRIGGER refuse_reports;")
        let report = try Kizuna.run(["report", "--config", config], in: dir)
        XCTAssertEqual(report.status, 0, "\(report)")
        XCTAssertEqual(report.stdoutLines, ["report \(tokyoDate()): queued for admin@clinic.example; nothing needs attention"])
        XCTAssertEqual(try Kizuna.run(["send", "--config", config], in: dir).status, 0)
        XCTAssertEqual(reportFiles(outbox).count, 1)
    }

    func testABadReportTableIsAConfigurationError() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        try addReportTable(config, to: "admin-at-clinic.example")
        let run = try Kizuna.run(["report", "--config", config], in: dir)
        XCTAssertEqual(run.status, 78, "\(run)")
        XCTAssertTrue(run.stderr.contains("\(config): report.to: \"admin-at-clinic.example\": the address has no @"), run.stderr)
    }
}
