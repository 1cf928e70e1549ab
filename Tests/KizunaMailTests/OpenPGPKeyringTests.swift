import Foundation
import KizunaMail
import KizunaTestSupport
import XCTest

/// The gpgme shim on temporary keyrings, with keys made at test time.
final class OpenPGPKeyringTests: XCTestCase {
    func testAMissingHomeIsMadePrivateAndAKeyIsCreated() throws {
        _ = try requireGPG()
        let parent = try makeGnuPGHome(self, "pgp-create").deletingLastPathComponent()
        let home = parent.appendingPathComponent("instance/gnupg").path
        let keyring = try OpenPGPKeyring(home: home)
        let mode = try FileManager.default.attributesOfItem(atPath: home)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o700)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: parent.appendingPathComponent("instance").path)[.posixPermissions] as? Int, 0o755,
                       "only the keyring itself is private")

        let key = try keyring.createSigningKey(userID: "さくらクリニック <kizuna@clinic.example>")
        XCTAssertEqual(key.fingerprint.count, 40)
        XCTAssertEqual(key.userIDs, ["さくらクリニック <kizuna@clinic.example>"])
        XCTAssertTrue(key.canSign && key.canEncrypt && key.hasSecret, "\(key)")
        XCTAssertNil(key.unusableReason)
        XCTAssertEqual(try keyring.keys().map(\.fingerprint), [key.fingerprint])
        // gpg itself sees an Ed25519 primary key with a cv25519 encryption subkey, without expiry.
        let listing = try gpg(URL(fileURLWithPath: home), ["--with-colons", "--list-keys", key.fingerprint])
        let keyLines = listing.split(separator: "\n").filter { $0.hasPrefix("pub:") || $0.hasPrefix("sub:") }.map { $0.split(separator: ":", omittingEmptySubsequences: false) }
        XCTAssertEqual(keyLines.map { String($0[16]) }, ["ed25519", "cv25519"], listing)
        XCTAssertEqual(keyLines.map { String($0[6]) }, ["", ""], "no expiry: \(listing)")
    }

    func testExportImportAndDeleteBetweenKeyrings() throws {
        _ = try requireGPG()
        let instance = try OpenPGPKeyring(home: try makeGnuPGHome(self, "pgp-a").path)
        let key = try instance.createSigningKey(userID: "Kizuna <kizuna@clinic.example>")
        let armored = try instance.exportPublicKey(fingerprint: key.fingerprint)
        XCTAssertTrue(armored.hasPrefix("-----BEGIN PGP PUBLIC KEY BLOCK-----"), armored)
        XCTAssertFalse(armored.contains("PRIVATE"))

        let other = try OpenPGPKeyring(home: try makeGnuPGHome(self, "pgp-b").path)
        XCTAssertEqual(try other.importKeys(Data(armored.utf8)), [key.fingerprint])
        let imported = try XCTUnwrap(try other.key(fingerprint: key.fingerprint.lowercased()))
        XCTAssertEqual(imported.userIDs, key.userIDs)
        XCTAssertTrue(try other.keys(secretOnly: true).isEmpty, "only the public part travels")
        XCTAssertEqual(try other.importKeys(Data(armored.utf8)), [key.fingerprint], "importing again names the key again")

        try other.deleteKey(fingerprint: key.fingerprint)
        XCTAssertTrue(try other.keys().isEmpty)
        XCTAssertThrowsError(try other.deleteKey(fingerprint: key.fingerprint)) { XCTAssertEqual($0 as? OpenPGPError, .noSuchKey(key.fingerprint)) }
        XCTAssertThrowsError(try other.exportPublicKey(fingerprint: key.fingerprint)) { XCTAssertEqual($0 as? OpenPGPError, .noSuchKey(key.fingerprint)) }
        XCTAssertThrowsError(try other.importKeys(Data("not a key\n".utf8))) { XCTAssertEqual($0 as? OpenPGPError, .nothingImported) }
    }

    func testAKeyMadeByTheGPGCommandLineImportsWithItsFlags() throws {
        let userHome = try makeGnuPGHome(self, "pgp-user")
        try gpg(userHome, ["--quick-gen-key", "Admin <admin@clinic.example>", "future-default", "default", "never"])
        let armored = try gpg(userHome, ["--armor", "--export", "admin@clinic.example"])
        let keyring = try OpenPGPKeyring(home: try makeGnuPGHome(self, "pgp-inst").path)
        let fingerprints = try keyring.importKeys(Data(armored.utf8))
        XCTAssertEqual(fingerprints.count, 1)
        let key = try XCTUnwrap(try keyring.key(fingerprint: fingerprints[0]))
        XCTAssertEqual(key.userIDs, ["Admin <admin@clinic.example>"])
        XCTAssertTrue(key.canSign && key.canEncrypt)
        XCTAssertFalse(key.hasSecret)
        XCTAssertNil(key.unusableReason)

        // A user id its owner revoked no longer names the key.
        try gpg(userHome, ["--quick-add-uid", "admin@clinic.example", "Old <old@clinic.example>"])
        try gpg(userHome, ["--quick-revoke-uid", "admin@clinic.example", "Old <old@clinic.example>"])
        _ = try keyring.importKeys(Data(try gpg(userHome, ["--armor", "--export", "admin@clinic.example"]).utf8))
        XCTAssertEqual(try keyring.key(fingerprint: fingerprints[0])?.userIDs, ["Admin <admin@clinic.example>"])
    }

    func testAKeyringWithAPassphraseCreatesAProtectedKeyWithoutPrompting() throws {
        let home = try makeGnuPGHome(self, "pgp-pass")
        let keyring = try OpenPGPKeyring(home: home.path, passphrase: "correct horse")
        let key = try keyring.createSigningKey(userID: "Kizuna <kizuna@clinic.example>")
        XCTAssertTrue(key.canSign && key.canEncrypt)
        // The empty passphrase does not unlock it; the given one does (gpg signs in batch mode with it).
        let file = home.deletingLastPathComponent().appendingPathComponent("text")
        try "hello\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try gpg(home, ["--yes", "--local-user", key.fingerprint, "--detach-sign", file.path]))
        try runTool(try requireGPG(), ["--homedir", home.path, "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "correct horse",
                                       "--local-user", key.fingerprint, "--detach-sign", file.path])
    }

    func testAMissingHomeParentThatIsAFileIsAClearError() throws {
        _ = try requireGPG()
        let dir = try makeGnuPGHome(self, "pgp-file").deletingLastPathComponent()
        let notADirectory = dir.appendingPathComponent("plain")
        try "x".write(to: notADirectory, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try OpenPGPKeyring(home: notADirectory.path)) { error in
            XCTAssertEqual(error as? OpenPGPError, .homeUnusable(path: notADirectory.path, reason: "not a directory"))
        }
    }
}
