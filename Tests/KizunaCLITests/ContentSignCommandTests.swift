import Foundation
import KizunaTestSupport
import XCTest

/// `kizuna content review --sign`: the reviewer's own key (from their own GnuPG home, made by gpg
/// at test time) signs each reviewed file over its bytes as written; gpg and the instance agree
/// that the signature verifies; gpg is never asked to prompt; a key that cannot sign changes nothing.
final class ContentSignCommandTests: XCTestCase {
    func read(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// An instance made by `kizuna init` whose English help message is an editor's own (not sample).
    func setUpHelp(_ label: String) throws -> (dir: URL, config: String, help: String) {
        _ = try requireGPG()
        let dir = try scratchDirectory(self, label)
        let config = try initInstance(dir, samples: false)
        let help = dir.appendingPathComponent("inst/templates/system/en/help.md").path
        try String(decoding: try read(help), as: UTF8.self).replacingOccurrences(of: "sample = true", with: "sample = false")
            .write(toFile: help, atomically: true, encoding: .utf8)
        return (dir, config, help)
    }

    func testReviewSignProducesASignatureThatVerifiesAndLintNamesTheReviewer() throws {
        let (dir, config, help) = try setUpHelp("sign")
        let reviewer = try GnuPGPerson(self, "Dr. Mori <mori@clinic.example>")
        func review(_ extra: [String], env: [String: String] = [:]) throws -> Run {
            try Kizuna.run(["content", "review", "inst/templates/system/en/help.md", "--reviewer", "Dr. Mori", "--field", "paediatrics"]
                           + extra + ["--config", config], in: dir, environment: env)
        }

        // Bad input is a clear error and writes nothing.
        let before = try read(help)
        let refusals: [([String], Int32, String)] = [
            (["--key", reviewer.fingerprint], 64, "--key, --gnupg-home and --passphrase-env are for --sign"),
            (["--sign", "--gnupg-home", dir.appendingPathComponent("nowhere").path], 66, "no GnuPG home"),
            (["--sign", "--gnupg-home", reviewer.home.path, "--key", String(repeating: "AB", count: 20)], 65, "has no usable secret signing key ABAB"),
            (["--sign", "--gnupg-home", reviewer.home.path, "--passphrase-env", "KIZUNA_TEST_UNSET_PASSPHRASE"], 64, "KIZUNA_TEST_UNSET_PASSPHRASE is not set"),
        ]
        for (extra, status, message) in refusals {
            let run = try review(extra)
            XCTAssertEqual(run.status, status, "\(extra): \(run)")
            XCTAssertTrue(run.stderr.contains(message), "\(extra): \(run.stderr)")
            XCTAssertEqual(try read(help), before, "\(extra): the file changed")
            XCTAssertFalse(FileManager.default.fileExists(atPath: help + ".asc"), "\(extra): a signature was written")
        }

        // The home's only key signs, over the file's bytes with the review record in them.
        let signed = try review(["--sign", "--gnupg-home", reviewer.home.path])
        XCTAssertEqual(signed.status, 0, "\(signed)")
        XCTAssertTrue(signed.stdout.contains("signed: \(help).asc"), signed.stdout)
        XCTAssertTrue(signed.stdout.contains("1 signed by \(reviewer.fingerprint) (Dr. Mori <mori@clinic.example>)"), signed.stdout)
        XCTAssertTrue(String(decoding: try read(help), as: UTF8.self).contains("reviewer = \"Dr. Mori\""))
        XCTAssertTrue(String(decoding: try read(help + ".asc"), as: UTF8.self).hasPrefix("-----BEGIN PGP SIGNATURE-----"))
        XCTAssertNoThrow(try gpg(reviewer.home, ["--verify", help + ".asc", help]), "the reviewer's own gpg verifies the signature")

        // The instance, once the key is a reviewer's, shows who approved the file.
        let imported = try Kizuna.run(["keys", "import", try reviewer.publicKeyFile().path, "--role", "reviewer", "--field", "paediatrics",
                                       "--config", config], in: dir)
        XCTAssertEqual(imported.status, 0, "\(imported)")
        let lint = try Kizuna.run(["content", "lint", "--config", config], in: dir)
        XCTAssertTrue(lint.stdout.contains("signed: system/en/help.md approved by Dr. Mori <mori@clinic.example> (paediatrics), key \(reviewer.fingerprint)"),
                      lint.stdout)
        XCTAssertTrue(lint.stdout.contains("signed reviews: 1 of "), lint.stdout)

        // The configuration's support contacts: the configuration file is signed, with its record in it;
        // a paediatrics key does not approve a review in local services.
        let contacts = try Kizuna.run(["content", "review", config, "--reviewer", "Dr. Mori", "--field", "local services",
                                       "--sign", "--gnupg-home", reviewer.home.path, "--config", config], in: dir)
        XCTAssertEqual(contacts.status, 0, "\(contacts)")
        XCTAssertTrue(String(decoding: try read(config), as: UTF8.self).contains("support_contacts_review = { status = \"reviewed\""))
        XCTAssertNoThrow(try gpg(reviewer.home, ["--verify", config + ".asc", config]))
        let after = try Kizuna.run(["content", "lint", "--config", config], in: dir)
        XCTAssertTrue(after.stdout.contains("warning: \(config): edition sakura: support_contacts: not approved: signed by reviewer Dr. Mori <mori@clinic.example> "
                                            + "(reviewer (paediatrics)), whose role does not cover a text reviewed in local services for edition sakura"), after.stdout)
        XCTAssertFalse(after.stdout.contains("signed: \(config) "), after.stdout)
    }

    func testAKeyThatNeedsAPassphraseIsNeverPromptedFor() throws {
        let (dir, config, help) = try setUpHelp("sign-pass")
        let home = try makeGnuPGHome(self, "sign-pass-home")
        try runTool(try requireGPG(), ["--homedir", home.path, "--batch", "--pinentry-mode", "loopback", "--passphrase", "s3cret phrase",
                              "--quick-gen-key", "Locked <locked@clinic.example>", "ed25519", "sign", "never"])
        try runTool("/usr/bin/gpgconf", ["--homedir", home.path, "--kill", "gpg-agent"])   // nothing cached
        func review(_ extra: [String], env: [String: String] = [:]) throws -> Run {
            try Kizuna.run(["content", "review", "inst/templates/system/en/help.md", "--reviewer", "Locked", "--field", "nursing",
                            "--sign", "--gnupg-home", home.path] + extra + ["--config", config], in: dir, environment: env)
        }
        let before = try read(help)
        let refused = try review([])
        XCTAssertEqual(refused.status, 69, "\(refused)")
        XCTAssertTrue(refused.stderr.contains("cannot sign with") && refused.stderr.contains("nothing was written"), refused.stderr)
        XCTAssertEqual(try read(help), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: help + ".asc"))

        let signed = try review(["--passphrase-env", "KIZUNA_TEST_REVIEW_PASSPHRASE"], env: ["KIZUNA_TEST_REVIEW_PASSPHRASE": "s3cret phrase"])
        XCTAssertEqual(signed.status, 0, "\(signed)")
        XCTAssertNoThrow(try gpg(home, ["--verify", help + ".asc", help]))
    }
}
