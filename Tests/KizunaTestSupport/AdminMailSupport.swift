import Foundation
import XCTest

/// An administrator's own GnuPG home and the signed mail their client would write: PGP/MIME
/// `multipart/signed` (the first part's exact bytes signed with `gpg --detach-sign`),
/// `multipart/encrypted` (`gpg --encrypt --sign` to the instance's key) and inline clearsigned
/// text. Keys are `NAME <NAME@clinic.example>`, made by gpg at test time.
public struct AdminMailMaker {
    public let home: URL
    /// Beside the home: files handed to gpg.
    public let dir: URL

    public init(_ test: XCTestCase, label: String = "admin") throws {
        _ = try requireGPG()
        home = try makeGnuPGHome(test, label)
        dir = home.deletingLastPathComponent()
    }

    /// `NAME@clinic.example`, or the name itself when it is an address.
    public static func address(_ name: String) -> String { name.contains("@") ? name : "\(name)@clinic.example" }

    /// Makes a key (Ed25519 with a cv25519 subkey unless `signOnly`) and returns its fingerprint.
    @discardableResult
    public func makeKey(_ name: String, expiry: String = "never", fakedTime: String? = nil, signOnly: Bool = false) throws -> String {
        let faked = fakedTime.map { ["--faked-system-time", $0] } ?? []
        let uid = "\(name.capitalized) <\(Self.address(name))>"
        if signOnly {
            try gpg(home, faked + ["--quick-gen-key", uid, "ed25519", "sign", expiry])
        } else {
            try gpg(home, faked + ["--quick-gen-key", uid, "future-default", "default", expiry])
        }
        return try fingerprint(name)
    }

    public func fingerprint(_ name: String) throws -> String {
        let listing = try gpg(home, ["--with-colons", "--list-keys", Self.address(name)])
        return String(listing.split(separator: "\n").first { $0.hasPrefix("fpr:") }!.split(separator: ":", omittingEmptySubsequences: false)[9])
    }

    /// The public key of `name`, armored, in a file.
    public func export(_ name: String) throws -> URL {
        let file = dir.appendingPathComponent("\(name).asc")
        try gpg(home, ["--armor", "--export", Self.address(name)]).write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Revokes `name` with the certificate gpg wrote when it made the key; returns the revoked public key.
    public func revoke(_ name: String) throws -> URL {
        let cert = try String(contentsOf: home.appendingPathComponent("openpgp-revocs.d/\(try fingerprint(name)).rev"), encoding: .utf8)
        let file = dir.appendingPathComponent("\(name).rev")
        try cert.replacingOccurrences(of: ":-----BEGIN", with: "-----BEGIN").write(to: file, atomically: true, encoding: .utf8)
        try gpg(home, ["--import", file.path])
        return try export(name)
    }

    public func importKey(armored: String) throws {
        let file = dir.appendingPathComponent("import-\(UUID().uuidString).asc")
        try armored.write(to: file, atomically: true, encoding: .utf8)
        try gpg(home, ["--import", file.path])
    }

    /// A text/plain MIME entity (CRLF), what a client signs or encrypts.
    public static func textEntity(_ text: String) -> [UInt8] {
        Array(("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + text.replacingOccurrences(of: "\n", with: "\r\n")).utf8)
    }

    /// A multipart/mixed entity: the text and one attachment (base64).
    public static func entityWithAttachment(_ text: String, filename: String, contentType: String, data: Data) -> [UInt8] {
        let b = "mixed-\(UUID().uuidString.prefix(8))"
        let encoded = data.base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return Array(("Content-Type: multipart/mixed; boundary=\"\(b)\"\r\n\r\n--\(b)\r\n").utf8) + textEntity(text)
            + Array(("\r\n--\(b)\r\nContent-Type: \(contentType)\r\nContent-Disposition: attachment; filename=\"\(filename)\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n\(encoded)\r\n--\(b)--\r\n").utf8)
    }

    /// `entity` signed as RFC 3156 §5 says: the detached signature over its exact bytes.
    public func signed(_ entity: [UInt8], by signer: String, fakedTime: String? = nil, header: [String]) throws -> [UInt8] {
        let file = dir.appendingPathComponent("entity-\(UUID().uuidString)")
        try Data(entity).write(to: file)
        try gpg(home, (fakedTime.map { ["--faked-system-time", $0] } ?? [])
            + ["--local-user", Self.address(signer), "--armor", "--detach-sign", "--output", file.path + ".asc", file.path])
        let signature = try String(contentsOf: URL(fileURLWithPath: file.path + ".asc"), encoding: .utf8)
        let b = "signed-\(UUID().uuidString.prefix(8))"
        let top = header + ["MIME-Version: 1.0",
                            "Content-Type: multipart/signed; micalg=pgp-sha512;\r\n protocol=\"application/pgp-signature\"; boundary=\"\(b)\""]
        return Array((top.joined(separator: "\r\n") + "\r\n\r\nThis is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n--\(b)\r\n").utf8)
            + entity + Array(("\r\n--\(b)\r\nContent-Type: application/pgp-signature; name=\"signature.asc\"\r\n"
                + "Content-Description: OpenPGP digital signature\r\nContent-Disposition: attachment; filename=\"signature.asc\"\r\n\r\n"
                + signature.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n--\(b)--\r\n").utf8)
    }

    /// `entity` encrypted to `recipient` (a fingerprint) and signed inside by `signer`, as RFC 3156 §6.2.
    public func encrypted(_ entity: [UInt8], by signer: String?, to recipient: String, header: [String]) throws -> [UInt8] {
        let file = dir.appendingPathComponent("plain-\(UUID().uuidString)")
        try Data(entity).write(to: file)
        try gpg(home, ["--trust-model", "always", "--armor", "--recipient", recipient, "--output", file.path + ".asc"]
            + (signer.map { ["--local-user", Self.address($0), "--sign"] } ?? []) + ["--encrypt", file.path])
        let armored = try String(contentsOf: URL(fileURLWithPath: file.path + ".asc"), encoding: .utf8)
        let b = "encrypted-\(UUID().uuidString.prefix(8))"
        let top = header + ["MIME-Version: 1.0",
                            "Content-Type: multipart/encrypted;\r\n protocol=\"application/pgp-encrypted\"; boundary=\"\(b)\""]
        return Array((top.joined(separator: "\r\n") + "\r\n\r\nThis is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n--\(b)\r\n"
            + "Content-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n\r\n--\(b)\r\n"
            + "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\nContent-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n"
            + armored.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n--\(b)--\r\n").utf8)
    }

    /// `text` clearsigned (`gpg --clearsign`) in a text/plain message.
    public func clearsigned(_ text: String, by signer: String, header: [String]) throws -> [UInt8] {
        let file = dir.appendingPathComponent("clear-\(UUID().uuidString)")
        try text.write(to: file, atomically: true, encoding: .utf8)
        try gpg(home, ["--local-user", Self.address(signer), "--output", file.path + ".asc", "--clearsign", file.path])
        let armored = try String(contentsOf: URL(fileURLWithPath: file.path + ".asc"), encoding: .utf8)
        return Array(((header + ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"])
            .joined(separator: "\r\n") + "\r\n\r\n" + armored.replacingOccurrences(of: "\n", with: "\r\n")).utf8)
    }

    /// `text` as an inline `-----BEGIN PGP MESSAGE-----` block in a text/plain message: signed
    /// (`gpg --sign --armor`), and encrypted to `encryptTo` too when given (Enigmail's inline mode).
    public func inlineMessage(_ text: String, by signer: String, encryptTo: String? = nil, header: [String]) throws -> [UInt8] {
        let file = dir.appendingPathComponent("inline-\(UUID().uuidString)")
        try text.write(to: file, atomically: true, encoding: .utf8)
        try gpg(home, ["--trust-model", "always", "--local-user", Self.address(signer), "--armor", "--output", file.path + ".asc", "--sign"]
            + (encryptTo.map { ["--recipient", $0, "--encrypt"] } ?? []) + [file.path])
        let armored = try String(contentsOf: URL(fileURLWithPath: file.path + ".asc"), encoding: .utf8)
        return Array(((header + ["MIME-Version: 1.0", "Content-Type: text/plain; charset=us-ascii"]).joined(separator: "\r\n")
            + "\r\n\r\n" + armored.replacingOccurrences(of: "\n", with: "\r\n")).utf8)
    }

    /// A mail's header lines.
    public static func header(from: String, to: String = "kizuna@clinic.example", subject: String = "commands",
                              messageID: String = UUID().uuidString + "@clinic.example") -> [String] {
        ["From: \(from)", "To: \(to)", "Subject: \(subject)", "Message-ID: <\(messageID)>", "Date: Mon, 07 Dec 2026 09:00:00 +0900"]
    }

    /// Decrypts (or verifies) `mail`'s PGP/MIME as the administrator's client does; returns the
    /// plain text and gpg's status lines.
    public func open(_ mail: String) throws -> (text: String, status: String) {
        let begin = mail.range(of: "-----BEGIN PGP MESSAGE-----")!.lowerBound
        let end = mail.range(of: "-----END PGP MESSAGE-----")!.upperBound
        let file = dir.appendingPathComponent("reply-\(UUID().uuidString).asc")
        try String(mail[begin..<end]).write(to: file, atomically: true, encoding: .utf8)
        let status = file.path + ".status"
        let text = try gpg(home, ["--status-file", status, "--decrypt", file.path])
        return (text, try String(contentsOfFile: status, encoding: .utf8))
    }
}
