import Foundation
@preconcurrency import Glibc
import KizunaTestSupport
import XCTest

/// `kizuna init`, `nightly`, `send` and `stats` end to end, including an unreachable server
/// and two runs at once.
final class NightCommandTests: XCTestCase {
    let summaryPattern = try! NSRegularExpression(pattern: #"^nightly \d{4}-\d{2}-\d{2}: (\d+) queued, (\d+) sent, (\d+) deferred, (\d+) bounced, (\d+) waiting$"#)

    /// The numbers of nightly's one-line summary: queued, sent, deferred, bounced, waiting.
    func summary(_ run: Run, file: StaticString = #filePath, line: UInt = #line) -> [Int]? {
        let lines = run.stdoutLines
        XCTAssertEqual(lines.count, 1, "one summary line: \(run)", file: file, line: line)
        guard let l = lines.first, let m = summaryPattern.firstMatch(in: l, range: NSRange(l.startIndex..., in: l)) else {
            XCTFail("not a nightly summary: \(run)", file: file, line: line)
            return nil
        }
        return (1...5).map { Int((l as NSString).substring(with: m.range(at: $0)))! }
    }

    func testInitAndNightlyWithSamplesThenNightlyAgain() throws {
        let dir = try scratchDirectory(self)
        let inst = dir.appendingPathComponent("inst")
        let initRun = try Kizuna.run(["init", inst.path, "--samples", "--templates", repoTemplates.path], in: dir)
        XCTAssertEqual(initRun.status, 0, "\(initRun)")
        XCTAssertTrue(initRun.stdout.contains("created \(inst.path)/kizuna.toml"), initRun.stdout)
        XCTAssertEqual(initRun.stdoutLines.filter { $0.hasPrefix("  sample: ") }.count, 9)
        let config = inst.appendingPathComponent("kizuna.toml").path

        for bad in ["2027-13-01", "2027-02-30", "tomorrow"] {
            let badDate = try Kizuna.run(["nightly", "--date", bad, "--config", config], in: dir)
            XCTAssertEqual(badDate.status, 64, "a bad --date is a usage error: \(badDate)")
            XCTAssertTrue(badDate.stderr.contains("--date \"\(bad)\" is not a valid date"), badDate.stderr)
        }

        let again = try Kizuna.run(["init", inst.path, "--templates", repoTemplates.path], in: dir)
        XCTAssertEqual(again.status, 73, "init refuses to overwrite: \(again)")
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)

        let night = try Kizuna.run(["nightly", "--config", config], in: dir)
        XCTAssertEqual(night.status, 0, "\(night)")
        XCTAssertEqual(summary(night), [8, 8, 0, 0, 0])
        let outbox = inst.appendingPathComponent("outbox")
        XCTAssertEqual(maildirFiles(outbox).count, 8)
        let recipients = maildirRecipients(outbox)
        XCTAssertEqual(Set(recipients).count, 8)
        XCTAssertTrue(recipients.contains(#""taro..sample."@docomo.ne.jp"#), "\(recipients)")

        let second = try Kizuna.run(["nightly", "--config", config], in: dir)
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertEqual(summary(second), [0, 0, 0, 0, 0])
        XCTAssertEqual(maildirFiles(outbox).count, 8)

        // KIZUNA_CONFIG stands in for --config; -q keeps stdout empty.
        let quiet = try Kizuna.run(["nightly", "-q"], in: dir, environment: ["KIZUNA_CONFIG": config])
        XCTAssertEqual(quiet.status, 0, "\(quiet)")
        XCTAssertEqual(quiet.stdout, "")
        // And from the instance's directory, ./kizuna.toml.
        XCTAssertEqual(try Kizuna.run(["batch"], in: inst).status, 0)

        let s = try stats(config, in: dir)
        XCTAssertEqual(count(s, "deliveries", "sent"), 8)
        XCTAssertEqual(count(s, "deliveries_today", "sent"), 8)
        XCTAssertEqual(count(s, "subscribers", "active"), 8)
    }

    func testStatsJSONHasTheDocumentedKeys() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: true)
        let before = try stats(config, in: dir)
        XCTAssertEqual(Set(before.keys), ["date", "subscribers", "subscriptions", "deliveries", "deliveries_today", "events_last_day", "spool", "bounces"])
        XCTAssertEqual(before["date"] as? String, tokyoDate())
        let bounces = try XCTUnwrap(before["bounces"] as? [String: Any], "\(before)")
        XCTAssertEqual(Set(bounces.keys), ["bouncing", "scored", "events_last_day"])
        XCTAssertEqual(Set((bounces["events_last_day"] as? [String: Int] ?? [:]).keys), ["bounce", "smtp", "complaint", "cleared", "reset"])
        XCTAssertEqual(Set((before["subscribers"] as? [String: Any] ?? [:]).keys).isSuperset(of: ["active", "paused"]), true, "\(before)")
        let subscriptions = try XCTUnwrap(before["subscriptions"] as? [String: [String: Int]])
        XCTAssertEqual(Set(subscriptions.keys), ["pregnancy", "child"])
        XCTAssertEqual(subscriptions["pregnancy"]?["active"], 4)
        XCTAssertEqual(subscriptions["child"]?["active"], 5)
        XCTAssertEqual(Set((before["spool"] as? [String: Int] ?? [:]).keys), ["incoming", "active", "deferred", "bounced", "hold", "corrupt"])
        XCTAssertEqual(count(before, "events_last_day", "subscribed"), 9)
        XCTAssertEqual(before["deliveries"] as? [String: Int], [:])

        let batch = try Kizuna.run(["batch", "--config", config], in: dir)
        XCTAssertEqual(batch.status, 0, "\(batch)")
        XCTAssertTrue(batch.stdout.hasPrefix("batch \(tokyoDate()): 8 emails queued (9 messages) for 8 recipients"), batch.stdout)
        let after = try stats(config, in: dir)
        XCTAssertEqual(count(after, "spool", "incoming"), 8)
        XCTAssertEqual(count(after, "deliveries", "queued"), 8)

        let text = try Kizuna.run(["stats", "--config", config], in: dir)
        XCTAssertEqual(text.status, 0)
        XCTAssertTrue(text.stdout.contains("spool: incoming 8"), text.stdout)
    }

    func testAnUnreachableServerKeepsTheMessagesUntilALaterRunSendsThemOnce() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        let marker = "cli" + UUID().uuidString.prefix(8).lowercased()
        let postfixUp = acceptsConnections(port: 2525) && acceptsConnections(port: 1143)
        if !postfixUp {
            print("NightCommandTests: Postfix/Dovecot not reachable on 127.0.0.1:2525/1143, so the later run delivers into the Maildir "
                  + "(for the real servers: sudo scripts/mailstack/start-mailstack.sh)")
        }
        // An edition the test mail stack accepts, unique to this run (its id is in List-Id).
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(of: #"id = "sakura""#, with: #"id = "\#(marker)""#)
            .replacingOccurrences(of: #"address = "kizuna@clinic.example""#, with: #"address = "kizuna@clinic.test""#)
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        // The sample edition's local info goes with its id (an instance refuses local info of an
        // edition it does not have); it never reached this edition's families.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("inst/templates/local/sakura.toml"))
        for (email, option, date, lang) in [("parent1@families.test", "--due", tokyoDate(adding: 140), "en"),
                                            ("parent2@families.test", "--birth", tokyoDate(adding: -100), "ja")] {
            let add = try Kizuna.run(["subscribers", "add", email, option, date, "--lang", lang, "--config", config], in: dir)
            XCTAssertEqual(add.status, 0, "\(add)")
        }

        let port = unusedPort()
        XCTAssertFalse(acceptsConnections(port: port))
        let retry = "[retry]\nminimum_backoff = 1\nmaximum_backoff = 2\n"
        try replaceTransport(in: config, with: "[smtp]\nurl = \"smtp://127.0.0.1:\(port)\"\nstarttls = \"off\"\nconnect_timeout = 5\n\n\(retry)")
        let down = try Kizuna.run(["nightly", "--config", config], in: dir)
        // README: 69 when the SMTP server could not be reached at all; the messages stay in the spool.
        XCTAssertEqual(down.status, 69, "\(down)")
        XCTAssertEqual(summary(down), [2, 0, 2, 0, 2])
        let s = try stats(config, in: dir)
        XCTAssertEqual(count(s, "spool", "deferred"), 2)
        XCTAssertEqual(count(s, "spool", "incoming"), 0)
        XCTAssertEqual(count(s, "deliveries", "deferred"), 2)

        // A later run, with the server back (the real Postfix if up, else the Maildir).
        if postfixUp {
            try replaceTransport(in: config, with: "[smtp]\nurl = \"smtp://127.0.0.1:2525\"\nstarttls = \"off\"")
        } else {
            try replaceTransport(in: config, with: "[maildir]\npath = \"outbox\"")
        }
        // Wait out the backoff written on the deferred files (1 s), so that they are due.
        let spool = dir.appendingPathComponent("inst/spool/deferred")
        var due = 0
        for bucket in try FileManager.default.contentsOfDirectory(atPath: spool.path) {
            for name in try FileManager.default.contentsOfDirectory(atPath: spool.appendingPathComponent(bucket).path) {
                let head = try String(contentsOf: spool.appendingPathComponent(bucket).appendingPathComponent(name), encoding: .utf8)
                if let l = head.split(separator: "\n").first(where: { $0.hasPrefix("next-attempt: ") }), let v = Int(l.dropFirst(14)) { due = max(due, v) }
            }
        }
        XCTAssertGreaterThan(due, 0)
        while Int(Date().timeIntervalSince1970) <= due { usleep(100_000) }

        let up = try Kizuna.run(["send", "--config", config], in: dir)
        XCTAssertEqual(up.status, 0, "\(up)")
        XCTAssertTrue(up.stdout.hasPrefix("send: 2 sent"), up.stdout)
        let again = try Kizuna.run(["nightly", "--config", config], in: dir)
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(summary(again), [0, 0, 0, 0, 0])
        let after = try stats(config, in: dir)
        XCTAssertEqual(count(after, "deliveries", "sent"), 2)
        XCTAssertEqual(count(after, "deliveries", "deferred"), 0)
        XCTAssertEqual((after["spool"] as? [String: Int])?.values.reduce(0, +), 0)

        if postfixUp {
            for user in ["parent1", "parent2"] {
                XCTAssertEqual(try imapCount(user: user, listID: marker), 1, "\(user)'s INBOX holds the message once")
            }
        } else {
            XCTAssertEqual(maildirRecipients(dir.appendingPathComponent("inst/outbox")).sorted(), ["parent1@families.test", "parent2@families.test"])
        }
    }

    /// Messages in `user`@families.test's INBOX whose List-Id contains `listID` (Python's imaplib,
    /// polling up to 20 s for the count to settle above zero).
    func imapCount(user: String, listID: String) throws -> Int {
        let script = """
        import imaplib, sys, time
        deadline = time.time() + 20
        while True:
            m = imaplib.IMAP4("127.0.0.1", 1143); m.login(sys.argv[1] + "@families.test", sys.argv[1] + "-pass"); m.select("INBOX", readonly=True)
            n = len(m.uid("SEARCH", None, "HEADER", "List-Id", sys.argv[2])[1][0].split()); m.logout()
            if n > 0 or time.time() > deadline: break
            time.sleep(0.25)
        time.sleep(1)
        m = imaplib.IMAP4("127.0.0.1", 1143); m.login(sys.argv[1] + "@families.test", sys.argv[1] + "-pass"); m.select("INBOX", readonly=True)
        print(len(m.uid("SEARCH", None, "HEADER", "List-Id", sys.argv[2])[1][0].split())); m.logout()
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", script, user, listID]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        return Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    func testASecondRunWhileTheLockIsHeldExits75NamingTheLock() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: true)
        let spool = dir.appendingPathComponent("inst/spool")
        let outbox = dir.appendingPathComponent("inst/outbox")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)

        // A batch (or nightly) is running: it holds spool/.batch.lock.
        let batchLock = try HeldLock(path: spool.appendingPathComponent(".batch.lock").path)
        let blocked = try Kizuna.run(["nightly", "--config", config], in: dir)
        XCTAssertEqual(blocked.status, 75, "\(blocked)")
        XCTAssertTrue(blocked.stderr.contains("another kizuna batch is running on this instance (pid \(getpid()))"), blocked.stderr)
        XCTAssertEqual(blocked.stdout, "")
        XCTAssertEqual(maildirFiles(outbox).count, 0)
        batchLock.release()

        // A send is running: it holds spool/.send.lock. The batch still queues; the send refuses.
        let sendLock = try HeldLock(path: spool.appendingPathComponent(".send.lock").path)
        let half = try Kizuna.run(["nightly", "--config", config], in: dir)
        XCTAssertEqual(half.status, 75, "\(half)")
        XCTAssertTrue(half.stderr.contains("another kizuna send is running on this spool (pid \(getpid()))"), half.stderr)
        let send = try Kizuna.run(["send", "--config", config], in: dir)
        XCTAssertEqual(send.status, 75, "\(send)")
        XCTAssertEqual(count(try stats(config, in: dir), "spool", "incoming"), 8)
        XCTAssertEqual(maildirFiles(outbox).count, 0)
        sendLock.release()

        let after = try Kizuna.run(["send", "--config", config], in: dir)
        XCTAssertEqual(after.status, 0, "\(after)")
        XCTAssertTrue(after.stdout.hasPrefix("send: 8 sent"), after.stdout)
        XCTAssertEqual(maildirFiles(outbox).count, 8)
    }

    func testTwoNightliesStartedTogetherSendEachMessageOnce() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: true)
        // Enough families that a run takes a moment.
        var csv = "email,due,lang\n"
        for i in 1...600 { csv += "p\(i)@families.example,\(tokyoDate(adding: 140)),\(i % 2 == 0 ? "en" : "ja")\n" }
        let file = dir.appendingPathComponent("many.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        let imported = try Kizuna.run(["subscribers", "import", file.path, "--config", config], in: dir)
        XCTAssertEqual(imported.status, 0, "\(imported)")

        let a = try Kizuna.start(["nightly", "--config", config], in: dir)
        let b = try Kizuna.start(["nightly", "--config", config], in: dir)
        let runs = [a.wait(), b.wait()]
        for run in runs {
            XCTAssertTrue([0, 75].contains(run.status), "\(run)")
            if run.status == 75 {
                XCTAssertTrue(run.stderr.contains("another kizuna") && run.stderr.contains("is running"), run.stderr)
            }
        }
        // Whatever the interleaving, one more send finishes the job and nobody got two emails.
        let finish = try Kizuna.run(["send", "--config", config], in: dir)
        XCTAssertEqual(finish.status, 0, "\(finish)")
        let recipients = maildirRecipients(dir.appendingPathComponent("inst/outbox"))
        XCTAssertEqual(recipients.count, 608)
        XCTAssertEqual(Set(recipients).count, 608)
        let s = try stats(config, in: dir)
        XCTAssertEqual(s["deliveries"] as? [String: Int], ["sent": 608])
        print("NightCommandTests: two nightlies at once exited \(runs.map(\.status))")
    }
}
