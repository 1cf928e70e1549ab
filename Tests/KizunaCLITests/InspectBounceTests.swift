import Foundation
import XCTest

/// `kizuna inspect --json` for reports: a bounce lists every recipient with action, status,
/// reason and hard; a complaint names the address and feedback type; a delay notice and a
/// vacation reply are not bounces.
final class InspectBounceTests: XCTestCase {
    let fixtures = repoRoot.appendingPathComponent("Tests/Fixtures/bounces")

    func inspect(_ names: [String]) throws -> [[String: Any]] {
        let dir = try scratchDirectory(self, "inspect-bounces")
        let run = try Kizuna.run(["inspect", "--json", "--date", "2027-01-11"] + names.map { fixtures.appendingPathComponent($0).path }, in: dir)
        XCTAssertEqual(run.status, 0, "\(run)")
        return try run.stdoutLines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], $0) }
    }

    func testBouncesComplaintsDelaysAndVacations() throws {
        let objects = try inspect(["postfix-userunknown.eml", "arf-abuse-originalto.eml", "postfix-delay.eml", "vacation-en-autosubmitted.eml",
                                   "postfix-multi.eml"])
        XCTAssertEqual(objects.map { $0["kind"] as? String }, ["bounce", "complaint", "delay", "autoreply", "bounce"])

        let bounce = objects[0]
        let recipients = try XCTUnwrap(bounce["recipients"] as? [[String: Any]])
        XCTAssertEqual(recipients.count, 1)
        XCTAssertEqual(recipients[0]["address"] as? String, "haruka.sato@example.jp")
        XCTAssertEqual(recipients[0]["action"] as? String, "failed")
        XCTAssertEqual(recipients[0]["status"] as? String, "5.1.1")
        XCTAssertEqual(recipients[0]["reason"] as? String, "userunknown")
        XCTAssertEqual(recipients[0]["hard"] as? Bool, true)
        // Every documented key is there, null when unknown; inspect has no secret, so the VERP is not trusted.
        for key in ["delivery", "delivery_source", "verp", "evidence", "original_message_id", "original_list_id", "reporting_mta"] {
            XCTAssertTrue(bounce.keys.contains(key), "\(key) in \(bounce)")
        }
        XCTAssertEqual(bounce["verp"] as? String, "unverified")
        XCTAssertEqual(bounce["may_reply"] as? Bool, false, "the poller's keys stay")
        XCTAssertEqual(bounce["file"] as? String, fixtures.appendingPathComponent("postfix-userunknown.eml").path)

        let complaint = objects[1]
        XCTAssertEqual(complaint["address"] as? String, "shiori@yahoo.example")
        XCTAssertEqual(complaint["feedback_type"] as? String, "abuse")

        XCTAssertEqual((objects[2]["recipients"] as? [[String: Any]])?.first?["action"] as? String, "delayed")
        XCTAssertNil(objects[3]["recipients"], "a vacation reply is the poller's auto-reply, no report")
        XCTAssertGreaterThan((objects[4]["recipients"] as? [[String: Any]])?.count ?? 0, 1)
    }

    func testTextOutputShowsTheReport() throws {
        let dir = try scratchDirectory(self, "inspect-bounces")
        let run = try Kizuna.run(["inspect", fixtures.appendingPathComponent("postfix-userunknown.eml").path], in: dir)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(run.stdoutLines.contains("  report: bounce delivery 4411 (message-id) verp=unverified"), run.stdout)
        XCTAssertTrue(run.stdoutLines.contains("  recipient: haruka.sato@example.jp failed 5.1.1 userunknown hard"), run.stdout)
    }
}
