import Foundation
import KizunaMail
import KizunaTestSupport
import XCTest

/// Signing, verifying, encrypting and decrypting through gpgme, each checked against the gpg
/// command line on the other side, with keys made at test time.
final class OpenPGPMessageTests: XCTestCase {
    /// An administrator's own keyring as gpg makes it: a certify-only Ed25519 primary key with a
    /// separate signing subkey and an encryption subkey, so signatures are made by a subkey.
    private func makeAdministrator(_ label: String, _ userID: String = "Admin <admin@clinic.example>") throws -> (home: URL, fingerprint: String, armored: String) {
        let home = try makeGnuPGHome(self, label)
        try gpg(home, ["--quick-gen-key", userID, "ed25519", "cert", "never"])
        let fpr = try XCTUnwrap(try gpg(home, ["--with-colons", "--list-keys"]).split(separator: "\n")
            .first { $0.hasPrefix("fpr:") }?.split(separator: ":", omittingEmptySubsequences: false)[9]).description
        try gpg(home, ["--quick-add-key", fpr, "ed25519", "sign", "never"])
        try gpg(home, ["--quick-add-key", fpr, "cv25519", "encr", "never"])
        return (home, fpr, try gpg(home, ["--armor", "--export", fpr]))
    }

    private func write(_ text: String, _ dir: URL, _ name: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func testADetachedSignatureVerifiesHereAndWithGPGAndATamperedTextDoesNot() throws {
        _ = try requireGPG()
        let instance = try OpenPGPKeyring(home: try makeGnuPGHome(self, "sig-inst").path)
        let key = try instance.createSigningKey(userID: "Kizuna <kizuna@clinic.example>")
        let text = Data("Content-Type: text/plain; charset=UTF-8\r\n\r\n妊娠12週のあなたへ\r\n".utf8)
        let signature = try instance.signDetached(text, signer: key.fingerprint)
        XCTAssertTrue(signature.micalg.hasPrefix("pgp-sha"), signature.micalg)
        XCTAssertTrue(String(decoding: signature.armored, as: UTF8.self).hasPrefix("-----BEGIN PGP SIGNATURE-----"))

        let checked = try instance.verifyDetached(text, signature: signature.armored)
        XCTAssertEqual(checked.map(\.status), [.good])
        XCTAssertEqual(checked.first?.fingerprint, key.fingerprint)
        XCTAssertLessThan(abs(checked[0].created.timeIntervalSinceNow), 120)
        var tampered = text
        tampered[tampered.count - 3] ^= 0x01
        XCTAssertEqual(try instance.verifyDetached(tampered, signature: signature.armored).map(\.status), [.bad])

        // The administrator's own gpg agrees.
        let admin = try makeAdministrator("sig-admin")
        try gpg(admin.home, ["--import"] + [try write(instance.exportPublicKey(fingerprint: key.fingerprint), admin.home.deletingLastPathComponent(), "inst.asc")])
        let dir = admin.home.deletingLastPathComponent()
        try text.write(to: dir.appendingPathComponent("text"))
        try signature.armored.write(to: dir.appendingPathComponent("text.asc"))
        XCTAssertNoThrow(try gpg(admin.home, ["--verify", dir.appendingPathComponent("text.asc").path, dir.appendingPathComponent("text").path]))
    }

    func testSignaturesMadeByGPGNameThePrimaryKeyAndUnknownKeysAreSaidSo() throws {
        _ = try requireGPG()
        let admin = try makeAdministrator("gpgsig-admin")
        let instance = try OpenPGPKeyring(home: try makeGnuPGHome(self, "gpgsig-inst").path)
        XCTAssertEqual(try instance.importKeys(Data(admin.armored.utf8)), [admin.fingerprint])
        let dir = admin.home.deletingLastPathComponent()
        let command = "subscribers list\n"
        let file = try write(command, dir, "command.txt")

        try gpg(admin.home, ["--armor", "--detach-sign", "--output", file + ".asc", file])
        let detached = try instance.verifyDetached(Data(command.utf8), signature: Data(contentsOf: URL(fileURLWithPath: file + ".asc")))
        XCTAssertEqual(detached.map(\.status), [.good])
        XCTAssertEqual(detached.first?.fingerprint, admin.fingerprint, "the primary key, not the signing subkey")

        try gpg(admin.home, ["--clearsign", "--output", file + ".clear", file])
        let inline = try instance.verifyInline(Data(contentsOf: URL(fileURLWithPath: file + ".clear")))
        XCTAssertEqual(String(decoding: inline.content, as: UTF8.self), command)
        XCTAssertEqual(inline.signatures.map(\.status), [.good])
        XCTAssertEqual(inline.signatures.first?.fingerprint, admin.fingerprint)

        let stranger = try makeAdministrator("gpgsig-stranger", "Stranger <someone@elsewhere.example>")
        try gpg(stranger.home, ["--armor", "--detach-sign", "--output", file + ".stranger", file])
        let unknown = try instance.verifyDetached(Data(command.utf8), signature: Data(contentsOf: URL(fileURLWithPath: file + ".stranger")))
        XCTAssertEqual(unknown.map(\.status), [.noPublicKey])
        XCTAssertFalse(unknown[0].fingerprint.isEmpty, "gpg's issuer id is kept for the record")
        XCTAssertThrowsError(try instance.verifyInline(Data(command.utf8)), "text without a signature is an error")
    }

    func testEncryptionBothWaysWithTheSignatureInside() throws {
        _ = try requireGPG()
        let admin = try makeAdministrator("enc-admin")
        let instance = try OpenPGPKeyring(home: try makeGnuPGHome(self, "enc-inst").path)
        let key = try instance.createSigningKey(userID: "Kizuna <kizuna@clinic.example>")
        _ = try instance.importKeys(Data(admin.armored.utf8))
        let dir = admin.home.deletingLastPathComponent()
        _ = try gpg(admin.home, ["--import", try write(instance.exportPublicKey(fingerprint: key.fingerprint), dir, "inst.asc")])

        // Kizuna to the administrator: gpg decrypts it and names the instance key as the signer.
        let report = "a.parent@example.jp  due 2027-05-01\n"
        let sealed = try instance.encrypt(Data(report.utf8), to: [admin.fingerprint], signer: key.fingerprint)
        XCTAssertTrue(String(decoding: sealed, as: UTF8.self).hasPrefix("-----BEGIN PGP MESSAGE-----"))
        XCTAssertNil(String(decoding: sealed, as: UTF8.self).range(of: "a.parent"))
        let cipherFile = dir.appendingPathComponent("report.asc")
        try sealed.write(to: cipherFile)
        let status = dir.appendingPathComponent("status").path
        XCTAssertEqual(try gpg(admin.home, ["--status-file", status, "--decrypt", cipherFile.path]), report)
        XCTAssertTrue(try String(contentsOfFile: status, encoding: .utf8).contains("VALIDSIG \(key.fingerprint)"))

        // The administrator to Kizuna, signed and encrypted by gpg as a mail client does.
        let command = try write("stats\n", dir, "command.txt")
        try gpg(admin.home, ["--trust-model", "always", "--armor", "--sign", "--encrypt", "--recipient", key.fingerprint, "--output", command + ".asc", command])
        let opened = try instance.decrypt(Data(contentsOf: URL(fileURLWithPath: command + ".asc")))
        XCTAssertEqual(String(decoding: opened.content, as: UTF8.self), "stats\n")
        XCTAssertEqual(opened.signatures.map(\.status), [.good])
        XCTAssertEqual(opened.signatures.first?.fingerprint, admin.fingerprint)

        // Encrypted without a signature: nothing vouches for it.
        try gpg(admin.home, ["--trust-model", "always", "--armor", "--encrypt", "--recipient", key.fingerprint, "--output", command + ".plain.asc", command])
        XCTAssertEqual(try instance.decrypt(Data(contentsOf: URL(fileURLWithPath: command + ".plain.asc"))).signatures, [])
        XCTAssertThrowsError(try instance.encrypt(Data(report.utf8), to: ["0123456789ABCDEF0123456789ABCDEF01234567"], signer: nil))
        XCTAssertThrowsError(try instance.decrypt(Data("not a message".utf8)))
    }

    func testUserIDAddresses() {
        let key = OpenPGPKey(fingerprint: "F", userIDs: ["さくら <Kizuna@Clinic.example>", "admin@clinic.example", "No address"], canSign: true, canEncrypt: true)
        XCTAssertEqual(key.addresses, ["kizuna@clinic.example", "admin@clinic.example"])
    }
}
