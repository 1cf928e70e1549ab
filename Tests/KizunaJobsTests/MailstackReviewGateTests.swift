import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// Production's review gate, the whole way through the built `kizuna` binary, the real Postfix
/// (127.0.0.1:2525) and Dovecot (127.0.0.1:1143): a fully reviewed catalog sends; each text that
/// is not reviewed (edited after its review, marked unreviewed, sample) makes `nightly`, `batch`
/// and `poll` exit 78 naming its file (the short texts of `system/<lang>/phrases.toml` too, with
/// no list of their own), and nothing reaches the parent's mailbox.
final class MailstackReviewGateTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    func testProductionRefusesEachUnreviewedTextAndDeliversOnceAllAreReviewed() throws {
        let marker = "rg" + UUID().uuidString.prefix(8).lowercased()
        let parent = "parent1+\(marker)@families.test"
        let fromName = "Review gate \(marker)"
        let templates = FileManager.default.temporaryDirectory.appendingPathComponent("kizuna-review-gate-\(marker)")
        defer { try? FileManager.default.removeItem(at: templates) }
        try copyCatalog(to: templates, edition: marker, notice: "The gate test's clinic notice (\(marker)).")
        let night = try NightInstance(config: "production = true\n" + mailstackConfig(edition: marker, languages: ["en"]) + """

            from_name = "\(fromName)"
            support_contacts = "The test clinic's counsellor: 000-0000-0000"
            """, templates: templates)
        let dir = night.dir
        let kizuna = try kizunaBinary()
        let configPath = dir.appendingPathComponent("kizuna.toml").path
        let cfg = ["--config", configPath]
        let env = ["KIZUNA_TEST_IMAP_PASSWORD": "kizuna-pass"]
        func run(_ args: [String]) throws -> (status: Int32, output: String) { try runProcess(kizuna, args + cfg, env: env, in: dir) }

        // An editor reviews everything: the templates directory and the configuration's support contacts.
        let review = try run(["content", "review", templates.path, configPath, "--reviewer", "Test Reviewer", "--field", "obstetrics"])
        XCTAssertEqual(review.status, 0, review.output)
        let lint = try run(["content", "lint", "--production"])
        XCTAssertEqual(lint.status, 0, lint.output)
        XCTAssertTrue(lint.output.contains("field obstetrics:"), lint.output)

        // A parent 20 weeks pregnant (today's message and the local notice are due), and a "help"
        // from that parent waiting in the edition's mailbox.
        let store = try night.store
        let ours = try parentAt20Weeks(night, parent: parent, marker: marker)
        let message = dir.appendingPathComponent("help.eml")
        try """
            From: \(parent)\r
            To: kizuna@clinic.test\r
            Subject: help\r
            Message-ID: <\(marker).help@families.test>\r
            \r
            help\r

            """.write(to: message, atomically: true, encoding: .utf8)
        let submitted = try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "smtp://127.0.0.1:2525", "--mail-from", parent,
                                                                               "--mail-rcpt", "kizuna@clinic.test", "-T", message.path], in: dir)
        XCTAssertEqual(submitted.status, 0, submitted.output)

        // Each text that is not reviewed refuses every sending step, naming its file.
        func edit(_ path: String, _ change: (String) -> String) -> (URL, String, String) {
            let url = path == "kizuna.toml" ? URL(fileURLWithPath: configPath) : templates.appendingPathComponent(path)
            let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
            return (url, text, change(text))
        }
        let cases: [(what: String, path: String, change: (String) -> String, steps: [[String]])] = [
            ("today's message edited after its review", "messages/en/pregnancy/d0140.md", { $0 + "\nOne more sentence.\n" }, [["nightly"], ["batch"]]),
            ("today's message marked sample", "messages/en/pregnancy/d0140.md",
             { $0.replacingOccurrences(of: "sample = false", with: "sample = true") }, [["nightly"], ["poll"]]),
            ("the help reply not reviewed", "system/en/help.md",
             { $0.replacingOccurrences(of: "status = \"reviewed\"", with: "status = \"unreviewed\"") }, [["poll"], ["nightly"]]),
            ("the welcome edited after its review", "system/en/welcome.md", { $0 + "\nWelcome again.\n" }, [["poll"]]),
            ("the loss reply edited after its review", "system/en/loss.md", { $0 + "\nAnother line.\n" }, [["poll"]]),
            ("a date-error phrase edited after its review", "system/en/phrases.toml",
             { $0.replacingOccurrences(of: "could not be read as a date", with: "is not a date we can read") }, [["poll"], ["nightly"]]),
            ("the phrases marked sample", "system/en/phrases.toml",
             { $0.replacingOccurrences(of: "sample = false", with: "sample = true") }, [["batch"]]),
            ("a local info entry edited after its review", "local/\(marker).toml",
             { $0.replacingOccurrences(of: "clinic notice", with: "clinic's new notice") }, [["nightly"], ["poll"]]),
            ("the layout edited after its review", "layouts/en/text.mustache", { $0 + "\nA new footer line.\n" }, [["nightly"]]),
            ("the support contacts changed after their review", "kizuna.toml",
             { $0.replacingOccurrences(of: "000-0000-0000", with: "111-1111-1111") }, [["poll"], ["nightly"]]),
        ]
        for c in cases {
            let (url, original, changed) = edit(c.path, c.change)
            XCTAssertNotEqual(original, changed, c.what)
            try changed.write(to: url, atomically: true, encoding: .utf8)
            let lint = try run(["content", "lint", "--production"])
            XCTAssertEqual(lint.status, 65, "\(c.what): \(lint.output)")
            XCTAssertTrue(lint.output.contains(c.path), "\(c.what): lint does not name \(c.path): \(lint.output)")
            for step in c.steps {
                let r = try run(step)
                XCTAssertEqual(r.status, 78, "\(c.what): kizuna \(step.joined(separator: " ")): \(r.output)")
                XCTAssertTrue(r.output.contains(c.path), "\(c.what): kizuna \(step.joined(separator: " ")) does not name \(c.path): \(r.output)")
            }
            try original.write(to: url, atomically: true, encoding: .utf8)
        }
        // Nothing was planned, spooled, read from the mailbox or sent.
        XCTAssertEqual(try night.deliveries().count, 0)
        XCTAssertEqual(try store.inboundMessages().count, 0)
        XCTAssertEqual(try night.spool.counts().values.reduce(0, +), 0)
        XCTAssertEqual(try ours().count, 0, "mail reached the parent while content was not reviewed")

        // Everything reviewed again: the poll answers the waiting "help", the night sends today's
        // message with the local notice, and both arrive in Dovecot.
        var polled = false
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !polled {
            let poll = try run(["poll"])
            XCTAssertEqual(poll.status, 0, poll.output)
            polled = try store.inboundMessages(status: .applied).contains { $0.messageID == "\(marker).help@families.test" }
            if !polled { usleep(300_000) }
        }
        XCTAssertTrue(polled, "the waiting help mail was never applied")
        let nightly = try run(["nightly"])
        XCTAssertEqual(nightly.status, 0, nightly.output)
        var arrived: [DeliveredMail] = []
        let until = Date().addingTimeInterval(20)
        repeat {
            arrived = try ours()
            if arrived.count >= 2 { break }
            usleep(300_000)
        } while Date() < until
        XCTAssertEqual(arrived.count, 2, arrived.map { $0.subject ?? "" }.joined(separator: " | "))
        XCTAssertTrue(arrived.contains { $0.text.contains("Auto-Submitted: auto-replied") }, "no reply to the help mail arrived")
        let daily = try XCTUnwrap(arrived.first { $0.header("List-Id") != nil })
        XCTAssertTrue(daily.part("text/plain")?.contains("The gate test's clinic notice") ?? false, daily.text)
    }
}
