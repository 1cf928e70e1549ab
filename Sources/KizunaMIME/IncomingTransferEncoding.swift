/// Content-Transfer-Encoding decoders (RFC 2045 §6) that accept what real mailers send:
/// base64 with odd line lengths, stray characters or padding in the middle; quoted-printable
/// with lowercase hex, bare `=` and soft breaks before LF or trailing blanks.
enum IncomingTransferEncoding {
    /// Decodes a body with the named transfer encoding; unknown encodings pass through.
    static func decode(_ bytes: ArraySlice<UInt8>, encoding: String, defects: inout [String]) -> [UInt8] {
        switch encoding {
        case "base64":
            let r = decodeBase64(bytes)
            if r.garbage > 0 { defects.append("base64 body has \(r.garbage) stray characters, skipped") }
            return r.bytes
        case "quoted-printable":
            return decodeQuotedPrintable(bytes, underscoreIsSpace: false)
        case "", "7bit", "8bit", "binary":
            return Array(bytes)
        default:
            // x-uuencode and friends: keep the bytes rather than lose the part.
            defects.append("unknown Content-Transfer-Encoding \(encoding), body kept as is")
            return Array(bytes)
        }
    }

    private static let base64Values: [Int8] = {
        var t = [Int8](repeating: -1, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { t[Int(c)] = Int8(i) }
        // URL-safe letters appear in the wild; they cannot mean anything else.
        t[Int(UInt8(ascii: "-"))] = 62
        t[Int(UInt8(ascii: "_"))] = 63
        return t
    }()

    /// Base64 ignoring whitespace and counting other stray bytes; `=` ends a group, so
    /// concatenated encodings (each with its padding) still decode.
    static func decodeBase64(_ bytes: some Collection<UInt8>) -> (bytes: [UInt8], garbage: Int) {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 4 * 3 + 3)
        var acc: UInt32 = 0, count = 0, garbage = 0
        base64Values.withUnsafeBufferPointer { table in
            for b in bytes {
                let v = table[Int(b)]
                if v >= 0 {
                    acc = acc << 6 | UInt32(v)
                    count += 1
                    if count == 4 {
                        out.append(UInt8(acc >> 16 & 0xFF)); out.append(UInt8(acc >> 8 & 0xFF)); out.append(UInt8(acc & 0xFF))
                        acc = 0; count = 0
                    }
                } else if b == UInt8(ascii: "=") {
                    if count == 2 { out.append(UInt8(acc >> 4 & 0xFF)) }
                    if count == 3 { out.append(UInt8(acc >> 10 & 0xFF)); out.append(UInt8(acc >> 2 & 0xFF)) }
                    acc = 0; count = 0
                } else if b != 0x0D && b != 0x0A && b != 0x20 && b != 0x09 {
                    garbage += 1
                }
            }
        }
        // Unpadded end.
        if count == 2 { out.append(UInt8(acc >> 4 & 0xFF)) }
        if count == 3 { out.append(UInt8(acc >> 10 & 0xFF)); out.append(UInt8(acc >> 2 & 0xFF)) }
        return (out, garbage)
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    /// Quoted-printable; with `underscoreIsSpace` the RFC 2047 "Q" form. An `=` that starts
    /// no valid escape is kept literally.
    static func decodeQuotedPrintable(_ bytes: some Collection<UInt8>, underscoreIsSpace: Bool) -> [UInt8] {
        let src = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(src.count)
        var i = 0
        let n = src.count
        while i < n {
            let b = src[i]
            if b == UInt8(ascii: "=") {
                if i + 2 < n, let hi = hexValue(src[i + 1]), let lo = hexValue(src[i + 2]) {
                    out.append(hi << 4 | lo); i += 3; continue
                }
                // Soft line break: `=`, optional trailing blanks, then CRLF, LF or the end.
                var j = i + 1
                while j < n && (src[j] == 0x20 || src[j] == 0x09) { j += 1 }
                if j == n { i = j; continue }
                if src[j] == 0x0A { i = j + 1; continue }
                if src[j] == 0x0D && j + 1 < n && src[j + 1] == 0x0A { i = j + 2; continue }
                out.append(b); i += 1
            } else if underscoreIsSpace && b == UInt8(ascii: "_") {
                out.append(0x20); i += 1
            } else {
                out.append(b); i += 1
            }
        }
        return out
    }
}
