import Foundation
import KizunaTestSupport
import XCTest

/// `kizuna bounces list|show|reset` end to end: a loopback SMTP server refuses one family's
/// mail with 550 5.1.1 (the scripted server refuses `refuse…`), `kizuna send` scores it, and
/// the administrator sees and resets it.
final class BounceCommandTests: XCTestCase {
    func testListShowAndResetAfterARefusal() throws {
        let dir = try scratchDirectory(self, "bounces")
        let server = try ScriptedSMTPServer()
        defer { server.stop() }
        let config = try initInstance(dir, samples: false)
        try replaceTransport(in: config, with: "[smtp]\nurl = \"smtp://127.0.0.1:\(server.port)\"\nstarttls = \"off\"\nconnect_timeout = 5")
        // Gestational day 140 today: the sample catalog has a message for it.
        let due = tokyoDate(adding: 140)
        for a in ["refuse@families.example", "hana@families.example"] {
            let add = try Kizuna.run(["subscribers", "add", a, "--due", due, "--lang", "en", "--config", config], in: dir)
            XCTAssertEqual(add.status, 0, "\(add)")
        }

        let empty = try Kizuna.run(["bounces", "list", "--config", config], in: dir)
        XCTAssertEqual(empty.status, 0, "\(empty)")
        XCTAssertEqual(empty.stdout, "")

        let batch = try Kizuna.run(["batch", "--config", config], in: dir)
        XCTAssertEqual(batch.status, 0, "\(batch)")
        let send = try Kizuna.run(["send", "--config", config], in: dir)
        XCTAssertTrue(send.stdout.contains("1 sent") && send.stdout.contains("1 bounced"), "\(send)")

        let list = try Kizuna.run(["bounces", "list", "--config", config], in: dir)
        XCTAssertEqual(list.status, 0, "\(list)")
        XCTAssertEqual(list.stdoutLines, ["refuse@families.example\tsakura\tactive\tscore 1\tbounces 1\tlast \(tokyoDate())"])

        let show = try Kizuna.run(["bounces", "show", "refuse@families.example", "--config", config], in: dir)
        XCTAssertEqual(show.status, 0, "\(show)")
        XCTAssertEqual(show.stdoutLines.count, 2, show.stdout)
        XCTAssertEqual(show.stdoutLines.first, list.stdoutLines.first)
        let event = show.stdoutLines.last ?? ""
        XCTAssertTrue(event.hasPrefix("  \(tokyoDate()) smtp status=5.1.1 reason=userunknown hard delivery="), event)
        XCTAssertTrue(event.contains(" counted score=1: SMTP 550 (hard)"), event)
        XCTAssertTrue(event.contains("reply: 550 5.1.1 scripted: no such user"), event)

        let stats = try stats(config, in: dir)
        let bounces = try XCTUnwrap(stats["bounces"] as? [String: Any], "\(stats)")
        XCTAssertEqual(bounces["scored"] as? Int, 1)
        XCTAssertEqual(bounces["bouncing"] as? Int, 0)
        XCTAssertEqual((bounces["events_last_day"] as? [String: Int])?["smtp"], 1)

        let reset = try Kizuna.run(["bounces", "reset", "refuse@families.example", "--config", config], in: dir)
        XCTAssertEqual(reset.status, 0, "\(reset)")
        XCTAssertEqual(reset.stdoutLines, ["refuse@families.example: score 1 cleared, status active"])
        let after = try Kizuna.run(["bounces", "list", "--config", config], in: dir)
        XCTAssertEqual(after.stdout, "")
        let shown = try Kizuna.run(["bounces", "show", "refuse@families.example", "--config", config], in: dir)
        XCTAssertTrue(shown.stdoutLines.last?.contains(" reset not-counted score=0: reset by an administrator (cli): score 1 cleared") ?? false, shown.stdout)
        let again = try Kizuna.run(["bounces", "reset", "refuse@families.example", "--config", config], in: dir)
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.stdoutLines, ["refuse@families.example: no bounce score to reset (status active)"])
        let subscriber = try Kizuna.run(["subscribers", "show", "refuse@families.example", "--config", config], in: dir)
        XCTAssertTrue(subscriber.stdoutLines.contains { $0.hasPrefix("  event ") && $0.contains("bounces-reset") }, subscriber.stdout)

        let unknown = try Kizuna.run(["bounces", "show", "nobody@families.example", "--config", config], in: dir)
        XCTAssertEqual(unknown.status, 65, "\(unknown)")
        XCTAssertTrue(unknown.stderr.contains("no subscriber nobody@families.example"), unknown.stderr)
        let unknownReset = try Kizuna.run(["bounces", "reset", "nobody@families.example", "--config", config], in: dir)
        XCTAssertEqual(unknownReset.status, 65, "\(unknownReset)")
        let missing = try Kizuna.run(["bounces", "show", "--config", config], in: dir)
        XCTAssertEqual(missing.status, 64, "\(missing)")
    }
}
