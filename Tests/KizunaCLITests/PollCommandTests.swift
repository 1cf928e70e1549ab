import Foundation
import KizunaTestSupport
import XCTest

/// `kizuna inspect` and `kizuna poll` from the command line.
final class PollCommandTests: XCTestCase {
    let fixtures = repoRoot.appendingPathComponent("Tests/Fixtures/inbound")

    func testInspectJSONPrintsOneDecisionPerFile() throws {
        let dir = try scratchDirectory(self, "inspect")
        let files = ["docomo-iso2022jp.eml", "bounce-dsn.eml", "outlook-ja-plain.eml"].map { fixtures.appendingPathComponent($0).path }
        let run = try Kizuna.run(["inspect", "--json", "--date", "2026-11-25"] + files, in: dir)
        XCTAssertEqual(run.status, 0, "\(run)")
        let objects = try run.stdoutLines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(objects.count, 3)
        XCTAssertEqual(objects.map { $0["kind"] as? String }, ["command", "bounce", "command"])
        let subscribe = try XCTUnwrap(objects[0]["command"] as? [String: Any])
        XCTAssertEqual(subscribe["name"] as? String, "subscribe")
        XCTAssertEqual((subscribe["arguments"] as? [String: String])?["date"], "2027-05-01")
        XCTAssertEqual(objects[0]["subject"] as? String, "とうろく")
        XCTAssertEqual(objects[1]["may_reply"] as? Bool, false)
        XCTAssertEqual(((objects[2]["command"] as? [String: Any])?["name"]) as? String, "stop")
        XCTAssertFalse((objects[2]["why"] as? [String])?.isEmpty ?? true)
    }

    /// A stop under a quoted subject, a resume under "RE: 配信を停止しました", and stop winning
    /// over resume: `inspect` names the decision and why.
    func testInspectExplainsQuotedSubjectsAndStopWinning() throws {
        let dir = try scratchDirectory(self, "inspect")
        let files = ["iphone-ja-reply-paused-stop.eml", "outlook-ja-reply-stopped-resume.eml", "gmail-stop-and-resume.eml"]
        let run = try Kizuna.run(["inspect", "--json", "--date", "2027-01-15"] + files.map { fixtures.appendingPathComponent($0).path }, in: dir)
        XCTAssertEqual(run.status, 0, "\(run)")
        let objects = try run.stdoutLines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(objects.map { ($0["command"] as? [String: Any])?["name"] as? String }, ["stop", "resume", "stop"])
        let why = objects.map { ($0["why"] as? [String] ?? []).joined(separator: "\n") }
        // Both reply to our mail (In-Reply-To names our Message-ID): the quoted subject is ours, not read.
        XCTAssertTrue(why[0].contains("subject: \"配信をお休みしています\" → ignored: our mail's subject, quoted in a reply to it"), why[0])
        XCTAssertTrue(why[0].contains("In-Reply-To: \"kizuna.3f.20270112.1a2b3c@clinic.example\" → a reply to our mail"), why[0])
        XCTAssertTrue(why[1].contains("subject: \"配信を停止しました\" → ignored: our mail's subject, quoted in a reply to it"), why[1])
        XCTAssertTrue(why[2].contains("stop wins over resume"), why[2])
    }

    func testInspectSaysWhyAndExits65ForAnUnreadableFile() throws {
        let dir = try scratchDirectory(self, "inspect")
        let run = try Kizuna.run(["inspect", fixtures.appendingPathComponent("binary-garbage.eml").path,
                                  fixtures.appendingPathComponent("gmail-reply-alternative.eml").path], in: dir)
        XCTAssertEqual(run.status, 65, "\(run)")
        XCTAssertTrue(run.stdout.contains("kind: unreadable"), run.stdout)
        XCTAssertTrue(run.stdout.contains("command: stop scope=all"), run.stdout)
        XCTAssertTrue(run.stdout.contains("why: body line 1"), run.stdout)
    }

    func testInspectReadsADirectoryOrAMaildirAndSaysWhenAPathIsMissing() throws {
        let dir = try scratchDirectory(self, "inspect")
        let maildir = dir.appendingPathComponent("Maildir")
        for sub in ["new", "cur", "tmp"] {
            try FileManager.default.createDirectory(at: maildir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("bounce-dsn.eml"), to: maildir.appendingPathComponent("new/1.host"))
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("docomo-iso2022jp.eml"), to: maildir.appendingPathComponent("cur/2.host:2,S"))
        // tmp/ holds messages still being written: not read.
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("outlook-ja-plain.eml"), to: maildir.appendingPathComponent("tmp/3.host"))
        let run = try Kizuna.run(["inspect", "--json", "--date", "2026-11-25", maildir.path, maildir.appendingPathComponent("new").path], in: dir)
        XCTAssertEqual(run.status, 0, "\(run)")
        let kinds = try run.stdoutLines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["kind"] as? String }
        XCTAssertEqual(kinds, ["command", "bounce", "bounce"])
        let missing = try Kizuna.run(["inspect", dir.appendingPathComponent("nowhere").path], in: dir)
        XCTAssertEqual(missing.status, 66, "\(missing)")
        XCTAssertTrue(missing.stderr.contains("nowhere: no such file or directory"), missing.stderr)
    }

    func testPollWithoutAnIMAPTableIsAConfigurationError() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        let run = try Kizuna.run(["poll", "--config", config], in: dir)
        XCTAssertEqual(run.status, 78, "\(run)")
        XCTAssertTrue(run.stderr.contains("no [imap] table"), run.stderr)
    }

    func testAnIMAPTableWithoutAPasswordSourceIsRefused() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text += "\n[imap]\nurl = \"imap://127.0.0.1:1143\"\nusername = \"kizuna@clinic.example\"\n"
        // TOML: [imap] after [[edition]] is its own table.
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try Kizuna.run(["poll", "--config", config], in: dir)
        XCTAssertEqual(run.status, 78, "\(run)")
        XCTAssertTrue(run.stderr.contains("imap.password_env"), run.stderr)
    }

    func testPollOfAnUnreachableMailboxExits69() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text += "\n[imap]\nurl = \"imap://127.0.0.1:\(unusedPort())\"\nstarttls = \"off\"\nusername = \"k@clinic.example\"\npassword_env = \"KIZUNA_TEST_PW\"\nconnect_timeout = 2\n"
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let run = try Kizuna.run(["poll", "--config", config], in: dir, environment: ["KIZUNA_TEST_PW": "x"])
        XCTAssertEqual(run.status, 69, "\(run)")
        XCTAssertTrue(run.stderr.contains("cannot read the IMAP mailbox"), run.stderr)
    }
}
