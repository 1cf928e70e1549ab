import CIconv

/// Turns bytes in a named charset into text through glibc's iconv, which (unlike Foundation on
/// Linux) knows EUC-JP, CP932 and the ISO-2022-JP family. Never fails: invalid sequences become
/// U+FFFD, and an unknown or missing charset is guessed.
enum IncomingCharset {
    /// Decoded text, and a defect when the bytes did not fit the charset cleanly.
    struct Decoded {
        var text: String
        var defect: String?
    }

    /// Decodes `bytes` labelled `label` (nil when the part named no charset).
    static func decode(_ bytes: some Collection<UInt8>, label: String?) -> Decoded {
        let bytes = Array(bytes)
        guard let label, !label.isEmpty else {
            if isASCII(bytes) && !bytes.contains(0x1B) { return Decoded(text: String(decoding: bytes, as: UTF8.self)) }
            return Decoded(text: guess(bytes), defect: "no charset given for 8-bit text; guessed")
        }
        let name = canonicalName(label)
        switch name {
        case "UTF-8":
            if let s = String(validating: bytes, as: UTF8.self) { return Decoded(text: s) }
            return Decoded(text: String(decoding: bytes, as: UTF8.self), defect: "invalid UTF-8 replaced")
        case "US-ASCII":
            if isASCII(bytes) && !bytes.contains(0x1B) { return Decoded(text: String(decoding: bytes, as: UTF8.self)) }
            return Decoded(text: guess(bytes), defect: "8-bit bytes in text labelled \(label); guessed")
        case "ISO-2022-JP":
            return decodeISO2022JP(bytes)
        default:
            let candidates = fallbacks[name] ?? [name]
            for candidate in candidates {
                guard let result = iconvDecode(bytes, from: candidate) else { continue }
                if result.clean { return Decoded(text: result.text) }
            }
            if let lossy = iconvDecode(bytes, from: candidates[0]) {
                return Decoded(text: lossy.text, defect: "invalid \(label) sequences replaced")
            }
            return Decoded(text: guess(bytes), defect: "unknown charset \(label); guessed")
        }
    }

    /// Best guess for unlabelled bytes: ISO-2022-JP when it has JIS escapes, else UTF-8, else
    /// CP932 (what Japanese phones send), else Windows-1252 / Latin-1, which always decode.
    static func guess(_ bytes: [UInt8]) -> String {
        if hasJISEscape(bytes) { return decodeISO2022JP(bytes).text }
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        for candidate in ["CP932", "WINDOWS-1252", "ISO-8859-1"] {
            if let r = iconvDecode(bytes, from: candidate), r.clean { return r.text }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Charsets whose labels are lies or subsets in practice, and what to try in their place.
    private static let fallbacks: [String: [String]] = [
        // Windows-1252 is what "Latin-1" senders produce; it leaves five bytes undefined.
        "ISO-8859-1": ["WINDOWS-1252", "ISO-8859-1"],
        "EUC-JP": ["EUC-JP", "EUC-JP-MS"],
        "ISO-2022-JP-3": ["ISO-2022-JP-3", "ISO-2022-JP-2"],
    ]

    /// The iconv name for a MIME charset label.
    static func canonicalName(_ label: String) -> String {
        var l = label.trimmingBlanks().lowercased()
        if l.hasPrefix("\"") && l.hasSuffix("\"") && l.count >= 2 { l = String(l.dropFirst().dropLast()) }
        // RFC 2231 allows a language suffix in encoded-words: charset*lang.
        if let star = l.firstIndex(of: "*") { l = String(l[..<star]) }
        switch l {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8": return "UTF-8"
        case "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us": return "US-ASCII"
        case "iso-2022-jp", "csiso2022jp", "iso-2022-jp-ext", "cp50220", "cp50221", "cp50222", "x-cp50220", "x-cp50221", "jis", "iso-2022-jp-1":
            return "ISO-2022-JP"
        case "iso-2022-jp-2", "csiso2022jp2": return "ISO-2022-JP-2"
        case "iso-2022-jp-3", "iso-2022-jp-2004": return "ISO-2022-JP-3"
        case "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j", "cp932", "ms932",
             "x-ms-cp932", "shift_jis-2004", "shift_jisx0213", "sjis-win", "x-sjis-docomo", "x-sjis-kddi", "x-sjis-softbank":
            return "CP932"
        case "euc-jp", "eucjp", "x-euc-jp", "cseucpkdfmtjapanese", "euc-jis-2004", "euc-jisx0213": return "EUC-JP"
        case "iso-8859-1", "latin1", "l1", "iso8859-1", "iso_8859-1", "cp819", "ibm819": return "ISO-8859-1"
        case "gb2312", "gbk", "x-gbk", "csgb2312", "euc-cn": return "GB18030"
        case "ks_c_5601-1987", "euc-kr", "korean", "csksc56011987": return "CP949"
        case "big5", "x-big5": return "BIG5-HKSCS"
        default:
            if l.hasPrefix("windows-") { return "WINDOWS-" + l.dropFirst(8) }
            if l.hasPrefix("cp125") { return "WINDOWS-" + l.dropFirst(2) }
            if l.hasPrefix("iso8859-") { return "ISO-8859-" + l.dropFirst(8) }
            if l.hasPrefix("iso_8859-") { return "ISO-8859-" + l.dropFirst(9) }
            return l.uppercased()
        }
    }

    /// ISO-2022-JP as Japanese phones send it: plain JIS X 0208 first, then read as CP50220
    /// (the NEC and IBM extensions such as ① and half-width katakana under ESC ( I or SO/SI),
    /// then JIS X 0213 and ISO-2022-JP-2 designations.
    static func decodeISO2022JP(_ bytes: [UInt8]) -> Decoded {
        // glibc passes unknown escapes and SO/SI through as control characters: not clean.
        if let r = iconvDecode(bytes, from: "ISO-2022-JP"), r.clean,
           !r.text.unicodeScalars.contains(where: { $0 == "\u{1B}" || $0 == "\u{0E}" || $0 == "\u{0F}" }) {
            return Decoded(text: r.text)
        }
        let sjis = jisToShiftJIS(bytes)
        if let r = iconvDecode(sjis, from: "CP932"), r.clean { return Decoded(text: r.text) }
        for candidate in ["ISO-2022-JP-3", "ISO-2022-JP-2"] {
            if let r = iconvDecode(bytes, from: candidate), r.clean { return Decoded(text: r.text) }
        }
        let lossy = iconvDecode(sjis, from: "CP932")?.text ?? String(decoding: bytes, as: UTF8.self)
        return Decoded(text: lossy, defect: "invalid ISO-2022-JP sequences replaced")
    }

    /// Rewrites ISO-2022-JP as Shift_JIS bytes, so CP932 can supply the vendor characters that
    /// strict ISO-2022-JP lacks. Sets it cannot express (JIS X 0212, 0213) become `?`-free
    /// invalid bytes that decode to U+FFFD.
    static func jisToShiftJIS(_ bytes: [UInt8]) -> [UInt8] {
        enum Mode { case ascii, kanji, katakana, other }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var mode = Mode.ascii, shiftedOut = false
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == 0x1B {
                let rest = bytes[(i + 1)..<min(n, i + 4)]
                if rest.starts(with: [0x24, 0x42]) || rest.starts(with: [0x24, 0x40]) { mode = .kanji; i += 3; continue }
                if rest.starts(with: [0x28, 0x42]) || rest.starts(with: [0x28, 0x4A]) { mode = .ascii; i += 3; continue }
                if rest.starts(with: [0x28, 0x49]) { mode = .katakana; i += 3; continue }
                if rest.starts(with: [0x24, 0x28]) || rest.starts(with: [0x24, 0x29]) { mode = .other; i += 4; continue }
                out.append(0xFF); i += 1; continue
            }
            if b == 0x0E { shiftedOut = true; i += 1; continue }
            if b == 0x0F { shiftedOut = false; i += 1; continue }
            if b == 0x0A || b == 0x0D { mode = .ascii; shiftedOut = false; out.append(b); i += 1; continue }
            if shiftedOut || mode == .katakana {
                out.append(b >= 0x21 && b <= 0x5F ? b + 0x80 : b); i += 1; continue
            }
            switch mode {
            case .ascii:
                out.append(b); i += 1
            case .kanji, .other:
                guard i + 1 < n, b >= 0x21, b <= 0x7E, bytes[i + 1] >= 0x21, bytes[i + 1] <= 0x7E else {
                    // Half a character: invalid in Shift_JIS too, so it shows as U+FFFD.
                    out.append(b >= 0x21 && b <= 0x7E ? 0xFF : b); i += 1; continue
                }
                if mode == .other { out.append(0xFF); i += 2; continue }
                let j1 = Int(b), j2 = Int(bytes[i + 1])
                let s1 = ((j1 + 1) >> 1) + (j1 <= 0x5E ? 0x70 : 0xB0)
                let s2 = j2 + (j1 & 1 == 1 ? (j2 < 0x60 ? 0x1F : 0x20) : 0x7E)
                out.append(UInt8(s1)); out.append(UInt8(s2))
                i += 2
            case .katakana:
                break
            }
        }
        return out
    }

    static func isASCII(_ bytes: [UInt8]) -> Bool { !bytes.contains(where: { $0 >= 0x80 }) }

    static func hasJISEscape(_ bytes: [UInt8]) -> Bool {
        var i = bytes.startIndex
        while let e = bytes[i...].firstIndex(of: 0x1B) {
            if e + 1 < bytes.endIndex, bytes[e + 1] == 0x24 || bytes[e + 1] == 0x28 { return true }
            i = e + 1
        }
        return false
    }

    /// Converts with iconv; nil when iconv does not know `charset`. `clean` is false when an
    /// invalid or truncated sequence had to be replaced with U+FFFD.
    static func iconvDecode(_ bytes: [UInt8], from charset: String) -> (text: String, clean: Bool)? {
        guard let converter = ciconv_open_to_utf8(charset) else { return nil }
        defer { ciconv_close(converter) }
        if bytes.isEmpty { return ("", true) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 3 / 2 + 16)
        var clean = true
        let chunk = 16_384
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: chunk) { buffer in
            bytes.withUnsafeBufferPointer { src in
                var inPtr: UnsafePointer<UInt8>? = src.baseAddress
                var inLeft = src.count
                var finishing = false
                while true {
                    var outPtr: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
                    var outLeft = chunk
                    // Once the input is used up, finishing writes out any pending shift state.
                    let status = finishing ? ciconv_finish(converter, &outPtr, &outLeft)
                                           : ciconv_convert(converter, &inPtr, &inLeft, &outPtr, &outLeft)
                    output.append(contentsOf: UnsafeBufferPointer(start: buffer.baseAddress, count: chunk - outLeft))
                    switch status {
                    case ciconv_done:
                        if finishing { return }
                        if inLeft == 0 { finishing = true }
                    case ciconv_output_full:
                        continue
                    case ciconv_invalid:
                        clean = false
                        output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                        if finishing { return }
                        inPtr = inPtr! + 1; inLeft -= 1
                        if inLeft == 0 { finishing = true }
                    default:
                        clean = false
                        return
                    }
                }
            }
        }
        return (String(decoding: output, as: UTF8.self), clean)
    }
}
