import Foundation
import KizunaContent
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaTestSupport
import XCTest

/// `[openpgp] require_signed_reviews = true`: production takes a text only when `FILE.asc` beside
/// its file holds a good signature over the file's current bytes by a usable key with the
/// reviewer role (whose field, when it has one, is the review's). Keys are made by gpg at test
/// time, each person in their own GnuPG home; files are signed with `gpg --detach-sign --armor`.
final class SignedReviewGateTests: XCTestCase {
    struct Setup {
        let night: NightInstance
        let templates: URL
        let config: URL
        let reviewer: GnuPGPerson
    }

    /// A production instance (Maildir) over a small reviewed catalog, the reviewer's key imported
    /// with role reviewer (obstetrics), every file signed by the reviewer by hand.
    func setUpSigned(required: Bool = true) throws -> Setup {
        _ = try requireGPG()
        let templates = try makeTemporaryDirectory("signed-templates").appendingPathComponent("templates")
        addTeardownBlock { try? FileManager.default.removeItem(at: templates.deletingLastPathComponent()) }
        try copyCatalog(to: templates, edition: "sakura", notice: "The signed clinic notice.", keep: ["d0140.md", "d0147.md"])
        let night = try NightInstance(config: "production = true\n" + maildirConfig(languages: #"["en"]"#) + """

            support_contacts = "The clinic's counsellor: 000-0000-0000"

            [openpgp]
            require_signed_reviews = \(required)
            """, templates: templates)
        addTeardownBlock { stopGPGAgents(under: night.dir) }
        let config = night.dir.appendingPathComponent("kizuna.toml")
        _ = try ContentReview(instance: night.instance).run(paths: [templates.path, config.path], reviewer: "Hanako Sato", field: .obstetrics, date: nil)
        let reviewer = try GnuPGPerson(self, "Hanako Sato <hanako@clinic.example>")
        _ = try KeyAdmin(instance: night.instance).importKey(file: try reviewer.publicKeyFile().path, role: .reviewer, edition: nil, field: "obstetrics")
        for file in textFiles(in: templates) + [config] { try reviewer.detachSign(file) }
        return Setup(night: night, templates: templates, config: config, reviewer: reviewer)
    }

    /// A new run on the instance, its configuration read again (the gate is checked once per run).
    func freshRun(_ s: Setup) throws -> Instance {
        Instance(configuration: try ConfigurationLoader.load(path: s.config.path), clock: TestClock(), logger: quietLogger)
    }

    /// The production refusal of a new run, or nil when it would send.
    func refusal(_ s: Setup) -> String? {
        do { _ = try (try freshRun(s)).catalog(); return nil } catch let e as JobError {
            XCTAssertEqual(e.exitCode, ExitStatus.config, e.message)
            return e.message
        } catch { return "\(error)" }
    }

    func testSignedByAReviewerKeyPassesAndLintNamesTheReviewer() throws {
        let s = try setUpSigned()
        XCTAssertNil(refusal(s))
        let report = try ContentTools(instance: freshRun(s)).lint(production: true)
        XCTAssertEqual(report.errors, 0, report.findings.map(\.description).joined(separator: "\n"))
        let day = CivilDate(Date(), in: TimeZone(identifier: "Asia/Tokyo")!).iso
        for path in ["messages/en/pregnancy/d0140.md", "system/en/loss.md", "layouts/en/html.mustache", "local/sakura.toml", s.config.path] {
            XCTAssertTrue(report.signatures.contains("signed: \(path) approved by Hanako Sato <hanako@clinic.example> (obstetrics), key \(s.reviewer.fingerprint), signed \(day)"),
                          "\(path): \(report.signatures.joined(separator: "\n"))")
        }
        let files = Set(ReviewGate.texts(catalog: try freshRun(s).catalogAsWritten(), configuration: try freshRun(s).configuration).map(\.path)).count
        XCTAssertEqual(report.signatures.last, "signed reviews: \(files) of \(files) files approved by a reviewer key's signature")
    }

    func testEachFileNotApprovedByAReviewerSignatureIsRefusedWithItsReason() throws {
        let s = try setUpSigned()
        let admin = try GnuPGPerson(self, "Admin <admin@clinic.example>")
        _ = try KeyAdmin(instance: s.night.instance).importKey(file: try admin.publicKeyFile().path, role: .admin, edition: nil, field: nil)
        let stranger = try GnuPGPerson(self, "Stranger <stranger@elsewhere.example>")
        let midwife = try GnuPGPerson(self, "Midwife <midwife@clinic.example>")
        _ = try KeyAdmin(instance: s.night.instance).importKey(file: try midwife.publicKeyFile().path, role: .reviewer, edition: nil, field: "midwifery")
        let message = s.templates.appendingPathComponent("messages/en/pregnancy/d0140.md")
        let local = s.templates.appendingPathComponent("local/sakura.toml")

        // Each case changes one thing, is refused naming the file and the reason, then is put back.
        let cases: [(what: String, file: URL, change: () throws -> Void, reason: String)] = [
            ("one byte added after signing (a blank line at the end: the review's hash does not see it)", message,
             { try (try String(contentsOf: message, encoding: .utf8) + "\n").write(to: message, atomically: true, encoding: .utf8) },
             "signature does not verify: the file changed after it was signed (bad signature by key \(s.reviewer.fingerprint)"),
            ("the reviewer's name in the record forged after signing", message,
             { try (try String(contentsOf: message, encoding: .utf8).replacingOccurrences(of: "reviewer = \"Hanako Sato\"", with: "reviewer = \"Dr. Nobody\""))
                 .write(to: message, atomically: true, encoding: .utf8) },
             "signature does not verify: the file changed after it was signed"),
            ("no signature", message, { try FileManager.default.removeItem(atPath: message.path + ".asc") },
             "no reviewer's signature: d0140.md.asc is missing"),
            ("signed by a key the instance does not know", message, { try stranger.detachSign(message) },
             "signature does not verify: signed by an unknown key"),
            ("signed by an administrator's key", message, { try admin.detachSign(message) },
             "not approved: signed by key \(admin.fingerprint) (Admin <admin@clinic.example>), which is not a reviewer key (admin)"),
            ("signed by a reviewer of another field", message, { try midwife.detachSign(message) },
             "not approved: signed by reviewer Midwife <midwife@clinic.example> (reviewer (midwifery)), whose role does not cover a text reviewed in obstetrics"),
            ("a local information file changed after signing", local,
             { try (try String(contentsOf: local, encoding: .utf8) + "\n").write(to: local, atomically: true, encoding: .utf8) },
             "signature does not verify: the file changed after it was signed"),
            ("the configuration (support contacts) changed after signing", s.config,
             { try (try String(contentsOf: s.config, encoding: .utf8) + "# a comment\n").write(to: s.config, atomically: true, encoding: .utf8) },
             "signature does not verify: the file changed after it was signed"),
        ]
        for c in cases {
            let original = try Data(contentsOf: c.file), signature = try Data(contentsOf: URL(fileURLWithPath: c.file.path + ".asc"))
            try c.change()
            let path = c.file == s.config ? s.config.path : String(c.file.path.dropFirst(s.templates.path.count + 1))
            let refused = refusal(s) ?? "not refused"
            XCTAssertTrue(refused.contains("but \(path) is not ready for families: \(c.reason)"), "\(c.what): \(refused)")
            let lint = try ContentTools(instance: freshRun(s)).lint(production: true)
            XCTAssertTrue(lint.findings.contains { $0.severity == .error && $0.path == path && $0.message.hasPrefix(c.reason) },
                          "\(c.what): \(lint.findings.map(\.description).joined(separator: "\n"))")
            XCTAssertFalse(lint.signatures.contains { $0.hasPrefix("signed: \(path) ") }, "\(c.what): \(lint.signatures)")
            try original.write(to: c.file)
            try signature.write(to: URL(fileURLWithPath: c.file.path + ".asc"))
            XCTAssertNil(refusal(s), "\(c.what): put back")
        }

        // A reviewer key revoked after it signed: its signatures no longer count.
        try gpg(URL(fileURLWithPath: s.night.instance.configuration.openpgp.home), ["--import", try s.reviewer.revocationFile().path])
        let refused = refusal(s) ?? "not refused"
        // (gpg lists no user id of a revoked key: the name is the one the store kept with the role.)
        XCTAssertTrue(refused.contains("messages/en/pregnancy/d0140.md is not ready for families: signature does not verify: "
                                       + "signed by key \(s.reviewer.fingerprint) (Hanako Sato <hanako@clinic.example>), which is revoked"), refused)
    }

    func testAReviewerRoleFieldIsAReviewField() throws {
        _ = try requireGPG()
        let night = try NightInstance(config: maildirConfig())
        addTeardownBlock { stopGPGAgents(under: night.dir) }
        let person = try GnuPGPerson(self, "Dr. Mori <mori@clinic.example>")
        let admin = KeyAdmin(instance: night.instance)
        XCTAssertThrowsError(try admin.importKey(file: try person.publicKeyFile().path, role: .reviewer, edition: nil, field: "astrology")) { error in
            XCTAssertEqual((error as? JobError)?.exitCode, ExitStatus.usage)
            XCTAssertTrue("\(error)".contains("unknown field \"astrology\"; known fields: obstetrics, paediatrics"), "\(error)")
        }
        XCTAssertEqual(try night.store.currentKeyRoles(), [])
        _ = try admin.importKey(file: try person.publicKeyFile().path, role: .reviewer, edition: nil, field: "Pediatrics")
        XCTAssertEqual(try night.store.currentKeyRoles().map(\.field), ["paediatrics"])
    }

    func testWithoutRequireSignedReviewsProductionIsAsBeforeAndLintOnlyWarns() throws {
        let s = try setUpSigned(required: false)
        let message = s.templates.appendingPathComponent("messages/en/pregnancy/d0140.md")
        try FileManager.default.removeItem(atPath: message.path + ".asc")
        try s.reviewer.detachSign(s.templates.appendingPathComponent("system/en/help.md"))
        try (try String(contentsOf: s.templates.appendingPathComponent("system/en/help.md"), encoding: .utf8) + " ")
            .write(to: s.templates.appendingPathComponent("system/en/help.md"), atomically: true, encoding: .utf8)
        XCTAssertNil(refusal(s))
        let lint = try ContentTools(instance: freshRun(s)).lint(production: true)
        XCTAssertEqual(lint.errors, 0, lint.findings.map(\.description).joined(separator: "\n"))
        XCTAssertTrue(lint.findings.contains { $0.severity == .warning && $0.path == "system/en/help.md" && $0.message.hasPrefix("signature does not verify") },
                      lint.findings.map(\.description).joined(separator: "\n"))
        XCTAssertTrue(lint.signatures.last?.hasSuffix("(not required: openpgp.require_signed_reviews = false)") ?? false, "\(lint.signatures)")

        // With no signature anywhere, lint is exactly as before.
        for file in textFiles(in: s.templates) + [s.config] { try? FileManager.default.removeItem(atPath: file.path + ".asc") }
        let plain = try ContentTools(instance: freshRun(s)).lint(production: true)
        XCTAssertEqual(plain.signatures, [])
        XCTAssertFalse(plain.findings.contains { $0.message.contains("signature") })
    }
}
