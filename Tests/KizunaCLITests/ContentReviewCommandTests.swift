import Foundation
import XCTest

/// `kizuna content review` and `kizuna content lint --production` on the shipped sample catalog.
final class ContentReviewCommandTests: XCTestCase {
    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func testReviewIsPinnedToTheTextRefusesSampleTextAndChangesNothingElse() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        let help = dir.appendingPathComponent("inst/templates/system/en/help.md").path
        func review(_ args: [String]) throws -> Run { try Kizuna.run(["content", "review"] + args + ["--config", config], in: dir) }

        // Sample text is never marked reviewed, and the refusal writes nothing.
        let shipped = try read(help)
        let refused = try review(["inst/templates/system/en/help.md", "--reviewer", "Dr. Mori", "--field", "paediatrics"])
        XCTAssertEqual(refused.status, 65, "\(refused)")
        XCTAssertTrue(refused.stderr.contains("sample") && refused.stderr.contains("system/en/help.md"), refused.stderr)
        XCTAssertEqual(try read(help), shipped)

        // An editor's own text (sample = false) gets a record with the text's SHA-256; only the record changes.
        try shipped.replacingOccurrences(of: "sample = true", with: "sample = false").write(toFile: help, atomically: true, encoding: .utf8)
        let own = try read(help)
        let done = try review(["inst/templates/system/en/help.md", "--reviewer", "Dr. Mori", "--field", "Pediatrics", "--date", "2027-01-02"])
        XCTAssertEqual(done.status, 0, "\(done)")
        XCTAssertTrue(done.stdout.contains("reviewed: system/en/help.md sha256 "), done.stdout)
        XCTAssertTrue(done.stdout.contains("reviewed by Dr. Mori (paediatrics) on 2027-01-02"), done.stdout)
        let reviewed = try read(help)
        func outsideReview(_ text: String) -> [Substring] {
            var inReview = false
            return text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
                if line == "[review]" { inReview = true } else if line == "+++" { inReview = false }
                return !inReview
            }
        }
        XCTAssertEqual(outsideReview(reviewed), outsideReview(own))
        for line in ["status = \"reviewed\"", "reviewer = \"Dr. Mori\"", "field = \"paediatrics\"", "reviewed_on = \"2027-01-02\"", "sha256 = \""] {
            XCTAssertTrue(reviewed.contains(line), reviewed)
        }
        var lint = try Kizuna.run(["content", "lint", "--production", "--config", config], in: dir)
        XCTAssertFalse(lint.stdout.contains("system/en/help.md"), lint.stdout)
        XCTAssertTrue(lint.stdout.contains("field paediatrics: 1"), lint.stdout)

        // A changed text is unreviewed again, and lint says so, naming the file and the review.
        try (reviewed + "\nOne more line.\n").write(toFile: help, atomically: true, encoding: .utf8)
        lint = try Kizuna.run(["content", "lint", "--production", "--config", config], in: dir)
        XCTAssertEqual(lint.status, 65)
        XCTAssertTrue(lint.stdout.contains("error: system/en/help.md: changed since it was reviewed by Dr. Mori (paediatrics) on 2027-01-02"), lint.stdout)
        XCTAssertFalse(lint.stdout.contains("field paediatrics"), lint.stdout)
        // …while line ends and blanks at line ends are not a change.
        try reviewed.replacingOccurrences(of: "\n", with: "  \r\n").write(toFile: help, atomically: true, encoding: .utf8)
        lint = try Kizuna.run(["content", "lint", "--production", "--config", config], in: dir)
        XCTAssertFalse(lint.stdout.contains("system/en/help.md"), lint.stdout)
        // Reviewing a CRLF file keeps its CRLF line ends.
        XCTAssertEqual(try review(["inst/templates/system/en/help.md", "--reviewer", "Dr. Mori", "--field", "paediatrics"]).status, 0)
        XCTAssertFalse(try read(help).replacingOccurrences(of: "\r\n", with: "").contains("\n"))

        // Bad input is a clear error and changes nothing.
        let before = try read(help)
        let unknownField = try review(["inst/templates/system/en/help.md", "--reviewer", "X", "--field", "astrology"])
        XCTAssertEqual(unknownField.status, 64, "\(unknownField)")
        XCTAssertTrue(unknownField.stderr.contains("known fields: obstetrics, paediatrics, midwifery"), unknownField.stderr)
        XCTAssertEqual(try review(["inst/templates/nope.md", "--reviewer", "X", "--field", "nutrition"]).status, 66)
        let outside = try review([config + ".bak", "--reviewer", "X", "--field", "nutrition"])
        XCTAssertEqual(outside.status, 66, "\(outside)")
        try "x".write(toFile: dir.appendingPathComponent("notes.txt").path, atomically: true, encoding: .utf8)
        let notContent = try review(["notes.txt", "--reviewer", "X", "--field", "nutrition"])
        XCTAssertEqual(notContent.status, 65, "\(notContent)")
        XCTAssertTrue(notContent.stderr.contains("neither in the templates directory"), notContent.stderr)
        XCTAssertEqual(try review(["inst/templates/system/en/help.md", "--reviewer", " ", "--field", "nutrition"]).status, 64)
        XCTAssertEqual(try read(help), before)
    }

    func testLintProductionReportsEveryKindOfTextAndTheCoverageByField() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        var lint = try Kizuna.run(["content", "lint", "--production", "--config", config], in: dir)
        XCTAssertEqual(lint.status, 65)
        for line in ["error: messages/ja/pregnancy/d0140.md: sample text", "error: system/ja/loss.md: not reviewed",
                     "error: layouts/ja/text.mustache: not reviewed", "error: layouts/en/html.mustache: not reviewed",
                     "error: local/sakura.toml: [[info]] #1, line 10: sample text", "error: local/sakura.toml: [[info]] #6, line 62: not reviewed",
                     "error: \(config): edition sakura: support_contacts: not reviewed", "review coverage: 0 of ",
                     "  layout: 0 of 4", "  support contacts: 0 of 1", "  local info: 0 of 12"] {
            XCTAssertTrue(lint.stdout.contains(line), "lint --production does not say \(line):\n\(lint.stdout)")
        }
        XCTAssertEqual(lint.stdoutLines.last?.hasPrefix("content lint: "), true)

        // The layouts by a mental health reviewer, the support contacts (in the configuration) by the clinic.
        let configBefore = try read(config)
        let layouts = try Kizuna.run(["content", "review", "inst/templates/layouts", "--reviewer", "Ito", "--field", "mental-health", "--config", config], in: dir)
        XCTAssertEqual(layouts.status, 0, "\(layouts)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("inst/templates/layouts/ja/review.toml").path))
        let contacts = try Kizuna.run(["content", "review", config, "--reviewer", "Clinic desk", "--field", "local services", "--config", config], in: dir)
        XCTAssertEqual(contacts.status, 0, "\(contacts)")
        let configAfter = try read(config)
        let added = configAfter.split(separator: "\n").filter { !configBefore.split(separator: "\n").contains($0) }
        XCTAssertEqual(added.count, 1, configAfter)
        XCTAssertTrue(added.first?.hasPrefix("support_contacts_review = { status = \"reviewed\", reviewer = \"Clinic desk\"") ?? false, configAfter)
        XCTAssertEqual(configAfter.split(separator: "\n").filter { !$0.hasPrefix("support_contacts_review") }, configBefore.split(separator: "\n"))

        lint = try Kizuna.run(["content", "lint", "--production", "--config", config], in: dir)
        for line in ["  layout: 4 of 4", "  support contacts: 1 of 1", "  field local services: 1", "  field mental health: 4", "review coverage: 5 of "] {
            XCTAssertTrue(lint.stdout.contains(line), "lint --production does not say \(line):\n\(lint.stdout)")
        }
        XCTAssertFalse(lint.stdout.contains("layouts/"), lint.stdout)
        XCTAssertFalse(lint.stdout.contains("support_contacts"), lint.stdout)

        // Changed support contacts are unreviewed again, and production refuses to send with them.
        try configAfter.replacingOccurrences(of: "0000-00-0000", with: "0000-00-0001").replacingOccurrences(of: "production = false", with: "production = true")
            .write(toFile: config, atomically: true, encoding: .utf8)
        lint = try Kizuna.run(["content", "lint", "--config", config], in: dir)
        XCTAssertTrue(lint.stdout.contains("error: \(config): edition sakura: support_contacts: changed since it was reviewed by Clinic desk (local services)"), lint.stdout)
        let batch = try Kizuna.run(["batch", "--config", config], in: dir)
        XCTAssertEqual(batch.status, 78, "\(batch)")
        XCTAssertTrue(batch.stderr.contains("production = true, but messages/"), batch.stderr)
    }
}
