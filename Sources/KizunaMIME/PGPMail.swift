import Foundation

/// The OpenPGP a received message carries — PGP/MIME (RFC 3156) signed or encrypted, or inline
/// PGP in a text part — with the exact bytes to verify or decrypt, found before its text is read
/// as anything.
public struct PGPMail: Sendable, Equatable {
    /// How the message carries it. The raw value is the stored word.
    public enum Form: String, Sendable, Codable, CaseIterable {
        /// `multipart/signed; protocol="application/pgp-signature"`.
        case signed = "pgp/mime signed"
        /// `multipart/encrypted; protocol="application/pgp-encrypted"`.
        case encrypted = "pgp/mime encrypted"
        /// A text part holding `-----BEGIN PGP SIGNED MESSAGE-----` (clearsigned).
        case inlineSigned = "inline signed"
        /// A text part holding `-----BEGIN PGP MESSAGE-----` (encrypted, or signed opaquely).
        case inlineMessage = "inline message"
    }

    public var form: Form
    /// `signed`: the first body part, its header included, exactly as received with every line
    /// ending in CRLF (RFC 3156 §5: what the signature covers); `encrypted`: the second part's
    /// body, the armored message; inline: the armored block from its BEGIN line to its END line.
    public var content: [UInt8]
    /// The detached signature of `signed`, armored; nil for the other forms.
    public var signature: [UInt8]?

    public init(form: Form, content: [UInt8], signature: [UInt8]? = nil) {
        self.form = form; self.content = content; self.signature = signature
    }

    /// The OpenPGP of a message (or a decrypted MIME entity) parsed as `message` from `bytes`;
    /// nil when it carries none. Only the top-level entity is PGP/MIME (RFC 3156 puts it
    /// there); inline PGP is looked for in its text parts.
    public static func find(in bytes: [UInt8], message: IncomingMessage, limits: ParseLimits = .default) -> PGPMail? {
        let type = message.contentType
        let proto = type.parameters["protocol"]?.lowercased()
        if type.type == "multipart", (type.subtype == "signed" && proto == "application/pgp-signature")
            || (type.subtype == "encrypted" && proto == "application/pgp-encrypted") {
            return pgpMIME(bytes, subtype: type.subtype, limits: limits)
        }
        for part in message.parts where part.contentType.type == "text" && !part.isAttachment {
            if let block = armored(part.body, begin: "-----BEGIN PGP SIGNED MESSAGE-----", end: "-----END PGP SIGNATURE-----") {
                return PGPMail(form: .inlineSigned, content: block)
            }
            if let block = armored(part.body, begin: "-----BEGIN PGP MESSAGE-----", end: "-----END PGP MESSAGE-----") {
                return PGPMail(form: .inlineMessage, content: block)
            }
        }
        return nil
    }

    /// The text a clearsigned block signs (armor header and signature left out, dash-escapes
    /// undone), to see what it says before it is verified; nil for the other forms.
    public var clearsignedText: String? {
        guard form == .inlineSigned else { return nil }
        // `isNewline`: CRLF is one Character in Swift.
        let lines = String(decoding: content, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard let blank = lines.firstIndex(where: { $0.isEmpty }) else { return "" }
        let body = lines[(blank + 1)...].prefix { $0 != "-----BEGIN PGP SIGNATURE-----" }
        return body.map { $0.hasPrefix("- ") ? String($0.dropFirst(2)) : String($0) }.joined(separator: "\n")
    }

    /// The message as its sender meant it to be read once decrypted: its header fields, save
    /// the Content-* ones and MIME-Version, over `text` as a plain UTF-8 body. A parent's
    /// encrypted mail is read from this with the same rules as any other.
    public static func opened(_ bytes: [UInt8], text: String) -> [UInt8] {
        var out: [UInt8] = []
        bytes.withUnsafeBufferPointer { buf in
            var defects: [String] = []
            let start = bodyStart(buf)
            let end = IncomingHeaders.parseBlock(buf, range: start..<buf.count, maxBytes: ParseLimits.default.maxHeaderBytes, defects: &defects).bodyStart
            var keep = false
            var line = start
            while line < end {
                let next = IncomingHeaders.nextLine(buf, from: line)
                let first = buf[line]
                if first != 0x20 && first != 0x09 {
                    let name = String(decoding: UnsafeBufferPointer(rebasing: buf[line..<min(line + 13, next)]), as: UTF8.self).lowercased()
                    keep = !(name.hasPrefix("content-") || name.hasPrefix("mime-version")) && !(first == 0x0D || first == 0x0A)
                }
                if keep { out += withCRLF(UnsafeBufferPointer(rebasing: buf[line..<next])) }
                line = next
            }
        }
        out += Array("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".utf8)
        out += Array(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
        return out
    }

    /// The two parts of a top-level multipart/signed or multipart/encrypted; nil unless there
    /// are exactly two.
    private static func pgpMIME(_ bytes: [UInt8], subtype: String, limits: ParseLimits) -> PGPMail? {
        bytes.withUnsafeBufferPointer { buf -> PGPMail? in
            var defects: [String] = []
            let top = IncomingHeaders.parseBlock(buf, range: bodyStart(buf)..<buf.count, maxBytes: limits.maxHeaderBytes, defects: &defects)
            guard let type = top.headers.value("Content-Type").flatMap(ContentType.init(parsing:)),
                  let boundary = type.parameters["boundary"], !boundary.isEmpty else { return nil }
            let builder = PartTreeBuilder(buf: buf, limits: limits, defects: [])
            let split = builder.splitMultipart(top.bodyStart..<buf.count, boundary: Array(boundary.utf8))
            guard split.parts.count == 2 else { return nil }
            let second = IncomingHeaders.parseBlock(buf, range: split.parts[1], maxBytes: limits.maxHeaderBytes, defects: &defects)
            let encoding = (second.headers.value("Content-Transfer-Encoding") ?? "").trimmingBlanks().lowercased()
            let secondBody = IncomingTransferEncoding.decode(ArraySlice(UnsafeBufferPointer(rebasing: buf[second.bodyStart..<split.parts[1].upperBound])),
                                                             encoding: encoding, defects: &defects)
            if subtype == "encrypted" { return PGPMail(form: .encrypted, content: secondBody) }
            return PGPMail(form: .signed, content: withCRLF(UnsafeBufferPointer(rebasing: buf[split.parts[0]])), signature: secondBody)
        }
    }

    /// Where the header starts: after an mbox `From ` line, as the parser reads it.
    private static func bodyStart(_ buf: UnsafeBufferPointer<UInt8>) -> Int {
        buf.count >= 5 && buf[0] == 0x46 && buf[1] == 0x72 && buf[2] == 0x6F && buf[3] == 0x6D && buf[4] == 0x20
            ? IncomingHeaders.nextLine(buf, from: 0) : 0
    }

    /// The bytes with every bare LF made CRLF (a message stored with LF line ends was signed
    /// with CRLF ones); nothing else changes.
    static func withCRLF(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 32)
        var previous: UInt8 = 0
        for b in bytes {
            if b == 0x0A && previous != 0x0D { out.append(0x0D) }
            out.append(b)
            previous = b
        }
        return out
    }

    /// From the line that starts with `begin` to the end of the line that starts with `end`.
    static func armored(_ body: [UInt8], begin: String, end: String) -> [UInt8]? {
        guard let start = lineStart(of: Array(begin.utf8), in: body[...]),
              let stop = lineStart(of: Array(end.utf8), in: body[start...]) else { return nil }
        var close = stop
        while close < body.count && body[close] != 0x0A { close += 1 }
        return Array(body[start..<min(close + 1, body.count)])
    }

    /// The index of `needle` where it begins a line of `hay`.
    private static func lineStart(of needle: [UInt8], in hay: ArraySlice<UInt8>) -> Int? {
        var from = hay.startIndex
        while let r = hay[from...].firstRange(of: needle) {
            if r.lowerBound == hay.startIndex || hay[r.lowerBound - 1] == 0x0A { return r.lowerBound }
            from = r.upperBound
        }
        return nil
    }
}
