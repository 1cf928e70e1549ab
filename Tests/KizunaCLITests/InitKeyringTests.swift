import Foundation
import KizunaTestSupport
import XCTest

/// `kizuna init` makes the instance's keyring and signing key, and nothing at all without gpg.
final class InitKeyringTests: XCTestCase {
    func testInitMakesAPrivateKeyringWithTheEditionsSigningKey() throws {
        _ = try requireGPG()
        let dir = try scratchDirectory(self, "init-pgp")
        let inst = dir.appendingPathComponent("inst")
        let run = try Kizuna.run(["init", inst.path, "--templates", repoTemplates.path], in: dir)
        XCTAssertEqual(run.status, 0, "\(run)")
        let line = try XCTUnwrap(run.stdoutLines.first { $0.hasPrefix("signing key ") }, run.stdout)
        let fingerprint = String(line.split(separator: " ")[2])
        XCTAssertEqual(fingerprint.count, 40, line)
        XCTAssertTrue(line.hasSuffix("さくらクリニック <kizuna@clinic.example>"), line)

        let home = inst.appendingPathComponent("gnupg")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: home.path)[.posixPermissions] as? Int, 0o700)
        let secret = try gpg(home, ["--with-colons", "--list-secret-keys"])
        XCTAssertTrue(secret.contains("fpr:::::::::\(fingerprint):"), secret)
        XCTAssertTrue(secret.contains("さくらクリニック <kizuna@clinic.example>") || secret.contains("kizuna@clinic.example"), secret)
    }

    func testWithoutGPGInitCreatesNothing() throws {
        _ = try requireGPG()
        let dir = try scratchDirectory(self, "init-nogpg")
        let inst = dir.appendingPathComponent("inst")
        // gpgme finds gpg through PATH: an empty one is a machine without GnuPG.
        let run = try Kizuna.run(["init", inst.path, "--templates", repoTemplates.path], in: dir, environment: ["PATH": "/nonexistent"])
        XCTAssertEqual(run.status, 69, "\(run)")
        XCTAssertTrue(run.stderr.contains("OpenPGP is unavailable") && run.stderr.contains("apt-get install gnupg"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: inst.path), "no half instance")
    }
}
