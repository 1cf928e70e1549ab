import Foundation
import XCTest

/// A bad `kizuna.toml`: exit 78 and one line naming the file, the key and the problem.
final class ConfigErrorTests: XCTestCase {
    let good = """
    database = "kizuna.sqlite"
    time_zone = "Asia/Tokyo"

    [[edition]]
    id = "sakura"
    address = "kizuna@clinic.example"
    """

    func assertConfigError(_ text: String, mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try scratchDirectory(self, "config")
        let config = dir.appendingPathComponent("kizuna.toml").path
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        for command in [["stats"], ["nightly"], ["subscribers", "list"]] {
            let run = try Kizuna.run(command + ["--config", config], in: dir, file: file, line: line)
            XCTAssertEqual(run.status, 78, "kizuna \(command.joined(separator: " ")): \(run)", file: file, line: line)
            XCTAssertTrue(run.stderr.contains(config), "the message names the file: \(run.stderr)", file: file, line: line)
            for m in mentions {
                XCTAssertTrue(run.stderr.contains(m), "the message mentions \(m): \(run.stderr)", file: file, line: line)
            }
            XCTAssertEqual(run.stdout, "", file: file, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("kizuna.sqlite").path),
                           "nothing is created from a bad config", file: file, line: line)
        }
    }

    func testTheGoodConfigIsAccepted() throws {
        let dir = try scratchDirectory(self, "config")
        let config = dir.appendingPathComponent("kizuna.toml").path
        try good.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try Kizuna.run(["subscribers", "list", "--config", config], in: dir)
        XCTAssertEqual(run.status, 0, "\(run)")
    }

    func testAnUnknownKey() throws {
        try assertConfigError("catchup_days = 3\n" + good, mentions: [": catchup_days: unknown key", "catch_up_days"])
        try assertConfigError(good + "\nplus_adressing = true\n", mentions: [": edition[0].plus_adressing: unknown key"])
    }

    func testABadStartTLSValue() throws {
        let text = good.replacingOccurrences(of: "[[edition]]", with: "[smtp]\nurl = \"smtp://127.0.0.1:2525\"\nstarttls = \"yes\"\n\n[[edition]]")
        try assertConfigError(text, mentions: [#": smtp.starttls: must be required, optional or off, not "yes""#])
    }

    func testAMissingEdition() throws {
        try assertConfigError("database = \"kizuna.sqlite\"\n", mentions: [": edition: at least one [[edition]] is required"])
    }

    func testABadTimeZone() throws {
        try assertConfigError(good.replacingOccurrences(of: "Asia/Tokyo", with: "Asia/Tokio"),
                              mentions: [#": time_zone: unknown time zone "Asia/Tokio""#])
    }

    func testATOMLSyntaxErrorGivesTheLine() throws {
        let text = "database = \"kizuna.sqlite\"\ntime_zone = \"Asia/Tokyo\"\ncatch_up_days = = 2\n\n[[edition]]\nid = \"sakura\"\naddress = \"kizuna@clinic.example\"\n"
        try assertConfigError(text, mentions: ["line 3"])
    }

    func testAMissingFileSaysHowToMakeOne() throws {
        let dir = try scratchDirectory(self, "config")
        let run = try Kizuna.run(["stats"], in: dir)
        XCTAssertEqual(run.status, 78, "\(run)")
        XCTAssertTrue(run.stderr.contains("kizuna.toml: cannot read the file"), run.stderr)
        XCTAssertTrue(run.stderr.contains("kizuna init"), run.stderr)
    }
}
