import Foundation
import KizunaCore
import KizunaMIME
import XCTest

/// Finding the OpenPGP of a received message: the exact signed bytes of a PGP/MIME message, the
/// ciphertext of an encrypted one, an inline block; and the reader's administrator's mail.
final class PGPMailTests: XCTestCase {
    let firstPart = "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 7bit\n\nsubscribers list  \nloss a@b.example\n"

    func signed(lineEnd: String) -> [UInt8] {
        let text = """
            From: Admin <admin@clinic.example>
            To: kizuna@clinic.example
            Subject: commands
            Message-ID: <s1@clinic.example>
            MIME-Version: 1.0
            Content-Type: multipart/signed; micalg=pgp-sha512;
             protocol="application/pgp-signature"; boundary="b1"

            This is an OpenPGP/MIME signed message (RFC 4880 and 3156)
            --b1
            \(firstPart)
            --b1
            Content-Type: application/pgp-signature; name="signature.asc"

            -----BEGIN PGP SIGNATURE-----
            AAAA
            -----END PGP SIGNATURE-----

            --b1--

            """
        return Array(text.replacingOccurrences(of: "\n", with: lineEnd).utf8)
    }

    func testTheSignedBytesAreTheFirstPartWithItsHeaderInCRLFWhateverTheStoredLineEnds() throws {
        let expected = Array(firstPart.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        for lineEnd in ["\r\n", "\n"] {
            let bytes = signed(lineEnd: lineEnd)
            let pgp = try XCTUnwrap(PGPMail.find(in: bytes, message: try IncomingMessage.parse(bytes)))
            XCTAssertEqual(pgp.form, .signed)
            XCTAssertEqual(pgp.content, expected, "trailing blanks kept, nothing re-encoded, CRLF")
            XCTAssertEqual(String(decoding: pgp.signature ?? [], as: UTF8.self).hasPrefix("-----BEGIN PGP SIGNATURE-----"), true)
        }
    }

    func testEncryptedAndInlineForms() throws {
        let encrypted = Array("""
            From: admin@clinic.example\r
            To: kizuna@clinic.example\r
            Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary=e\r
            \r
            --e\r
            Content-Type: application/pgp-encrypted\r
            \r
            Version: 1\r
            --e\r
            Content-Type: application/octet-stream\r
            \r
            -----BEGIN PGP MESSAGE-----\r
            BBBB\r
            -----END PGP MESSAGE-----\r
            --e--\r

            """.utf8)
        let e = try XCTUnwrap(PGPMail.find(in: encrypted, message: try IncomingMessage.parse(encrypted)))
        XCTAssertEqual(e.form, .encrypted)
        XCTAssertEqual(String(decoding: e.content, as: UTF8.self), "-----BEGIN PGP MESSAGE-----\r\nBBBB\r\n-----END PGP MESSAGE-----")

        let inline = Array("""
            From: admin@clinic.example\r
            To: kizuna@clinic.example\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            -----BEGIN PGP SIGNED MESSAGE-----\r
            Hash: SHA512\r
            \r
            - -- not a signature line\r
            subscribers list\r
            -----BEGIN PGP SIGNATURE-----\r
            CCCC\r
            -----END PGP SIGNATURE-----\r
            trailing words\r

            """.utf8)
        let i = try XCTUnwrap(PGPMail.find(in: inline, message: try IncomingMessage.parse(inline)))
        XCTAssertEqual(i.form, .inlineSigned)
        XCTAssertTrue(String(decoding: i.content, as: UTF8.self).hasSuffix("-----END PGP SIGNATURE-----\r\n"))
        XCTAssertEqual(i.clearsignedText, "-- not a signature line\nsubscribers list")

        let plain = Array("From: a@b.example\r\nTo: kizuna@clinic.example\r\n\r\nI saw -----BEGIN PGP MESSAGE----- in a mail\r\n".utf8)
        XCTAssertNil(PGPMail.find(in: plain, message: try IncomingMessage.parse(plain)), "only at the start of a line")
    }

    let editions = [Edition(id: "sakura", name: "Sakura", address: try! EmailAddress(parsing: "kizuna@clinic.example"),
                                fromName: "Sakura", languages: ["ja", "en"], plusAddressing: true)]
    let today = CivilDate(iso: "2026-12-07")!

    func mail(_ body: String, from: String = "parent@families.example") -> [UInt8] {
        Array("From: \(from)\r\nTo: kizuna@clinic.example\r\nSubject: hi\r\nMessage-ID: <\(UUID().uuidString)@x>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\(body)\r\n".utf8)
    }

    func testTheReaderNeverReadsAnAdministratorsMailAsAParentsCommand() throws {
        for body in ["subscribers remove a@b.example", "\n\nloss a@b.example\n", "Subscribers add a@b.example --due 2027-05-01"] {
            let r = InboundReader.read(mail(body), editions: editions, today: today)
            XCTAssertTrue(r.isAdministrators, body)
            XCTAssertNil(r.parsed, body)
            XCTAssertEqual(r.decision.kind, .other, body)
            XCTAssertFalse(r.decision.mayReply, body)
            XCTAssertNil(r.pgp)
        }
        for (body, command) in [("stop", "stop"), ("loss", "loss"), ("born 2027-04-28", "born"), ("出生 2027-04-28", "born"),
                                ("help", "help"), ("停止\nsubscribers remove a@b.example", "stop")] {
            let r = InboundReader.read(mail(body), editions: editions, today: today)
            XCTAssertFalse(r.isAdministrators, body)
            XCTAssertEqual(r.decision.kind, .command, body)
            XCTAssertEqual(r.decision.command?.name, command, body)
        }
        // A signed mail with a parent's words is read as a parent's too: the poller decides by its key.
        let bytes = signed(lineEnd: "\r\n").map { $0 }
        let signedParent = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "subscribers list  \r\nloss a@b.example", with: "stop")
        let r = InboundReader.read(Array(signedParent.utf8), editions: editions, today: today)
        XCTAssertEqual(r.pgp?.form, .signed)
        XCTAssertFalse(r.isAdministrators)
        XCTAssertEqual(r.decision.command?.name, "stop")
        let signedAdmin = InboundReader.read(signed(lineEnd: "\r\n"), editions: editions, today: today)
        XCTAssertTrue(signedAdmin.isAdministrators)
        XCTAssertEqual(signedAdmin.pgp?.form, .signed)
    }
}
