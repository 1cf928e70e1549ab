import Foundation
import XCTest

/// `--help` for the command and every subcommand: exit 0, and the options an operator needs.
final class HelpTests: XCTestCase {
    func testTopLevelHelpListsTheCommandsAndNoArgumentsShowsIt() throws {
        let dir = try scratchDirectory(self)
        let help = try Kizuna.run(["--help"], in: dir)
        XCTAssertEqual(help.status, 0, "\(help)")
        for word in ["USAGE: kizuna <subcommand>", "init", "nightly", "batch", "send", "subscribers", "content", "stats",
                     "--config PATH", "75 try again later"] {
            XCTAssertTrue(help.stdout.contains(word), "kizuna --help does not mention \(word):\n\(help.stdout)")
        }
        let bare = try Kizuna.run([], in: dir)
        XCTAssertEqual(bare.status, 0, "\(bare)")
        XCTAssertEqual(bare.stdout, help.stdout)
    }

    func testEachSubcommandsHelpMentionsItsKeyOptions() throws {
        let dir = try scratchDirectory(self)
        let table: [([String], [String])] = [
            (["init"], ["<directory>", "--samples", "--templates <DIR>"]),
            (["nightly"], ["--date <DATE>", "--config <PATH>", "-q, --quiet", "-v, --verbose"]),
            (["batch"], ["--date <DATE>", "--config <PATH>"]),
            (["send"], ["--config <PATH>", "75"]),
            (["subscribers"], ["add", "list", "show", "remove", "import", "export"]),
            (["subscribers", "add"], ["<email>", "--due <DATE>", "--birth <DATE>", "--name <NAME>", "--lang <LANG>", "--edition <ID>", "--area <AREA>"]),
            (["subscribers", "list"], ["--edition <ID>", "--status <STATUS>", "--limit", "--offset"]),
            (["subscribers", "show"], ["<email>", "--edition <ID>"]),
            (["subscribers", "remove"], ["<email>", "--reason"]),
            (["subscribers", "import"], ["<file>", "--edition <ID>", "--lang <LANG>", "line number"]),
            (["subscribers", "export"], ["-o, --output <FILE>"]),
            (["content"], ["lint", "review", "calendar", "preview"]),
            (["content", "lint"], ["--production", "review coverage", "changed since its review"]),
            (["content", "review"], ["<PATH> ...", "--reviewer <NAME>", "--field <FIELD>", "--date <DATE>", "mental health", "Sample text", "65"]),
            (["content", "calendar"], ["--due <DATE>", "--birth <DATE>", "--lang <LANG>"]),
            (["content", "preview"], ["<key>", "--lang <LANG>", "--name <NAME>", "pregnancy/d0140"]),
            (["stats"], ["--json", "--config <PATH>"]),
            (["keys"], ["list", "import", "remove", "export", "admin", "reviewer"]),
            (["keys", "list"], ["--config <PATH>", "fingerprint"]),
            (["keys", "import"], ["<file>", "--role <role>", "--edition <ID>", "--field <FIELD>", "refused"]),
            (["keys", "remove"], ["<fingerprint>", "--config <PATH>"]),
            (["keys", "export"], ["--config <PATH>", "armored"]),
        ]
        for (command, words) in table {
            let run = try Kizuna.run(command + ["--help"], in: dir)
            XCTAssertEqual(run.status, 0, "kizuna \(command.joined(separator: " ")) --help: \(run)")
            XCTAssertTrue(run.stdout.contains("USAGE: kizuna \(command.joined(separator: " "))"), run.stdout)
            for word in words {
                XCTAssertTrue(run.stdout.contains(word), "kizuna \(command.joined(separator: " ")) --help does not mention \(word):\n\(run.stdout)")
            }
            let viaHelp = try Kizuna.run(["help"] + command, in: dir)
            XCTAssertEqual(viaHelp.status, 0, "kizuna help \(command.joined(separator: " ")): \(viaHelp)")
            XCTAssertEqual(viaHelp.stdout, run.stdout)
        }
    }

    func testAnUnknownSubcommandIsAUsageError() throws {
        let dir = try scratchDirectory(self)
        let run = try Kizuna.run(["nigthly"], in: dir)
        XCTAssertEqual(run.status, 64, "\(run)")
        XCTAssertTrue(run.stderr.contains("nigthly"), run.stderr)
    }
}
