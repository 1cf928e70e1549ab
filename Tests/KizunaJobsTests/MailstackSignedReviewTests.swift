import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// Signed reviews the whole way through the built `kizuna` binary, the real Postfix
/// (127.0.0.1:2525) and Dovecot (127.0.0.1:1143): a reviewer's key (made by gpg in the
/// reviewer's own home) is imported with role reviewer, the reviewer records and signs the
/// catalog with `content review --sign`; one byte of today's message changed after signing makes
/// `nightly`, `batch` and `poll` exit 78 naming the file, and the family gets no mail of it; the
/// signed bytes back, the night delivers.
final class MailstackSignedReviewTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    func testATamperedSignedMessageNeverReachesTheFamily() throws {
        _ = try requireGPG()
        let marker = "sr" + UUID().uuidString.prefix(8).lowercased()
        let parent = "parent1+\(marker)@families.test"
        let templates = try makeTemporaryDirectory("signed-gate").appendingPathComponent("templates")
        defer { try? FileManager.default.removeItem(at: templates.deletingLastPathComponent()) }
        try copyCatalog(to: templates, edition: marker, notice: "The signed clinic notice (\(marker)).", keep: ["d0140.md", "d0147.md"])
        let night = try NightInstance(config: "production = true\n" + mailstackConfig(edition: marker, languages: ["en"]) + """

            from_name = "Signed reviews \(marker)"

            [openpgp]
            require_signed_reviews = true
            """, templates: templates)
        addTeardownBlock { stopGPGAgents(under: night.dir) }
        let dir = night.dir
        let kizuna = try kizunaBinary()
        let cfg = ["--config", dir.appendingPathComponent("kizuna.toml").path]
        let env = ["KIZUNA_TEST_IMAP_PASSWORD": "kizuna-pass"]
        func run(_ args: [String]) throws -> (status: Int32, output: String) { try runProcess(kizuna, args + cfg, env: env, in: dir) }

        // The reviewer's key (their own machine) goes into the instance's keyring as a reviewer;
        // the reviewer records the review and signs every file with their own key.
        let reviewer = try GnuPGPerson(self, "Hanako Sato <hanako@clinic.example>")
        let imported = try run(["keys", "import", try reviewer.publicKeyFile().path, "--role", "reviewer", "--field", "obstetrics"])
        XCTAssertEqual(imported.status, 0, imported.output)
        let review = try run(["content", "review", templates.path, "--reviewer", "Hanako Sato", "--field", "obstetrics",
                              "--sign", "--gnupg-home", reviewer.home.path, "--key", reviewer.fingerprint])
        XCTAssertEqual(review.status, 0, review.output)
        let lint = try run(["content", "lint", "--production"])
        XCTAssertEqual(lint.status, 0, lint.output)
        XCTAssertTrue(lint.output.contains("signed: messages/en/pregnancy/d0140.md approved by Hanako Sato <hanako@clinic.example> (obstetrics), key \(reviewer.fingerprint)"), lint.output)

        // A parent 20 weeks pregnant: today's message (d0140) and the local notice are due.
        let ours = try parentAt20Weeks(night, parent: parent, marker: marker)

        // One byte added to today's message after it was signed (a blank line at its end, which
        // even the review's hash does not see): the night refuses, naming the file and why.
        let message = templates.appendingPathComponent("messages/en/pregnancy/d0140.md")
        let signed = try Data(contentsOf: message)
        try (signed + Data("\n".utf8)).write(to: message)
        for step in [["nightly"], ["batch"], ["poll"]] {
            let refused = try run(step)
            XCTAssertEqual(refused.status, 78, "\(step): \(refused.output)")
            XCTAssertTrue(refused.output.contains("messages/en/pregnancy/d0140.md is not ready for families: signature does not verify: the file changed after it was signed"),
                          "\(step): \(refused.output)")
        }
        XCTAssertEqual(try night.deliveries().count, 0)
        XCTAssertEqual(try night.spool.counts().values.reduce(0, +), 0)
        usleep(1_000_000)
        XCTAssertEqual(try ours().count, 0, "mail reached the family while today's message did not match its signature")

        // The signed bytes back: the night delivers today's message with the local notice.
        try signed.write(to: message)
        let nightly = try run(["nightly"])
        XCTAssertEqual(nightly.status, 0, nightly.output)
        var arrived: [DeliveredMail] = []
        try eventually("today's message in the parent's mailbox", step: { arrived = try ours() }, done: { !arrived.isEmpty })
        XCTAssertEqual(arrived.count, 1)
        XCTAssertTrue(arrived[0].part("text/plain")?.contains("The signed clinic notice (\(marker))") ?? false, arrived[0].text)
    }
}
