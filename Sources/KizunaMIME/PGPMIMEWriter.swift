import Foundation

/// Renders a message as PGP/MIME (RFC 3156): `multipart/signed` around the body entity and its
/// detached signature, or `multipart/encrypted` around the armored ciphertext of the body
/// entity. The signing and encrypting happen elsewhere (the keyring); this is only the layout,
/// so any OpenPGP mail client (Thunderbird, mutt, K-9) shows it as signed or encrypted.
public enum PGPMIMEWriter {
    /// `entity` is `MIMEWriter.bodyEntity(message, boundary:)` exactly as signed; `signature`
    /// the armored detached signature over it; `micalg` its hash (`pgp-sha512`).
    public static func signed(_ message: OutgoingMessage, entity: [UInt8], signature: Data, micalg: String, boundary: String) -> [UInt8] {
        var w = HeaderWriter()
        MIMEWriter.appendHeaders(message, into: &w)
        let b = outerBoundary(boundary)
        w.append("Content-Type: multipart/signed; micalg="); w.append(Array(micalg.utf8.filter(isToken))); w.append(";"); w.newLine()
        w.append(" protocol=\"application/pgp-signature\";"); w.newLine()
        w.append(" boundary=\""); w.append(b); w.append(0x22); w.newLine()
        w.newLine()
        w.append("This is an OpenPGP/MIME signed message (RFC 4880 and 3156)"); w.newLine()
        w.append("--"); w.append(b); w.newLine()
        w.append(entity); w.newLine()
        appendPart(b, ["Content-Type: application/pgp-signature; name=\"signature.asc\"",
                       "Content-Description: OpenPGP digital signature",
                       "Content-Disposition: attachment; filename=\"signature.asc\""], into: &w)
        appendArmor(signature, into: &w)
        w.append("--"); w.append(b); w.append("--"); w.newLine()
        return w.bytes
    }

    /// `armored` is the OpenPGP message holding `MIMEWriter.bodyEntity(message, boundary:)`.
    public static func encrypted(_ message: OutgoingMessage, armored: Data, boundary: String) -> [UInt8] {
        var w = HeaderWriter()
        MIMEWriter.appendHeaders(message, into: &w)
        let b = outerBoundary(boundary)
        w.append("Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";"); w.newLine()
        w.append(" boundary=\""); w.append(b); w.append(0x22); w.newLine()
        w.newLine()
        w.append("This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)"); w.newLine()
        appendPart(b, ["Content-Type: application/pgp-encrypted", "Content-Description: PGP/MIME version identification"], into: &w)
        w.append("Version: 1"); w.newLine()
        appendPart(b, ["Content-Type: application/octet-stream; name=\"encrypted.asc\"",
                       "Content-Description: OpenPGP encrypted message",
                       "Content-Disposition: inline; filename=\"encrypted.asc\""], into: &w)
        appendArmor(armored, into: &w)
        w.append("--"); w.append(b); w.append("--"); w.newLine()
        return w.bytes
    }

    /// The outer boundary differs from the body entity's own (a multipart/alternative inside).
    static func outerBoundary(_ boundary: String) -> [UInt8] {
        Array(MIMEWriter.boundaryBytes(boundary).prefix(64)) + Array("_pgp".utf8)
    }

    /// A delimiter and a part's header fields, up to the blank line before its body.
    static func appendPart(_ boundary: [UInt8], _ fields: [StaticString], into w: inout HeaderWriter) {
        w.append("--"); w.append(boundary); w.newLine()
        for field in fields { w.append(field); w.newLine() }
        w.newLine()
    }

    /// Armor is ASCII in lines; gpg ends them with LF, mail needs CRLF.
    static func appendArmor(_ armor: Data, into w: inout HeaderWriter) {
        var line: [UInt8] = []
        for byte in armor where byte != 13 {
            if byte == 10 { w.append(line); w.newLine(); line.removeAll(keepingCapacity: true) } else { line.append(byte) }
        }
        if !line.isEmpty { w.append(line); w.newLine() }
    }

    private static func isToken(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x2D
    }
}
