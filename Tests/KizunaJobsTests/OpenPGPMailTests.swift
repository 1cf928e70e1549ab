import Foundation
import KizunaCore
import KizunaJobs
import KizunaMail
import KizunaMIME
import KizunaTestSupport
import XCTest

/// PGP/MIME mail sealed with the instance key, opened by gpg as the recipient's mail client would.
final class OpenPGPMailTests: XCTestCase {
    private func message(html: String? = nil) throws -> OutgoingMessage {
        OutgoingMessage(
            from: Mailbox(try EmailAddress(parsing: "kizuna@clinic.example"), displayName: "さくら きずな便り"),
            to: Mailbox(try EmailAddress(parsing: "admin@clinic.example")),
            subject: "Kizuna: your commands", date: Date(timeIntervalSince1970: 1_800_000_000),
            timeZone: TimeZone(identifier: "Asia/Tokyo")!, messageID: "kizuna.admin.1@clinic.example",
            textBody: "subscribers add hanako@example.jp --due 2027-05-01: added\n", htmlBody: html)
    }

    /// The instance keyring with its key, and the administrator's gpg home holding both keys.
    private func keys() throws -> (instance: OpenPGPKeyring, signer: String, admin: URL, adminKey: String) {
        _ = try requireGPG()
        let instance = try OpenPGPKeyring(home: try makeGnuPGHome(self, "seal-inst").path)
        let signer = try instance.createSigningKey(userID: "Kizuna <kizuna@clinic.example>").fingerprint
        let admin = try makeGnuPGHome(self, "seal-admin")
        try gpg(admin, ["--quick-gen-key", "Admin <Admin@Clinic.example>", "future-default", "default", "never"])
        let exported = admin.deletingLastPathComponent().appendingPathComponent("admin.asc")
        try gpg(admin, ["--armor", "--output", exported.path, "--export", "admin@clinic.example"])
        let adminKey = try instance.importKeys(Data(contentsOf: exported))[0]
        let inst = admin.deletingLastPathComponent().appendingPathComponent("inst.asc")
        try Data(try instance.exportPublicKey(fingerprint: signer).utf8).write(to: inst)
        try gpg(admin, ["--import", inst.path])
        return (instance, signer, admin, adminKey)
    }

    /// The parts between the outer boundary's delimiters, as raw bytes (RFC 3156: what was signed
    /// is the first part without the CRLF before the next delimiter).
    private func parts(_ mail: [UInt8]) throws -> (contentType: String, parts: [[UInt8]]) {
        let contentType = try XCTUnwrap(try IncomingMessage.parse(mail).headers.value("Content-Type"))
        let boundary = try XCTUnwrap(contentType.components(separatedBy: "boundary=\"").last?.split(separator: "\"").first).description
        let delimiter = Array("\r\n--\(boundary)".utf8)
        var pieces: [[UInt8]] = []
        var rest = ArraySlice(mail)
        while let r = rest.firstRange(of: delimiter) {
            pieces.append(Array(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
            if rest.starts(with: Array("--".utf8)) { break }
            rest = rest.dropFirst(2)  // the CRLF after the delimiter
        }
        return (contentType, Array(pieces.dropFirst()))
    }

    func testASignedMailVerifiesInTheRecipientsGPGOverTheFirstPartsExactBytes() throws {
        let k = try keys()
        for html in [nil, "<p>added</p>"] {
            let mail = try OpenPGPMail.seal(try message(html: html), boundary: "=_kizuna_test", keyring: k.instance, signer: k.signer, encryptTo: nil)
            let (contentType, parts) = try parts(mail)
            XCTAssertTrue(contentType.hasPrefix("multipart/signed; micalg=pgp-sha"), contentType)
            XCTAssertTrue(contentType.contains(#"protocol="application/pgp-signature""#), contentType)
            XCTAssertEqual(parts.count, 2)
            let dir = k.admin.deletingLastPathComponent()
            try Data(parts[0]).write(to: dir.appendingPathComponent("signed"))
            let signature = String(decoding: parts[1], as: UTF8.self)
            let armor = try XCTUnwrap(signature.range(of: "-----BEGIN PGP SIGNATURE-----")).lowerBound
            try Data(signature[armor...].utf8).write(to: dir.appendingPathComponent("signed.asc"))
            let status = dir.appendingPathComponent("status").path
            try gpg(k.admin, ["--status-file", status, "--verify", dir.appendingPathComponent("signed.asc").path, dir.appendingPathComponent("signed").path])
            XCTAssertTrue(try String(contentsOfFile: status, encoding: .utf8).contains("VALIDSIG \(k.signer)"))
            // The signed part is the body as Kizuna writes it unsigned, and a mail parser reads its text.
            XCTAssertEqual(parts[0], MIMEWriter.bodyEntity(try message(html: html), boundary: "=_kizuna_test"))
            XCTAssertEqual(try IncomingMessage.parse(mail).textBody?.contains("--due 2027-05-01: added"), true)
        }
    }

    func testAnEncryptedMailDecryptsInTheRecipientsGPGToTheBodySignedByTheInstance() throws {
        let k = try keys()
        let mail = try OpenPGPMail.seal(try message(), boundary: "=_kizuna_test", keyring: k.instance, signer: k.signer, encryptTo: k.adminKey)
        XCTAssertNil(String(decoding: mail, as: UTF8.self).range(of: "hanako"), "no personal data in clear")
        let (contentType, parts) = try parts(mail)
        XCTAssertTrue(contentType.hasPrefix(#"multipart/encrypted; protocol="application/pgp-encrypted""#), contentType)
        XCTAssertEqual(parts.count, 2)
        XCTAssertTrue(String(decoding: parts[0], as: UTF8.self).hasSuffix("Version: 1"))
        let dir = k.admin.deletingLastPathComponent()
        try Data(parts[1]).write(to: dir.appendingPathComponent("mail.asc"))
        let status = dir.appendingPathComponent("status").path
        let opened = try gpg(k.admin, ["--status-file", status, "--decrypt", dir.appendingPathComponent("mail.asc").path])
        XCTAssertEqual(Array(opened.utf8), MIMEWriter.bodyEntity(try message(), boundary: "=_kizuna_test"))
        XCTAssertTrue(try String(contentsOfFile: status, encoding: .utf8).contains("VALIDSIG \(k.signer)"))
    }
}
