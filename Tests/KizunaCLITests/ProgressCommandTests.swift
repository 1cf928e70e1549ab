import Foundation
import XCTest

/// A long interactive run shows a progress line (done / total, rate) on standard error when it is
/// a terminal; under cron (no terminal) and with -q, nothing. The terminal is a real pty, made by
/// util-linux's `script`.
final class ProgressCommandTests: XCTestCase {
    func testImportShowsDoneOfTotalOnATerminalOnlyAndNotWithQuiet() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        let rows = (1...30).map { "p\($0)@example.jp,,\(tokyoDate(adding: -40)),,ja,," }
        let file = dir.appendingPathComponent("families.csv")
        try (["email,due,birth,name,lang,edition,area"] + rows).joined(separator: "\n").appending("\n")
            .write(to: file, atomically: true, encoding: .utf8)
        let exe = try Kizuna.binary().path

        func onTerminal(_ extra: String, csv: URL) throws -> Run {
            try Kizuna.runProgram("/usr/bin/script", ["-qec", "\(exe) subscribers import \(csv.path) --config \(config) \(extra)", "/dev/null"], in: dir)
        }
        let shown = try onTerminal("", csv: file)
        XCTAssertEqual(shown.status, 0, "\(shown)")
        XCTAssertTrue(shown.stdout.contains("\rimport: rows 30/30"), "\(shown)")
        XCTAssertTrue(shown.stdout.contains("import: 30 added, 0 already present, 0 refused"), "\(shown)")

        // Not a terminal (cron, a pipe): the summary line only.
        let piped = try Kizuna.run(["subscribers", "import", file.path, "--config", config], in: dir)
        XCTAssertEqual(piped.stdoutLines, ["import: 0 added, 30 already present, 0 refused"])
        XCTAssertFalse(piped.stderr.contains("import: rows"), "\(piped)")

        let quiet = try onTerminal("-q", csv: file)
        XCTAssertFalse(quiet.stdout.contains("import: rows"), "\(quiet)")

        // The batch's total is the families it walks through; the send's, the spool's messages.
        let batch = try Kizuna.runProgram("/usr/bin/script", ["-qec", "\(exe) batch --config \(config)", "/dev/null"], in: dir)
        XCTAssertTrue(batch.stdout.contains("\rbatch: recipients 30/30"), "\(batch)")
    }
}
