import Foundation
@testable import KizunaCore
@testable import KizunaJobs
import KizunaStore
import KizunaTestSupport
import XCTest

/// The words of an administrator's signed mail are the CLI's: every example of the mail's help
/// is a command line the `kizuna` binary accepts, and carried out by mail and by the binary it
/// leaves the same families in the same state.
final class AdminWordsCLITests: XCTestCase {
    /// Today in the instances' zone (the binary runs on the system clock).
    var today: CivilDate { CivilDate(Date(), in: TimeZone(identifier: "Asia/Tokyo")!) }

    func kizuna(_ line: String, config: String, in dir: URL) throws -> (status: Int32, output: String) {
        try runProcess(try kizunaBinary(), try AdminWords.split(line) + ["--config", config], in: dir)
    }

    func testEveryHelpExampleIsAcceptedByTheBinary() throws {
        let night = try NightInstance(config: maildirConfig())
        let config = night.dir.appendingPathComponent("kizuna.toml").path
        for line in AdminCommand.examples {
            XCTAssertEqual(AdminCommandParser.parse(line, edition: "sakura").problems, [], line)
            let run = try kizuna(line, config: config, in: night.dir)
            // The words are read (no usage error); the dates of the examples may be out of range on the day the test runs.
            XCTAssertTrue(run.status == ExitStatus.ok || run.status == ExitStatus.dataError, "\(line): exit \(run.status)\n\(run.output)")
        }
    }

    func testTheExamplesCarriedOutByMailAndByTheBinaryLeaveTheSameState() throws {
        // The examples with their dates moved to fit today: a due date ahead, a birth two days ago, a pause ending in a month.
        let dates = ["2027-05-01": today.adding(days: 120), "2027-04-28": today.adding(days: -2), "2027-03-01": today.adding(days: 30)]
        let lines = AdminCommand.examples.map { line in dates.reduce(line) { $0.replacingOccurrences(of: $1.key, with: $1.value.iso) } }

        let byMail = try NightInstance(config: maildirConfig())
        let outcome = try AdminMailRunner(instance: byMail.instance).run(
            AdminRequest(edition: "sakura", actor: "ABCDEF", text: lines.joined(separator: "\n"), attachments: []))
        XCTAssertTrue(outcome.carriedOut, outcome.reply)

        let byCLI = try NightInstance(config: maildirConfig())
        let config = byCLI.dir.appendingPathComponent("kizuna.toml").path
        for line in lines {
            let run = try kizuna(line, config: config, in: byCLI.dir)
            XCTAssertEqual(run.status, ExitStatus.ok, "\(line)\n\(run.output)")
        }

        func state(_ night: NightInstance) throws -> [String] {
            let d = try XCTUnwrap(try night.store.subscriber(address: try EmailAddress(parsing: "hanako@example.jp"), edition: "sakura"))
            return ["\(d.subscriber.status.rawValue) \(d.subscriber.language)"] + d.subscriptions.map {
                "\($0.track.rawValue) \($0.anchorDate) \($0.nickname ?? "") \($0.status.rawValue) \($0.endReason.map { "\($0)" } ?? "")"
            } + d.events.filter { $0.kind != .adminCommand }.map { "\($0.kind.rawValue)" }
        }
        XCTAssertEqual(try state(byMail), try state(byCLI))
        XCTAssertEqual(try state(byCLI).first, "stopped ja")
        // The command line's born, loss, pause and resume say who spoke, as the mail's commands do.
        let spoke = try XCTUnwrap(try byCLI.store.subscriber(address: try EmailAddress(parsing: "hanako@example.jp"), edition: "sakura"))
            .events.filter { $0.kind == .adminCommand }.map { $0.detail ?? "" }
        XCTAssertEqual(spoke, lines.filter { ["pause", "resume", "born", "loss"].contains($0.split(separator: " ")[0]) }.map { "cli: " + $0 })
    }
}
