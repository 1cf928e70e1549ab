import Foundation
import KizunaCore

/// Renders an `OutgoingMessage` as the bytes of an RFC 5322 / MIME message with CRLF line
/// endings, ready for SMTP DATA or a Maildir file.
public enum MIMEWriter {
    /// The whole message.
    public static func render(_ message: OutgoingMessage, boundary: String) -> [UInt8] {
        var bytes: [UInt8] = []
        let bodyBytes = message.textBody.utf8.count + (message.htmlBody?.utf8.count ?? 0)
        bytes.reserveCapacity(1_024 + bodyBytes * 3 / 2)
        render(message, into: &bytes, boundary: boundary)
        return bytes
    }

    /// Appends the whole message to `buffer` (which may already hold, say, a spool envelope).
    ///
    /// Characters a boundary may not contain (RFC 2046 §5.1.1) are dropped from `boundary`, and
    /// it is cut to 70; since both parts are base64, no body line can look like a boundary.
    public static func render(_ message: OutgoingMessage, into buffer: inout [UInt8], boundary: String) {
        var w = HeaderWriter()
        swap(&w.bytes, &buffer)
        defer { swap(&w.bytes, &buffer) }
        appendHeaders(message, into: &w)
        appendBodyEntity(message, into: &w, boundary: boundary)
    }

    /// The message's body as a MIME entity — its Content-* fields, a blank line, the body —
    /// without the final line break: the bytes PGP/MIME signs or encrypts (RFC 3156 §5).
    public static func bodyEntity(_ message: OutgoingMessage, boundary: String) -> [UInt8] {
        var w = HeaderWriter()
        appendBodyEntity(message, into: &w, boundary: boundary)
        if w.bytes.suffix(2) == [13, 10] { w.bytes.removeLast(2) }
        return w.bytes
    }

    /// Date to the extra fields and MIME-Version: every field but the Content-* ones.
    static func appendHeaders(_ message: OutgoingMessage, into w: inout HeaderWriter) {
        w.beginField("Date"); w.append(HeaderWriter.space)
        RFC5322Date.write(message.date, timeZone: message.timeZone, into: &w.bytes)
        w.newLine()

        w.beginField("From"); w.writeMailbox(message.from); w.newLine()
        w.beginField("To"); w.writeMailbox(message.to); w.newLine()
        if let replyTo = message.replyTo {
            w.beginField("Reply-To"); w.writeMailbox(replyTo); w.newLine()
        }
        w.beginField("Subject"); w.writeUnstructured(HeaderWriter.headerText(message.subject)); w.newLine()
        w.beginField("Message-ID"); w.append(HeaderWriter.space)
        w.append(HeaderWriter.angleToken(message.messageID)); w.newLine()
        w.append("MIME-Version: 1.0"); w.newLine()

        if let listID = message.listID {
            w.beginField("List-Id")
            let angle = HeaderWriter.angleToken(listID)
            let name = message.listName.map(HeaderWriter.headerText) ?? []
            if name.allSatisfy(HeaderWriter.isWSP) {
                w.append(HeaderWriter.space); w.append(angle)
            } else {
                w.writePhrase(name, thenAngle: angle)
            }
            w.newLine()
        }
        if !message.listUnsubscribe.isEmpty {
            w.beginField("List-Unsubscribe")
            for (k, uri) in message.listUnsubscribe.enumerated() {
                var item = HeaderWriter.angleURI(uri)
                if k + 1 < message.listUnsubscribe.count { item.append(0x2C) }
                if k > 0 && w.column + 1 + item.count > HeaderWriter.lineLimit { w.newLine() }
                w.append(HeaderWriter.space); w.append(item)
            }
            w.newLine()
            if message.listUnsubscribePost {
                w.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click"); w.newLine()
            }
        }
        for header in message.extraHeaders {
            guard w.beginField(sanitizing: header.name) else { continue }
            w.writeUnstructured(HeaderWriter.headerText(header.value))
            w.newLine()
        }
    }

    static func appendBodyEntity(_ message: OutgoingMessage, into w: inout HeaderWriter, boundary: String) {
        if let html = message.htmlBody {
            let b = boundaryBytes(boundary)
            w.append("Content-Type: multipart/alternative;")
            if w.column + 12 + b.count > HeaderWriter.lineLimit { w.newLine() }
            w.append(" boundary=\""); w.append(b); w.append(0x22); w.newLine()
            w.newLine()
            w.append("--"); w.append(b); w.newLine()
            w.append("Content-Type: text/plain; charset=UTF-8"); w.newLine()
            w.append("Content-Transfer-Encoding: base64"); w.newLine()
            w.newLine()
            Base64.appendBody(message.textBody, into: &w.bytes)
            w.append("--"); w.append(b); w.newLine()
            w.append("Content-Type: text/html; charset=UTF-8"); w.newLine()
            w.append("Content-Transfer-Encoding: base64"); w.newLine()
            w.newLine()
            Base64.appendBody(html, into: &w.bytes)
            w.append("--"); w.append(b); w.append("--"); w.newLine()
        } else {
            w.append("Content-Type: text/plain; charset=UTF-8"); w.newLine()
            w.append("Content-Transfer-Encoding: base64"); w.newLine()
            w.newLine()
            Base64.appendBody(message.textBody, into: &w.bytes)
        }
    }

    /// A boundary derived from `seed` (say, the delivery id): the same seed gives the same
    /// boundary, so a re-rendered message is byte-identical.
    public static func makeBoundary(seed: UInt64) -> String {
        var state = seed
        let hex: StaticString = "0123456789abcdef"
        var out: [UInt8] = Array("=_kizuna_".utf8)
        for _ in 0..<2 {
            var v = splitMix64(&state)
            for _ in 0..<16 {
                out.append(hex.utf8Start[Int(v >> 60)])
                v <<= 4
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The caller's boundary reduced to RFC 2046 `bchars` (without space), at most 70 of them.
    static func boundaryBytes(_ boundary: String) -> [UInt8] {
        var out: [UInt8] = []
        for b in boundary.utf8 where out.count < 70 {
            switch b {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A,
                 0x27, 0x28, 0x29, 0x2B, 0x5F, 0x2C, 0x2D, 0x2E, 0x2F, 0x3A, 0x3D, 0x3F:
                out.append(b)
            default:
                continue
            }
        }
        return out.isEmpty ? Array(makeBoundary(seed: 0).utf8) : out
    }
}
