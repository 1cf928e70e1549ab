import Foundation
import XCTest

/// `kizuna bounces list|show|reset` end to end: a loopback SMTP server refuses one family's
/// mail with 550 5.1.1, `kizuna send` scores it, and the administrator sees and resets it.
final class BounceCommandTests: XCTestCase {
    /// A loopback SMTP server (python3) that answers 550 5.1.1 at RCPT for `refuse…` and 250 otherwise.
    final class RefusingSMTPServer {
        let process = Process()
        let port: UInt16
        static let script = #"""
import os, socket, sys, threading
def serve(c):
    f = c.makefile("rb")
    def send(s): c.sendall((s + "\r\n").encode())
    send("220 refusing.test ESMTP")
    ok = False
    while True:
        raw = f.readline()
        if not raw: break
        up = raw.decode("utf-8", "replace").strip().upper()
        if up.startswith("EHLO"): send("250-refusing.test\r\n250 8BITMIME")
        elif up.startswith("HELO") or up.startswith("MAIL FROM") or up in ("RSET", "NOOP"): ok = ok and not up.startswith("MAIL"); send("250 2.0.0 Ok")
        elif up.startswith("RCPT TO"):
            if "REFUSE" in up: send("550 5.1.1 <refuse@families.example>: Recipient address rejected: User unknown in local recipient table")
            else: ok = True; send("250 2.1.5 Ok")
        elif up == "DATA":
            if not ok: send("554 5.5.1 Error: no valid recipients"); continue
            send("354 go ahead")
            while True:
                line = f.readline()
                if not line or line == b".\r\n": break
            send("250 2.0.0 Ok: queued")
        elif up == "QUIT": send("221 2.0.0 Bye"); break
        else: send("502 5.5.2 Error: command not recognized")
    c.close()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(16)
with open(sys.argv[1] + ".tmp", "w") as pf: pf.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""#

        init(dir: URL) throws {
            let scriptURL = dir.appendingPathComponent("refusing-smtp.py"), portURL = dir.appendingPathComponent("refusing-smtp.port")
            try RefusingSMTPServer.script.write(to: scriptURL, atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [scriptURL.path, portURL.path]
            try process.run()
            var found: UInt16?
            for _ in 0..<500 {
                if let text = try? String(contentsOf: portURL, encoding: .utf8), let p = UInt16(text) { found = p; break }
                usleep(10_000)
            }
            guard let found else { process.terminate(); throw CLITestError("the refusing SMTP server did not start") }
            port = found
        }

        func stop() {
            if process.isRunning { process.terminate(); process.waitUntilExit() }
        }
    }

    func testListShowAndResetAfterARefusal() throws {
        let dir = try scratchDirectory(self, "bounces")
        let server = try RefusingSMTPServer(dir: dir)
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
        XCTAssertTrue(event.contains("User unknown in local recipient table"), event)

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
