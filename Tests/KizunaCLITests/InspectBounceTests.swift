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
                                   "postfix-multi.eml", "gateway-delay-warning.eml"])
        // The gateway's warning comes from <> like an auto-reply; its analysis says delay.
        XCTAssertEqual(objects.map { $0["kind"] as? String }, ["bounce", "complaint", "delay", "autoreply", "bounce", "delay"])

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

    /// With the instance's configuration, inspect checks a VERP's MAC with the instance's
    /// secret, as the poller does, and still writes nothing.
    func testWithAConfigTheVERPIsCheckedWithTheInstanceSecret() throws {
        let dir = try scratchDirectory(self, "inspect-verp")
        let config = try initInstance(dir, samples: true)
        let night = try Kizuna.run(["nightly", "--config", config], in: dir)
        XCTAssertEqual(night.status, 0, "\(night)")
        let sent = try String(contentsOf: try XCTUnwrap(maildirFiles(dir.appendingPathComponent("inst/outbox")).first), encoding: .utf8)
        func field(_ name: String) throws -> String {
            let line = try XCTUnwrap(sent.components(separatedBy: "\n").first { $0.hasPrefix(name + ": ") }, name)
            return String(line.dropFirst(name.count + 2)).trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
        }
        let verp = try field("Return-Path"), recipient = try field("Delivered-To")
        let local = try XCTUnwrap(verp.split(separator: "@").first)
        let id = try XCTUnwrap(local.split(separator: "-").dropFirst().first.flatMap { Int64($0, radix: 36) }, verp)
        func bounce(to address: String) -> String {
            """
            From: MAILER-DAEMON@mx.families.example (Mail Delivery System)\r
            To: \(address)\r
            Subject: Undelivered Mail Returned to Sender\r
            Message-ID: <verp-check@mx.families.example>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r
            \r
            --B\r
            Content-Type: message/delivery-status\r
            \r
            Reporting-MTA: dns; mx.families.example\r
            \r
            Final-Recipient: rfc822; \(recipient)\r
            Action: failed\r
            Status: 5.1.1\r
            \r
            --B--\r

            """
        }
        let valid = dir.appendingPathComponent("valid.eml"), forged = dir.appendingPathComponent("forged.eml")
        try bounce(to: verp).write(to: valid, atomically: true, encoding: .utf8)
        // The same token with the MAC's last character changed.
        let macEnd = verp.index(before: try XCTUnwrap(verp.firstIndex(of: "@")))
        let wrongMAC = String(verp[..<macEnd]) + (verp[macEnd] == "a" ? "b" : "a") + verp[verp.index(after: macEnd)...]
        try bounce(to: wrongMAC).write(to: forged, atomically: true, encoding: .utf8)

        func verdicts(_ args: [String]) throws -> [[String: Any]] {
            let run = try Kizuna.run(["inspect", "--json"] + args + [valid.path, forged.path], in: dir)
            XCTAssertEqual(run.status, 0, "\(run)")
            return try run.stdoutLines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], $0) }
        }
        let checked = try verdicts(["--config", config])
        XCTAssertEqual(checked[0]["verp"] as? String, "valid")
        XCTAssertEqual(checked[0]["delivery"] as? String, String(id))
        XCTAssertEqual(checked[0]["delivery_source"] as? String, "verp")
        XCTAssertEqual(checked[1]["verp"] as? String, "forged")
        XCTAssertTrue(checked[1]["delivery"] is NSNull)

        // Without a configuration there is no secret; with one whose database does not exist
        // yet, there is none either, and inspect does not create it.
        XCTAssertEqual(try verdicts([]).map { $0["verp"] as? String }, ["unverified", "unverified"])
        let fresh = dir.appendingPathComponent("fresh")
        try FileManager.default.createDirectory(at: fresh, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: config, toPath: fresh.appendingPathComponent("kizuna.toml").path)
        XCTAssertEqual(try verdicts(["--config", fresh.appendingPathComponent("kizuna.toml").path]).map { $0["verp"] as? String },
                       ["unverified", "unverified"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: fresh.path), ["kizuna.toml"])
    }

    func testTextOutputShowsTheReport() throws {
        let dir = try scratchDirectory(self, "inspect-bounces")
        let run = try Kizuna.run(["inspect", fixtures.appendingPathComponent("postfix-userunknown.eml").path], in: dir)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(run.stdoutLines.contains("  report: bounce delivery 4411 (message-id) verp=unverified"), run.stdout)
        XCTAssertTrue(run.stdoutLines.contains("  recipient: haruka.sato@example.jp failed 5.1.1 userunknown hard"), run.stdout)
    }
}
