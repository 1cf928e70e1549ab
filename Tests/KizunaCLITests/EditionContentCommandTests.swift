import Foundation
import XCTest

/// Content that names an edition: local info files and overlays of editions the configuration
/// does not have, and the review of one local info entry (`content review … --entry N`).
final class EditionContentCommandTests: XCTestCase {
    func testLocalInfoOrAnOverlayOfAnEditionTheConfigurationLacksIsALoadError() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        let templates = dir.appendingPathComponent("inst/templates")
        XCTAssertEqual(try Kizuna.run(["content", "lint", "--config", config], in: dir).status, 0)

        // A file renamed after a misspelt edition: lint and every sending step refuse, naming the file.
        try FileManager.default.moveItem(at: templates.appendingPathComponent("local/sakura.toml"), to: templates.appendingPathComponent("local/sakra.toml"))
        for command in [["content", "lint"], ["batch"], ["nightly"], ["content", "preview", "pregnancy/d0140"]] {
            let run = try Kizuna.run(command + ["--config", config], in: dir)
            XCTAssertEqual(run.status, 78, "\(command): \(run)")
            XCTAssertTrue(run.stderr.contains("local/sakra.toml: no edition `sakra` in \(config) (its editions: sakura)"), "\(command): \(run.stderr)")
        }
        try FileManager.default.moveItem(at: templates.appendingPathComponent("local/sakra.toml"), to: templates.appendingPathComponent("local/sakura.toml"))

        // The same for an overlay directory.
        let overlay = templates.appendingPathComponent("editions/ume/system/en")
        try FileManager.default.createDirectory(at: overlay, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: templates.appendingPathComponent("system/en/help.md"), to: overlay.appendingPathComponent("help.md"))
        let lint = try Kizuna.run(["content", "lint", "--config", config], in: dir)
        XCTAssertEqual(lint.status, 78, "\(lint)")
        XCTAssertTrue(lint.stderr.contains("editions/ume: no edition `ume` in \(config)"), lint.stderr)
        // Named after the edition it serves, it loads, and lint names its sample text as the shared one's.
        try FileManager.default.moveItem(at: templates.appendingPathComponent("editions/ume"), to: templates.appendingPathComponent("editions/sakura"))
        let good = try Kizuna.run(["content", "lint", "--production", "--config", config], in: dir)
        XCTAssertEqual(good.status, 65, "\(good)")
        XCTAssertTrue(good.stdout.contains("error: editions/sakura/system/en/help.md: sample text"), good.stdout)
    }

    /// An overlay that adds a stage (child/m37, in English only): lint, coverage and the calendar
    /// see it for that edition, and it is refused in production until reviewed like any other text.
    func testAnOverlaysAddedStageIsLintedCoveredAndCalendaredForItsEdition() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        let templates = dir.appendingPathComponent("inst/templates")
        let added = templates.appendingPathComponent("editions/sakura/messages/en/child/m37.md")
        try FileManager.default.createDirectory(at: added.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "+++\ntrack = \"child\"\nmonth = 37\nsubject = \"Sakura: 3 years 1 month\"\nsample = true\n[review]\nstatus = \"unreviewed\"\n+++\nOnly sakura's families.\n"
            .write(to: added, atomically: true, encoding: .utf8)
        let lint = try Kizuna.run(["content", "lint", "--production", "--config", config], in: dir)
        XCTAssertEqual(lint.status, 65, "\(lint)")
        XCTAssertTrue(lint.stdout.contains("error: editions/sakura/messages/en/child/m37.md: sample text"), lint.stdout)
        XCTAssertTrue(lint.stdout.contains("warning: editions/sakura/messages/en/child/m37.md: edition sakura: child/m37 has no message in ja"), lint.stdout)
        XCTAssertTrue(lint.stdout.contains(" (and editions' own: sakura 1); "), lint.stdout)

        func childMessages(_ args: [String]) throws -> Int? {
            let run = try Kizuna.run(["content", "coverage", "--json", "--lang", "en", "--config", config] + args, in: dir)
            XCTAssertEqual(run.status, 0, "\(run)")
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            let tracks = object?["tracks"] as? [[String: Any]] ?? []
            return tracks.first { $0["track"] as? String == "child" }?["messages"] as? Int
        }
        let shared = try XCTUnwrap(try childMessages([]))
        XCTAssertEqual(try childMessages(["--edition", "sakura"]), shared + 1)
        let calendar = try Kizuna.run(["content", "calendar", "--birth", "2024-01-10", "--lang", "en", "--edition", "sakura", "--config", config], in: dir)
        XCTAssertEqual(calendar.status, 0, "\(calendar)")
        XCTAssertTrue(calendar.stdout.contains("2027-02-10\tchild/m37\ten\tSakura: 3 years 1 month"), calendar.stdout)
    }

    func testReviewOfOneLocalInfoEntry() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        let local = dir.appendingPathComponent("inst/templates/local/sakura.toml")
        // The town's own text: no longer sample.
        let own = try String(contentsOf: local, encoding: .utf8).replacingOccurrences(of: "sample = true\n", with: "sample = false\n")
        try own.write(to: local, atomically: true, encoding: .utf8)
        func review(_ args: [String]) throws -> Run {
            try Kizuna.run(["content", "review", "inst/templates/local/sakura.toml", "--reviewer", "Town desk", "--field", "local services"]
                           + args + ["--config", config], in: dir)
        }
        let done = try review(["--entry", "2", "--date", "2027-01-02"])
        XCTAssertEqual(done.status, 0, "\(done)")
        XCTAssertTrue(done.stdout.contains("reviewed: local/sakura.toml ([[info]] #2, line 20) sha256 "), done.stdout)
        XCTAssertTrue(done.stdout.contains("content review: 1 text in 1 file"), done.stdout)
        let written = try String(contentsOf: local, encoding: .utf8)
        XCTAssertEqual(written.components(separatedBy: "review = { status = \"reviewed\", reviewer = \"Town desk\"").count, 2, written)
        let lint = try Kizuna.run(["content", "lint", "--production", "--config", config], in: dir)
        XCTAssertTrue(lint.stdout.contains("error: local/sakura.toml: [[info]] #1, line 10: not reviewed"), lint.stdout)
        XCTAssertFalse(lint.stdout.contains("[[info]] #2,"), lint.stdout)
        XCTAssertTrue(lint.stdout.contains("  local info: 1 of 12"), lint.stdout)

        // A changed entry is unreviewed again, named with its entry.
        try written.replacingOccurrences(of: "10:00–16:00", with: "9:00–16:00").write(to: local, atomically: true, encoding: .utf8)
        let changed = try Kizuna.run(["content", "lint", "--production", "--config", config], in: dir)
        XCTAssertTrue(changed.stdout.contains("error: local/sakura.toml: [[info]] #2, line 20: changed since it was reviewed by Town desk (local services) on 2027-01-02"),
                      changed.stdout)

        // Bad input changes nothing.
        let before = try String(contentsOf: local, encoding: .utf8)
        let outOfRange = try review(["--entry", "13"])
        XCTAssertEqual(outOfRange.status, 64, "\(outOfRange)")
        XCTAssertTrue(outOfRange.stderr.contains("--entry 13: local/sakura.toml has 12 [[info]] entries (#1 to #12)"), outOfRange.stderr)
        let notLocal = try Kizuna.run(["content", "review", "inst/templates/system/en/help.md", "--entry", "1", "--reviewer", "X", "--field", "nutrition",
                                       "--config", config], in: dir)
        XCTAssertEqual(notLocal.status, 64, "\(notLocal)")
        XCTAssertTrue(notLocal.stderr.contains("--entry names an entry of one local info file"), notLocal.stderr)
        XCTAssertEqual(try review(["--entry", "0"]).status, 64)
        XCTAssertEqual(try String(contentsOf: local, encoding: .utf8), before)
    }
}
